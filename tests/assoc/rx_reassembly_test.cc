#include "assoc/rx/reassembly.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "fragment_builders.h"

namespace sctpkit::assoc {
namespace rx_reassembly_test {

using wire::Fsn;
using wire::Mid;
using wire::Ppid;
using wire::Ssn;
using wire::StreamId;
using wire::Tsn;

using testing::drain;
using testing::text_of;

// Payload storage must outlive the fragment only during insert(); one pool for the file will do.
wire::Bytes bytes_of(const std::string& text) {
  static testing::PayloadPool pool;
  return pool.keep(text);
}

// DATA: flags "BE", "B", "E" or "" (middle).
DataFragment data(uint32_t tsn, uint16_t stream, uint16_t ssn, const std::string& flags, const std::string& payload,
                  bool unordered = false, uint32_t ppid = 7) {
  return testing::data_fragment(tsn, stream, ssn, flags, bytes_of(payload), ppid, unordered);
}

DataFragment idata(uint32_t tsn, uint16_t stream, uint32_t mid, uint32_t fsn, const std::string& flags,
                   const std::string& payload, bool unordered = false, uint32_t ppid = 0) {
  return testing::idata_fragment(tsn, stream, mid, fsn, flags, bytes_of(payload), ppid, unordered);
}

ReassemblyConfig config(uint16_t streams = 4, bool interleaving = false) {
  return testing::reassembly_config(streams, interleaving, 2000);
}

using ::testing::ElementsAre;

TEST(RxReassembly, UnfragmentedMessageCarriesItsFields) {
  Reassembly r(config());
  ASSERT_FALSE(r.insert(data(1, 2, 0, "BE", "hello", false, 51)));
  auto m = r.pop_message();
  ASSERT_TRUE(m);
  EXPECT_EQ(m->stream, StreamId(2));
  EXPECT_EQ(m->ppid, Ppid(51));
  EXPECT_FALSE(m->unordered);
  EXPECT_EQ(m->ssn, Ssn(0));
  EXPECT_EQ(text_of(m->payload), "hello");
  EXPECT_FALSE(r.pop_message());
}

TEST(RxReassembly, Section66OrderedMessagesWaitForTheirSsn) {
  // RFC 9260 6.6: hold ordered messages until the ones before them in SSN order arrive.
  Reassembly r(config());
  ASSERT_FALSE(r.insert(data(2, 0, 1, "BE", "second")));
  ASSERT_FALSE(r.insert(data(3, 0, 2, "BE", "third")));
  EXPECT_EQ(r.ready_count(), 0u);
  ASSERT_FALSE(r.insert(data(1, 0, 0, "BE", "first")));
  EXPECT_THAT(drain(r), ElementsAre("first", "second", "third"));
  EXPECT_EQ(r.next_ssn(StreamId(0)), Ssn(3));
}

TEST(RxReassembly, StreamStateIsMadeUpToTheHighestStreamUsedNotForEveryStreamNegotiated) {
  // RFC 9260 14: a peer that offers 65,535 streams and uses two costs two streams' state, not 2 MiB.
  Reassembly r(config(65535));
  EXPECT_EQ(r.streams_with_state(), 0u);
  EXPECT_EQ(r.next_ssn(StreamId(60000)), Ssn(0));  // asking makes nothing
  ASSERT_FALSE(r.insert(data(1, 3, 0, "BE", "on 3")));
  EXPECT_EQ(r.streams_with_state(), 4u);
  ASSERT_FALSE(r.insert(data(2, 1, 1, "BE", "on 1, early")));  // waits for SSN 0, in stream 1's state
  EXPECT_EQ(r.streams_with_state(), 4u);
  ASSERT_FALSE(r.insert(data(3, 1, 0, "BE", "on 1")));
  EXPECT_THAT(drain(r), ElementsAre("on 3", "on 1", "on 1, early"));
  EXPECT_EQ(r.next_ssn(StreamId(1)), Ssn(2));
  EXPECT_EQ(r.next_ssn(StreamId(3)), Ssn(1));
  // RFC 9260 6.5: a stream beyond the negotiated ones is refused and makes no state.
  Reassembly few(config(4));
  EXPECT_EQ(few.insert(data(1, 4, 0, "BE", "x")), ReassemblyError::InvalidStream);
  EXPECT_EQ(few.streams_with_state(), 0u);
}

TEST(RxReassembly, Section66StreamsAreOrderedIndependently) {
  Reassembly r(config());
  ASSERT_FALSE(r.insert(data(1, 0, 1, "BE", "s0-1")));  // waits for s0 SSN 0
  ASSERT_FALSE(r.insert(data(2, 1, 0, "BE", "s1-0")));  // stream 1 is not blocked by stream 0
  EXPECT_THAT(drain(r), ElementsAre("s1-0"));
}

TEST(RxReassembly, Section66UnorderedBypassesOrdering) {
  Reassembly r(config());
  ASSERT_FALSE(r.insert(data(1, 0, 5, "BE", "ordered-later")));
  ASSERT_FALSE(r.insert(data(2, 0, 77, "BE", "oob", true)));  // SSN of an unordered chunk is ignored
  auto m = r.pop_message();
  ASSERT_TRUE(m);
  EXPECT_TRUE(m->unordered);
  EXPECT_EQ(text_of(m->payload), "oob");
  EXPECT_EQ(r.next_ssn(StreamId(0)), Ssn(0));
}

TEST(RxReassembly, SsnWrapsAt65536) {
  // RFC 9260 6.5: after SSN 65535 comes 0. Skip to 65535 with FORWARD TSNs (RFC 3758 3.6), in
  // steps under half the SSN space: a larger jump is "before" in RFC 1982 terms and is ignored.
  Reassembly r(config());
  const ForwardTsnSkip too_far{StreamId(0), Ssn(65534)};
  r.forward_tsn(Tsn(1), std::span(&too_far, 1));
  EXPECT_EQ(r.next_ssn(StreamId(0)), Ssn(0));
  for (uint16_t ssn : {20000, 40000, 65534}) {
    const ForwardTsnSkip skip{StreamId(0), Ssn(ssn)};
    r.forward_tsn(Tsn(10), std::span(&skip, 1));
  }
  EXPECT_EQ(r.next_ssn(StreamId(0)), Ssn(65535));
  ASSERT_FALSE(r.insert(data(12, 0, 0, "BE", "after-wrap")));
  EXPECT_EQ(r.ready_count(), 0u);
  ASSERT_FALSE(r.insert(data(11, 0, 65535, "BE", "last-before-wrap")));
  EXPECT_THAT(drain(r), ElementsAre("last-before-wrap", "after-wrap"));
  EXPECT_EQ(r.next_ssn(StreamId(0)), Ssn(1));
}

TEST(RxReassembly, Section69FragmentsInOrder) {
  Reassembly r(config());
  ASSERT_FALSE(r.insert(data(1, 0, 0, "B", "ab")));
  ASSERT_FALSE(r.insert(data(2, 0, 0, "", "cd")));
  EXPECT_EQ(r.ready_count(), 0u);
  EXPECT_EQ(r.bytes_held(), Reassembly::kMinMessageCharge);  // RFC 9260 6.2 step 3: held fragments (4 B) keep the window closed
  ASSERT_FALSE(r.insert(data(3, 0, 0, "E", "ef")));
  EXPECT_THAT(drain(r), ElementsAre("abcdef"));
  EXPECT_EQ(r.partial_count(), 0u);
  EXPECT_EQ(r.bytes_held(), 0u);
}

TEST(RxReassembly, Section69FragmentsOutOfOrderBridgeAndPrepend) {
  Reassembly r(config());
  ASSERT_FALSE(r.insert(data(13, 0, 0, "E", "gh")));
  ASSERT_FALSE(r.insert(data(10, 0, 0, "B", "ab")));
  ASSERT_FALSE(r.insert(data(12, 0, 0, "", "ef")));  // prepends to 13
  EXPECT_EQ(r.partial_count(), 2u);
  ASSERT_FALSE(r.insert(data(11, 0, 0, "", "cd")));  // bridges 10 and 12..13
  EXPECT_THAT(drain(r), ElementsAre("abcdefgh"));
  EXPECT_EQ(r.bytes_held(), 0u);
}

TEST(RxReassembly, FragmentTsnsWrapAroundTwoToThe32) {
  Reassembly r(config());
  ASSERT_FALSE(r.insert(data(0, 0, 0, "E", "!")));
  ASSERT_FALSE(r.insert(data(0xFFFFFFFEu, 0, 0, "B", "wr")));
  ASSERT_FALSE(r.insert(data(0xFFFFFFFFu, 0, 0, "", "ap")));
  EXPECT_THAT(drain(r), ElementsAre("wrap!"));
}

TEST(RxReassembly, UnorderedFragmentedMessageDeliveredWhenComplete) {
  // RFC 9260 6.6: unordered, after reassembly, even while an earlier ordered message is incomplete.
  Reassembly r(config());
  ASSERT_FALSE(r.insert(data(1, 0, 0, "B", "ord")));
  ASSERT_FALSE(r.insert(data(3, 0, 0, "B", "un", true)));
  ASSERT_FALSE(r.insert(data(4, 0, 0, "E", "ordered", true)));
  auto m = r.pop_message();
  ASSERT_TRUE(m);
  EXPECT_TRUE(m->unordered);
  EXPECT_EQ(text_of(m->payload), "unordered");
  ASSERT_FALSE(r.insert(data(2, 0, 0, "E", "ered")));
  EXPECT_THAT(drain(r), ElementsAre("ordered"));
}

TEST(RxReassembly, Section69FragmentsThatContradictTsnAdjacencyAreRejected) {
  Reassembly r(config());
  ASSERT_FALSE(r.insert(data(1, 0, 0, "B", "ab")));
  // TSN 2 follows an unfinished message, so it must continue it: not begin a new one,
  EXPECT_EQ(r.insert(data(2, 0, 1, "B", "x")), ReassemblyError::InconsistentFragment);
  // nor belong to another stream or SSN.
  EXPECT_EQ(r.insert(data(2, 1, 0, "", "x")), ReassemblyError::InconsistentFragment);
  EXPECT_EQ(r.insert(data(2, 0, 3, "E", "x")), ReassemblyError::InconsistentFragment);
  EXPECT_EQ(r.bytes_held(), Reassembly::kMinMessageCharge);
}

TEST(RxReassembly, Section65InvalidStreamIsReported) {
  Reassembly r(config(2));
  EXPECT_EQ(r.insert(data(1, 2, 0, "BE", "x")), ReassemblyError::InvalidStream);
  EXPECT_EQ(r.bytes_held(), 0u);
}

TEST(RxReassembly, Section62EmptyDataIsReported) {
  Reassembly r(config());
  EXPECT_EQ(r.insert(data(1, 0, 0, "BE", "")), ReassemblyError::NoUserData);
}

TEST(RxReassembly, MaxMessageSizeExceededDropsThePartialMessage) {
  Reassembly r(config());
  const std::string chunk(400, 'x');
  ASSERT_FALSE(r.insert(data(1, 0, 0, "B", chunk)));
  ASSERT_FALSE(r.insert(data(2, 0, 0, "", chunk)));
  EXPECT_EQ(r.insert(data(3, 0, 0, "", chunk)), ReassemblyError::MessageTooLarge);  // 1200 > 1000
  EXPECT_EQ(r.partial_count(), 0u);
  EXPECT_EQ(r.bytes_held(), 0u);
  EXPECT_EQ(r.insert(data(4, 0, 0, "BE", std::string(1001, 'y'))), ReassemblyError::MessageTooLarge);
  ASSERT_FALSE(r.insert(data(5, 0, 0, "BE", std::string(1000, 'y'))));
}

TEST(RxReassembly, Section62ReceiveWindowIsBufferMinusBytesHeld) {
  // RFC 9260 6.2 steps 2-3: a_rwnd shrinks as data is buffered and opens only when the ULP takes it.
  Reassembly r(config());
  EXPECT_EQ(r.receive_window(), 2000u);
  ASSERT_FALSE(r.insert(data(1, 0, 1, "BE", std::string(500, 'a'))));  // waits for SSN 0
  ASSERT_FALSE(r.insert(data(2, 1, 0, "B", std::string(700, 'b'))));   // partial
  ASSERT_FALSE(r.insert(data(4, 2, 0, "BE", std::string(300, 'c'))));  // ready
  EXPECT_EQ(r.bytes_held(), 1500u);
  EXPECT_EQ(r.receive_window(), 500u);
  ASSERT_FALSE(r.insert(data(5, 3, 0, "BE", std::string(900, 'd'))));
  EXPECT_EQ(r.receive_window(), 0u);  // never negative
  EXPECT_TRUE(r.full());
  ASSERT_TRUE(r.pop_message());
  EXPECT_EQ(r.bytes_held(), 2100u);
  ASSERT_TRUE(r.pop_message());
  EXPECT_EQ(r.receive_window(), 800u);
}

TEST(RxReassembly, Rfc3758ForwardTsnDropsAbandonedPartialsAndReleasesWaiting) {
  Reassembly r(config());
  ASSERT_FALSE(r.insert(data(1, 0, 0, "B", "lost-")));  // SSN 0 abandoned after its first fragment
  ASSERT_FALSE(r.insert(data(3, 0, 0, "E", "tail")));   // its last fragment; 2 was abandoned
  ASSERT_FALSE(r.insert(data(5, 0, 2, "BE", "two")));   // waits for SSN 1
  ASSERT_FALSE(r.insert(data(6, 0, 3, "BE", "three")));
  ASSERT_FALSE(r.insert(data(8, 1, 0, "B", "kept")));   // above the new point: untouched
  EXPECT_EQ(r.partial_count(), 3u);
  const ForwardTsnSkip skips[] = {{StreamId(0), Ssn(1)}, {StreamId(9), Ssn(1)}};  // stream 9 invalid: ignored
  r.forward_tsn(Tsn(4), skips);
  EXPECT_EQ(r.partial_count(), 1u);
  EXPECT_EQ(r.next_ssn(StreamId(0)), Ssn(4));
  EXPECT_THAT(drain(r), ElementsAre("two", "three"));
  EXPECT_EQ(r.bytes_held(), Reassembly::kMinMessageCharge);
}

TEST(RxReassembly, Rfc3758ForwardTsnDeliversHeldMessagesUpToTheSkippedSsn) {
  // RFC 3758 3.6: ordered messages with SSN up to the listed one are made available, in order.
  Reassembly r(config());
  ASSERT_FALSE(r.insert(data(3, 0, 2, "BE", "s2")));
  ASSERT_FALSE(r.insert(data(2, 0, 1, "BE", "s1")));
  ASSERT_FALSE(r.insert(data(5, 0, 4, "BE", "s4")));
  const ForwardTsnSkip skip{StreamId(0), Ssn(2)};  // SSN 0 abandoned, 1 and 2 held
  r.forward_tsn(Tsn(1), std::span(&skip, 1));
  EXPECT_THAT(drain(r), ElementsAre("s1", "s2"));
  EXPECT_EQ(r.next_ssn(StreamId(0)), Ssn(3));
  ASSERT_FALSE(r.insert(data(4, 0, 3, "BE", "s3")));
  EXPECT_THAT(drain(r), ElementsAre("s3", "s4"));
}

TEST(RxReassembly, StaleForwardTsnEntryDoesNotMoveTheStreamBack) {
  Reassembly r(config());
  for (uint16_t s = 0; s < 5; ++s) ASSERT_FALSE(r.insert(data(1 + s, 0, s, "BE", "m")));
  const ForwardTsnSkip skip{StreamId(0), Ssn(2)};
  r.forward_tsn(Tsn(3), std::span(&skip, 1));
  EXPECT_EQ(r.next_ssn(StreamId(0)), Ssn(5));
}

// RFC 8260 (I-DATA).

TEST(RxReassemblyIData, InterleavedStreamsReassembleByMidAndFsn) {
  // RFC 8260 2.1: fragments of messages on different streams interleave in TSN order; the PPID
  // is only in the first fragment.
  Reassembly r(config(4, true));
  ASSERT_FALSE(r.insert(idata(1, 0, 0, 0, "B", "a0-", false, 100)));
  ASSERT_FALSE(r.insert(idata(2, 1, 0, 0, "B", "b0-", false, 200)));
  ASSERT_FALSE(r.insert(idata(3, 0, 0, 1, "", "mid-", false, 0)));
  ASSERT_FALSE(r.insert(idata(4, 1, 0, 1, "E", "end", false, 0)));
  auto b = r.pop_message();
  ASSERT_TRUE(b);
  EXPECT_EQ(b->stream, StreamId(1));
  EXPECT_EQ(b->ppid, Ppid(200));
  EXPECT_EQ(text_of(b->payload), "b0-end");
  ASSERT_FALSE(r.insert(idata(5, 0, 0, 2, "E", "end", false, 0)));
  auto a = r.pop_message();
  ASSERT_TRUE(a);
  EXPECT_EQ(a->ppid, Ppid(100));
  EXPECT_EQ(text_of(a->payload), "a0-mid-end");
}

TEST(RxReassemblyIData, FragmentsOutOfFsnOrder) {
  Reassembly r(config(4, true));
  ASSERT_FALSE(r.insert(idata(9, 0, 0, 2, "E", "ef")));
  ASSERT_FALSE(r.insert(idata(7, 0, 0, 0, "B", "ab", false, 5)));
  EXPECT_EQ(r.ready_count(), 0u);  // FSN 1 missing although B and E are held
  ASSERT_FALSE(r.insert(idata(8, 0, 0, 1, "", "cd")));
  EXPECT_THAT(drain(r), ElementsAre("abcdef"));
}

TEST(RxReassemblyIData, FsnOrderContradictingTsnOrderIsRejected) {
  // RFC 8260 2.1: FSNs count up in sending order, as TSNs do; a later TSN with an earlier FSN is
  // forged (and would let a peer make every fragment an expensive insertion at the front).
  Reassembly r(config(4, true));
  ASSERT_FALSE(r.insert(idata(10, 0, 0, 5, "", "f5")));
  EXPECT_EQ(r.insert(idata(11, 0, 0, 4, "", "f4")), ReassemblyError::InconsistentFragment);
  EXPECT_EQ(r.insert(idata(9, 0, 0, 6, "", "f6")), ReassemblyError::InconsistentFragment);
  ASSERT_FALSE(r.insert(idata(8, 0, 0, 3, "", "f3")));
  ASSERT_FALSE(r.insert(idata(12, 0, 0, 7, "", "f7")));
  EXPECT_EQ(r.bytes_held(), Reassembly::kMinMessageCharge);
}

TEST(RxReassemblyIData, OrderedByMid) {
  Reassembly r(config(4, true));
  ASSERT_FALSE(r.insert(idata(1, 0, 1, 0, "BE", "m1")));
  ASSERT_FALSE(r.insert(idata(3, 0, 0, 1, "E", "-b")));
  EXPECT_EQ(r.ready_count(), 0u);
  ASSERT_FALSE(r.insert(idata(2, 0, 0, 0, "B", "m0")));
  EXPECT_THAT(drain(r), ElementsAre("m0-b", "m1"));
  EXPECT_EQ(r.next_mid(StreamId(0)), Mid(2));
}

TEST(RxReassemblyIData, ContradictoryFragmentsAreRejected) {
  Reassembly r(config(4, true));
  EXPECT_EQ(r.insert(idata(1, 0, 0, 3, "B", "x")), ReassemblyError::InconsistentFragment);  // B needs FSN 0
  ASSERT_FALSE(r.insert(idata(2, 0, 0, 2, "E", "x")));
  EXPECT_EQ(r.insert(idata(3, 0, 0, 2, "", "y")), ReassemblyError::InconsistentFragment);  // FSN twice
  EXPECT_EQ(r.insert(idata(4, 0, 0, 5, "", "y")), ReassemblyError::InconsistentFragment);  // beyond the E
  EXPECT_EQ(r.insert(idata(5, 0, 0, 1, "E", "y")), ReassemblyError::InconsistentFragment);  // second E
  EXPECT_EQ(r.insert(idata(6, 0, 0, 0, "BE", "y")), ReassemblyError::InconsistentFragment);  // MID in use
  EXPECT_EQ(r.bytes_held(), Reassembly::kMinMessageCharge);
}

TEST(RxReassemblyIData, MaxMessageSizeExceeded) {
  Reassembly r(config(4, true));
  ASSERT_FALSE(r.insert(idata(1, 0, 0, 0, "B", std::string(600, 'x'))));
  EXPECT_EQ(r.insert(idata(2, 0, 0, 1, "", std::string(600, 'x'))), ReassemblyError::MessageTooLarge);
  EXPECT_EQ(r.partial_count(), 0u);
  EXPECT_EQ(r.bytes_held(), 0u);
}

TEST(RxReassemblyIData, Rfc8260IForwardTsnSkipsOrderedAndUnorderedMessages) {
  // RFC 8260 2.3.1: entries name (stream, U, MID) of the abandoned messages.
  Reassembly r(config(4, true));
  ASSERT_FALSE(r.insert(idata(1, 0, 0, 0, "B", "abandoned")));    // ordered MID 0
  ASSERT_FALSE(r.insert(idata(2, 0, 1, 0, "BE", "one")));         // waits for MID 0
  ASSERT_FALSE(r.insert(idata(3, 1, 7, 0, "B", "u7", true)));     // unordered MID 7 on stream 1
  ASSERT_FALSE(r.insert(idata(4, 1, 8, 0, "B", "u8", true)));     // unordered MID 8: kept
  const IForwardTsnSkip skips[] = {{StreamId(0), false, Mid(0)}, {StreamId(1), true, Mid(7)}};
  r.i_forward_tsn(skips);
  EXPECT_THAT(drain(r), ElementsAre("one"));
  EXPECT_EQ(r.next_mid(StreamId(0)), Mid(2));
  EXPECT_EQ(r.partial_count(), 1u);
  EXPECT_EQ(r.bytes_held(), Reassembly::kMinMessageCharge);
}

// A fragmented message's buffer is reserved at the size of the last one (no regrowth by doubling
// per message), but only for the one partial message held at a time.
TEST(ReassemblyTest, FreshMessageReservesTheLastMessageSize) {
  Reassembly r(config());
  const std::string a(100, 'a');
  const std::string b(50, 'b');
  ASSERT_FALSE(r.insert(data(1, 0, 0, "B", a)));
  ASSERT_FALSE(r.insert(data(2, 0, 0, "", a)));
  ASSERT_FALSE(r.insert(data(3, 0, 0, "E", b)));
  ASSERT_EQ(r.pop_message()->payload.size(), 250u);
  ASSERT_FALSE(r.insert(data(4, 0, 1, "B", a)));
  ASSERT_FALSE(r.insert(data(5, 0, 1, "", a)));
  ASSERT_FALSE(r.insert(data(6, 0, 1, "E", b)));
  const auto second = r.pop_message();
  ASSERT_TRUE(second);
  EXPECT_EQ(text_of(second->payload), a + a + b);
  EXPECT_EQ(second->payload.capacity(), 250u);  // grown fragment by fragment it would be 400

  // A second partial message while one is held gets no reservation.
  ASSERT_FALSE(r.insert(data(7, 0, 2, "B", a)));
  ASSERT_FALSE(r.insert(data(10, 1, 0, "B", a)));
  ASSERT_FALSE(r.insert(data(11, 1, 0, "E", b)));
  const auto other = r.pop_message();
  ASSERT_TRUE(other);
  EXPECT_EQ(text_of(other->payload), a + b);
  EXPECT_LT(other->payload.capacity(), 250u);
}

// One chunk per message, in order (the small-message rate's traffic): straight to the ready queue,
// with the same fields, SSN order and window accounting as the general path.
TEST(RxReassembly, InOrderUnfragmentedMessagesTakeTheFastPath) {
  ReassemblyConfig c = config();
  c.hold_until_consumed = true;
  Reassembly r(c);
  ASSERT_FALSE(r.insert(data(1, 0, 0, "BE", "first", false, 11)));
  ASSERT_FALSE(r.insert(data(2, 2, 9, "BE", "loose", /*unordered=*/true, 12)));
  ASSERT_FALSE(r.insert(data(3, 0, 1, "BE", "second", false, 13)));
  EXPECT_EQ(r.fast_deliveries(), 3u);
  EXPECT_EQ(r.bytes_held(), 3 * Reassembly::kMinMessageCharge);  // RFC 9260 6.2: ready messages still hold the window (16 B, each charged 128)
  EXPECT_EQ(r.next_ssn(StreamId(0)), Ssn(2));
  EXPECT_EQ(r.next_ssn(StreamId(2)), Ssn(0));  // unordered messages take no SSN (6.6)
  auto first = r.pop_message();
  ASSERT_TRUE(first);
  EXPECT_EQ(text_of(first->payload), "first");
  EXPECT_EQ(first->ppid, Ppid(11));
  EXPECT_EQ(first->ssn, Ssn(0));
  EXPECT_FALSE(first->unordered);
  auto loose = r.pop_message();
  ASSERT_TRUE(loose);
  EXPECT_TRUE(loose->unordered);
  EXPECT_EQ(loose->stream, StreamId(2));
  EXPECT_EQ(loose->ssn, Ssn(0));  // as the general path reports it: an unordered SSN means nothing
  EXPECT_THAT(drain(r), ElementsAre("second"));
  EXPECT_EQ(r.bytes_held(), 16u);  // handed out, not consumed: still in the window
  r.consume(16);
  EXPECT_EQ(r.bytes_held(), 0u);
}

// The edges: a message ahead of its turn, the one it waited for (others wait behind it), and any
// partial message held (a neighbour fragment could contradict it) take the general path.
TEST(RxReassembly, OutOfOrderOrPartialHeldFallsBackToTheGeneralPath) {
  Reassembly r(config());
  ASSERT_FALSE(r.insert(data(2, 0, 1, "BE", "b")));
  EXPECT_EQ(r.fast_deliveries(), 0u);
  EXPECT_EQ(r.ready_count(), 0u);  // RFC 9260 6.6: SSN 1 waits for SSN 0
  ASSERT_FALSE(r.insert(data(1, 0, 0, "BE", "a")));
  EXPECT_EQ(r.fast_deliveries(), 0u);
  EXPECT_THAT(drain(r), ElementsAre("a", "b"));
  ASSERT_FALSE(r.insert(data(3, 0, 2, "BE", "c")));
  EXPECT_EQ(r.fast_deliveries(), 1u);  // nothing waits any more
  // A first fragment held at TSN 4: an unfragmented chunk at TSN 5 contradicts it (6.9: no E yet).
  ASSERT_FALSE(r.insert(data(4, 1, 0, "B", "x")));
  EXPECT_EQ(r.insert(data(5, 0, 3, "BE", "d")), ReassemblyError::InconsistentFragment);
  ASSERT_FALSE(r.insert(data(7, 0, 3, "BE", "d")));
  EXPECT_EQ(r.fast_deliveries(), 1u);
  EXPECT_THAT(drain(r), ElementsAre("c", "d"));
}

// I-DATA (RFC 8260): ordered by MID per stream; with a partial message of the same MID held, an
// unfragmented chunk claiming it is a contradiction, which only the general path sees.
TEST(RxReassembly, InterleavedFastPathFollowsMidOrder) {
  Reassembly r(config(4, /*interleaving=*/true));
  ASSERT_FALSE(r.insert(idata(1, 0, 0, 0, "BE", "m0", false, 5)));
  ASSERT_FALSE(r.insert(idata(3, 0, 2, 0, "BE", "m2")));
  EXPECT_EQ(r.fast_deliveries(), 1u);
  ASSERT_FALSE(r.insert(idata(2, 0, 1, 0, "BE", "m1")));
  EXPECT_EQ(r.fast_deliveries(), 1u);
  EXPECT_EQ(r.next_mid(StreamId(0)), Mid(3));
  EXPECT_THAT(drain(r), ElementsAre("m0", "m1", "m2"));
  ASSERT_FALSE(r.insert(idata(4, 1, 0, 0, "B", "p")));
  EXPECT_EQ(r.insert(idata(5, 1, 0, 0, "BE", "q")), ReassemblyError::InconsistentFragment);
}

}  // namespace rx_reassembly_test
}  // namespace sctpkit::assoc
