// What an embedder can tune, with RFC 9260 section 16's defaults where it gives them.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "assoc/clock.h"
#include "wire/ip_address.h"

namespace sctpkit::assoc {

using namespace std::chrono_literals;

// An Endpoint expects a config that validate() accepts.
struct EndpointConfig {
  uint16_t local_port = 0;
  // Listed in INIT / INIT ACK (RFC 9260 3.3.2.1). Empty: none listed, the peer uses the packet's
  // source address, which is what most single-homed hosts want.
  std::vector<wire::IpAddress> local_addresses;
  bool listen = false;  // answer INITs (a server); a client endpoint only connects

  // Limits (issue: configurable associations, streams, receive buffer, message size).
  size_t max_associations = 4096;
  // RFC 9260 14 (resource exhaustion): associations peers may set up from one source, so that one
  // host cannot take all of max_associations. A source is the address the INIT came from (the
  // cookie proves it got our INIT ACK), /32 for IPv4 and /64 for IPv6 (one host holds a whole /64);
  // a multi-homed peer counts once. 256 (1/16 of max_associations) still admits a NAT of many
  // hosts or a busy client while 16 sources are needed to fill the table. 0: no limit. Associations
  // this endpoint opens (connect) do not count.
  size_t max_associations_per_source = 256;
  // RFC 9260 12 (self-protection): paths kept per association from the peer's INIT / INIT ACK, its
  // source included. The source is always kept, and so are the addresses connect() was given and
  // the source of a COOKIE ECHO, beyond the limit. Each path is ~104 B and a probe per
  // RTO (5.4); an INIT can list ~8,000 IPv4 addresses. Telecom peers list 2-4; 16 leaves room for
  // hosts with many interfaces. Later addresses are ignored and counted in
  // EndpointCounters::peer_addresses_ignored.
  size_t max_peer_addresses = 16;
  uint16_t outbound_streams = 10;        // OS we ask for
  uint16_t max_inbound_streams = 65535;  // MIS we accept
  uint32_t receive_buffer = 1 << 21;     // bytes; our advertised a_rwnd starts here
  // RFC 9260 6.2: a_rwnd covers data the upper layer has not consumed. false (the default): a
  // MessageEvent handed out by poll_event() is consumed (an embedder that acts on each message at
  // once needs no further call). true: its bytes count against receive_buffer until
  // Endpoint::consumed() says the embedder is done with them, so an embedder that queues messages
  // for a slow application bounds that queue by the window (the public API's Stack does this).
  bool hold_window_until_consumed = false;
  size_t send_buffer = 1 << 22;          // bytes queued per association before send() says WouldBlock
  size_t max_message_size = 1 << 20;     // larger messages are refused (send) or aborted (receive)
  size_t max_packet_size = 1452;         // SCTP packet bytes: PMTU minus IP (and UDP) headers

  // RFC 9260 16: protocol parameters.
  Duration rto_initial = 1s;
  Duration rto_min = 1s;
  Duration rto_max = 60s;
  int max_burst = 4;
  int association_max_retransmits = 10;
  int path_max_retransmits = 5;
  int max_init_retransmits = 8;
  Duration valid_cookie_life = 60s;
  Duration heartbeat_interval = 30s;
  bool heartbeat_enabled = true;
  Duration sack_delay = 200ms;  // RFC 9260 6.2: "MUST NOT be more than 500 ms"
  int sack_frequency = 2;       // RFC 9260 6.2: ack at least every second packet
  Duration cookie_secret_lifetime = 1h;  // RFC 9260 5.1.3: "changed reasonably frequently (e.g., hourly)"
};

// Why `config` cannot work (one line: what is wrong and what to do), or nullopt.
[[nodiscard]] std::optional<std::string> validate(const EndpointConfig& config);

}  // namespace sctpkit::assoc
