#include "assoc/tx/rto.h"

#include <algorithm>

namespace sctpkit::assoc {

// RFC 9260 6.3.1 C1: until an RTT measurement has been made, RTO = RTO.Initial.
RtoEstimator::RtoEstimator(RtoConfig config) : config_(config), rto_(config.initial) {}

void RtoEstimator::add_measurement(Duration rtt) {
  rtt = std::max(rtt, Duration::zero());
  if (!has_measurement_) {
    // RFC 9260 6.3.1 C2: SRTT = R, RTTVAR = R/2.
    srtt_ = rtt;
    rttvar_ = rtt / 2;
    has_measurement_ = true;
  } else {
    // RFC 9260 6.3.1 C3, RTO.Alpha = 1/8 and RTO.Beta = 1/4 (section 16). RTTVAR uses the SRTT from
    // before this update, so it is computed first.
    const Duration delta = srtt_ > rtt ? srtt_ - rtt : rtt - srtt_;
    rttvar_ = (3 * rttvar_ + delta) / 4;
    srtt_ = (7 * srtt_ + rtt) / 8;
  }
  // RFC 9260 6.3.1 G1: whenever RTTVAR is computed, if RTTVAR == 0, then RTTVAR = G.
  if (rttvar_ == Duration::zero()) rttvar_ = config_.granularity;
  update_rto();
}

void RtoEstimator::update_rto() {
  // RFC 9260 6.3.1 C3: RTO = SRTT + 4 * RTTVAR; C6: rounded up to RTO.Min; C7: capped at RTO.Max.
  rto_ = std::clamp(srtt_ + 4 * rttvar_, config_.min, std::max(config_.min, config_.max));
}

void RtoEstimator::back_off() {
  // RFC 9260 6.3.3 E2: RTO = RTO * 2, with RTO.Max (C7) as the upper bound of the doubling.
  const Duration cap = std::max(config_.min, config_.max);
  rto_ = rto_ >= cap / 2 ? cap : rto_ * 2;
}

}  // namespace sctpkit::assoc
