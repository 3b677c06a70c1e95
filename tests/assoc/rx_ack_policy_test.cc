#include "assoc/rx/ack_policy.h"

#include <gtest/gtest.h>

namespace sctpkit::assoc {
namespace {

using std::chrono::milliseconds;
using Kind = AckDecision::Kind;

const TimePoint kT0 = TimePoint{} + std::chrono::seconds(1000);

RxPacketSummary new_data() {
  RxPacketSummary s;
  s.new_data = true;
  return s;
}

AckPolicyConfig config() {
  AckPolicyConfig c;
  c.receive_buffer = 100000;
  c.mtu = 1500;
  return c;
}

TEST(RxAckPolicy, NothingToAcknowledgeAtStart) {
  const AckPolicy p(config());
  EXPECT_EQ(p.decision().kind, Kind::None);
  EXPECT_FALSE(p.sack_due(kT0 + std::chrono::hours(1)));
}

TEST(RxAckPolicy, Section62FirstPacketIsDelayedAtMost200Ms) {
  AckPolicy p(config());
  p.on_packet(kT0, new_data());
  EXPECT_EQ(p.decision(), (AckDecision{Kind::At, kT0 + milliseconds(200)}));
  EXPECT_FALSE(p.sack_due(kT0 + milliseconds(199)));
  EXPECT_TRUE(p.sack_due(kT0 + milliseconds(200)));
}

TEST(RxAckPolicy, Section62DeadlineCountsFromTheFirstUnacknowledgedData) {
  AckPolicyConfig c = config();
  c.sack_freq = 5;
  AckPolicy p(c);
  p.on_packet(kT0, new_data());
  p.on_packet(kT0 + milliseconds(150), new_data());  // does not push the deadline out
  EXPECT_EQ(p.decision(), (AckDecision{Kind::At, kT0 + milliseconds(200)}));
}

TEST(RxAckPolicy, Section62EverySecondPacketIsAcknowledgedAtOnce) {
  AckPolicy p(config());
  p.on_packet(kT0, new_data());
  EXPECT_EQ(p.decision().kind, Kind::At);
  p.on_packet(kT0 + milliseconds(1), new_data());
  EXPECT_EQ(p.decision().kind, Kind::Now);
  p.on_sack_sent(100000);
  EXPECT_EQ(p.decision().kind, Kind::None);
  // RFC 9260 6.2 example: TSN 7 delayed, TSN 8 acknowledged, TSN 9 delayed again.
  p.on_packet(kT0 + milliseconds(2), new_data());
  EXPECT_EQ(p.decision(), (AckDecision{Kind::At, kT0 + milliseconds(202)}));
}

TEST(RxAckPolicy, SackFreqAndDelayAreConfigurable) {
  AckPolicyConfig c = config();
  c.sack_freq = 3;
  c.sack_delay = milliseconds(50);
  AckPolicy p(c);
  p.on_packet(kT0, new_data());
  p.on_packet(kT0, new_data());
  EXPECT_EQ(p.decision(), (AckDecision{Kind::At, kT0 + milliseconds(50)}));
  p.on_packet(kT0, new_data());
  EXPECT_EQ(p.decision().kind, Kind::Now);
}

TEST(RxAckPolicy, Section62SackDelayIsCappedAt500Ms) {
  AckPolicyConfig c = config();
  c.sack_delay = milliseconds(2000);
  AckPolicy p(c);
  EXPECT_EQ(p.sack_delay(), AckPolicy::kMaxSackDelay);
  p.on_packet(kT0, new_data());
  EXPECT_EQ(p.decision(), (AckDecision{Kind::At, kT0 + milliseconds(500)}));
}

TEST(RxAckPolicy, Section62DuplicatesAreAcknowledgedAtOnce) {
  AckPolicy p(config());
  RxPacketSummary s;
  s.duplicate = true;
  p.on_packet(kT0, s);
  EXPECT_EQ(p.decision().kind, Kind::Now);
}

TEST(RxAckPolicy, Section62DroppedChunkIsAnsweredAtOnce) {
  AckPolicy p(config());
  RxPacketSummary s;
  s.dropped = true;
  p.on_packet(kT0, s);
  EXPECT_EQ(p.decision().kind, Kind::Now);
}

TEST(RxAckPolicy, Section67NewGapIsReportedAtOnce) {
  AckPolicy p(config());
  RxPacketSummary s = new_data();
  s.gaps_after = true;
  p.on_packet(kT0, s);
  EXPECT_EQ(p.decision().kind, Kind::Now);
}

TEST(RxAckPolicy, Section67EveryPacketWhileGapsExistAndTheOneFillingThem) {
  AckPolicyConfig c = config();
  c.sack_freq = 10;
  AckPolicy p(c);
  RxPacketSummary still = new_data();
  still.gaps_before = still.gaps_after = true;
  p.on_packet(kT0, still);
  EXPECT_EQ(p.decision().kind, Kind::Now);
  p.on_sack_sent(1);
  RxPacketSummary filled = new_data();
  filled.gaps_before = true;
  p.on_packet(kT0, filled);
  EXPECT_EQ(p.decision().kind, Kind::Now);
}

TEST(RxAckPolicy, Rfc7053ImmediateBit) {
  AckPolicy p(config());
  RxPacketSummary s = new_data();
  s.sack_immediately = true;
  p.on_packet(kT0, s);
  EXPECT_EQ(p.decision().kind, Kind::Now);
}

TEST(RxAckPolicy, PacketWithoutDataChangesNothing) {
  AckPolicy p(config());
  p.on_packet(kT0, RxPacketSummary{});
  EXPECT_EQ(p.decision().kind, Kind::None);
}

TEST(RxAckPolicy, Section62WindowUpdateOnlyWhenItOpensEnough) {
  // RFC 9260 6.2 and RFC 1122 4.2.3.3: update when the window grows by min(buffer / 2, MTU).
  AckPolicy p(config());
  EXPECT_EQ(p.window_update_threshold(), 1500u);
  p.on_sack_sent(1000);  // advertised a nearly closed window
  p.on_receive_window(2499);
  EXPECT_EQ(p.decision().kind, Kind::None);  // 1499 more: too little
  p.on_receive_window(2500);
  EXPECT_EQ(p.decision().kind, Kind::Now);
  p.on_sack_sent(2500);
  p.on_receive_window(2000);  // smaller than advertised: nothing to say
  EXPECT_EQ(p.decision().kind, Kind::None);
}

TEST(RxAckPolicy, Section62ConsumedWindowUpdatesOnlyByAQuarterOrFromClosed) {
  // RFC 9260 6.2: "a window update only if the window can be increased by at least a quarter of
  // the receive buffer size"; a window below one MTU reopens by an MTU (RFC 1122 4.2.3.3).
  AckPolicy p(config());  // buffer 100000: a quarter is 25000; MTU 1500
  p.on_sack_sent(50000);
  p.on_window_consumed(74999);
  EXPECT_EQ(p.decision().kind, Kind::None);
  p.on_window_consumed(75000);
  EXPECT_EQ(p.decision().kind, Kind::Now);
  p.on_sack_sent(1000);  // nearly closed for the peer
  p.on_window_consumed(2499);
  EXPECT_EQ(p.decision().kind, Kind::None);
  p.on_window_consumed(2500);
  EXPECT_EQ(p.decision().kind, Kind::Now);
  p.on_sack_sent(2500);
  p.on_window_consumed(2000);  // smaller than advertised
  EXPECT_EQ(p.decision().kind, Kind::None);
}

TEST(RxAckPolicy, WindowUpdateThresholdIsHalfASmallBuffer) {
  AckPolicyConfig c = config();
  c.receive_buffer = 2000;
  AckPolicy p(c);
  EXPECT_EQ(p.window_update_threshold(), 1000u);
  p.on_sack_sent(0);
  p.on_receive_window(1000);
  EXPECT_EQ(p.decision().kind, Kind::Now);
}

}  // namespace
}  // namespace sctpkit::assoc
