// SCTP directly over IP (protocol 132) through raw sockets: works on hosts without the kernel's SCTP
// module, needs CAP_NET_RAW. A raw socket sees every SCTP packet the host receives, so only packets
// to the ports bound with bind_port() are handed out; the rest are left to whoever owns them.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "net/batch_io.h"
#include "net/route_source.h"
#include "net/socket_util.h"
#include "net/transport.h"

namespace sctpkit::net {

inline constexpr int kIpProtocolSctp = 132;  // IANA protocol number (RFC 9260 1.1)
inline constexpr size_t kIpv4HeaderSize = 20;  // RFC 791 3.1: the header without options

struct RawIpOptions {
  // Local addresses to bind, one socket each (a bound raw socket only sees packets to its address).
  // Empty: the IPv4 and IPv6 wildcards.
  std::vector<wire::IpAddress> local_addresses;
  bool ipv4 = true;  // with no local_addresses: which wildcards to open
  bool ipv6 = true;
};

class RawIpTransport final : public Transport {
 public:
  // Fails with Code::NoPrivilege and a message suggesting --udp when CAP_NET_RAW is missing.
  static std::variant<std::unique_ptr<RawIpTransport>, TransportError> open(const RawIpOptions& options);

  // A one-line warning if the kernel's SCTP module is loaded: the kernel then answers our peers'
  // packets itself (with ABORTs for ports it does not know), which breaks a userspace association.
  static std::optional<std::string> kernel_sctp_warning();
  // Where to look for the module; tests point this at a fake tree.
  static bool kernel_sctp_loaded(const std::string& proc_root = "/proc", const std::string& sys_root = "/sys");

  [[nodiscard]] std::span<const int> fds() const override { return fd_numbers_; }
  size_t receive(std::span<ReceivedPacket> out) override;
  void set_ready(std::span<const int> ready_fds) override { round_.set_ready(fd_numbers_, ready_fds); }
  size_t send(std::span<const OutgoingPacket> packets) override;
  [[nodiscard]] size_t overhead() const override { return 0; }

 private:
  struct Socket {
    UniqueFd fd;
    int family = AF_INET;
    wire::IpAddress bound;
    // IPv4: we write the IP header (IP_HDRINCL), so the kernel copies the payload without summing
    // it (a raw socket without it runs csum_and_copy over every byte, for a checksum nobody reads);
    // off again once the kernel refuses a packet larger than the device MTU (EMSGSIZE), to let it
    // fragment as it did before.
    bool hdrincl = false;
    uint8_t ttl = 64;
  };
  RawIpTransport() = default;
  Socket* socket_for(const wire::IpAddress& source, const wire::IpAddress& destination);
  // The socket bound to the source routing picks towards `destination`, or nullptr. Kept out of
  // socket_for so that its single-homed path needs no stack frame.
  [[gnu::noinline, gnu::cold]] Socket* routed_socket(const wire::IpAddress& destination);
  // Sends out_[0, n) through `socket`; returns how many the kernel took.
  size_t send_batch(Socket& socket, size_t n);
  ReadRound round_;

  std::vector<Socket> sockets_;
  std::vector<int> fd_numbers_;
  BatchIo io_;
  std::array<Datagram, BatchIo::kBatch> in_{};
  std::array<OutgoingDatagram, BatchIo::kBatch> out_{};
  std::array<std::array<uint8_t, kIpv4HeaderSize>, BatchIo::kBatch> headers_{};
  size_t next_socket_ = 0;
  RouteSources routes_;  // multi-homed: the socket for a destination with no learned source
  std::array<bool, 2> multi_homed_{};  // per family (IPv4, IPv6): multi_homed_families()
  bool multi_homed_any_ = false;       // either: the one test socket_for makes (single-homed: +3 instructions)
};

// The payload of an IPv4 datagram as a raw socket delivers it (header included), with its
// destination address; nullopt if the header is malformed or not SCTP.
struct Ipv4Payload {
  wire::IpAddress destination;
  wire::Bytes payload;
};
std::optional<Ipv4Payload> strip_ipv4_header(wire::Bytes datagram);

// The IPv4 header (RFC 791 3.1) in front of an SCTP packet of `payload_size` bytes, as an IP_HDRINCL
// raw socket sends it: DF set, identification and checksum 0 (the kernel fills both in), and the
// source 0 when unspecified (the kernel takes the route's).
void write_ipv4_header(std::span<uint8_t, kIpv4HeaderSize> out, const wire::IpAddress& source,
                       const wire::IpAddress& destination, size_t payload_size, uint8_t ttl);

}  // namespace sctpkit::net
