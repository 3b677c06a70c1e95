// Many client associations to one server on one engine endpoint and one socket, for the setup and
// idle modes: the public API gives each connecting Association its own stack (socket, epoll and
// timer descriptors and an endpoint), which ran out of descriptors near 5,000 associations and
// measured stack creation more than SCTP.
//
// Each association gets its own SCTP port (assoc::ConnectRequest::local_port), so the server sees
// distinct peers (RFC 9260 2.5: one association between two endpoints) while the client keeps one
// endpoint, one transport and one wait loop.
#pragma once

#include <poll.h>

#include <bitset>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "assoc/endpoint.h"
#include "net/pooled_random.h"
#include "net/port_claim.h"
#include "net/transport.h"
#include "perf/swarm_ports.h"
#include "sctpkit/sctpkit.h"

namespace sctpkit::perf {

// Puts larger packets ahead of smaller ones when every packet is of a different association (a
// different SCTP source port: the swarm gives each association its own), keeping the order of equal
// sizes; leaves the batch alone otherwise, since one association's packets must keep their order.
// In the setup mode the server then reads the next INIT before the last SHUTDOWN and answers
// largest first as well: its INIT ACK and SHUTDOWN ACK leave as one UDP GSO message (net/batch_io.h:
// every segment but the last is as long as the first) that wakes us once, not once per packet
// (unpinned, context switches per setup fell from 3.06 to 2.1 on both ends). Our own pair joins
// too once give_unset_sources has run (batch_io joins only packets of one source).
void order_largest_first(std::span<net::OutgoingPacket> packets);

// Gives packets to `server` that leave from an unset source address (a new association's INIT:
// it has heard nothing yet) the address the server's packets came to. Routing picks that same
// address for them anyway; set, the INIT and the other associations' packets of the flight have
// one source and leave as one UDP GSO message.
void give_unset_sources(std::span<net::OutgoingPacket> packets, const wire::IpAddress& server,
                        const wire::IpAddress& learned);

class Swarm {
 public:
  // What became of an association; handed to the event callback.
  enum class Outcome : uint8_t { Connected, ShutDown, Failed };
  using OnOutcome = std::function<void(uint32_t id, Outcome outcome, const std::string& detail)>;

  // `options`: transport (UDP or raw IP) and UDP ports as for Association::connect.
  static Expected<std::unique_ptr<Swarm>> open(const Options& options, const std::string& host, uint16_t port,
                                               OnOutcome on_outcome);
  ~Swarm();
  Swarm(const Swarm&) = delete;
  Swarm& operator=(const Swarm&) = delete;

  // Starts the handshake (RFC 9260 5.1) from SCTP port `local_port`; the INIT leaves with the next
  // run_once(). The callback may call connect() and shutdown(). Over raw IP (no bind() for SCTP
  // ports) the swarm first claims the port's block (net::PortClaim::claim_block) unless it holds
  // it: AddressInUse when another stack of this network namespace holds a port in it.
  Expected<uint32_t> connect(uint16_t local_port);
  // As above from `ports`' next; over raw IP from blocks the swarm holds or can claim, skipping
  // those it cannot (another stack holds a port in them), so that a raw listener beside the swarm
  // never sees the swarm's INIT ACKs to its port and answers them as out of the blue (RFC 9260 8.4).
  Expected<uint32_t> connect(SwarmPorts& ports);
  // RFC 9260 9.2: graceful shutdown.
  void shutdown(uint32_t id);
  // Waits up to `timeout` for packets or the next timer, handles them and sends what follows.
  Status run_once(std::chrono::milliseconds timeout);
  // RFC 9260 9.1: aborts every association still open (the idle mode's end) and sends the ABORTs;
  // the outcome callback is not called any more.
  void abort_all();
  [[nodiscard]] size_t open_associations() const { return open_; }

 private:
  Swarm() = default;
  void flush();
  // Copies what the endpoint has to send into pending_ (sending only when it is full).
  void collect(assoc::TimePoint now);
  void send_pending();
  // Returns whether the callback ran (and so may have queued work).
  bool on_event(assoc::Event& event);
  // Raw IP: claims `block` for the swarm; why not, if not.
  std::optional<net::TransportError> claim_block(uint32_t block);

  OnOutcome on_outcome_;
  std::unique_ptr<net::Transport> transport_;
  net::PooledRandom random_;
  std::unique_ptr<assoc::Endpoint> endpoint_;
  wire::IpAddress server_;
  std::optional<wire::IpAddress> learned_source_;  // where the server's packets came to
  uint16_t server_port_ = 0;
  size_t open_ = 0;
  // Copies of the packets of one flush, sent as one batch: left uninitialised (as the event loop's),
  // so that the 4 MiB cost no page faults and no memset beyond the few slots a setup uses.
  std::unique_ptr<uint8_t[]> slab_;
  std::vector<net::OutgoingPacket> pending_;
  bool keep_order_ = false;  // pending_ holds a stateless answer (net::report_disposition)
  std::vector<net::ReceivedPacket> received_;
  std::vector<pollfd> poll_fds_;  // the transport's descriptors, built once
  std::vector<int> ready_fds_;     // those poll named, for Transport::set_ready (capacity reserved)
  std::chrono::microseconds busy_poll_{0};  // Options::busy_poll
  std::unordered_map<uint32_t, uint16_t> ports_;  // association id -> its SCTP port (bound in the transport)
  // Raw IP: the blocks of ports claimed, one descriptor each (at most 63), released with the swarm.
  bool raw_ = false;
  std::bitset<net::PortClaim::kBlocks> held_blocks_;
  std::vector<net::PortClaim> block_claims_;
};

}  // namespace sctpkit::perf
