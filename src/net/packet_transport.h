// SCTP over raw IPv4 through AF_PACKET (packet(7)) instead of raw IP sockets: opt-in
// (Options::raw_io, `--raw-io packet`), IPv4 and Ethernet only, needs CAP_NET_RAW. It skips the
// kernel's per-packet work on both sides (docs/bench.md, "AF_PACKET instead of raw sockets"):
// frames leave by sendmmsg on a packet socket with the Ethernet and IPv4 headers written here
// (no route lookup or IP output per packet), and arrive in a memory-mapped RX ring (no socket
// queue, no copy to a read buffer, no system call while the ring holds frames).
//
// CAUTION: frames sent this way bypass netfilter (iptables/nftables output rules), NAT and
// conntrack, and are not fragmented. That is fine inside a pod's own network namespace; on a host
// whose firewall or NAT must see SCTP, use the default raw-socket I/O.
//
// Receive: one packet socket bound to ETH_P_IP on every interface (so a wildcard bind and
// loopback work alike), with a classic BPF filter that passes only IPv4 protocol 132 (and, when
// bound to addresses, only to them), and a TPACKET_V2 RX ring. V2, not V3: a V3 ring wakes its
// reader once per retired block, and a part-filled block retires only on a timer counted in
// jiffies (>= 1 ms), which would put milliseconds into every ping-pong; V2 marks each frame as it
// lands. Fragments are dropped and counted (the kernel's reassembly happens after the tap; SCTP
// sizes its packets to the path MTU and sets DF). Frames to another host (promiscuous) or our own
// outgoing ones are skipped; a host that forwards SCTP between its interfaces would hand the
// forwarded packets to us too: bind to addresses there. Each transport maps its own 8 MiB ring and,
// like a raw socket, gets a copy of every SCTP frame for the host's addresses (a Listener or each
// client Association has its own).
//
// A raw IPv4 socket of protocol 132 stays open with a drop-all filter: while one exists the kernel
// does not answer our peer's packets with ICMP protocol-unreachable, and the filter keeps it from
// queueing a copy of each for us.
//
// Send: per destination, the route and the neighbour's MAC (NextHopResolver), cached. A packet whose
// destination has no usable next hop yet (no neighbour entry, a loopback or local route, a
// non-Ethernet interface), or that is larger than the interface MTU, goes through that raw socket
// instead (IP_HDRINCL or the kernel's fragmentation, as RawIpTransport does): the kernel then
// resolves the neighbour, and the destination is looked up again after kRetry. Resolved entries
// are looked up again after kRefresh, one packet going through the raw socket so that the kernel
// keeps confirming the neighbour (we never send through its neighbour code otherwise).
#pragma once

#include <chrono>
#include <memory>
#include <unordered_map>
#include <variant>
#include <vector>

#include "net/next_hop.h"
#include "net/raw_ip_transport.h"
#include "net/transport.h"

struct iovec;
struct mmsghdr;
struct sockaddr_ll;

namespace sctpkit::net {

struct PacketOptions {
  // IPv4 addresses to accept packets for; empty: every address of the host.
  std::vector<wire::IpAddress> local_addresses;
};

class PacketTransport final : public Transport {
 public:
  static constexpr std::chrono::milliseconds kRetry{100};
  static constexpr std::chrono::milliseconds kRefresh{1000};
  static constexpr size_t kEthernetHeader = 14;

  // Fails with NoPrivilege (no CAP_NET_RAW), AddressInvalid (an IPv6 address) or Unsupported (the
  // kernel refused the ring), each message saying what to do.
  static std::variant<std::unique_ptr<PacketTransport>, TransportError> open(const PacketOptions& options);
  ~PacketTransport() override;
  PacketTransport(const PacketTransport&) = delete;
  PacketTransport& operator=(const PacketTransport&) = delete;

  [[nodiscard]] std::span<const int> fds() const override { return {&rx_fd_number_, 1}; }
  size_t receive(std::span<ReceivedPacket> out) override;
  size_t send(std::span<const OutgoingPacket> packets) override;
  [[nodiscard]] size_t overhead() const override { return 0; }

  // Packets send() passed to the raw socket instead of the packet socket (no next hop yet, too
  // large, refreshing a neighbour): for tests and diagnostics.
  [[nodiscard]] uint64_t sent_through_raw_socket() const { return raw_sent_; }
  // Fragments (MF or an offset) and malformed IPv4 frames dropped on receive; also in dropped().
  [[nodiscard]] uint64_t dropped_fragments() const { return fragments_; }

 private:
  struct Destination {
    std::optional<NextHop> hop;
    std::chrono::steady_clock::time_point look_again;
  };
  PacketTransport();
  // The next hop to frame `destination` for, or nullptr to use the raw socket for this packet.
  const NextHop* next_hop(const wire::IpAddress& destination, size_t ip_size, std::chrono::steady_clock::time_point now);
  // Hands the frames passed out by the last receive() back to the kernel.
  void release_frames();
  size_t flush_frames(size_t n);
  size_t flush_raw(size_t n);

  UniqueFd rx_;
  UniqueFd tx_;
  int rx_fd_number_ = -1;
  std::unique_ptr<RawIpTransport> raw_;
  NextHopResolver resolver_;
  std::unordered_map<wire::IpAddress, Destination> destinations_;
  std::vector<wire::IpAddress> locals_;

  uint8_t* ring_ = nullptr;
  size_t ring_size_ = 0;
  size_t frame_size_ = 0;
  size_t frame_count_ = 0;
  size_t next_frame_ = 0;   // the next frame to look at
  size_t held_frames_ = 0;  // the frames before next_frame_ that are still ours (released by receive())

  uint16_t ip_id_ = 0;
  uint64_t raw_sent_ = 0;
  uint64_t fragments_ = 0;
  // The send batch, allocated once. Each message is two iovecs, our headers and then the caller's
  // SCTP bytes, so that nothing is copied in user space.
  struct Slot;
  std::unique_ptr<Slot[]> slots_;
  std::unique_ptr<mmsghdr[]> msgs_;
  std::vector<OutgoingPacket> raw_batch_;  // capacity BatchIo::kBatch, reserved by open()
};

// The SCTP packet in an IPv4 datagram as it came off the wire (no reassembly): nullopt, with
// `fragment` set, for a fragment; nullopt for a malformed header or another protocol.
std::optional<Ipv4Payload> parse_ipv4_frame(wire::Bytes datagram, bool& fragment);

// The IPv4 header of a frame we send (RFC 791 3.1): DF, TTL 64, `id`, the header checksum.
void write_frame_ipv4_header(std::span<uint8_t, kIpv4HeaderSize> out, const wire::IpAddress& source,
                             const wire::IpAddress& destination, size_t payload_size, uint16_t id);

}  // namespace sctpkit::net
