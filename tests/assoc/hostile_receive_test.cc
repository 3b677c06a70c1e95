// A peer that lies or floods on the receive side: what it can make us hold, and what it can make
// us compute per packet. Honest-peer behaviour of the same code is in rx_data_receiver_test.cc and
// rx_reassembly_test.cc.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <deque>
#include <string>
#include <vector>

#include "assoc/rx/data_receiver.h"
#include "assoc/rx/reassembly.h"

namespace sctpkit::assoc {
namespace hostile_receive_test {

using ::testing::ElementsAre;
using wire::Mid;
using wire::Ppid;
using wire::Ssn;
using wire::StreamId;
using wire::Tsn;

const TimePoint kT0 = TimePoint{} + std::chrono::seconds(50);

class HostileReceive : public ::testing::Test {
 protected:
  // DATA: flags "BE", "B", "E" or "" (middle).
  DataFragment data(uint32_t tsn, uint16_t ssn, size_t size, const char* flags = "BE", uint16_t stream = 0) {
    payloads_.emplace_back(size, static_cast<char>('a' + ssn % 26));
    DataFragment f;
    f.tsn = Tsn(tsn);
    f.stream = StreamId(stream);
    f.ssn = Ssn(ssn);
    f.mid = Mid(ssn);
    f.ppid = Ppid(ssn);
    f.beginning = std::string(flags).find('B') != std::string::npos;
    f.ending = std::string(flags).find('E') != std::string::npos;
    const std::string& s = payloads_.back();
    f.payload = {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
    return f;
  }
  DataFragment idata(uint32_t tsn, uint32_t mid, size_t size) {
    DataFragment f = data(tsn, 0, size);
    f.mid = Mid(mid);
    f.ppid = Ppid(mid);
    return f;
  }

  static ReassemblyConfig reassembly_config(uint32_t buffer, bool interleaving = false) {
    ReassemblyConfig c;
    c.inbound_streams = 2;
    c.interleaving = interleaving;
    c.max_message_size = buffer;
    c.receive_buffer = buffer;
    return c;
  }

  // The PPIDs (the tests' message numbers) of the messages ready, in delivery order.
  static std::vector<uint32_t> drain(Reassembly& r) {
    std::vector<uint32_t> out;
    while (auto m = r.pop_message()) out.push_back(m->ppid.value());
    return out;
  }
  static std::vector<uint32_t> numbers(uint32_t first, uint32_t count) {
    std::vector<uint32_t> out(count);
    for (uint32_t i = 0; i < count; ++i) out[i] = first + i;
    return out;
  }

  std::deque<std::string> payloads_;
};

// --- Receive window: RFC 9260 6.2 ---

TEST_F(HostileReceive, GapFillersIntoAClosedWindowAreHeldOnlyUpToOneLargestChunkBeyondTheBuffer) {
  // RFC 9260 6.2 accepts a TSN below the highest received into a closed window (it may complete a
  // message and free the buffer), and asks to drop the highest TSN held in exchange, which we do
  // not do. Without a bound, a peer that first sends a TSN far up and then fills the gap below it
  // makes us hold up to a TSN window's worth of chunks (65,535 of them in an association) whatever
  // the buffer: here a thousand times the buffer.
  DataReceiverConfig config;
  config.reassembly = reassembly_config(10000);
  config.window_tsns = TsnMap::kMaxWindowTsns;
  DataReceiver rx(config, Tsn(1));
  ASSERT_EQ(rx.on_data(data(2001, 2001, 1000, "B")), DataVerdict::Accepted);  // never completes
  size_t dropped = 0;
  for (uint32_t tsn = 2; tsn <= 2000; ++tsn) {
    // Ordered messages behind SSN 0, which never comes: none can be delivered.
    const DataVerdict verdict = rx.on_data(data(tsn, static_cast<uint16_t>(tsn), 1000));
    if (verdict == DataVerdict::DroppedNoSpace) {
      ++dropped;
    } else {
      ASSERT_EQ(verdict, DataVerdict::Accepted) << "TSN " << tsn;
    }
  }
  rx.end_packet(kT0);
  EXPECT_EQ(rx.a_rwnd(), 0u);
  EXPECT_LE(rx.reassembly().bytes_held(), 10000u + DataReceiver::kClosedWindowAllowance);
  EXPECT_GE(dropped, 2000u - 1 - (10000 + DataReceiver::kClosedWindowAllowance) / 1000);
  // RFC 9260 6.2: a dropped chunk makes a SACK due at once, listing only what was accepted.
  EXPECT_EQ(rx.ack_decision().kind, AckDecision::Kind::Now);
  EXPECT_FALSE(rx.tsn_map().contains(Tsn(2000)));
  // The TSN that would let the held messages go is still taken: it is what the window waits for.
  ASSERT_EQ(rx.on_data(data(1, 0, 10)), DataVerdict::Accepted);
}

TEST_F(HostileReceive, OneByteMessagesEachCountAMessagesFootprintAgainstTheBuffer) {
  // Counting payload only, a 10,000-byte buffer took 10,000 one-byte messages (some 1 MB of
  // message structs and heap blocks); 2 MiB of them, some 150 MB. Each now counts
  // kMinMessageCharge, about its real footprint.
  DataReceiverConfig config;
  config.reassembly = reassembly_config(10000);
  config.window_tsns = TsnMap::kMaxWindowTsns;
  DataReceiver rx(config, Tsn(1));
  // Ordered messages behind SSN 0, which has not come: none can be delivered.
  const size_t fits = (10000 + Reassembly::kMinMessageCharge - 1) / Reassembly::kMinMessageCharge;  // 79
  uint32_t tsn = 2;
  for (; tsn < 2 + fits; ++tsn) {
    ASSERT_GT(rx.a_rwnd(), 0u) << "TSN " << tsn;
    ASSERT_EQ(rx.on_data(data(tsn, static_cast<uint16_t>(tsn - 1), 1)), DataVerdict::Accepted);
    EXPECT_EQ(rx.reassembly().bytes_held(), (tsn - 1) * Reassembly::kMinMessageCharge);
  }
  // RFC 9260 6.2: the window is closed after 79 one-byte messages (it was after 10,000), and the
  // next new TSN is dropped.
  EXPECT_EQ(rx.a_rwnd(), 0u);
  EXPECT_EQ(rx.on_data(data(tsn, static_cast<uint16_t>(tsn - 1), 1)), DataVerdict::DroppedNoSpace);
  // Delivered and read, they give back all they were charged.
  ASSERT_EQ(rx.on_data(data(1, 0, 1)), DataVerdict::Accepted);
  size_t read = 0;
  while (rx.pop_message()) ++read;
  EXPECT_EQ(read, fits + 1);
  EXPECT_EQ(rx.reassembly().bytes_held(), 0u);
  EXPECT_EQ(rx.a_rwnd(), 10000u);
}

TEST_F(HostileReceive, OneByteFragmentsEachCountAPieceAgainstTheBuffer) {
  // A partial message of one-byte fragments held a 20-byte Piece (up to 40 with its vector's
  // growth) per payload byte counted.
  Reassembly r(reassembly_config(1 << 20));
  constexpr uint32_t kFragments = 1000;
  ASSERT_FALSE(r.insert(data(1, 0, 1, "B")));
  for (uint32_t tsn = 2; tsn <= kFragments; ++tsn) ASSERT_FALSE(r.insert(data(tsn, 0, 1, "")));
  EXPECT_EQ(r.bytes_held(), kFragments * Reassembly::kMinFragmentCharge);  // was 1,000
  // Complete, it is one message of 1,001 bytes, charged its payload.
  ASSERT_FALSE(r.insert(data(kFragments + 1, 0, 1, "E")));
  EXPECT_EQ(r.bytes_held(), kFragments + 1);
  EXPECT_EQ(drain(r), std::vector<uint32_t>{0});
  EXPECT_EQ(r.bytes_held(), 0u);
}

TEST_F(HostileReceive, AMessageAsLargeAsTheBufferStillFitsInHonestFragments) {
  // RFC 9260 6.2 drops a new TSN above the highest while the window is closed, so if a message's
  // fragments were charged more than their payload, one of receive_buffer bytes (the largest
  // allowed) could never complete. Fragments of a hundred bytes and more count their payload only.
  DataReceiverConfig config;
  config.reassembly = reassembly_config(10000);
  DataReceiver rx(config, Tsn(1));
  for (uint32_t i = 0; i < 9; ++i) {
    ASSERT_EQ(rx.on_data(data(1 + i, 0, 1100, i == 0 ? "B" : "")), DataVerdict::Accepted) << i;
  }
  EXPECT_EQ(rx.a_rwnd(), 100u);
  ASSERT_EQ(rx.on_data(data(10, 0, 100, "E")), DataVerdict::Accepted);
  const auto message = rx.pop_message();
  ASSERT_TRUE(message);
  EXPECT_EQ(message->payload.size(), 10000u);
  EXPECT_EQ(rx.a_rwnd(), 10000u);
}

TEST_F(HostileReceive, AMessageHandedOutButNotConsumedKeepsOnlyItsPayloadCharged) {
  // hold_until_consumed: the message's struct left with it; its bytes count until consume().
  ReassemblyConfig config = reassembly_config(10000);
  config.hold_until_consumed = true;
  Reassembly r(config);
  ASSERT_FALSE(r.insert(data(1, 0, 1)));
  EXPECT_EQ(r.bytes_held(), Reassembly::kMinMessageCharge);
  ASSERT_TRUE(r.pop_message());
  EXPECT_EQ(r.bytes_held(), 1u);
  r.consume(1);
  EXPECT_EQ(r.bytes_held(), 0u);
}

// --- Stream state: RFC 9260 14 ---

TEST_F(HostileReceive, OneChunkOnTheHighestStreamMakesOneBlockOfStreamStateNotAllBelowIt) {
  // Stream state was a vector up to the highest id used: one chunk on stream 65,534 made 65,535
  // entries, 2 MiB per association (8 GiB over 4,096 associations).
  ReassemblyConfig config = reassembly_config(1 << 20);
  config.inbound_streams = 65535;
  Reassembly r(config);
  ASSERT_FALSE(r.insert(data(1, 0, 1, "BE", 65534)));
  EXPECT_EQ(r.streams_with_state(), StreamTable<int>::kBlock);  // was 65,535
  EXPECT_LE(r.stream_state_bytes(), 12u * 1024);                 // was 2 MiB
  EXPECT_EQ(r.next_ssn(StreamId(65534)), Ssn(1));
  EXPECT_EQ(r.next_ssn(StreamId(65000)), Ssn(0));  // asking makes nothing
  EXPECT_EQ(r.streams_with_state(), StreamTable<int>::kBlock);
  // Low ids stay in the dense part: stream 3 adds four entries.
  ASSERT_FALSE(r.insert(data(2, 0, 1, "BE", 3)));
  EXPECT_EQ(r.streams_with_state(), StreamTable<int>::kBlock + 4);
  EXPECT_EQ(drain(r), (std::vector<uint32_t>{0, 0}));
}

TEST_F(HostileReceive, OrderedMessagesOnEveryStreamAreDeliveredInOrder) {
  // Every stream's SSN 1 first (each waits for its SSN 0), then every SSN 0: each stream's state,
  // dense or in a block, keeps its own order.
  ReassemblyConfig config = reassembly_config(1 << 24);
  config.inbound_streams = 65535;
  Reassembly r(config);
  uint32_t tsn = 1;
  for (uint32_t stream = 0; stream < 65535; ++stream) {
    ASSERT_FALSE(r.insert(data(tsn++, 1, 1, "BE", static_cast<uint16_t>(stream))));
  }
  EXPECT_EQ(r.ready_count(), 0u);
  for (uint32_t stream = 65535; stream-- > 0;) ASSERT_FALSE(r.insert(data(tsn++, 0, 1, "BE", static_cast<uint16_t>(stream))));
  std::vector<std::pair<uint16_t, uint32_t>> delivered;
  while (auto m = r.pop_message()) delivered.emplace_back(m->stream.value(), m->ppid.value());
  ASSERT_EQ(delivered.size(), 2u * 65535);
  for (size_t i = 0; i < delivered.size(); i += 2) {
    const auto stream = static_cast<uint16_t>(65534 - i / 2);
    ASSERT_EQ(delivered[i], std::make_pair(stream, 0u)) << i;
    ASSERT_EQ(delivered[i + 1], std::make_pair(stream, 1u)) << i;
  }
  for (uint32_t stream = 0; stream < 65535; ++stream) ASSERT_EQ(r.next_ssn(StreamId(static_cast<uint16_t>(stream))), Ssn(2));
  EXPECT_EQ(r.bytes_held(), 0u);
  EXPECT_EQ(r.streams_with_state(), 65535u + 1);  // the last block ends at id 65,535
}

// --- Partial messages: RFC 9260 6.9, 14 ---

TEST_F(HostileReceive, FragmentsStartingMorePartialMessagesThanTheBoundAreDroppedUnlessNext) {
  Reassembly r(reassembly_config(1 << 20));
  // Fragments with no neighbour each start a partial message: B fragments two TSNs apart.
  for (uint32_t i = 0; i < Reassembly::kMaxPartials; ++i) ASSERT_FALSE(r.insert(data(3 + 2 * i, 0, 1, "B")));
  const uint32_t beyond = 3 + 2 * static_cast<uint32_t>(Reassembly::kMaxPartials);
  EXPECT_EQ(r.insert(data(beyond, 0, 1, "B")), ReassemblyError::TooManyPartials);
  EXPECT_EQ(r.partial_count(), Reassembly::kMaxPartials);
  // The TSN after the cumulative one is never refused, so the cumulative point can move on.
  ASSERT_FALSE(r.insert(data(1, 1, 1, "B"), true));
  EXPECT_EQ(r.partial_count(), Reassembly::kMaxPartials + 1);
  ASSERT_FALSE(r.insert(data(2, 1, 1, "E"), true));  // completes SSN 1, which waits for SSN 0
  EXPECT_EQ(r.partial_count(), Reassembly::kMaxPartials);
  // Joining a partial message adds none: taken. It completes SSN 0, and both go.
  ASSERT_FALSE(r.insert(data(4, 0, 1, "E")));
  EXPECT_EQ(r.partial_count(), Reassembly::kMaxPartials - 1);
  EXPECT_EQ(drain(r), numbers(0, 2));
}

TEST_F(HostileReceive, APeerOpeningAPartialMessageAtEveryOtherTsnCostsBoundedWorkPerChunk) {
  // B fragments at every other TSN of the association's window, TSN 1 never sent: each used to
  // start a partial message, and every later DATA chunk scanned them all (32,767 partials: 0.2 s
  // per 3,000 chunks, one 64 KiB packet of them). Now the partials stop at kMaxPartials and the
  // fragments past them are dropped unacknowledged with a SACK at once.
  DataReceiverConfig config;
  config.reassembly = reassembly_config(1 << 21);
  config.window_tsns = TsnMap::kMaxWindowTsns;
  DataReceiver rx(config, Tsn(1));
  size_t dropped = 0;
  for (uint32_t tsn = 2; tsn < TsnMap::kMaxWindowTsns; tsn += 2) {
    dropped += rx.on_data(data(tsn, 0, 1, "B")) == DataVerdict::DroppedNoSpace;
  }
  rx.end_packet(kT0);
  EXPECT_EQ(rx.reassembly().partial_count(), Reassembly::kMaxPartials);
  EXPECT_EQ(dropped, TsnMap::kMaxWindowTsns / 2 - Reassembly::kMaxPartials);
  EXPECT_EQ(rx.ack_decision().kind, AckDecision::Kind::Now);
  const uint64_t steps_before = rx.reassembly().work_steps();
  constexpr uint64_t kChunks = 10000;
  for (uint32_t tsn = 3; tsn < 3 + 2 * kChunks; tsn += 2) (void)rx.on_data(data(tsn, 0, 1, "E"));
  // Each chunk scans at most the partials held (kMaxPartials), plus a comparison or two for each
  // message completed (all SSN 0, so all but the first wait): 32,767 each without the bound. The
  // wall clock is bench/hostile_bench.cc's BM_ManyPartials.
  EXPECT_LE(rx.reassembly().work_steps() - steps_before, kChunks * (Reassembly::kMaxPartials + 2));
  // The E fragments completed the partials that were taken; TSN 1 then moves the cumulative
  // point up to the first B fragment dropped.
  ASSERT_EQ(rx.on_data(data(1, 0, 1, "BE")), DataVerdict::Accepted);
  EXPECT_EQ(rx.tsn_map().cumulative_tsn(), Tsn(2 * Reassembly::kMaxPartials + 1));
}

// --- Ordered delivery: RFC 9260 6.6 ---

TEST_F(HostileReceive, OrderedMessagesMoreThanHalfTheSsnSpaceAheadWaitForTheirTurn) {
  // An honest peer sending small messages on one stream can have more than 32,768 of them past a
  // lost one: the TSN window (65,535) and a 2 MiB buffer allow it. Serial arithmetic on 16-bit
  // SSNs took those as already delivered and dropped them, although their TSNs were acknowledged.
  Reassembly r(reassembly_config(1 << 20));
  constexpr uint32_t kAhead = 40000;
  for (uint32_t ssn = 1; ssn <= kAhead; ++ssn) ASSERT_FALSE(r.insert(data(1 + ssn, static_cast<uint16_t>(ssn), 1)));
  EXPECT_EQ(r.ready_count(), 0u);
  ASSERT_FALSE(r.insert(data(1, 0, 1)));
  EXPECT_EQ(drain(r), numbers(0, kAhead + 1));
  EXPECT_EQ(r.bytes_held(), 0u);
  EXPECT_EQ(r.next_ssn(StreamId(0)), Ssn(static_cast<uint16_t>(kAhead + 1)));
}

TEST_F(HostileReceive, AMessageRepeatingTheSsnOfAWaitingOneIsDroppedNotHeldForever) {
  // Two messages with one SSN: only one is delivered (which one is the liar's business). The other
  // used to wait for an SSN already passed, holding its bytes (and the window) for good.
  Reassembly r(reassembly_config(1000));
  ASSERT_FALSE(r.insert(data(2, 2, 10)));
  ASSERT_FALSE(r.insert(data(3, 2, 10)));  // the same SSN again
  ASSERT_FALSE(r.insert(data(4, 1, 10)));
  ASSERT_FALSE(r.insert(data(1, 0, 10)));
  EXPECT_EQ(drain(r), numbers(0, 3));
  EXPECT_EQ(r.bytes_held(), 0u);
  ASSERT_FALSE(r.insert(data(5, 3, 10)));
  EXPECT_EQ(drain(r), std::vector<uint32_t>{3});
}

// A peer holds back SSN 0, sends 400,000 one-byte messages repeating SSN n, then SSNs n down to 1
// (a 2 MiB window holds them all). Finding each message's successor by scanning the waiting list
// cost O(n) per message delivered: 32,000 scans of 432,000 messages, seconds of CPU for the one
// packet that finally carries SSN 0 (or the FORWARD TSN skipping it).
constexpr uint32_t kDistinctWaiting = 32000;
constexpr uint32_t kRepeats = 400000;
constexpr uint32_t kWaitingTotal = kRepeats + kDistinctWaiting;

TEST_F(HostileReceive, ManyWaitingMessagesAreOrderedInLogarithmicNotLinearTimeEach) {
  Reassembly r(reassembly_config(1 << 20));
  uint32_t tsn = 2;
  for (uint32_t i = 0; i < kRepeats; ++i) ASSERT_FALSE(r.insert(data(tsn++, kDistinctWaiting, 1)));
  for (uint32_t ssn = kDistinctWaiting; ssn >= 1; --ssn) ASSERT_FALSE(r.insert(data(tsn++, static_cast<uint16_t>(ssn), 1)));
  const uint64_t steps_before = r.work_steps();
  ASSERT_FALSE(r.insert(data(1, 0, 1)));
  EXPECT_EQ(drain(r), numbers(0, kDistinctWaiting + 1));
  EXPECT_EQ(r.bytes_held(), 0u);
  // Each of the 432,000 messages leaves the heap in at most 2 log2(432,000) < 2 x 19 comparisons;
  // a scan of the waiting list per SSN delivered costs 32,000 x 432,000. The wall clock is
  // bench/hostile_bench.cc's BM_ManyWaitingOrderedMessages.
  EXPECT_LE(r.work_steps() - steps_before, uint64_t{kWaitingTotal} * 2 * 19);
}

TEST_F(HostileReceive, ForwardTsnOverManyWaitingMessagesDeliversThemInOrder) {
  // RFC 3758 3.6: held messages up to the skipped SSN go out in SSN order, then the stream goes on
  // from the SSN after it.
  Reassembly r(reassembly_config(1 << 20));
  uint32_t tsn = 2;
  for (uint32_t i = 0; i < kRepeats; ++i) ASSERT_FALSE(r.insert(data(tsn++, kDistinctWaiting, 1)));
  for (uint32_t ssn = kDistinctWaiting; ssn >= 1; --ssn) ASSERT_FALSE(r.insert(data(tsn++, static_cast<uint16_t>(ssn), 1)));
  const ForwardTsnSkip skip{StreamId(0), Ssn(kDistinctWaiting / 2)};  // SSN 0 abandoned
  const uint64_t steps_before = r.work_steps();
  r.forward_tsn(Tsn(1), std::span(&skip, 1));
  EXPECT_EQ(drain(r), numbers(1, kDistinctWaiting));
  EXPECT_EQ(r.next_ssn(StreamId(0)), Ssn(kDistinctWaiting + 1));
  EXPECT_EQ(r.bytes_held(), 0u);
  EXPECT_LE(r.work_steps() - steps_before, uint64_t{kWaitingTotal} * 2 * 19);
}

TEST_F(HostileReceive, InterleavedMessagesWaitByMidAndARepeatedMidIsDropped) {
  // RFC 8260 2.1: the same ordering by 32-bit MID; a MID already passed is dropped, not held.
  Reassembly r(reassembly_config(1 << 20, true));
  constexpr uint32_t kWaiting = 40000;
  for (uint32_t mid = kWaiting; mid >= 1; --mid) ASSERT_FALSE(r.insert(idata(1 + mid, mid, 1)));
  ASSERT_FALSE(r.insert(idata(kWaiting + 2, 7, 1)));  // MID 7 again
  ASSERT_FALSE(r.insert(idata(1, 0, 1)));
  EXPECT_EQ(drain(r), numbers(0, kWaiting + 1));
  EXPECT_EQ(r.bytes_held(), 0u);
  EXPECT_EQ(r.next_mid(StreamId(0)), Mid(kWaiting + 1));
  // RFC 8260 2.3.1: skipping to MID n leaves a message waiting at n + 2 for n + 1.
  ASSERT_FALSE(r.insert(idata(kWaiting + 9, kWaiting + 7, 1)));
  const IForwardTsnSkip skip{StreamId(0), false, Mid(kWaiting + 5)};
  r.i_forward_tsn(std::span(&skip, 1));
  EXPECT_TRUE(drain(r).empty());
  ASSERT_FALSE(r.insert(idata(kWaiting + 10, kWaiting + 6, 1)));
  EXPECT_EQ(drain(r), numbers(kWaiting + 6, 2));
}

}  // namespace hostile_receive_test
}  // namespace sctpkit::assoc
