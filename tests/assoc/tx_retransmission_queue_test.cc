// Sending: TSN assignment, cwnd and rwnd gating, zero window probes, T3-rtx, Karn's rule.
#include "assoc/tx/retransmission_queue.h"

#include <gtest/gtest.h>

#include "tx_test_util.h"

namespace sctpkit::assoc::testing {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using wire::Tsn;

using TxRetransmissionQueue = TxFixture;

TEST_F(TxRetransmissionQueue, AssignsConsecutiveTsnsAndCopiesFragmentFields) {
  ASSERT_EQ(sq.send(wire::StreamId(2), std::vector<uint8_t>(2000, 9), {wire::Ppid(46), true}), SendStatus::kOk);
  auto chunks = rq.next_packet(now, d0, 2000, 984, sq);
  ASSERT_EQ(chunks.size(), 2u);  // 984 + 984 (+32 later): 1000 + 1000 bytes of chunks
  EXPECT_EQ(chunks[0].tsn, Tsn(100));
  EXPECT_EQ(chunks[1].tsn, Tsn(101));
  EXPECT_TRUE(chunks[0].beginning && !chunks[0].end);
  EXPECT_TRUE(chunks[0].unordered);
  EXPECT_EQ(chunks[0].stream, wire::StreamId(2));
  EXPECT_EQ(chunks[0].ppid, wire::Ppid(46));
  EXPECT_EQ(chunks[0].payload.size(), 984u);
  EXPECT_EQ(chunks[0].payload[0], 9);
  EXPECT_FALSE(chunks[0].retransmission);
  auto rest = rq.next_packet(now, d0, 2000, 984, sq);
  ASSERT_EQ(rest.size(), 1u);
  EXPECT_EQ(rest[0].tsn, Tsn(102));
  EXPECT_TRUE(rest[0].end);
  EXPECT_EQ(rest[0].payload.size(), 32u);
  EXPECT_EQ(rq.next_tsn(), Tsn(103));
  EXPECT_EQ(rq.unacked_chunks(), 3u);
}

TEST_F(TxRetransmissionQueue, PacketRoomIsRespected) {
  queue_messages(3);
  EXPECT_EQ(packet(d0, 250), range(100, 101));  // a third 100-byte chunk would not fit in 250
  EXPECT_EQ(packet(d0, 99), std::vector<uint32_t>{});
  EXPECT_EQ(packet(d0, 100), range(102, 102));
}

TEST_F(TxRetransmissionQueue, CwndLimitsFlight) {  // RFC 9260 6.1 B, 7.2.1
  queue_messages(100);
  EXPECT_EQ(send_all(), 40u);  // 4 packets of 10 chunks fill cwnd = 4000
  EXPECT_EQ(rq.flight_size(d0), 4000u);
  EXPECT_EQ(rq.congestion(d0).cwnd(), 4000u);
}

TEST_F(TxRetransmissionQueue, CwndMayBeExceededByOnePacket) {  // RFC 9260 6.1 B
  queue_messages(39);
  EXPECT_EQ(send_all(), 39u);
  ASSERT_EQ(rq.flight_size(d0), 3900u);
  queue_messages(20);
  EXPECT_EQ(packet().size(), 10u);  // flight 3900 < cwnd: one more full packet, up to 4900
  EXPECT_EQ(rq.flight_size(d0), 4900u);
  EXPECT_TRUE(packet().empty());
}

TEST_F(TxRetransmissionQueue, RwndIsReducedBySentDataAndRecomputedFromSack) {  // RFC 9260 6.2.1
  queue_messages(20);
  send_all();
  EXPECT_EQ(rq.peer_rwnd(), 100'000u - 20 * kPayload);  // C2: data size of each chunk
  EXPECT_EQ(rq.outstanding_bytes(), 20 * kPayload);
  auto r = sack(109, {}, 5000);
  EXPECT_EQ(r.outcome, SackOutcome::kProcessed);
  EXPECT_EQ(rq.peer_rwnd(), 5000u - 10 * kPayload);  // D.ii: a_rwnd - bytes still outstanding
}

class TxSmallWindow : public TxFixture {
 protected:
  TxSmallWindow() : TxFixture(200) {}
  // Three messages; the first two go and are acknowledged after 50 ms with the window closed
  // (RTO 150 ms), so one RTO later the third goes as a zero window probe: the packet it is in.
  std::vector<uint32_t> first_probe() {
    queue_messages(3);
    packet();
    now += milliseconds(50);
    sack(101, {}, 0);
    now += milliseconds(150);
    rq.handle_timeout(now);
    return packet();
  }
};

TEST_F(TxSmallWindow, NoNewDataBeyondRwnd) {  // RFC 9260 6.1 A
  queue_messages(5);
  EXPECT_EQ(packet(), range(100, 101));  // 168 bytes; 32 left < 84
  EXPECT_EQ(rq.peer_rwnd(), 32u);
  EXPECT_TRUE(packet().empty());  // data in flight: no probe either
  EXPECT_EQ(sq.queued_messages(), 3u);
}

TEST_F(TxSmallWindow, ZeroWindowProbeOnlyWhenNothingInFlight) {  // RFC 9260 6.1 A
  queue_messages(6);
  packet();  // 100, 101
  now += milliseconds(50);
  sack(101, {}, 0);  // RTT 50 ms: RTO = 50 + 4 * 25 = 150 ms; everything acked, window closed
  ASSERT_EQ(rq.peer_rwnd(), 0u);
  EXPECT_TRUE(packet().empty());  // the first probe waits one RTO
  EXPECT_EQ(rq.next_deadline(), now + milliseconds(150));
  now += milliseconds(150);
  EXPECT_TRUE(rq.handle_timeout(now).empty());  // no T3-rtx expired: the probe is now due
  EXPECT_EQ(packet(), range(102, 102));          // exactly one probe
  EXPECT_TRUE(packet().empty());
  EXPECT_EQ(rq.next_deadline(), now + milliseconds(150));  // T3-rtx guards the probe
  sack(101, {}, 0);  // probe not acknowledged yet: still in flight, no second probe
  EXPECT_TRUE(packet().empty());
  now += milliseconds(10);
  sack(102, {}, 0);  // probe acknowledged, window still closed: next probe after 2 * 150 ms
  EXPECT_EQ(rq.next_deadline(), now + milliseconds(300));
  sack(102, {}, 0);  // a repeated window update does not stretch the interval again
  EXPECT_EQ(rq.next_deadline(), now + milliseconds(300));
  now += milliseconds(299);
  EXPECT_TRUE(packet().empty());
  now += milliseconds(1);
  rq.handle_timeout(now);
  EXPECT_EQ(packet(), range(103, 103));
  sack(103, {}, 1000);  // window opens: new data flows at once
  EXPECT_EQ(packet(), range(104, 105));
}

// RFC 9260 6.1 A: "If the sender continues to receive SACK chunks from the peer while doing zero
// window probing, the unacknowledged window probes SHOULD NOT increment the error counter".
TEST_F(TxSmallWindow, ExpiredProbeIsReportedAsSuchWhileSacksArrive) {
  ASSERT_EQ(first_probe().size(), 1u);
  now += milliseconds(50);
  sack(101, {}, 0);  // the peer answers the probe, its window still closed
  now += milliseconds(100);
  auto expired = rq.handle_timeout(now);
  ASSERT_EQ(expired.size(), 1u);
  EXPECT_TRUE(expired[0].zero_window_probe);
  EXPECT_EQ(packet(), range(102, 102));  // retransmitted regardless of rwnd
}

// RFC 9260 6.1 A only spares probes while SACKs keep coming: a probe nobody answers (a peer that
// died behind its closed window) is a timeout like any other (8.1, 8.2), and so is its resend.
TEST_F(TxSmallWindow, UnansweredProbeCountsAsATimeout) {
  ASSERT_EQ(first_probe().size(), 1u);
  now += milliseconds(150);
  auto expired = rq.handle_timeout(now);
  ASSERT_EQ(expired.size(), 1u);
  EXPECT_FALSE(expired[0].zero_window_probe);
  EXPECT_EQ(packet(), range(102, 102));
  now += seconds(1);
  expired = rq.handle_timeout(now);
  ASSERT_EQ(expired.size(), 1u);
  EXPECT_FALSE(expired[0].zero_window_probe);
}

// RFC 9260 6.1 A / 8.1: a probe sent into a window smaller than the chunk (never seen at zero, so
// no probe pacing ran) stops being a probe once the window opens. It kept the mark for good, so
// its T3-rtx expiries never counted as errors and a peer that died then was never detected.
TEST_F(TxSmallWindow, ProbeIntoSmallWindowIsOrdinaryDataOnceTheWindowOpens) {
  queue_messages(3);
  EXPECT_EQ(packet(), range(100, 101));
  now += milliseconds(50);
  sack(101, {}, 50);  // all acknowledged; 50 bytes of window, less than the next 84-byte chunk
  EXPECT_EQ(packet(), range(102, 102));  // nothing in flight: sent at once, as a probe
  sack(101, {}, 100'000);                // the window opens; 102 still outstanding
  now += seconds(1);
  const auto expired = rq.handle_timeout(now);
  ASSERT_EQ(expired.size(), 1u);
  EXPECT_FALSE(expired[0].zero_window_probe);  // counts against the peer again
}

TEST_F(TxRetransmissionQueue, T3StartsWithFirstDataAndStopsWhenAllAcked) {  // RFC 9260 6.3.2 R1, R2
  EXPECT_FALSE(rq.next_deadline());
  queue_messages(3);
  packet();
  EXPECT_EQ(rq.next_deadline(), now + seconds(1));  // RTO.Initial
  now += milliseconds(300);
  queue_messages(1);
  packet();
  EXPECT_EQ(rq.next_deadline(), TimePoint{} + seconds(1));  // running: not restarted by new data
  sack(101);  // earliest outstanding acknowledged: R3 restarts with the current RTO
  EXPECT_EQ(rq.t3_deadline(d0), now + rq.rto(d0).rto());
  sack(103);
  EXPECT_FALSE(rq.next_deadline());
}

TEST_F(TxRetransmissionQueue, GapAckOfLaterChunkDoesNotRestartT3) {  // RFC 9260 6.3.2 R3
  queue_messages(3);
  packet();
  const auto deadline = rq.t3_deadline(d0);
  now += milliseconds(200);
  sack(99, {{2, 3}});  // 101 and 102 acknowledged, 100 still outstanding
  EXPECT_EQ(rq.t3_deadline(d0), deadline);
}

TEST_F(TxRetransmissionQueue, T3ExpiryRetransmitsEarliestInOnePacket) {  // RFC 9260 6.3.3
  queue_messages(30);
  send_all();
  ASSERT_EQ(rq.flight_size(d0), 3000u);
  now += milliseconds(999);
  EXPECT_TRUE(rq.handle_timeout(now).empty());
  now += milliseconds(1);
  auto expired = rq.handle_timeout(now);
  ASSERT_EQ(expired.size(), 1u);
  EXPECT_EQ(expired[0].destination, d0);
  EXPECT_FALSE(expired[0].zero_window_probe);
  EXPECT_EQ(rq.congestion(d0).cwnd(), kPmdcs);          // E1
  EXPECT_EQ(rq.congestion(d0).ssthresh(), 4 * kPmdcs);  // max(4000 / 2, 4 * 1000)
  EXPECT_EQ(rq.rto(d0).rto(), seconds(2));              // E2
  EXPECT_EQ(rq.flight_size(d0), 0u);
  EXPECT_EQ(rq.chunks_to_retransmit(), 30u);
  EXPECT_EQ(rq.peer_rwnd(), 100'000u);  // 6.2.1 C3: marked data is given back to rwnd
  EXPECT_FALSE(rq.next_deadline());

  queue_messages(1);
  auto chunks = rq.next_packet(now, d0, kPmdcs, kPmdcs - 16, sq);  // E3: the K earliest
  ASSERT_EQ(chunks.size(), 10u);
  EXPECT_EQ(chunks.front().tsn, Tsn(100));
  EXPECT_TRUE(chunks.front().retransmission);
  EXPECT_EQ(rq.retransmission_count(), 10u);
  EXPECT_EQ(rq.next_deadline(), now + seconds(2));  // E4 with the backed-off RTO
  EXPECT_TRUE(packet().empty());  // 7.2.3: one packet in flight until acknowledged
  sack(109);
  EXPECT_EQ(packet(), range(110, 119));  // cwnd is 2000 now, retransmissions first
  EXPECT_EQ(packet(), range(120, 129));
  EXPECT_TRUE(packet().empty());
}

TEST_F(TxRetransmissionQueue, FastRetransmitBelowChunksStillWaitingAfterT3GoesFirst) {  // RFC 9260 6.1 C
  // After a T3-rtx the walk for marked chunks starts where the last packet stopped, not at the
  // front; a chunk marked lower down later (7.2.4, among those already retransmitted) must still
  // go first, lowest TSN first.
  queue_messages(40);
  ASSERT_EQ(send_all(), 40u);
  now += seconds(1);
  ASSERT_EQ(rq.handle_timeout(now).size(), 1u);
  ASSERT_EQ(rq.chunks_to_retransmit(), 40u);
  EXPECT_EQ(packet(), range(100, 109));
  sack(101);
  EXPECT_EQ(packet(), range(110, 119));
  // 102-104 are reported missing by three SACKs that each acknowledge new TSNs above them.
  for (uint16_t end : {9, 12, 15}) sack(101, {{4, end}});
  ASSERT_EQ(rq.chunks_to_retransmit(), 20u + 3u);
  std::vector<uint32_t> want{102, 103, 104};
  for (uint32_t t = 120; t <= 126; ++t) want.push_back(t);
  EXPECT_EQ(packet(), want);
}

TEST_F(TxRetransmissionQueue, T3OfAWholeWindowRetransmitsEveryChunkOnceInOrder) {  // RFC 9260 6.3.3 E3
  // Packets go while earlier retransmissions are still outstanding and the front is acknowledged
  // in between (the chunks' positions shift): each marked chunk leaves once, in TSN order.
  const DestinationId d1 = rq.add_destination(kPmdcs);
  queue_messages(40);
  ASSERT_EQ(send_all(), 40u);
  queue_messages(10);
  EXPECT_EQ(packet(d1), range(140, 149));
  now += seconds(1);
  ASSERT_EQ(rq.handle_timeout(now).size(), 2u);
  rq.redirect_marked(d1, d0);  // RFC 9260 6.4: d1's chunks wait for d0
  EXPECT_EQ(rq.redirected_destination(), d0);
  std::vector<uint32_t> sent;
  uint32_t cum = kInitialTsn - 1;
  for (int round = 0; round < 20 && rq.chunks_to_retransmit() > 0; ++round) {
    auto p = packet(d0, 3 * kPmdcs);
    sent.insert(sent.end(), p.begin(), p.end());
    if (round % 2 == 1) sack(cum += 5);
  }
  EXPECT_EQ(sent, range(100, 149));
  EXPECT_FALSE(rq.redirected_destination());
}

TEST_F(TxRetransmissionQueue, RetransmissionsGoBeforeNewDataAndBundleWithIt) {  // RFC 9260 6.1 C
  queue_messages(3);
  packet();
  now += seconds(1);
  rq.handle_timeout(now);
  queue_messages(20);
  auto chunks = rq.next_packet(now, d0, kPmdcs, kPmdcs - 16, sq);
  ASSERT_EQ(chunks.size(), 10u);
  EXPECT_TRUE(chunks[2].retransmission);
  EXPECT_EQ(chunks[2].tsn, Tsn(102));
  EXPECT_FALSE(chunks[3].retransmission);
  EXPECT_EQ(chunks[3].tsn, Tsn(103));
}

// RFC 9260 5.2.4 step 3 / 5.2.6: DATA the peer discarded with a stale COOKIE ECHO goes again at
// once, with none of a T3-rtx expiry's penalties (6.3.3 E1, E2) and no timed chunk left (6.3.1 C5).
TEST_F(TxRetransmissionQueue, DiscardedDataIsMarkedWithoutTimeoutPenalties) {
  queue_messages(3);
  ASSERT_EQ(packet(), range(100, 102));
  ASSERT_TRUE(rq.next_deadline());
  EXPECT_EQ(rq.mark_discarded_for_retransmission(), 3u);
  EXPECT_FALSE(rq.next_deadline());  // T3-rtx stopped
  EXPECT_EQ(rq.flight_size(d0), 0u);
  EXPECT_EQ(rq.chunks_to_retransmit(), 3u);
  EXPECT_EQ(rq.peer_rwnd(), 100'000u);  // 6.2.1 C3
  EXPECT_EQ(rq.congestion(d0).cwnd(), 4 * kPmdcs);
  EXPECT_EQ(rq.rto(d0).rto(), seconds(1));
  now += milliseconds(20);  // well before the RTO
  const auto again = rq.next_packet(now, d0, kPmdcs, kPmdcs - 16, sq);
  ASSERT_EQ(again.size(), 3u);
  EXPECT_EQ(again.front().tsn, Tsn(100));
  EXPECT_TRUE(again.front().retransmission);
  EXPECT_EQ(rq.next_deadline(), now + seconds(1));  // restarted with the RTO as it was
  now += milliseconds(30);
  sack(102);
  EXPECT_FALSE(rq.rto(d0).has_measurement());  // Karn: the first transmission's timing is gone
  EXPECT_EQ(rq.mark_discarded_for_retransmission(), 0u);
}

TEST_F(TxRetransmissionQueue, KarnNoRttFromRetransmittedChunk) {  // RFC 9260 6.3.1 C5
  queue_messages(1);
  packet();
  now += seconds(1);
  rq.handle_timeout(now);
  packet();  // retransmission of 100
  now += milliseconds(50);
  sack(100);
  EXPECT_FALSE(rq.rto(d0).has_measurement());
  EXPECT_EQ(rq.rto(d0).rto(), seconds(2));  // still backed off
  queue_messages(1);
  packet();
  now += milliseconds(80);
  sack(101);  // a chunk sent once: measured
  ASSERT_TRUE(rq.rto(d0).has_measurement());
  EXPECT_EQ(rq.rto(d0).srtt(), milliseconds(80));
}

TEST_F(TxRetransmissionQueue, KarnRetransmissionOfLowerTsnCancelsTiming) {  // RFC 9260 6.3.1 C5
  // "only ... if no DATA chunk with TSN less than or equal to r was retransmitted since r was sent"
  const DestinationId d1 = rq.add_destination(kPmdcs);
  queue_messages(2);
  packet(d0, 100);  // 100 timed on d0
  now += milliseconds(500);
  packet(d1, 100);  // 101 timed on d1
  now += milliseconds(500);
  ASSERT_EQ(rq.handle_timeout(now).size(), 1u);  // d0 only
  EXPECT_EQ(packet(d0), range(100, 100));         // 100 retransmitted after 101 was sent
  now += milliseconds(40);
  sack(101);
  EXPECT_FALSE(rq.rto(d1).has_measurement());
  EXPECT_FALSE(rq.rto(d0).has_measurement());
}

TEST_F(TxRetransmissionQueue, OneRttMeasurementPerRoundTrip) {  // RFC 9260 6.3.1 C4
  queue_messages(2);
  packet(d0, 100);  // 100: timed
  now += milliseconds(10);
  packet(d0, 100);  // 101: not timed, a measurement is already running
  now += milliseconds(90);
  sack(100);
  EXPECT_EQ(rq.rto(d0).srtt(), milliseconds(100));
  now += milliseconds(500);
  sack(101);  // 101 was never timed: no second sample
  EXPECT_EQ(rq.rto(d0).srtt(), milliseconds(100));
  EXPECT_EQ(rq.rto(d0).rttvar(), milliseconds(50));
}

TEST_F(TxRetransmissionQueue, RetransmissionCanGoToAnotherDestination) {  // RFC 9260 6.4, 6.3.3 E3/E4
  const DestinationId d1 = rq.add_destination(kPmdcs);
  queue_messages(2);
  packet(d0);
  now += seconds(1);
  auto expired = rq.handle_timeout(now);
  ASSERT_EQ(expired.size(), 1u);
  EXPECT_EQ(packet(d1), range(100, 101));
  EXPECT_EQ(rq.flight_size(d0), 0u);
  EXPECT_EQ(rq.flight_size(d1), 200u);
  EXPECT_FALSE(rq.t3_deadline(d0));
  EXPECT_EQ(rq.t3_deadline(d1), now + seconds(1));  // d1's own RTO, not d0's backed-off one
  auto r = sack(101);
  ASSERT_EQ(r.acked_destinations.size(), 1u);
  EXPECT_EQ(r.acked_destinations[0], d1);  // 8.2: the address the data was last sent to
}

// RFC 9260 6.4: where timed-out chunks wait to go is the alternate of the earliest redirected one;
// marked chunks that were not redirected (or none marked) name no destination.
TEST_F(TxRetransmissionQueue, RedirectedDestinationIsTheEarliestRedirectedChunks) {
  const DestinationId d1 = rq.add_destination(kPmdcs);
  queue_messages(30);
  send_all();
  EXPECT_FALSE(rq.redirected_destination());
  now += seconds(1);
  ASSERT_EQ(rq.handle_timeout(now).size(), 1u);
  ASSERT_EQ(rq.chunks_to_retransmit(), 30u);
  EXPECT_FALSE(rq.redirected_destination());  // marked, not redirected
  rq.redirect_marked(d0, d1);
  EXPECT_EQ(rq.redirected_destination(), d1);
  EXPECT_EQ(packet(d1), range(100, 109));
  EXPECT_EQ(rq.redirected_destination(), d1);  // the other 20 still wait for d1
}

// The common SACK, which only moves the cumulative ack (acknowledged and released in one pass), over
// chunks sent to two destinations in turn, in flight or marked for retransmission: every byte
// counts once, each destination is reported once (RFC 9260 8.2), nothing is left to retransmit.
TEST_F(TxRetransmissionQueue, CumAckOverTwoDestinationsAndMarkedChunks) {
  const DestinationId d1 = rq.add_destination(kPmdcs);
  queue_messages(2);
  EXPECT_EQ(packet(d0), range(100, 101));
  queue_messages(2);
  EXPECT_EQ(packet(d1), range(102, 103));
  now += seconds(1);
  EXPECT_EQ(rq.handle_timeout(now).size(), 2u);  // RFC 9260 6.3.3 E1: both T3-rtx expire
  ASSERT_EQ(rq.chunks_to_retransmit(), 4u);
  queue_messages(2);
  EXPECT_EQ(packet(d0, 2 * kPmdcs), std::vector<uint32_t>({100, 101, 102, 103, 104, 105}));
  ASSERT_EQ(rq.chunks_to_retransmit(), 0u);
  queue_messages(2);
  EXPECT_EQ(packet(d1), range(106, 107));
  auto first = sack(101);  // retransmitted chunks: acknowledged, no RTT (Karn)
  EXPECT_EQ(first.bytes_acked, 2 * kPayload);
  ASSERT_EQ(first.acked_destinations.size(), 1u);
  EXPECT_EQ(first.acked_destinations[0], d0);
  now += seconds(2);
  EXPECT_EQ(rq.handle_timeout(now).size(), 2u);  // 102..105 on d0 and 106, 107 on d1 marked again
  ASSERT_EQ(rq.chunks_to_retransmit(), 6u);
  auto r = sack(107);
  EXPECT_TRUE(r.new_data_acked);
  EXPECT_EQ(r.bytes_acked, 6 * kPayload);
  ASSERT_EQ(r.acked_destinations.size(), 2u);
  EXPECT_EQ(r.acked_destinations[0], d0);
  EXPECT_EQ(r.acked_destinations[1], d1);
  EXPECT_EQ(rq.chunks_to_retransmit(), 0u);
  EXPECT_EQ(rq.flight_size(d0), 0u);
  EXPECT_EQ(rq.flight_size(d1), 0u);
  EXPECT_FALSE(rq.next_deadline());
  EXPECT_TRUE(packet(d0).empty());
}

TEST_F(TxRetransmissionQueue, IdleDestinationDecaysCwndBeforeSending) {  // RFC 9260 7.2.1
  queue_messages(40);
  send_all();
  sack(139);
  ASSERT_EQ(rq.congestion(d0).cwnd(), 5000u);  // slow start: + min(4000, 1 * PMDCS)
  now += seconds(2) + milliseconds(1);         // two RTOs without sending
  queue_messages(1);
  packet();
  EXPECT_EQ(rq.congestion(d0).cwnd(), 4000u);  // max(2500, 4000) then floor
  EXPECT_EQ(rq.congestion(d0).ssthresh(), 5000u);
}

TEST_F(TxRetransmissionQueue, PmtuChangeReachesCongestionControl) {  // RFC 9260 7.3
  rq.set_pmdcs(d0, 500);
  EXPECT_EQ(rq.congestion(d0).pmdcs(), 500u);
  EXPECT_EQ(rq.congestion(d0).cwnd(), 2000u);
  rq.set_pmdcs(d0, kPmdcs);
  queue_messages(1);
  packet();
  now += seconds(1);
  rq.handle_timeout(now);
  ASSERT_EQ(rq.congestion(d0).cwnd(), kPmdcs);
  rq.reset_congestion(d0);  // RFC 9260 7.2.5
  EXPECT_EQ(rq.congestion(d0).cwnd(), 4 * kPmdcs);
}

}  // namespace
}  // namespace sctpkit::assoc::testing
