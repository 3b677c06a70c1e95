// The peer's transport addresses (RFC 9260 5.1.2) and what is known of each: reachability and error
// counters (8.1, 8.2), heartbeats (8.3), and which one carries data now (6.4, 6.4.1).
//
// RTO and congestion state per destination live in tx/RetransmissionQueue (SACK processing feeds
// both); a Path names its entry there (`destination`) once a DataSender exists, and keeps a copy of
// that destination's current RTO (`rto`, kept up to date by the DataSender) for heartbeat timing.
#pragma once

#include <array>
#include <cstdint>
#include <deque>
#include <optional>
#include <span>
#include <vector>

#include "assoc/clock.h"
#include "assoc/config.h"
#include "assoc/events.h"
#include "assoc/random.h"
#include "assoc/sparse_queue.h"
#include "assoc/tx/retransmission_queue.h"
#include "wire/ip_address.h"

namespace sctpkit::assoc {

struct Path {
  // Ordered by alignment (the 1-byte-aligned addresses first) so that a Path has no holes: each
  // association keeps one per peer address on the heap (issue 5's memory budget).
  wire::IpAddress address;
  bool active = true;             // RFC 9260 8.2: inactive after Path.Max.Retrans consecutive timeouts
  // RFC 9260 5.4: an address the peer listed but that no HEARTBEAT nonce has come back from may not
  // be the peer's: nothing but HEARTBEATs goes to it until one is answered.
  bool confirmed = true;
  // The local address packets from this peer address arrived on: the source for packets to it,
  // since that pair is known to work and to be known to the peer (RFC 9260 6.4, 8.3).
  std::optional<wire::IpAddress> local_source;
  uint32_t error_count = 0;
  DestinationId destination{0};   // the RetransmissionQueue entry of this address
  uint32_t heartbeat_backoff = 0;  // RFC 9260 8.3: RTO doubled per unanswered HEARTBEAT
  uint32_t heartbeat_jitter = 0;   // random draw behind the jitter of the next heartbeat
  Duration rto{};                 // that destination's RTO now (RFC 9260 6.3.1)
  size_t max_packet_size = 0;
  // RFC 9260 8.3 heartbeat bookkeeping.
  TimePoint next_heartbeat{};
  std::optional<TimePoint> heartbeat_outstanding_since;
  uint64_t heartbeat_nonce = 0;
};

// What to put in a HEARTBEAT chunk and where to send it.
struct HeartbeatRequest {
  wire::IpAddress destination;
  std::array<uint8_t, 40> info{};  // Heartbeat Info value: opaque to the peer, checked on return
  size_t info_size = 0;
};

// A HEARTBEAT ACK that matched the HEARTBEAT we sent: an RTT measurement for `path` (8.3).
struct HeartbeatAck {
  Path* path = nullptr;
  Duration rtt{};
};

class PathManager {
 public:
  // Heartbeat Info we send: nonce (8), send time (8), address family (1), address (16).
  static constexpr size_t kHeartbeatInfoSize = 33;

  // `addresses` holds every peer address (5.1.2); `primary` must be one of them (else the first is).
  // Of them only `confirmed` and the primary start CONFIRMED (RFC 9260 5.4 rules 1 and 2); the rest
  // are probed with HEARTBEATs from the start.
  PathManager(const EndpointConfig& config, std::span<const wire::IpAddress> addresses,
              const wire::IpAddress& primary, std::span<const wire::IpAddress> confirmed, RandomSource& random,
              TimePoint now);

  [[nodiscard]] std::span<Path> paths() { return paths_; }
  [[nodiscard]] std::span<const Path> paths() const { return paths_; }
  Path* find(const wire::IpAddress& address);
  Path* find(DestinationId destination);
  Path& primary() { return paths_[primary_index_]; }
  [[nodiscard]] const Path& primary() const { return paths_[primary_index_]; }
  // RFC 9260 6.4: the primary while it is active, else another active confirmed path (6.4.1
  // failover; 5.4: never an UNCONFIRMED one).
  Path& data_destination() { return paths_[data_index_]; }
  // RFC 9260 6.4: "retransmit to an active destination transport address that is different from
  // the last destination address to which the DATA chunk was sent" when there is one.
  Path& retransmission_destination(const wire::IpAddress& last_sent_to);

  // RFC 9260 8.1 / 8.2: a retransmission timer or an unanswered heartbeat on `path`. Returns true
  // when the association's error count exceeds Association.Max.Retrans (the association fails).
  bool on_timeout(Path& path, TimePoint now);
  // RFC 9260 8.2: data sent to `path` was acknowledged, or a HEARTBEAT ACK came back from it.
  void on_success(Path& path);
  // RFC 9260 8.1: a HEARTBEAT ACK or an acknowledgement of new data resets the association count.
  void reset_association_errors() { association_errors_ = 0; }
  [[nodiscard]] uint32_t association_error_count() const { return association_errors_; }

  // RFC 9260 8.3: heartbeats on idle paths, every RTO + HB.interval with jitter; 5.4: on an active
  // UNCONFIRMED path every RTO with jitter, heartbeats enabled or not.
  [[nodiscard]] std::optional<TimePoint> next_deadline() const;
  // Heartbeats due at `now` (one per call), and unanswered heartbeats counted as path timeouts.
  // Sets `failed` when the association error limit is exceeded.
  std::optional<HeartbeatRequest> poll_heartbeat(TimePoint now, bool& failed);
  // RFC 9260 8.3: checks nonce, address and time of a returned Heartbeat Info; a match clears the
  // path's and the association's error counts and yields an RTT sample. Forged or stale: nothing.
  std::optional<HeartbeatAck> on_heartbeat_ack(wire::Bytes info, TimePoint now);
  // Data was sent to `path` at `now` (heartbeats go only to idle paths).
  void on_data_sent(Path& path, TimePoint now);
  void set_heartbeat(bool enabled, Duration interval);

  // Up / Down / NewPrimary changes since the last call, for PathEvents.
  std::optional<PathEvent::State> pop_event(wire::IpAddress& address);

 private:
  // With `redraw` false the jitter drawn last is reused: postponing a heartbeat for each packet
  // of data must not cost a random draw per packet.
  void schedule_heartbeat(Path& path, TimePoint now, bool redraw = true);
  void update_data_destination();
  // RFC 9260 5.4: an active UNCONFIRMED path is probed every RTO rather than every HB.interval.
  static bool probing(const Path& p) { return p.active && !p.confirmed; }
  // Path verification runs whether or not the user enabled heartbeats (5.4: the probing "ended
  // when all paths are confirmed").
  bool heartbeats_due(const Path& p) const { return heartbeat_enabled_ || !p.confirmed; }
  [[nodiscard]] size_t probing_count() const;

  const EndpointConfig& config_;
  RandomSource& random_;
  std::vector<Path> paths_;
  // Indices into paths_ (one per peer address: far fewer than 2^32), 32 bits beside the error
  // count rather than two size_t: 8 B less per association (issue 5's memory budget).
  uint32_t primary_index_ = 0;
  uint32_t data_index_ = 0;
  uint32_t association_errors_ = 0;
  bool heartbeat_enabled_ = true;
  Duration heartbeat_interval_{};
  SparseQueue<std::pair<wire::IpAddress, PathEvent::State>> events_;
};

}  // namespace sctpkit::assoc
