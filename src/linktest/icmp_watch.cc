#include "linktest/icmp_watch.h"

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fmt/format.h>

#include <cstring>

#include "wire/byte_io.h"

namespace sctpkit::linktest {
namespace {

constexpr uint8_t kSctp = 132;

// The offending packet's IPv4 header inside an ICMP error: protocol and destination.
bool quotes_sctp_to(wire::Bytes quoted, const wire::IpAddress& server) {
  if (quoted.size() < 20 || (quoted[0] >> 4) != 4) return false;
  return quoted[9] == kSctp && std::memcmp(quoted.data() + 16, server.bytes().data(), 4) == 0;
}

}  // namespace

IcmpWatch::IcmpWatch(const wire::IpAddress& server) : server_(server) {
  fd_ = server.is_v4() ? ::socket(AF_INET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_ICMP)
                       : ::socket(AF_INET6, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_ICMPV6);
}

IcmpWatch::~IcmpWatch() {
  if (fd_ >= 0) ::close(fd_);
}

std::optional<std::string> IcmpWatch::protocol_unreachable() {
  if (fd_ < 0) return std::nullopt;
  uint8_t buffer[1500];
  for (;;) {
    sockaddr_storage from{};
    socklen_t from_len = sizeof from;
    const ssize_t n = ::recvfrom(fd_, buffer, sizeof buffer, 0, reinterpret_cast<sockaddr*>(&from), &from_len);
    if (n <= 0) return std::nullopt;
    const wire::Bytes packet(buffer, static_cast<size_t>(n));
    if (server_.is_v4()) {
      // IPv4 raw sockets deliver the IP header too (RFC 792: ICMP follows it).
      if (packet.size() < 20) continue;
      const size_t ihl = static_cast<size_t>(packet[0] & 0x0f) * 4;
      if (packet.size() < ihl + 8) continue;
      const auto icmp = packet.subspan(ihl);
      if (icmp[0] == 3 && icmp[1] == 2 && quotes_sctp_to(icmp.subspan(8), server_)) {
        const auto* source = packet.data() + 12;
        return fmt::format("ICMP protocol unreachable from {}.{}.{}.{}", source[0], source[1], source[2], source[3]);
      }
    } else {
      // ICMPv6 raw sockets deliver the message alone; the offending IPv6 header follows 8 bytes.
      if (packet.size() < 8 + 40) continue;
      const auto quoted = packet.subspan(8);
      if (packet[0] == 4 && packet[1] == 1 && quoted[6] == kSctp &&
          std::memcmp(quoted.data() + 24, server_.bytes().data(), 16) == 0)
        return fmt::format("ICMPv6 unrecognized next header (SCTP) from {}", server_.to_string());
    }
  }
}

}  // namespace sctpkit::linktest
