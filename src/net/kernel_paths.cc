#include "net/kernel_paths.h"

#include <netinet/in.h>

// The kernel's UAPI header (no libsctp); it needs the socket types declared first.
#include <linux/sctp.h>

#include <cerrno>
#include <chrono>
#include <cstring>

#include "net/socket_util.h"

namespace sctpkit::detail {

std::vector<sockaddr_storage> unpack_peer_addresses(std::span<const uint8_t> bytes, size_t count) {
  std::vector<sockaddr_storage> addresses;
  size_t at = 0;
  while (addresses.size() < count && at + sizeof(sa_family_t) <= bytes.size()) {
    sa_family_t family = 0;
    std::memcpy(&family, bytes.data() + at, sizeof family);
    const size_t length = family == AF_INET ? sizeof(sockaddr_in) : family == AF_INET6 ? sizeof(sockaddr_in6) : 0;
    if (length == 0 || at + length > bytes.size()) break;
    sockaddr_storage address{};
    std::memcpy(&address, bytes.data() + at, length);
    addresses.push_back(address);
    at += length;
  }
  return addresses;
}

void set_path_state(int32_t spinfo_state, PathInfo& path) {
  path.active = spinfo_state == SCTP_ACTIVE;
  path.confirmed = spinfo_state != SCTP_UNCONFIRMED;
}

namespace {

// SCTP_GET_PEER_ADDRS's answer; the buffer grows while the kernel says the addresses do not fit.
std::vector<sockaddr_storage> peer_addresses(int fd) {
  for (size_t room = 16; room <= 1024; room *= 4) {
    std::vector<uint8_t> buffer(sizeof(sctp_getaddrs) + room * sizeof(sockaddr_in6));
    sctp_getaddrs header{};  // assoc_id 0: a one-to-one socket has one association
    std::memcpy(buffer.data(), &header, sizeof header);
    auto length = static_cast<socklen_t>(buffer.size());
    if (::getsockopt(fd, IPPROTO_SCTP, SCTP_GET_PEER_ADDRS, buffer.data(), &length) != 0) {
      if (errno == ENOMEM) continue;
      return {};
    }
    std::memcpy(&header, buffer.data(), sizeof header);
    const size_t end = std::min<size_t>(length, buffer.size());
    if (end < sizeof header) return {};
    return unpack_peer_addresses(std::span(buffer.data() + sizeof header, end - sizeof header), header.addr_num);
  }
  return {};
}

bool query(int fd, const sockaddr_storage& address, sctp_paddrinfo& info) {
  info = sctp_paddrinfo{};
  std::memcpy(&info.spinfo_address, &address, sizeof address);
  socklen_t length = sizeof info;
  return ::getsockopt(fd, IPPROTO_SCTP, SCTP_GET_PEER_ADDR_INFO, &info, &length) == 0;
}

}  // namespace

std::vector<PathInfo> kernel_peer_paths(int fd, const sockaddr_storage& primary) {
  const auto primary_address = net::from_sockaddr(primary);
  std::vector<PathInfo> paths;
  for (const auto& raw : peer_addresses(fd)) {
    uint16_t port = 0;
    const auto address = net::from_sockaddr(raw, &port);
    if (!address) continue;
    // RFC 6458 8.2.2: asked by the address as the kernel gave it; a v4-mapped one (dual-stack
    // socket) also as plain IPv4, the form in which some kernels keep the path.
    sctp_paddrinfo info;
    sockaddr_storage plain{};
    net::to_sockaddr(*address, port, plain);
    if (!query(fd, raw, info) && !query(fd, plain, info)) continue;
    PathInfo path;
    path.address = address->to_string();
    path.primary = primary_address && *address == *primary_address;
    set_path_state(info.spinfo_state, path);
    // Linux reports srtt in the units it keeps it in (whole milliseconds where HZ is 1000): 0 on a
    // fast link is "below one unit", not "not measured".
    path.srtt = std::chrono::milliseconds(info.spinfo_srtt);
    path.rto = std::chrono::milliseconds(info.spinfo_rto);
    path.cwnd = info.spinfo_cwnd;
    paths.push_back(std::move(path));
  }
  return paths;
}

}  // namespace sctpkit::detail
