// How a Listener or an Association reaches the network.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace sctpkit {

enum class TransportKind : uint8_t {
  Udp,    // SCTP over UDP (RFC 6951): no privilege, no kernel module
  RawIp,  // IP protocol 132 through raw sockets: needs CAP_NET_RAW
  // The operating system's own SCTP (Linux: the sctp module) through its RFC 6458 socket API; the
  // kernel runs the protocol. Options that only our stack has (packet_trace, mtu, UDP ports) are
  // not used; a blocking-style connect even with non_blocking.
  Kernel,
};

// How TransportKind::RawIp reaches the network.
enum class RawIo : uint8_t {
  Socket,  // raw IP sockets of protocol 132: the kernel routes, resolves neighbours, fragments
  // AF_PACKET (Linux, IPv4 over Ethernet only): Ethernet frames written by the stack, a memory-mapped
  // receive ring. Fewer kernel cycles per packet, but the frames bypass netfilter, NAT and conntrack:
  // for a namespace of its own (a pod), not a host whose firewall must see SCTP.
  Packet,
};

// True when the running kernel has SCTP loaded (/sys/module/sctp): what automatic transport
// selection (e.g. `sctpkit cat` without --udp/--raw/--kernel) looks at.
[[nodiscard]] bool kernel_sctp_loaded();

// One SCTP packet the stack sent or received, for tracing (e.g. `sctpkit cat --trace`), as it was
// on the wire. The views are valid only during the callback.
struct PacketTrace {
  bool sent = false;
  // 4 or 16 bytes. A wildcard-bound sender shows the source the kernel's route gives (0.0.0.0 / ::
  // only when there is no route).
  std::span<const uint8_t> source_ip;
  std::span<const uint8_t> destination_ip;
  // UDP encapsulation ports (RFC 6951) of this packet: the bound local port, and the peer's port
  // it came from or was sent to (learned or default); both 0 over raw IP.
  uint16_t udp_source_port = 0;
  uint16_t udp_destination_port = 0;
  std::span<const uint8_t> packet;          // the SCTP packet, common header first
  std::chrono::system_clock::time_point time;
};

struct Options {
  TransportKind transport = TransportKind::Udp;
  // UDP encapsulation ports. Local: a listener defaults to 9899, a client to an ephemeral port.
  std::optional<uint16_t> udp_local_port;
  uint16_t udp_remote_port = 9899;  // until the peer's packets teach us its port
  // UDP GSO on send and GRO on receive where the kernel has them (docs/perf.md, "Batching, GSO and
  // GRO"). Off by default: a capture on the sending host, or on loopback or a veth, shows each
  // train as one oversized datagram that tcpdump, tshark and `sctpkit dump` flag as malformed.
  bool udp_offload = false;
  RawIo raw_io = RawIo::Socket;  // TransportKind::RawIp only

  // Local addresses to bind and to list in the INIT (multi-homing); empty: the wildcard, and the
  // peer uses our packets' source address.
  std::vector<std::string> local_addresses;
  uint16_t local_port = 0;  // SCTP port of a client; 0: an ephemeral one

  uint16_t outbound_streams = 10;
  uint16_t max_inbound_streams = 65535;  // RFC 9260 5.1.1: the MIS we accept
  size_t mtu = 1500;                   // link MTU; the SCTP packet size follows from it
  // Our stack (UDP, raw IP) refuses a receive_buffer smaller than this (Error::InvalidArgument):
  // a larger message could never be reassembled within the window and would stall the association.
  size_t max_message_size = 1 << 20;
  size_t send_buffer = 1 << 22;
  size_t max_associations = 4096;  // a listener refuses INITs beyond this many (RFC 9260 5.1 ABORT)
  // ... and beyond this many from one source (an IPv4 address, an IPv6 /64), so that one host
  // cannot take them all (RFC 9260 14); 0: no per-source limit.
  size_t max_associations_per_source = 256;
  // The peer addresses (multi-homing, RFC 9260 5.1.2) one association keeps from an INIT or INIT
  // ACK, the packet's source included: the rest are ignored, so that a peer listing thousands
  // cannot make us hold (and probe, 5.4) thousands of paths (RFC 9260 12). Our stack only.
  size_t max_peer_addresses = 16;
  // The window advertised to the peer (RFC 9260 6.2). It covers received messages that receive()
  // has not returned yet, so about this many payload bytes at most wait for a slow reader. A
  // message held counts at least 128 bytes (about what holding it costs), so that a peer's tiny
  // messages cannot make us hold a hundred times the buffer in bookkeeping.
  uint32_t receive_buffer = 1 << 21;
  std::chrono::milliseconds rto_initial{1000};
  std::chrono::milliseconds rto_min{1000};
  // RFC 9260 8.3: the heartbeat interval; nullopt: the engine's default (30 s).
  std::optional<std::chrono::milliseconds> heartbeat_interval;
  int max_init_retransmits = 8;  // RFC 9260 16: Max.Init.Retransmits

  // Called for every packet sent and received (not thread-safe: the thread driving the handle).
  std::function<void(const PacketTrace&)> packet_trace;

  // Blocking calls (connect, accept, send, receive, shutdown) wait this long at most unless a call
  // gives its own timeout. nullopt: forever.
  std::optional<std::chrono::milliseconds> timeout = std::chrono::milliseconds(30000);
  bool non_blocking = false;  // calls return Error::Code::WouldBlock instead of waiting
  // Busy polling, like the kernel's SO_BUSY_POLL: before a wait would sleep, the stack polls its
  // sockets without sleeping for up to this long. Trades CPU (a core spins while it waits) for
  // latency (no sleep and wake-up when the answer comes within it). 0: off.
  std::chrono::microseconds busy_poll{0};
};

}  // namespace sctpkit
