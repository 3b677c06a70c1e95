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
// lands. Frames to another host (promiscuous) or our own outgoing ones are skipped; a host that
// forwards SCTP between its interfaces would hand the forwarded packets to us too: bind to
// addresses there. Each transport maps its own 8 MiB ring and, like a raw socket, gets a copy of
// every SCTP frame for the host's addresses (a Listener or each client Association has its own).
//
// The ring sees frames before the kernel's reassembly, so a datagram that the peer's kernel or a
// router fragmented (sent without DF, or larger than a link on the way) would be lost there. The
// raw IPv4 socket of protocol 132 that we hold anyway (while one exists the kernel does not answer
// our peer's packets with ICMP protocol-unreachable) sees datagrams after reassembly, which leaves
// no trace in the header (Linux's ip_frag_reasm writes the total length and clears MF and the
// offset). So the two split the datagrams between them by what the header does say: the ring takes
// the atomic ones (DF set, RFC 6864 4) that fit a ring frame, the common case (SCTP sets DF and
// sizes packets to the path MTU); the raw socket's filter passes exactly the rest (DF clear, or
// too long for a ring frame: a jumbo frame, a large packet on loopback), each datagram reaching us
// once. One case is lost: fragments that carried DF (a router re-fragmenting what it reassembled)
// of a datagram that fits a ring frame.
//
// Send: per destination, the route and the neighbour's MAC (NextHopResolver), cached. A packet whose
// destination has no usable next hop yet (no neighbour entry, a loopback or local route, a
// non-Ethernet interface), or that is larger than the interface MTU, goes through that raw socket
// instead (IP_HDRINCL or the kernel's fragmentation, as RawIpTransport does): the kernel then
// resolves the neighbour, and the destination is looked up again after kRetry. Resolved entries
// are looked up again after kRefresh, one packet going through the raw socket so that the kernel
// keeps confirming the neighbour (we never send through its neighbour code otherwise).
//
// The send socket does not set PACKET_QDISC_BYPASS (bench/packet_ceiling does): measured on a veth
// (noqueue, Linux 6.18; docs/bench.md, raw18 subsection) it saved no kernel time per frame (sender
// system time 3,021 -> 3,112 ns per DATA packet, medians of 8 alternated runs, within the noise),
// and it would cost: frames dropped at once when a NIC's queue is full instead of queued, tc
// egress rules skipped, and capture taps (tcpdump on the sending host) blind to our frames.
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

  [[nodiscard]] std::span<const int> fds() const override { return fd_numbers_; }
  // The ring first (no system call), then the raw socket, only while it may hold something: from
  // set_ready() naming it until a read comes back short. Its filter passes only rare datagrams
  // (DF clear, longer than a ring frame), so reading it on every empty round cost a failed
  // recvmmsg per busy-poll round (~3 per 64 B ping-pong round trip on each end).
  size_t receive(std::span<ReceivedPacket> out) override;
  void set_ready(std::span<const int> ready_fds) override;
  // The ring only: reading it costs no system call; the raw socket waits for the spin's epoll.
  [[nodiscard]] std::span<const int> spin_fds() const override { return std::span(fd_numbers_).first(1); }
  void bind_port(uint16_t port) override;
  void unbind_port(uint16_t port) override;
  size_t send(std::span<const OutgoingPacket> packets) override;
  [[nodiscard]] size_t overhead() const override { return 0; }

  // The clock the next-hop cache reads (kRetry, kRefresh): tests move it instead of sleeping.
  using Now = std::chrono::steady_clock::time_point (*)();
  void set_clock(Now now) { now_ = now; }

  // Packets send() passed to the raw socket instead of the packet socket (no next hop yet, too
  // large, refreshing a neighbour): for tests and diagnostics.
  [[nodiscard]] uint64_t sent_through_raw_socket() const { return raw_sent_; }
  // Packets handed out from the raw socket (DF clear, reassembled, or too long for a ring frame).
  [[nodiscard]] uint64_t received_through_raw_socket() const { return raw_received_; }
  // Fragments (MF or an offset) the ring skipped: expected, not errors, as the raw socket hands out
  // the datagram the kernel reassembles from them; so not in dropped().
  [[nodiscard]] uint64_t dropped_fragments() const { return fragments_; }
  // The longest IPv4 datagram a ring frame holds; longer ones are the raw socket's.
  [[nodiscard]] size_t ring_datagram_limit() const { return ring_limit_; }

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

  // The frames of the ring from next_frame_ on, into `out`.
  size_t receive_ring(std::span<ReceivedPacket> out);

  UniqueFd rx_;
  UniqueFd tx_;
  std::vector<int> fd_numbers_;  // the ring's, then the raw socket's
  std::unique_ptr<RawIpTransport> raw_;
  bool raw_drained_ = false;  // found empty, or not named by the last set_ready()
  uint64_t raw_dropped_seen_ = 0;  // raw_->dropped() already added to dropped_
  NextHopResolver resolver_;
  std::unordered_map<wire::IpAddress, Destination> destinations_;
  std::vector<wire::IpAddress> locals_;

  uint8_t* ring_ = nullptr;
  size_t ring_size_ = 0;
  size_t frame_size_ = 0;
  size_t frame_count_ = 0;
  size_t ring_limit_ = 0;
  size_t next_frame_ = 0;   // the next frame to look at
  size_t held_frames_ = 0;  // the frames before next_frame_ that are still ours (released by receive())

  Now now_ = &std::chrono::steady_clock::now;
  uint16_t ip_id_ = 0;
  uint64_t raw_sent_ = 0;
  uint64_t raw_received_ = 0;
  uint64_t fragments_ = 0;
  // The send batch, allocated once. Each message is two iovecs, our headers and then the caller's
  // SCTP bytes, so that nothing is copied in user space.
  struct Slot;
  std::unique_ptr<Slot[]> slots_;
  std::unique_ptr<mmsghdr[]> msgs_;
  std::vector<OutgoingPacket> raw_batch_;  // capacity BatchIo::kBatch, reserved by open()
};

// What the ring makes of an IPv4 frame.
enum class RingFrame : uint8_t {
  Sctp,       // an atomic datagram that fit: handed out
  Fragment,   // MF or an offset (RFC 791 3.1): the raw socket gets the reassembled datagram
  RawSocket,  // DF clear, or longer than `ring_limit`: the raw socket's filter passes it
  Malformed,  // a bad header, another protocol, or a total length past the bytes captured
};
// The SCTP packet in an IPv4 datagram as it came off the wire (no reassembly), if `kind` is Sctp.
// `ring_limit`: the longest datagram a ring frame holds.
std::optional<Ipv4Payload> parse_ipv4_frame(wire::Bytes datagram, size_t ring_limit, RingFrame& kind);

// The IPv4 header of a frame we send (RFC 791 3.1): DF, TTL 64, `id`, the header checksum.
void write_frame_ipv4_header(std::span<uint8_t, kIpv4HeaderSize> out, const wire::IpAddress& source,
                             const wire::IpAddress& destination, size_t payload_size, uint16_t id);

}  // namespace sctpkit::net
