#include "kernel/raw_sctp_socket.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>

namespace sctpkit::kernel_test {

RawSctpSocket::RawSctpSocket(KernelPeer& peer, int family) : family_(family) {
  peer.in_namespace([&] { fd_ = socket(family, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_SCTP); });
}

RawSctpSocket::~RawSctpSocket() {
  if (fd_ >= 0) close(fd_);
}

bool RawSctpSocket::send_to(const std::string& destination, wire::Bytes packet) {
  sockaddr_storage addr{};
  socklen_t length = 0;
  if (family_ == AF_INET6) {
    auto* a = reinterpret_cast<sockaddr_in6*>(&addr);
    a->sin6_family = AF_INET6;
    if (inet_pton(AF_INET6, destination.c_str(), &a->sin6_addr) != 1) return false;
    length = sizeof(*a);
  } else {
    auto* a = reinterpret_cast<sockaddr_in*>(&addr);
    a->sin_family = AF_INET;
    if (inet_pton(AF_INET, destination.c_str(), &a->sin_addr) != 1) return false;
    length = sizeof(*a);
  }
  return sendto(fd_, packet.data(), packet.size(), 0, reinterpret_cast<sockaddr*>(&addr), length) ==
         static_cast<ssize_t>(packet.size());
}

std::optional<std::vector<uint8_t>> RawSctpSocket::receive(const std::function<bool(wire::Bytes)>& accept,
                                                           std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  std::vector<uint8_t> buffer(65536);
  for (;;) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()).count();
    if (left <= 0) return std::nullopt;
    pollfd pfd{fd_, POLLIN, 0};
    if (poll(&pfd, 1, static_cast<int>(left)) <= 0) continue;
    const ssize_t n = recv(fd_, buffer.data(), buffer.size(), 0);
    if (n <= 0) continue;
    wire::Bytes packet(buffer.data(), static_cast<size_t>(n));
    if (family_ == AF_INET) {
      // Raw IPv4 sockets deliver the IP header too (IPv6 ones do not): skip IHL words.
      if (packet.empty()) continue;
      const size_t header = static_cast<size_t>(packet[0] & 0x0f) * 4;
      if (header < 20 || header > packet.size()) continue;
      packet = packet.subspan(header);
    }
    if (accept(packet)) return std::vector<uint8_t>(packet.begin(), packet.end());
  }
}

}  // namespace sctpkit::kernel_test
