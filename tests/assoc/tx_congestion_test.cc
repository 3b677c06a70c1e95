#include "assoc/tx/congestion.h"

#include <gtest/gtest.h>

namespace sctpkit::assoc {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

constexpr size_t kPmdcs = 1000;

CongestionConfig with_ssthresh(size_t ssthresh) {
  CongestionConfig c;
  c.initial_ssthresh = ssthresh;
  return c;
}

TEST(TxCongestion, InitialWindow) {  // RFC 9260 7.2.1: min(4 * PMDCS, max(2 * PMDCS, 4404))
  EXPECT_EQ(CongestionControl(1452).cwnd(), 4404u);
  EXPECT_EQ(CongestionControl(1000).cwnd(), 4000u);
  EXPECT_EQ(CongestionControl(500).cwnd(), 2000u);
  EXPECT_EQ(CongestionControl(3000).cwnd(), 6000u);
  CongestionConfig v6;
  v6.initial_window_bytes = 4344;  // IPv6 peer address
  EXPECT_EQ(CongestionControl(1452, v6).cwnd(), 4344u);
  // "arbitrarily high" initial ssthresh
  EXPECT_GE(CongestionControl(1452).ssthresh(), 65535u);
}

TEST(TxCongestion, SlowStartGrowsByAtMostOnePmdcsPerSack) {  // RFC 9260 7.2.1, L = 1
  CongestionControl cc(kPmdcs, with_ssthresh(10000));
  ASSERT_TRUE(cc.in_slow_start());
  cc.on_ack(1000, 4000, false);
  EXPECT_EQ(cc.cwnd(), 5000u);
  cc.on_ack(3000, 5000, false);  // min(3000, 1 * 1000)
  EXPECT_EQ(cc.cwnd(), 6000u);
  cc.on_ack(400, 6500, false);  // min(400, 1000): the ACK-splitting bound
  EXPECT_EQ(cc.cwnd(), 6400u);
}

TEST(TxCongestion, SlowStartNeedsFullWindowAndNoFastRecovery) {  // RFC 9260 7.2.1
  CongestionControl cc(kPmdcs, with_ssthresh(10000));
  cc.on_ack(1000, 3999, false);  // window not fully used
  EXPECT_EQ(cc.cwnd(), 4000u);
  cc.on_ack(1000, 4000, true);  // in Fast Recovery
  EXPECT_EQ(cc.cwnd(), 4000u);
  cc.on_ack(0, 4000, false);
  EXPECT_EQ(cc.cwnd(), 4000u);
}

TEST(TxCongestion, CongestionAvoidanceUsesPartialBytesAcked) {  // RFC 9260 7.2.2
  CongestionControl cc(kPmdcs, with_ssthresh(10000));
  for (size_t cwnd = 4000; cwnd < 10000; cwnd += 1000) cc.on_ack(1000, cwnd, false);
  ASSERT_EQ(cc.cwnd(), 10000u);
  ASSERT_TRUE(cc.in_slow_start());  // cwnd <= ssthresh is still slow start
  cc.on_ack(1000, 10000, false);
  ASSERT_EQ(cc.cwnd(), 11000u);
  ASSERT_FALSE(cc.in_slow_start());

  cc.on_ack(4000, 11000, false);
  EXPECT_EQ(cc.partial_bytes_acked(), 4000u);
  EXPECT_EQ(cc.cwnd(), 11000u);
  cc.on_ack(4000, 11000, false);
  EXPECT_EQ(cc.partial_bytes_acked(), 8000u);
  cc.on_ack(4000, 11000, false);  // pba 12000 >= cwnd with full flight: pba -= cwnd, cwnd += PMDCS
  EXPECT_EQ(cc.partial_bytes_acked(), 1000u);
  EXPECT_EQ(cc.cwnd(), 12000u);
}

TEST(TxCongestion, CongestionAvoidanceWithoutFullWindowCapsPba) {  // RFC 9260 7.2.2 bullet 3
  CongestionControl cc(kPmdcs, with_ssthresh(3000));
  ASSERT_FALSE(cc.in_slow_start());  // cwnd 4000 > ssthresh 3000
  cc.on_ack(3000, 3500, false);
  cc.on_ack(3000, 3500, false);  // pba 6000 > cwnd but flight was below cwnd
  EXPECT_EQ(cc.partial_bytes_acked(), 4000u);
  EXPECT_EQ(cc.cwnd(), 4000u);
  cc.on_ack(1000, 4000, false);  // now with a full window: 5000 - 4000, cwnd + 1000
  EXPECT_EQ(cc.partial_bytes_acked(), 1000u);
  EXPECT_EQ(cc.cwnd(), 5000u);
  cc.on_all_acked();  // RFC 9260 7.2.2 last bullet
  EXPECT_EQ(cc.partial_bytes_acked(), 0u);
}

TEST(TxCongestion, T3ExpiryCollapsesToOnePacket) {  // RFC 9260 7.2.3, 6.3.3 E1
  CongestionControl cc(kPmdcs, with_ssthresh(3000));
  cc.on_ack(3000, 4000, false);
  ASSERT_GT(cc.partial_bytes_acked(), 0u);
  cc.on_t3_expiry();
  EXPECT_EQ(cc.ssthresh(), 4000u);  // max(4000 / 2, 4 * 1000)
  EXPECT_EQ(cc.cwnd(), 1000u);
  EXPECT_EQ(cc.partial_bytes_acked(), 0u);
  // RFC 9260 7.2.1: only one packet in flight until an acknowledgement.
  EXPECT_TRUE(cc.single_packet_limit());
  EXPECT_TRUE(cc.can_send(0));
  EXPECT_FALSE(cc.can_send(100));
  cc.on_ack(1000, 1000, false);
  EXPECT_FALSE(cc.single_packet_limit());
  EXPECT_EQ(cc.cwnd(), 2000u);  // back in slow start
  EXPECT_TRUE(cc.can_send(1999));
  EXPECT_FALSE(cc.can_send(2000));
}

TEST(TxCongestion, T3ExpiryHalvesLargeWindow) {  // RFC 9260 7.2.3
  CongestionControl cc(kPmdcs, with_ssthresh(100000));
  for (size_t cwnd = 4000; cwnd < 12000; cwnd += 1000) cc.on_ack(1000, cwnd, false);
  ASSERT_EQ(cc.cwnd(), 12000u);
  cc.on_t3_expiry();
  EXPECT_EQ(cc.ssthresh(), 6000u);
  EXPECT_EQ(cc.cwnd(), 1000u);
}

TEST(TxCongestion, FastRetransmitHalvesWindow) {  // RFC 9260 7.2.3 / 7.2.4 rule 2
  CongestionControl cc(kPmdcs, with_ssthresh(100000));
  for (size_t cwnd = 4000; cwnd < 12000; cwnd += 1000) cc.on_ack(1000, cwnd, false);
  cc.on_fast_retransmit();
  EXPECT_EQ(cc.ssthresh(), 6000u);
  EXPECT_EQ(cc.cwnd(), 6000u);
  EXPECT_EQ(cc.partial_bytes_acked(), 0u);
  EXPECT_FALSE(cc.single_packet_limit());
  cc.on_fast_retransmit();  // floor of 4 * PMDCS
  EXPECT_EQ(cc.ssthresh(), 4000u);
  EXPECT_EQ(cc.cwnd(), 4000u);
}

TEST(TxCongestion, RuleBAllowsOnePacketPastCwnd) {  // RFC 9260 6.1 B
  CongestionControl cc(kPmdcs);
  EXPECT_TRUE(cc.can_send(0));
  EXPECT_TRUE(cc.can_send(3999));
  EXPECT_FALSE(cc.can_send(4000));
}

TEST(TxCongestion, IdleDecayOncePerRto) {  // RFC 9260 7.2.1 last bullet, 7.2.2
  CongestionControl cc(kPmdcs, with_ssthresh(100000));
  for (size_t cwnd = 4000; cwnd < 12000; cwnd += 1000) cc.on_ack(1000, cwnd, false);
  const TimePoint t0{};
  cc.on_data_sent(t0);
  cc.decay_if_idle(t0 + milliseconds(999), seconds(1));
  EXPECT_EQ(cc.cwnd(), 12000u);
  cc.decay_if_idle(t0 + seconds(1), seconds(1));
  EXPECT_EQ(cc.ssthresh(), 12000u);  // ssthresh = cwnd before the first adjustment
  EXPECT_EQ(cc.cwnd(), 6000u);
  cc.decay_if_idle(t0 + milliseconds(1500), seconds(1));  // same period, no second decay
  EXPECT_EQ(cc.cwnd(), 6000u);
  cc.decay_if_idle(t0 + seconds(3), seconds(1));  // two more periods: 4000 (floor), then 4000
  EXPECT_EQ(cc.cwnd(), 4000u);
  EXPECT_EQ(cc.ssthresh(), 12000u);
}

TEST(TxCongestion, IdleDecayNeverGrowsWindowAndNeedsASend) {
  CongestionControl cc(kPmdcs);
  const TimePoint t0{};
  cc.decay_if_idle(t0 + seconds(10), seconds(1));  // nothing sent yet: initial window stands
  EXPECT_EQ(cc.cwnd(), 4000u);
  cc.on_t3_expiry();
  cc.on_data_sent(t0);
  cc.decay_if_idle(t0 + seconds(5), seconds(1));
  EXPECT_EQ(cc.cwnd(), 1000u);
}

TEST(TxCongestion, PmtuChange) {  // RFC 9260 7.3
  CongestionControl cc(kPmdcs);
  cc.on_pmdcs_change(500);  // nothing sent: initial window recomputed
  EXPECT_EQ(cc.pmdcs(), 500u);
  EXPECT_EQ(cc.cwnd(), 2000u);
  cc.on_data_sent(TimePoint{});
  cc.on_t3_expiry();
  ASSERT_EQ(cc.cwnd(), 500u);
  cc.on_pmdcs_change(1400);  // a window below one packet of the new size would stall the path
  EXPECT_EQ(cc.cwnd(), 1400u);
  cc.on_pmdcs_change(1000);  // a shrink keeps the bytes earned
  EXPECT_EQ(cc.cwnd(), 1400u);
  EXPECT_EQ(cc.ssthresh(), 4 * 500u);  // from the T3 while PMDCS was 500: max(1000, 2000)
}

TEST(TxCongestion, ResetRestoresInitialState) {  // RFC 9260 7.2.5
  CongestionControl cc(kPmdcs, with_ssthresh(50000));
  cc.on_t3_expiry();
  cc.reset();
  EXPECT_EQ(cc.cwnd(), 4000u);
  EXPECT_EQ(cc.ssthresh(), 50000u);
  EXPECT_FALSE(cc.single_packet_limit());
}

}  // namespace
}  // namespace sctpkit::assoc
