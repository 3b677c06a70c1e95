// SACK processing: cumulative and gap acknowledgement, miss indications, Fast Retransmit and
// Fast Recovery, reneging, and SACKs that lie.
#include <gtest/gtest.h>

#include "tx_test_util.h"

namespace sctpkit::assoc::testing {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using wire::Tsn;

using TxSack = TxFixture;

TEST_F(TxSack, CumAckReleasesChunks) {  // RFC 9260 3.3.4, 6.2.1
  queue_messages(10);
  send_all();
  auto r = sack(104);
  EXPECT_EQ(r.outcome, SackOutcome::kProcessed);
  EXPECT_TRUE(r.new_data_acked);  // 8.1: resets the association error counter
  EXPECT_EQ(r.bytes_acked, 5 * kPayload);
  ASSERT_EQ(r.acked_destinations.size(), 1u);
  EXPECT_EQ(r.acked_destinations[0], d0);
  EXPECT_EQ(rq.cumulative_tsn_ack_point(), Tsn(104));
  EXPECT_EQ(rq.unacked_chunks(), 5u);
  EXPECT_EQ(rq.flight_size(d0), 5 * kChunk);
  r = sack(104);  // nothing new
  EXPECT_EQ(r.outcome, SackOutcome::kProcessed);
  EXPECT_FALSE(r.new_data_acked);
  EXPECT_TRUE(r.acked_destinations.empty());
  EXPECT_TRUE(sack(109).new_data_acked);
  EXPECT_TRUE(rq.all_acked());
}

TEST_F(TxSack, CountsMessagesWhoseLastChunkTheCumAckCovers) {  // RFC 9260 6.2.1: gap acks may be reneged
  queue_messages(1, 2000);  // one message of three chunks (984 + 984 + 32): TSNs 100-102
  queue_messages(3);        // three of one chunk: 103-105
  ASSERT_EQ(send_all(), 6u);
  EXPECT_EQ(sack(100).messages_acked, 0u);            // the message's first chunk only
  EXPECT_EQ(sack(100, {{2, 5}}).messages_acked, 0u);  // 102-105 gap-acked: not yet
  EXPECT_EQ(sack(101, {{1, 4}}).messages_acked, 0u);
  EXPECT_EQ(sack(105).messages_acked, 4u);  // the walk past gap-acked chunks counts each last chunk
  queue_messages(2);
  ASSERT_EQ(send_all(), 2u);
  EXPECT_EQ(sack(107).messages_acked, 2u);  // the release of a SACK that only moves the cum ack
}

TEST_F(TxSack, GapBlocksInAnyOrderAndOverlapping) {  // RFC 9260 3.3.4
  queue_messages(10);
  send_all();
  auto r = sack(99, {{5, 6}, {2, 3}, {2, 2}, {6, 5}});  // {6, 5} is malformed and ignored
  EXPECT_EQ(r.outcome, SackOutcome::kProcessed);
  EXPECT_EQ(r.bytes_acked, 4 * kPayload);  // 101, 102, 104, 105
  EXPECT_EQ(rq.flight_size(d0), 6 * kChunk);
  EXPECT_EQ(rq.cumulative_tsn_ack_point(), Tsn(99));
  r = sack(102, {{2, 3}});  // 100 newly by cum ack; 101, 102, 104, 105 already known
  EXPECT_EQ(r.bytes_acked, kPayload);
  EXPECT_EQ(rq.unacked_chunks(), 7u);
}

TEST_F(TxSack, FastRetransmitOnThirdMissIndicationNotBefore) {  // RFC 9260 7.2.4
  queue_messages(10);
  send_all();
  EXPECT_EQ(sack(99, {{2, 2}}).fast_retransmits, 0u);  // 100 missing once
  EXPECT_EQ(sack(99, {{2, 3}}).fast_retransmits, 0u);  // twice
  EXPECT_EQ(rq.chunks_to_retransmit(), 0u);
  EXPECT_FALSE(rq.in_fast_recovery());
  auto r = sack(99, {{2, 4}});  // third: Fast Retransmit
  EXPECT_EQ(r.fast_retransmits, 1u);
  EXPECT_TRUE(r.fast_recovery_entered);
  EXPECT_TRUE(rq.in_fast_recovery());
  EXPECT_EQ(rq.chunks_to_retransmit(), 1u);
  EXPECT_EQ(rq.congestion(d0).ssthresh(), 4 * kPmdcs);  // 7.2.3: max(cwnd / 2, 4 * PMDCS)
  // 6.2.1 D.ii then C3: a_rwnd less the 6 chunks still in flight (101-103 acked, 100 marked).
  EXPECT_EQ(rq.peer_rwnd(), 100'000u - 6 * kPayload);
  auto chunks = rq.next_packet(now, d0, kPmdcs, kPmdcs - 16, sq);
  ASSERT_EQ(chunks.size(), 1u);
  EXPECT_EQ(chunks[0].tsn, Tsn(100));
  EXPECT_TRUE(chunks[0].retransmission);
  EXPECT_EQ(rq.retransmission_count(), 1u);
}

TEST_F(TxSack, MissIndicationsFollowHtna) {  // RFC 9260 7.2.4: only TSNs below the HTNA count
  queue_messages(10);
  send_all();
  sack(99, {{2, 2}, {5, 6}});  // acks 101, 104, 105: 100, 102, 103 missing (1)
  sack(100, {{1, 1}, {4, 5}});  // HTNA 100: 102 and 103 lie above it, no miss counted
  sack(101, {{3, 4}});          // nothing newly acknowledged
  EXPECT_EQ(sack(101, {{1, 1}, {3, 4}}).fast_retransmits, 0u);  // HTNA 102: 103 above it
  EXPECT_EQ(sack(102, {{2, 5}}).fast_retransmits, 0u);          // HTNA 107: 103 missing (2)
  EXPECT_EQ(sack(102, {{2, 6}}).fast_retransmits, 1u);          // HTNA 108: 103 missing (3)
  auto chunks = rq.next_packet(now, d0, kPmdcs, kPmdcs - 16, sq);
  ASSERT_EQ(chunks.size(), 1u);
  EXPECT_EQ(chunks[0].tsn, Tsn(103));
}

TEST_F(TxSack, FastRetransmitIgnoresCwndForOnePacket) {  // RFC 9260 7.2.4 rule 3
  queue_messages(40);
  send_all();                // 100..139, flight 4000 = cwnd
  sack(99, {{2, 2}});        // cwnd 5000
  queue_messages(30);
  send_all();                // 140..159: flight 3900 -> 5900
  sack(99, {{2, 3}});        // cwnd 6000, flight 5800
  auto r = sack(99, {{2, 4}});
  ASSERT_EQ(r.fast_retransmits, 1u);
  ASSERT_EQ(rq.congestion(d0).cwnd(), 4000u);
  ASSERT_GE(rq.flight_size(d0), rq.congestion(d0).cwnd());
  EXPECT_EQ(packet(), range(100, 100));
  EXPECT_TRUE(packet().empty());  // the exemption covers one packet only
}

TEST_F(TxSack, FastRecoveryDoesNotCutTwiceAndEndsAtExitPoint) {  // RFC 9260 7.2.4 rule 6, 6.2.1 D.iv
  queue_messages(10);
  send_all();
  sack(99, {{2, 2}});
  sack(99, {{2, 3}});
  sack(99, {{2, 4}});  // 100 lost; exit point = 109
  ASSERT_TRUE(rq.in_fast_recovery());
  packet();
  const size_t cwnd = rq.congestion(d0).cwnd();
  const size_t ssthresh = rq.congestion(d0).ssthresh();
  // 105 goes missing while 106.. are acknowledged: a second loss inside Fast Recovery.
  sack(104, {{2, 2}});
  sack(104, {{2, 3}});
  auto r = sack(104, {{2, 4}});
  EXPECT_EQ(r.fast_retransmits, 1u);
  EXPECT_FALSE(r.fast_recovery_entered);
  EXPECT_EQ(rq.congestion(d0).cwnd(), cwnd);
  EXPECT_EQ(rq.congestion(d0).ssthresh(), ssthresh);
  EXPECT_EQ(packet(), range(105, 105));  // sent as cwnd allows
  sack(108, {{1, 1}});
  EXPECT_TRUE(rq.in_fast_recovery());
  sack(109);
  EXPECT_FALSE(rq.in_fast_recovery());
}

TEST_F(TxSack, FastRetransmittedChunkIsNotFastRetransmittedAgain) {  // RFC 9260 7.2.4 rule 5
  queue_messages(10);
  send_all();
  sack(99, {{2, 2}});
  sack(99, {{2, 3}});
  sack(99, {{2, 4}});
  ASSERT_EQ(packet(), range(100, 100));
  for (uint16_t end = 5; end <= 10; ++end) EXPECT_EQ(sack(99, {{2, end}}).fast_retransmits, 0u);
  EXPECT_EQ(rq.chunks_to_retransmit(), 0u);
  EXPECT_TRUE(rq.next_deadline());  // T3-rtx still guards it
}

TEST_F(TxSack, FastRecoveryCountsEveryReportedMissingTsnWhenCumAdvances) {  // RFC 9260 7.2.4
  queue_messages(20);
  send_all();  // 100..119
  sack(99, {{2, 2}});
  sack(99, {{2, 3}});
  sack(99, {{2, 4}});  // 100 fast retransmitted; Fast Recovery until 119
  packet();
  sack(99, {{2, 5}, {7, 20}});  // HTNA 119: 105 missing (1)
  // The retransmitted 100 arrives: cum ack advances, HTNA is 100, yet 105 is reported missing.
  EXPECT_EQ(sack(100, {{1, 4}, {6, 19}}).fast_retransmits, 0u);  // 105 (2)
  EXPECT_EQ(sack(104, {{2, 15}}).fast_retransmits, 1u);          // 105 (3) though nothing is new
  EXPECT_EQ(packet(), range(105, 105));
}

TEST_F(TxSack, RenegedChunksReturnToFlightWithAMissIndication) {  // RFC 9260 6.2.1 D.iii
  queue_messages(10);
  send_all();
  sack(99, {{2, 3}});
  EXPECT_EQ(rq.flight_size(d0), 8 * kChunk);
  sack(99);  // 101 and 102 no longer reported: reneged
  EXPECT_EQ(rq.flight_size(d0), 10 * kChunk);
  EXPECT_EQ(rq.outstanding_bytes(), 10 * kPayload);
  EXPECT_EQ(rq.peer_rwnd(), 100'000u - 10 * kPayload);
  // 100 has had one miss (first SACK); 101 and 102 one each for the reneging.
  EXPECT_EQ(sack(99, {{4, 4}}).fast_retransmits, 0u);  // all three at 2
  EXPECT_EQ(sack(99, {{4, 5}}).fast_retransmits, 3u);  // all three at 3
}

TEST_F(TxSack, RenegingCountsOneMissEvenWhenTheSackAlsoAcksHigher) {  // RFC 9260 6.2.1 D.iii
  queue_messages(10);
  send_all();
  sack(99, {{2, 3}});                                   // 100: 1 miss
  EXPECT_EQ(sack(99, {{4, 4}}).fast_retransmits, 0u);  // 101, 102 reneged (1), 103 new; 100: 2
  EXPECT_EQ(sack(99, {{4, 5}}).fast_retransmits, 1u);  // 100: 3; 101, 102: 2
  EXPECT_EQ(packet(), range(100, 100));
}

TEST_F(TxSack, RenegingStartsT3OnTheChunksDestination) {  // RFC 9260 6.2.1 D.iii, 6.3.2 R4
  const DestinationId d1 = rq.add_destination(kPmdcs);
  queue_messages(2);
  packet(d1, 100);  // 100 on d1
  packet(d0, 100);  // 101 on d0
  sack(99, {{2, 2}});
  EXPECT_FALSE(rq.t3_deadline(d0));  // everything sent to d0 is acknowledged
  now += milliseconds(300);
  sack(99);
  EXPECT_EQ(rq.t3_deadline(d0), now + rq.rto(d0).rto());
}

TEST_F(TxSack, CumAckOfChunkAwaitingRetransmission) {
  queue_messages(3);
  packet();
  now += seconds(1);
  rq.handle_timeout(now);
  ASSERT_EQ(rq.chunks_to_retransmit(), 3u);
  auto r = sack(102);  // the originals arrived after all
  EXPECT_TRUE(r.new_data_acked);
  EXPECT_EQ(rq.chunks_to_retransmit(), 0u);
  queue_messages(1);
  EXPECT_EQ(packet(), range(103, 103));
  EXPECT_EQ(rq.retransmission_count(), 0u);
}

TEST(TxSackStandalone, PartialBytesAckedResetWhenAllAcked) {  // RFC 9260 7.2.2 last bullet
  RetransmissionQueueConfig c = test_config();
  c.congestion.initial_ssthresh = 1000;  // congestion avoidance from the start
  RetransmissionQueue rq(Tsn(kInitialTsn), 100'000, c);
  SendQueue sq(1);
  const DestinationId d = rq.add_destination(kPmdcs);
  for (int i = 0; i < 40; ++i) sq.send(wire::StreamId(0), std::vector<uint8_t>(kPayload));
  while (!rq.next_packet(TimePoint{}, d, kPmdcs, kPmdcs - 16, sq).empty()) {
  }
  rq.handle_sack(TimePoint{}, SackInfo{Tsn(119), 100'000, {}, {}});
  EXPECT_EQ(rq.congestion(d).partial_bytes_acked(), 2000u);
  rq.handle_sack(TimePoint{}, SackInfo{Tsn(139), 100'000, {}, {}});
  EXPECT_EQ(rq.congestion(d).partial_bytes_acked(), 0u);
}

// Hostile SACKs: none may change any state.
class TxHostileSack : public TxFixture {
 protected:
  void SetUp() override {
    queue_messages(10);
    send_all();
    sack(101, {{2, 3}}, 50'000);  // cum point 101; 103, 104 gap-acked
    rwnd_ = rq.peer_rwnd();
    flight_ = rq.flight_size(d0);
    deadline_ = rq.next_deadline();
    cwnd_ = rq.congestion(d0).cwnd();
  }
  void expect_unchanged() {
    EXPECT_EQ(rq.cumulative_tsn_ack_point(), Tsn(101));
    EXPECT_EQ(rq.peer_rwnd(), rwnd_);
    EXPECT_EQ(rq.flight_size(d0), flight_);
    EXPECT_EQ(rq.unacked_chunks(), 8u);
    EXPECT_EQ(rq.next_deadline(), deadline_);
    EXPECT_EQ(rq.congestion(d0).cwnd(), cwnd_);
    EXPECT_EQ(rq.chunks_to_retransmit(), 0u);
  }
  uint32_t rwnd_ = 0;
  size_t flight_ = 0;
  size_t cwnd_ = 0;
  std::optional<TimePoint> deadline_;
};

TEST_F(TxHostileSack, CumAckBelowAckPointIsDropped) {  // RFC 9260 6.2.1 D.i
  now += milliseconds(5);
  auto r = sack(100, {{1, 8}}, 1);
  EXPECT_EQ(r.outcome, SackOutcome::kOutOfOrder);
  EXPECT_FALSE(r.new_data_acked);
  expect_unchanged();
}

TEST_F(TxHostileSack, CumAckAboveHighestSentIsAViolation) {  // RFC 9260 12
  auto r = sack(110, {}, 1);
  EXPECT_EQ(r.outcome, SackOutcome::kAcksUnsentTsn);
  EXPECT_FALSE(r.new_data_acked);
  expect_unchanged();
}

TEST_F(TxHostileSack, GapBeyondHighestSentIsAViolationWithNoPartialEffect) {  // RFC 9260 12
  auto r = sack(101, {{1, 1}, {2, 9}}, 1);  // 102 would be new, but 110 was never sent
  EXPECT_EQ(r.outcome, SackOutcome::kAcksUnsentTsn);
  expect_unchanged();
  EXPECT_EQ(sack(101, {{65535, 65535}}).outcome, SackOutcome::kAcksUnsentTsn);
  expect_unchanged();
}

TEST_F(TxHostileSack, FarAwayCumAckIsNotTakenAsProgress) {  // RFC 1982 serial arithmetic
  EXPECT_NE(sack(101u + (1u << 31) + 5).outcome, SackOutcome::kProcessed);
  EXPECT_NE(sack(101u + (1u << 31) - 5).outcome, SackOutcome::kProcessed);
  expect_unchanged();
}

TEST_F(TxHostileSack, MalformedBlocksAndDuplicatesAreHarmless) {
  auto r = sack(101, {{3, 2}, {0, 0}, {2, 3}}, 50'000, {Tsn(5), Tsn(101), Tsn(4'000'000'000u)});
  EXPECT_EQ(r.outcome, SackOutcome::kProcessed);
  EXPECT_FALSE(r.new_data_acked);
  EXPECT_EQ(r.duplicate_tsns, 3u);
  expect_unchanged();
}

TEST_F(TxHostileSack, SameCumAckUpdatesRwnd) {  // RFC 9260 6.2.1 D.i drops only lower ones
  auto r = sack(101, {{2, 3}}, 1000);
  EXPECT_EQ(r.outcome, SackOutcome::kProcessed);
  EXPECT_EQ(rq.peer_rwnd(), 1000u - 6 * kPayload);
}

TEST(TxSackStandalone, SackBeforeAnyDataSent) {  // RFC 9260 3.3.4: cum ack = initial TSN - 1
  RetransmissionQueue rq(Tsn(0), 1000, test_config());
  rq.add_destination(kPmdcs);
  EXPECT_EQ(rq.handle_sack(TimePoint{}, SackInfo{Tsn(0xffffffffu), 2000, {}, {}}).outcome,
            SackOutcome::kProcessed);
  EXPECT_EQ(rq.peer_rwnd(), 2000u);
  EXPECT_EQ(rq.handle_sack(TimePoint{}, SackInfo{Tsn(0), 2000, {}, {}}).outcome, SackOutcome::kAcksUnsentTsn);
  // Exactly 2^31 away from the ack point: RFC 1982 leaves the order undefined; still never sent.
  EXPECT_NE(rq.handle_sack(TimePoint{}, SackInfo{Tsn(0x7fffffffu), 2000, {}, {}}).outcome,
            SackOutcome::kProcessed);
  const SackGapBlock gap{1, 1};
  EXPECT_EQ(rq.handle_sack(TimePoint{}, SackInfo{Tsn(0xffffffffu), 2000, {&gap, 1}, {}}).outcome,
            SackOutcome::kAcksUnsentTsn);
  EXPECT_EQ(rq.cumulative_tsn_ack_point(), Tsn(0xffffffffu));
  EXPECT_EQ(rq.unacked_chunks(), 0u);
}

}  // namespace
}  // namespace sctpkit::assoc::testing
