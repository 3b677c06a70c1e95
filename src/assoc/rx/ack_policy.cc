#include "assoc/rx/ack_policy.h"

#include <algorithm>

namespace sctpkit::assoc {

AckPolicy::AckPolicy(const AckPolicyConfig& config)
    // RFC 9260 6.2: 'SACK.Delay' MUST NOT be configured above 500 ms.
    : sack_delay_(std::clamp(config.sack_delay, Duration::zero(), kMaxSackDelay)),
      sack_freq_(std::max<uint32_t>(config.sack_freq, 1)),
      // RFC 1122 4.2.3.3 (which RFC 9260 6.2 points to): open the window only by at least
      // min(half the receive buffer, one MTU).
      window_update_threshold_(std::max<uint32_t>(1, std::min(config.receive_buffer / 2, config.mtu))),
      window_update_quarter_(std::max<uint32_t>(1, config.receive_buffer / 4)),
      // Until the first SACK, the peer knows the window from INIT / INIT ACK (RFC 9260 6.2 step 1).
      last_advertised_(config.receive_buffer) {}

void AckPolicy::on_packet(TimePoint now, const RxPacketSummary& summary) {
  if (!summary.new_data && !summary.duplicate && !summary.dropped) return;
  // RFC 9260 6.2: a dropped chunk (window 0) MUST be answered by a SACK at once; so MUST a packet
  // of duplicates only, and we also answer at once when duplicates come with new data (MAY),
  // since they hint that our last SACK was lost.
  // RFC 9260 6.7: SACK at once when a gap appears, and after each packet that arrives while gaps
  // remain, including the one that fills the last gap (RFC 5681 4.2).
  // RFC 7053 4: the I bit asks for a SACK without delay.
  if (summary.dropped || summary.duplicate || summary.sack_immediately || summary.gaps_before ||
      summary.gaps_after) {
    immediate_ = true;
  }
  // RFC 9260 6.2: at least every second packet (not every second chunk) ...
  if (++unacked_packets_ >= sack_freq_) immediate_ = true;
  // ... and within SACK.Delay of the first DATA chunk not yet acknowledged.
  if (!deadline_) deadline_ = now + sack_delay_;
}

void AckPolicy::on_receive_window(uint32_t a_rwnd) {
  // RFC 9260 6.2: when the window opens, send a window update, but avoid a burst of small ones.
  if (a_rwnd > last_advertised_ && a_rwnd - last_advertised_ >= window_update_threshold_) immediate_ = true;
}

void AckPolicy::on_sack_sent(uint32_t advertised_a_rwnd) {
  immediate_ = false;
  unacked_packets_ = 0;
  deadline_.reset();
  last_advertised_ = advertised_a_rwnd;
}

bool AckPolicy::sack_due(TimePoint now) const { return immediate_ || (deadline_ && now >= *deadline_); }

}  // namespace sctpkit::assoc
