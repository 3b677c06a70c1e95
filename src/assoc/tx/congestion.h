// Per-destination congestion control (RFC 9260 7.2): cwnd, ssthresh and partial_bytes_acked.
//
// Sizes are in bytes of DATA chunks including chunk header and padding (RFC 9260 7.2: "the length of
// the DATA chunk, including the padding, SHOULD be used"). PMDCS is the path maximum DATA chunk size:
// the largest DATA chunk (header included) that fits a packet within the PMTU of this destination.
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>

#include "assoc/clock.h"

namespace sctpkit::assoc {

// 32-bit fields: every destination of every association holds a copy (12 B, not 24), and none
// needs more (the peer's window, which bounds what is in flight, is 32 bits: RFC 9260 3.3.2).
struct CongestionConfig {
  // RFC 9260 7.2.1: 4404 for an IPv4 peer address, 4344 for IPv6.
  uint32_t initial_window_bytes = 4404;
  // RFC 9260 7.2.1: "The initial value of ssthresh SHOULD be arbitrarily high".
  uint32_t initial_ssthresh = std::numeric_limits<uint32_t>::max();
  // RFC 9260 7.2.1: slow start grows cwnd by at most L * PMDCS per SACK; L SHOULD be 1.
  uint32_t slow_start_limit_l = 1;
};

class CongestionControl {
 public:
  explicit CongestionControl(size_t pmdcs, CongestionConfig config = {});

  [[nodiscard]] size_t cwnd() const { return cwnd_; }
  [[nodiscard]] size_t ssthresh() const { return ssthresh_; }
  [[nodiscard]] size_t partial_bytes_acked() const { return partial_bytes_acked_; }
  [[nodiscard]] size_t pmdcs() const { return pmdcs_; }
  // RFC 9260 7.2.1: slow start while cwnd <= ssthresh, congestion avoidance above (7.2.2).
  [[nodiscard]] bool in_slow_start() const { return cwnd_ <= ssthresh_; }
  // True after a T3-rtx expiry until data sent to this destination is acknowledged.
  [[nodiscard]] bool single_packet_limit() const { return single_packet_limit_; }

  // RFC 9260 6.1 rule B: may a new packet of DATA be started with `flight_size` bytes outstanding on
  // this destination? The packet itself may then overshoot cwnd by less than one PMDCS. Inline: a
  // sender filling its window asks it at every send().
  [[nodiscard]] bool can_send(size_t flight_size) const {
    // RFC 9260 7.2.1 / 7.2.3: after a T3-rtx timeout only one packet may be in flight until
    // successful acknowledgement.
    if (single_packet_limit_) return flight_size == 0;
    // RFC 9260 6.1 B: no new packet once flight reaches cwnd; the packet started below cwnd may
    // exceed it by up to PMDCS - 1 bytes (one packet only).
    return flight_size < cwnd_;
  }

  // A SACK newly acknowledged `bytes_acked` bytes sent to this destination; `flight_size_before` is
  // what was outstanding on it before the SACK. Applies 7.2.1 (slow start) or 7.2.2 (avoidance).
  void on_ack(size_t bytes_acked, size_t flight_size_before, bool in_fast_recovery);
  // RFC 9260 7.2.2: all data transmitted has been acknowledged.
  void on_all_acked() { partial_bytes_acked_ = 0; }
  // RFC 9260 7.2.3 / 7.2.4 rule 2: loss detected by gap reports (entering Fast Recovery).
  void on_fast_retransmit();
  // RFC 9260 7.2.3 / 6.3.3 E1: T3-rtx expired for this destination.
  void on_t3_expiry();

  // RFC 9260 7.2.1: DATA was sent to this destination at `now` (restarts the idle clock).
  void on_data_sent(TimePoint now);
  // RFC 9260 7.2.1 / 7.2.2: while no data is sent, decay cwnd to max(cwnd / 2, 4 * PMDCS) once per
  // RTO, setting ssthresh = cwnd before the first decay. Evaluated lazily: call before sending.
  void decay_if_idle(TimePoint now, Duration rto);

  // RFC 9260 7.3: the path MTU, and with it PMDCS, changed.
  void on_pmdcs_change(size_t pmdcs);
  // RFC 9260 7.2.5: reinitialise (route or DSCP change).
  void reset();

 private:
  [[nodiscard]] size_t initial_cwnd() const;

  CongestionConfig config_;
  bool single_packet_limit_ = false;
  bool decayed_since_send_ = false;  // the flags fill the 4 bytes between config_ and pmdcs_
  size_t pmdcs_;
  size_t cwnd_;
  size_t ssthresh_;
  size_t partial_bytes_acked_ = 0;
  std::optional<TimePoint> idle_since_;  // set once data has been sent
};

}  // namespace sctpkit::assoc
