// Retransmission timeout estimation for one destination transport address (RFC 9260 6.3.1, 6.3.3).
#pragma once

#include <chrono>
#include <optional>

#include "assoc/clock.h"

namespace sctpkit::assoc {

// RFC 9260 16: suggested protocol parameter values.
struct RtoConfig {
  Duration initial = std::chrono::seconds(1);
  Duration min = std::chrono::seconds(1);
  Duration max = std::chrono::seconds(60);
  // RFC 9260 6.3.1 G1: the clock granularity that RTTVAR never drops below.
  Duration granularity = std::chrono::milliseconds(1);
};

// Keeps SRTT, RTTVAR and RTO for one destination. Knows nothing about which chunk was timed (that is
// Karn's rule, applied by the caller); it only turns measurements and timer expiries into an RTO.
class RtoEstimator {
 public:
  explicit RtoEstimator(RtoConfig config = {});

  // RFC 9260 6.3.1 C2/C3: feed one RTT measurement R (negative values are taken as zero).
  void add_measurement(Duration rtt);
  // RFC 9260 6.3.3 E2: T3-rtx expired, RTO = RTO * 2, capped at RTO.Max.
  void back_off();

  [[nodiscard]] Duration rto() const { return rto_; }
  [[nodiscard]] bool has_measurement() const { return has_measurement_; }
  // Meaningful only once has_measurement().
  [[nodiscard]] Duration srtt() const { return srtt_; }
  [[nodiscard]] Duration rttvar() const { return rttvar_; }
  [[nodiscard]] const RtoConfig& config() const { return config_; }

 private:
  void update_rto();

  RtoConfig config_;
  Duration srtt_{};
  Duration rttvar_{};
  Duration rto_;
  bool has_measurement_ = false;
};

}  // namespace sctpkit::assoc
