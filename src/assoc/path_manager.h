// The peer's transport addresses (RFC 9260 5.1.2) and what is known of each: reachability and error
// counters (8.1, 8.2), heartbeats (8.3), RTO (6.3) and congestion state (7) per destination, and
// which one carries data now (6.4, 6.4.1).
#pragma once

#include <cstdint>
#include <deque>
#include <optional>
#include <span>
#include <vector>

#include "assoc/clock.h"
#include "assoc/config.h"
#include "assoc/events.h"
#include "assoc/random.h"
#include "assoc/tx/congestion.h"
#include "assoc/tx/rto.h"
#include "wire/ip_address.h"

namespace sctpkit::assoc {

struct Path {
  wire::IpAddress address;
  bool active = true;             // RFC 9260 8.2: inactive after Path.Max.Retrans consecutive timeouts
  uint32_t error_count = 0;
  RtoEstimator rto;
  CongestionControl congestion;
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

class PathManager {
 public:
  // `addresses` holds every peer address (5.1.2); `primary` must be one of them.
  PathManager(const EndpointConfig& config, std::span<const wire::IpAddress> addresses,
              const wire::IpAddress& primary, RandomSource& random, TimePoint now);

  [[nodiscard]] std::span<Path> paths() { return paths_; }
  [[nodiscard]] std::span<const Path> paths() const { return paths_; }
  Path* find(const wire::IpAddress& address);
  Path& primary();
  // RFC 9260 6.4: the primary while it is active, else another active path (6.4.1 failover).
  Path& data_destination();
  // RFC 9260 6.4: "retransmit to an active destination transport address that is different from
  // the last destination address to which the DATA chunk was sent" when there is one.
  Path& retransmission_destination(const wire::IpAddress& last_sent_to);

  // RFC 9260 8.1 / 8.2: a retransmission timer or an unanswered heartbeat on `path`. Returns true
  // when the association's error count exceeds Association.Max.Retrans (the association fails).
  bool on_timeout(Path& path, TimePoint now);
  // RFC 9260 8.1 / 8.2: data sent to `path` was acknowledged, or a HEARTBEAT ACK came back.
  void on_success(Path& path);
  // RFC 9260 8.1: a HEARTBEAT ACK or an acknowledgement of new data resets the association count.
  void reset_association_errors() { association_errors_ = 0; }
  [[nodiscard]] uint32_t association_error_count() const { return association_errors_; }

  // RFC 9260 8.3: heartbeats on idle paths, every RTO + HB.interval with jitter.
  [[nodiscard]] std::optional<TimePoint> next_deadline() const;
  // Heartbeats due at `now` (one per call), and unanswered heartbeats counted as path timeouts.
  // Sets `failed` when the association error limit is exceeded.
  std::optional<HeartbeatRequest> poll_heartbeat(TimePoint now, bool& failed);
  // Validates the nonce in `info`; measures RTT into the path's RtoEstimator; marks it active.
  void on_heartbeat_ack(wire::Bytes info, TimePoint now);
  // Data was sent to `path` at `now` (heartbeats go only to idle paths).
  void on_data_sent(Path& path, TimePoint now);
  void set_heartbeat(bool enabled, Duration interval);

  // Up / Down / NewPrimary changes since the last call, for PathEvents.
  std::optional<PathEvent::State> pop_event(wire::IpAddress& address);

 private:
  const EndpointConfig& config_;
  RandomSource& random_;
  std::vector<Path> paths_;
  size_t primary_index_ = 0;
  uint32_t association_errors_ = 0;
  bool heartbeat_enabled_ = true;
  Duration heartbeat_interval_{};
  std::deque<std::pair<wire::IpAddress, PathEvent::State>> events_;
};

}  // namespace sctpkit::assoc
