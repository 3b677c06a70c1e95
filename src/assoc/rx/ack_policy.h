// When to send a SACK (RFC 9260 6.2, 6.7): delayed acknowledgement, immediate acknowledgement on
// loss signals, and window updates with receiver-side silly window syndrome avoidance.
//
// The policy never sends anything. The association reports each received packet that carried DATA,
// I-DATA or FORWARD TSN chunks, asks decision(), sends a SACK when it says Now (or when the deadline
// passes), and reports every SACK it sent, bundled or not, with on_sack_sent().
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>

#include "assoc/clock.h"
#include "assoc/deadline.h"

namespace sctpkit::assoc {

struct AckPolicyConfig {
  // RFC 9260 6.2: at most 200 ms by default ('SACK.Delay'); never configurable above 500 ms.
  Duration sack_delay = std::chrono::milliseconds(200);
  // RFC 9260 6.2: a SACK for at least every second packet with DATA. 1 acknowledges every packet.
  uint32_t sack_freq = 2;
  // For window updates (RFC 9260 6.2, RFC 1122 4.2.3.3): the receive buffer advertised in INIT or
  // INIT ACK, and the path MTU.
  uint32_t receive_buffer = 256 * 1024;
  uint32_t mtu = 1500;
};

// What one received packet did to the receive side. Several chunks of one packet fold into one.
struct RxPacketSummary {
  bool new_data = false;          // a chunk with a new TSN (or a FORWARD TSN that moved the ack point)
  bool duplicate = false;         // a chunk with a TSN already received (or a stale FORWARD TSN)
  bool dropped = false;           // a chunk dropped for lack of space or beyond the TSN window
  bool sack_immediately = false;  // RFC 7053: the I bit on a DATA or I-DATA chunk
  bool gaps_before = false;       // the TSN map had gaps before the packet
  bool gaps_after = false;        // the TSN map has gaps after the packet
};

struct AckDecision {
  enum class Kind { None, Now, At };
  Kind kind = Kind::None;
  TimePoint at{};  // for At: when the delayed SACK is due
  bool operator==(const AckDecision&) const = default;
};

class AckPolicy {
 public:
  static constexpr Duration kMaxSackDelay = std::chrono::milliseconds(500);

  explicit AckPolicy(const AckPolicyConfig& config);

  void on_packet(TimePoint now, const RxPacketSummary& summary);
  // After the upper layer took data: `a_rwnd` is the window that a SACK would now advertise.
  void on_receive_window(uint32_t a_rwnd);
  // After the upper layer said it consumed data it had taken earlier (a window that may have been
  // closed for a while): a SACK of its own only when the window opens by a quarter of the receive
  // buffer, or from below one MTU (closed for the peer's chunks) by at least window_update_threshold.
  // Inline, as DataReceiver::consumed() and Reassembly::consume(): called for every message the
  // application reads.
  void on_window_consumed(uint32_t a_rwnd) {
    if (a_rwnd <= last_advertised_) return;
    const uint32_t opened = a_rwnd - last_advertised_;
    // RFC 9260 6.2: "send a window update only if the window can be increased by at least a
    // quarter of the receive buffer size" (no burst of updates while a reader catches up message
    // by message); but a window the peer saw as (nearly) closed reopens as soon as it has room for
    // a full packet (RFC 1122 4.2.3.3), or the peer would wait for its zero window probe's timer.
    if (opened >= window_update_quarter_ ||
        (last_advertised_ < window_update_threshold_ && opened >= window_update_threshold_)) {
      immediate_ = true;
    }
  }
  // Every SACK sent, with the a_rwnd it advertised.
  void on_sack_sent(uint32_t advertised_a_rwnd);

  // Inline: asked several times per received message (after each read, by sack_owed()).
  [[nodiscard]] AckDecision decision() const {
    if (immediate_) return {AckDecision::Kind::Now, {}};
    if (deadline_) return {AckDecision::Kind::At, *deadline_};
    return {};
  }
  // decision().kind == Now, without building the decision.
  [[nodiscard]] bool sack_now() const { return immediate_; }
  [[nodiscard]] bool sack_due(TimePoint now) const;
  [[nodiscard]] std::optional<TimePoint> deadline() const { return deadline_; }
  [[nodiscard]] uint32_t last_advertised_a_rwnd() const { return last_advertised_; }
  [[nodiscard]] Duration sack_delay() const { return sack_delay_; }
  // The least a window has to open by before it is worth a SACK of its own.
  [[nodiscard]] uint32_t window_update_threshold() const { return window_update_threshold_; }

 private:
  Duration sack_delay_;
  uint32_t sack_freq_;
  uint32_t window_update_threshold_;
  uint32_t window_update_quarter_;
  uint32_t last_advertised_;
  uint32_t unacked_packets_ = 0;
  bool immediate_ = false;
  Deadline deadline_;  // 8 bytes, not an optional's 16: every association holds one (issue 5's budget)
};

}  // namespace sctpkit::assoc
