// SCTP over UDP (RFC 6951): each SCTP packet is the payload of one UDP datagram. Needs no
// privilege and no kernel SCTP support.
#pragma once

#include <memory>
#include <unordered_map>
#include <variant>
#include <vector>

#include "net/batch_io.h"
#include "net/encap_port_map.h"
#include "net/route_source.h"
#include "net/socket_util.h"
#include "net/transport.h"

namespace sctpkit::net {

// RFC 6951 5.1 / IANA: the registered port for SCTP over UDP.
inline constexpr uint16_t kSctpUdpPort = 9899;
// RFC 6951 5.5: "the path MTU ... reduced by the size of the UDP header".
inline constexpr size_t kUdpHeaderSize = 8;

struct UdpEncapOptions {
  uint16_t local_port = kSctpUdpPort;   // 0: an ephemeral port (see UdpEncapTransport::local_port)
  uint16_t remote_port = kSctpUdpPort;  // used for a peer until a packet from it teaches us its port
  // Local addresses to bind, one socket each. Empty: the IPv4 and IPv6 wildcards (whichever the
  // host has).
  std::vector<wire::IpAddress> local_addresses;
  // UDP GSO on send and GRO on receive where the kernel has them (BatchIo); off: one datagram per
  // packet in both directions. Off by default: captures on the sending host (and on loopback or a
  // veth) see each GSO train as one oversized datagram (sctpkit::Options::udp_offload).
  bool offload = false;
};

class UdpEncapTransport final : public Transport {
 public:
  static std::variant<std::unique_ptr<UdpEncapTransport>, TransportError> open(const UdpEncapOptions& options);

  [[nodiscard]] std::span<const int> fds() const override { return fd_numbers_; }
  size_t receive(std::span<ReceivedPacket> out) override;
  void set_ready(std::span<const int> ready_fds) override { round_.set_ready(fd_numbers_, ready_fds); }
  [[nodiscard]] bool holds_input() const override { return in_next_ < in_count_; }
  size_t send(std::span<const OutgoingPacket> packets) override;
  [[nodiscard]] size_t overhead() const override { return kUdpHeaderSize; }

  void on_verified(const ReceivedPacket& packet) override;
  void on_answered_stateless(const ReceivedPacket& packet) override;

  [[nodiscard]] uint16_t local_port() const { return local_port_; }
  // The encapsulation port we send to for `peer`'s SCTP port `sctp_port`: learned from a verified
  // packet, else pinned, else the default.
  [[nodiscard]] uint16_t remote_port(const wire::IpAddress& peer, uint16_t sctp_port) const;
  // Pins a peer's encapsulation port (any SCTP port) before any packet arrived from it.
  void set_remote_port(const wire::IpAddress& peer, uint16_t port) { pinned_[peer] = port; }
  [[nodiscard]] const EncapPortMap& port_map() const { return ports_; }

  // For the benchmark: one system call per packet instead of recvmmsg/sendmmsg.
  void set_batching(bool on) { batching_ = on; }
  // Whether trains leave as UDP GSO messages: on where the kernel took UDP_SEGMENT, until it
  // refused a train (every socket must still have it).
  [[nodiscard]] bool gso() const;
  // Turns GSO off (it stays off once the kernel refused it).
  void disable_gso();
  // Packets that arrived inside UDP GRO trains (more than one datagram per buffer).
  [[nodiscard]] uint64_t gro_packets() const { return gro_packets_; }

 private:
  struct Socket {
    UniqueFd fd;
    int family = AF_INET;
    wire::IpAddress bound;  // unspecified for a wildcard socket
    bool gso = false;
  };
  UdpEncapTransport() = default;
  Socket* socket_for(const wire::IpAddress& source, const wire::IpAddress& destination);
  // The socket bound to the source routing picks towards `destination`, or nullptr. Kept out of
  // socket_for so that its single-homed path needs no stack frame.
  [[gnu::noinline, gnu::cold]] Socket* routed_socket(const wire::IpAddress& destination);
  ReadRound round_;
  // Hands out what the last read left (GRO trains are cut into packets here); returns how many.
  size_t hand_out(std::span<ReceivedPacket> out);

  std::vector<Socket> sockets_;
  std::vector<int> fd_numbers_;
  uint16_t local_port_ = 0;
  uint16_t default_remote_port_ = kSctpUdpPort;
  uint16_t send_port(const wire::IpAddress& peer, wire::Bytes packet);
  EncapPortMap ports_;
  std::unordered_map<wire::IpAddress, uint16_t> pinned_;
  BatchIo io_;
  std::array<Datagram, BatchIo::kBatch> in_{};
  // The last read, not yet all handed out: a GRO train may hold more packets than the caller has
  // room for, and the rest stay in io_'s buffers until the next receive().
  size_t in_count_ = 0;
  size_t in_next_ = 0;
  size_t in_offset_ = 0;  // into in_[in_next_].data
  const Socket* in_socket_ = nullptr;
  uint64_t gro_packets_ = 0;
  // Grows to the largest batch sent once (GSO trains want more than BatchIo::kBatch packets per
  // call), then allocates no more.
  std::vector<OutgoingDatagram> out_;
  bool batching_ = true;
  size_t next_socket_ = 0;
  RouteSources routes_;  // multi-homed: the socket for a destination with no learned source
  std::array<bool, 2> multi_homed_{};  // per family (IPv4, IPv6): multi_homed_families()
  bool multi_homed_any_ = false;       // either: the one test socket_for makes (single-homed: +3 instructions)
};

}  // namespace sctpkit::net
