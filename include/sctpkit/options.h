// How a Listener or an Association reaches the network.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace sctpkit {

enum class TransportKind : uint8_t {
  Udp,    // SCTP over UDP (RFC 6951): no privilege, no kernel module
  RawIp,  // IP protocol 132 through raw sockets: needs CAP_NET_RAW
};

struct Options {
  TransportKind transport = TransportKind::Udp;
  // UDP encapsulation ports. Local: a listener defaults to 9899, a client to an ephemeral port.
  std::optional<uint16_t> udp_local_port;
  uint16_t udp_remote_port = 9899;  // until the peer's packets teach us its port

  // Local addresses to bind and to list in the INIT (multi-homing); empty: the wildcard, and the
  // peer uses our packets' source address.
  std::vector<std::string> local_addresses;
  uint16_t local_port = 0;  // SCTP port of a client; 0: an ephemeral one

  uint16_t outbound_streams = 10;
  size_t mtu = 1500;                   // link MTU; the SCTP packet size follows from it
  size_t max_message_size = 1 << 20;
  size_t send_buffer = 1 << 22;
  uint32_t receive_buffer = 1 << 21;
  std::chrono::milliseconds rto_initial{1000};
  std::chrono::milliseconds rto_min{1000};

  // Blocking calls (connect, accept, send, receive, shutdown) wait this long at most unless a call
  // gives its own timeout. nullopt: forever.
  std::optional<std::chrono::milliseconds> timeout = std::chrono::milliseconds(30000);
  bool non_blocking = false;  // calls return Error::Code::WouldBlock instead of waiting
};

}  // namespace sctpkit
