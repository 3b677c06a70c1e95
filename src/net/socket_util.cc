#include "net/socket_util.h"

#include <fmt/format.h>
#include <unistd.h>

#include <cstring>

namespace sctpkit::net {

socklen_t to_sockaddr(const wire::IpAddress& address, uint16_t port, sockaddr_storage& out) {
  std::memset(&out, 0, sizeof out);
  if (address.is_v4()) {
    auto* sin = reinterpret_cast<sockaddr_in*>(&out);
    sin->sin_family = AF_INET;
    sin->sin_port = htons(port);
    std::memcpy(&sin->sin_addr, address.bytes().data(), 4);
    return sizeof(sockaddr_in);
  }
  auto* sin6 = reinterpret_cast<sockaddr_in6*>(&out);
  sin6->sin6_family = AF_INET6;
  sin6->sin6_port = htons(port);
  std::memcpy(&sin6->sin6_addr, address.bytes().data(), 16);
  return sizeof(sockaddr_in6);
}

std::optional<wire::IpAddress> from_sockaddr(const sockaddr_storage& address, uint16_t* port) {
  if (address.ss_family == AF_INET) {
    const auto* sin = reinterpret_cast<const sockaddr_in*>(&address);
    if (port) *port = ntohs(sin->sin_port);
    return wire::IpAddress::v4(reinterpret_cast<const uint8_t*>(&sin->sin_addr));
  }
  if (address.ss_family == AF_INET6) {
    const auto* sin6 = reinterpret_cast<const sockaddr_in6*>(&address);
    if (port) *port = ntohs(sin6->sin6_port);
    const auto* b = reinterpret_cast<const uint8_t*>(&sin6->sin6_addr);
    if (IN6_IS_ADDR_V4MAPPED(&sin6->sin6_addr)) return wire::IpAddress::v4(b + 12);
    return wire::IpAddress::v6(b);
  }
  return std::nullopt;
}

TransportError system_error(std::string_view what, int error_number) {
  TransportError e;
  e.error_number = error_number;
  switch (error_number) {
    case EADDRINUSE: e.code = TransportError::Code::AddressInUse; break;
    case EADDRNOTAVAIL:
    case EINVAL: e.code = TransportError::Code::AddressInvalid; break;
    case EAFNOSUPPORT:
    case EPROTONOSUPPORT:
    case ENOPROTOOPT: e.code = TransportError::Code::Unsupported; break;
    case EPERM:
    case EACCES: e.code = TransportError::Code::NoPrivilege; break;
    default: e.code = TransportError::Code::System; break;
  }
  e.message = fmt::format("{}: {}", what, std::strerror(error_number));
  return e;
}

UniqueFd::~UniqueFd() {
  if (fd_ >= 0) ::close(fd_);
}

UniqueFd& UniqueFd::operator=(UniqueFd&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = other.release();
  }
  return *this;
}

}  // namespace sctpkit::net
