#include "assoc/tx/congestion.h"

#include <algorithm>

namespace sctpkit::assoc {

CongestionControl::CongestionControl(size_t pmdcs, CongestionConfig config)
    : config_(config), pmdcs_(std::max<size_t>(pmdcs, 1)), cwnd_(0), ssthresh_(config.initial_ssthresh) {
  cwnd_ = initial_cwnd();
}

size_t CongestionControl::initial_cwnd() const {
  // RFC 9260 7.2.1: initial cwnd = min(4 * PMDCS, max(2 * PMDCS, 4404)) (4344 for IPv6).
  return std::min(4 * pmdcs_, std::max<size_t>(2 * pmdcs_, config_.initial_window_bytes));
}

void CongestionControl::on_ack(size_t bytes_acked, size_t flight_size_before, bool in_fast_recovery) {
  if (bytes_acked == 0) return;
  single_packet_limit_ = false;
  if (in_slow_start()) {
    // RFC 9260 7.2.1: grow only when the window was fully used and not in Fast Recovery, by at most
    // min(bytes acknowledged, L * PMDCS).
    if (in_fast_recovery || flight_size_before < cwnd_) return;
    cwnd_ += std::min(bytes_acked, config_.slow_start_limit_l * pmdcs_);
    return;
  }
  // RFC 9260 7.2.2: congestion avoidance, at most one PMDCS per RTT via partial_bytes_acked.
  partial_bytes_acked_ += bytes_acked;
  if (flight_size_before >= cwnd_) {
    if (partial_bytes_acked_ >= cwnd_) {
      partial_bytes_acked_ -= cwnd_;
      cwnd_ += pmdcs_;
    }
  } else if (partial_bytes_acked_ > cwnd_) {
    partial_bytes_acked_ = cwnd_;
  }
}

void CongestionControl::on_fast_retransmit() {
  // RFC 9260 7.2.3: ssthresh = max(cwnd / 2, 4 * PMDCS), cwnd = ssthresh, partial_bytes_acked = 0.
  ssthresh_ = std::max(cwnd_ / 2, 4 * pmdcs_);
  cwnd_ = ssthresh_;
  partial_bytes_acked_ = 0;
}

void CongestionControl::on_t3_expiry() {
  // RFC 9260 7.2.3: ssthresh = max(cwnd / 2, 4 * PMDCS), cwnd = PMDCS, partial_bytes_acked = 0,
  // and at most one packet in flight until data is acknowledged.
  ssthresh_ = std::max(cwnd_ / 2, 4 * pmdcs_);
  cwnd_ = pmdcs_;
  partial_bytes_acked_ = 0;
  single_packet_limit_ = true;
}

void CongestionControl::on_data_sent(TimePoint now) {
  idle_since_ = now;
  decayed_since_send_ = false;
}

void CongestionControl::decay_if_idle(TimePoint now, Duration rto) {
  if (!idle_since_ || rto <= Duration::zero() || now < *idle_since_) return;
  const auto periods = (now - *idle_since_) / rto;
  for (decltype(+periods) i = 0; i < periods; ++i) {
    // RFC 9260 7.2.1: before the first adjustment, ssthresh = cwnd.
    if (!decayed_since_send_) ssthresh_ = cwnd_;
    decayed_since_send_ = true;
    // RFC 9260 7.2.1: cwnd = max(cwnd / 2, 4 * PMDCS) once per RTO. The formula would raise a cwnd
    // that is already below 4 * PMDCS (e.g. just after a T3-rtx); decay never grows the window.
    const size_t decayed = std::max(cwnd_ / 2, 4 * pmdcs_);
    if (decayed >= cwnd_) break;
    cwnd_ = decayed;
  }
  *idle_since_ += periods * rto;
}

void CongestionControl::on_pmdcs_change(size_t pmdcs) {
  pmdcs_ = std::max<size_t>(pmdcs, 1);
  if (!idle_since_) {
    // Nothing sent yet: the initial window is defined in terms of the new PMDCS (7.2.1).
    cwnd_ = initial_cwnd();
    return;
  }
  // Keep the byte window the path has earned, but never below one full packet of the new size, so
  // the destination cannot stall with a cwnd that fits no DATA chunk.
  cwnd_ = std::max(cwnd_, pmdcs_);
}

void CongestionControl::reset() {
  cwnd_ = initial_cwnd();
  ssthresh_ = config_.initial_ssthresh;
  partial_bytes_acked_ = 0;
  single_packet_limit_ = false;
  idle_since_.reset();
  decayed_since_send_ = false;
}

}  // namespace sctpkit::assoc
