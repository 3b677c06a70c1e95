// Small helpers shared by the socket-based transports: address conversion and error texts.
#pragma once

#include <netinet/in.h>
#include <sys/socket.h>

#include <optional>
#include <string_view>

#include "net/transport.h"
#include "wire/ip_address.h"

namespace sctpkit::net {

// Fills `out` with the address and port; returns the length to pass to the kernel.
socklen_t to_sockaddr(const wire::IpAddress& address, uint16_t port, sockaddr_storage& out);
// nullopt for families other than AF_INET / AF_INET6. IPv4-mapped IPv6 addresses come back as IPv4.
std::optional<wire::IpAddress> from_sockaddr(const sockaddr_storage& address, uint16_t* port = nullptr);

[[nodiscard]] inline bool is_unspecified(const wire::IpAddress& address) { return address.is_unspecified(); }

// errno of a failed call turned into an error whose message names the operation.
TransportError system_error(std::string_view what, int error_number);

// A file descriptor that closes itself.
class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) : fd_(fd) {}
  ~UniqueFd();
  UniqueFd(UniqueFd&& other) noexcept : fd_(other.release()) {}
  UniqueFd& operator=(UniqueFd&& other) noexcept;
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  [[nodiscard]] int get() const { return fd_; }
  int release() {
    int fd = fd_;
    fd_ = -1;
    return fd;
  }

 private:
  int fd_ = -1;
};

}  // namespace sctpkit::net
