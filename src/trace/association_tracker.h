// --summary: groups captured packets into associations and counts, per association and direction,
// what a reader of a trace wants first: the handshake and its round trips, traffic, retransmissions,
// gap reports, heartbeats, and how the association ended and why. `sctpkit dump --summary` prints
// it; linktest reuses it on its own trace.
//
// Grouping: by port pair and addresses, or, for a multi-homed peer's other addresses, by port pair
// and the verification tag learned from INIT / INIT ACK (RFC 9260 8.5: a packet carries the tag its
// receiver chose). Endpoint A is the sender of the INIT, or of the first packet seen when the
// capture began after the handshake. An INIT after an association ended starts a new one.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <unordered_set>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "trace/frame.h"
#include "wire/ip_address.h"

namespace sctpkit::trace {

enum class Direction : uint8_t { AtoB = 0, BtoA = 1 };

struct Endpoint {
  wire::IpAddress address;
  uint16_t port = 0;
  bool operator==(const Endpoint&) const = default;
  // "10.0.0.1.5000" (tcpdump's form).
  [[nodiscard]] std::string to_string() const;
};

// Counts for the packets one endpoint sent.
struct DirectionStats {
  uint64_t packets = 0;
  uint64_t bytes = 0;               // SCTP packet lengths (common header and chunks)
  uint64_t data_chunks = 0;         // DATA and I-DATA, retransmissions included
  uint64_t messages = 0;            // user messages completed (E flag) on a first transmission
  uint64_t user_bytes = 0;          // user data of first transmissions
  uint64_t retransmitted_tsns = 0;  // DATA whose TSN this endpoint had already sent
  uint64_t sacks = 0;               // SACK and NR-SACK
  uint64_t gap_reports = 0;         // SACKs with at least one gap ack block
  uint64_t duplicate_tsns = 0;      // duplicate TSNs reported in SACKs
  uint64_t heartbeats = 0;
  uint64_t heartbeat_acks = 0;
  uint64_t malformed = 0;           // packets with a chunk that did not parse
};

enum class EndKind : uint8_t { Open, ShutdownComplete, Abort };

struct AssociationSummary {
  size_t id = 0;  // 1-based, in order of first packet
  Endpoint a;
  Endpoint b;
  std::optional<uint32_t> tag_a;  // the tag A chose (in packets sent to A)
  std::optional<uint32_t> tag_b;
  Timestamp first;
  Timestamp last;
  bool saw_init = false;
  std::optional<int64_t> init_rtt_us;    // INIT -> INIT ACK, as seen at the capture point
  std::optional<int64_t> cookie_rtt_us;  // COOKIE ECHO -> COOKIE ACK
  std::array<DirectionStats, 2> stats;   // indexed by Direction
  std::optional<Direction> shutdown_by;  // who sent the first SHUTDOWN
  EndKind end = EndKind::Open;
  Direction ended_by = Direction::AtoB;  // sender of the SHUTDOWN COMPLETE or ABORT
  Timestamp end_time;
  std::string abort_causes;              // the ABORT's causes, decoded ("User-Initiated Abort \"bye\"")
  // RFC 9260 6.4: addresses of a multi-homed endpoint other than a.address / b.address that its
  // packets came from or went to, in order of first use: which paths carried traffic.
  std::vector<wire::IpAddress> other_addresses_a;
  std::vector<wire::IpAddress> other_addresses_b;

  [[nodiscard]] const DirectionStats& from(Direction d) const { return stats[static_cast<size_t>(d)]; }
};

struct TrackedPacket {
  size_t association = 0;  // index into associations()
  Direction direction = Direction::AtoB;
};

class AssociationTracker {
 public:
  // Frames in capture order. nullopt for a frame that cannot be attributed (no common header
  // captured, or an IP fragment after the first).
  std::optional<TrackedPacket> on_frame(const Frame& frame);

  [[nodiscard]] const std::vector<AssociationSummary>& associations() const { return summaries_; }
  [[nodiscard]] uint64_t unattributed() const { return unattributed_; }
  // The first frame's time stamp: summary times are given relative to it.
  [[nodiscard]] std::optional<Timestamp> capture_start() const { return start_; }

 private:
  struct State {
    std::array<std::unordered_set<uint32_t>, 2> sent_tsns;
    std::optional<std::pair<Timestamp, Direction>> pending_init;
    std::optional<std::pair<Timestamp, Direction>> pending_cookie;
  };
  std::optional<TrackedPacket> find(const Endpoint& source, const Endpoint& destination, uint32_t tag) const;
  void count_chunks(size_t index, Direction direction, const Frame& frame, wire::Bytes chunks);

  std::vector<AssociationSummary> summaries_;
  std::vector<State> states_;
  uint64_t unattributed_ = 0;
  std::optional<Timestamp> start_;
};

int64_t microseconds_between(const Timestamp& from, const Timestamp& to);

// The readable table, one block per association (docs/dump.md shows it).
std::string format_summary(const AssociationTracker& tracker);
// The same as JSON: {"associations": [...], "unattributed_packets": N}.
nlohmann::json summary_to_json(const AssociationTracker& tracker);

}  // namespace sctpkit::trace
