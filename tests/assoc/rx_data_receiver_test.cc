#include "assoc/rx/data_receiver.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <array>
#include <deque>
#include <string>
#include <vector>

namespace sctpkit::assoc {
namespace rx_data_receiver_test {

using ::testing::ElementsAre;
using std::chrono::milliseconds;
using wire::Mid;
using wire::Ppid;
using wire::Ssn;
using wire::StreamId;
using wire::Tsn;
using Kind = AckDecision::Kind;

const TimePoint kT0 = TimePoint{} + std::chrono::seconds(50);

class RxDataReceiver : public ::testing::Test {
 protected:
  static DataReceiverConfig config(uint32_t buffer = 10000, bool interleaving = false) {
    DataReceiverConfig c;
    c.reassembly.inbound_streams = 2;
    c.reassembly.interleaving = interleaving;
    c.reassembly.max_message_size = buffer;
    c.reassembly.receive_buffer = buffer;
    c.window_tsns = 128;
    c.mtu = 1000;
    return c;
  }

  DataFragment chunk(uint32_t tsn, uint16_t ssn, size_t size, uint16_t stream = 0, const char* flags = "BE") {
    payloads_.emplace_back(size, static_cast<char>('a' + tsn % 26));
    DataFragment f;
    f.tsn = Tsn(tsn);
    f.stream = StreamId(stream);
    f.ssn = Ssn(ssn);
    f.ppid = Ppid(0);
    f.beginning = std::string(flags).find('B') != std::string::npos;
    f.ending = std::string(flags).find('E') != std::string::npos;
    const std::string& s = payloads_.back();
    f.payload = {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
    return f;
  }

  // One packet carrying the given chunks, arriving at `now`.
  std::vector<DataVerdict> packet(DataReceiver& rx, TimePoint now, std::vector<DataFragment> chunks) {
    std::vector<DataVerdict> verdicts;
    for (const auto& c : chunks) verdicts.push_back(rx.on_data(c));
    rx.end_packet(now);
    return verdicts;
  }

  SackContent send_sack(DataReceiver& rx) {
    const SackContent sack = rx.make_sack(1400, gaps_, dups_);
    rx.on_sack_sent(sack);
    return sack;
  }

  std::deque<std::string> payloads_;
  std::array<GapAckBlock, 16> gaps_{};
  std::array<Tsn, 16> dups_{};
};

TEST_F(RxDataReceiver, Rfc9260Section62DelayedAckExample) {
  // RFC 9260 6.2: TSN 7 (ack delayed), TSN 8 (send ack: cum 8), TSN 9 (ack delayed).
  DataReceiver rx(config(), Tsn(7));
  packet(rx, kT0, {chunk(7, 3, 10)});
  EXPECT_EQ(rx.ack_decision(), (AckDecision{Kind::At, kT0 + milliseconds(200)}));
  packet(rx, kT0 + milliseconds(5), {chunk(8, 4, 10)});
  ASSERT_EQ(rx.ack_decision().kind, Kind::Now);
  const SackContent sack = send_sack(rx);
  EXPECT_EQ(sack.cumulative_tsn_ack, Tsn(8));
  EXPECT_TRUE(sack.gap_blocks.empty());
  packet(rx, kT0 + milliseconds(10), {chunk(9, 5, 10)});
  EXPECT_FALSE(rx.sack_due(kT0 + milliseconds(209)));
  EXPECT_TRUE(rx.sack_due(kT0 + milliseconds(210)));
  EXPECT_EQ(rx.make_sack(1400, gaps_, dups_).cumulative_tsn_ack, Tsn(9));
}

TEST_F(RxDataReceiver, Rfc9260Section67GapReportExample) {
  // RFC 9260 6.7: TSN 6 (delayed), 7 lost, 8 -> gap detected, SACK at once: cum 6, block (2,2).
  DataReceiver rx(config(), Tsn(6));
  packet(rx, kT0, {chunk(6, 2, 10)});
  EXPECT_EQ(rx.ack_decision().kind, Kind::At);
  packet(rx, kT0, {chunk(8, 4, 10)});
  ASSERT_EQ(rx.ack_decision().kind, Kind::Now);
  const SackContent sack = send_sack(rx);
  EXPECT_EQ(sack.cumulative_tsn_ack, Tsn(6));
  EXPECT_THAT(sack.gap_blocks, ElementsAre(GapAckBlock{2, 2}));
  // The retransmitted TSN 7 fills the gap: acknowledged at once as well.
  packet(rx, kT0, {chunk(7, 3, 10)});
  EXPECT_EQ(rx.ack_decision().kind, Kind::Now);
  EXPECT_EQ(send_sack(rx).cumulative_tsn_ack, Tsn(8));
}

TEST_F(RxDataReceiver, ManyChunksInOnePacketCountAsOnePacket) {
  // RFC 9260 6.2: every second packet, not every second DATA chunk.
  DataReceiver rx(config(), Tsn(1));
  packet(rx, kT0, {chunk(1, 0, 10), chunk(2, 1, 10), chunk(3, 2, 10)});
  EXPECT_EQ(rx.ack_decision().kind, Kind::At);
}

TEST_F(RxDataReceiver, Section62DuplicatesReportedOnceThenCleared) {
  DataReceiver rx(config(), Tsn(1));
  packet(rx, kT0, {chunk(1, 0, 10)});
  send_sack(rx);
  EXPECT_THAT(packet(rx, kT0, {chunk(1, 0, 10)}), ElementsAre(DataVerdict::Duplicate));
  ASSERT_EQ(rx.ack_decision().kind, Kind::Now);
  EXPECT_THAT(send_sack(rx).duplicate_tsns, ElementsAre(Tsn(1)));
  EXPECT_TRUE(rx.make_sack(1400, gaps_, dups_).duplicate_tsns.empty());
  EXPECT_EQ(rx.reassembly().ready_count(), 1u);  // the duplicate was not delivered twice
}

TEST_F(RxDataReceiver, Section62WindowZeroDropsTsnsAboveTheHighestOnly) {
  DataReceiver rx(config(1000), Tsn(1));
  packet(rx, kT0, {chunk(1, 0, 600), chunk(3, 2, 400)});  // buffer now full, TSN 2 missing
  EXPECT_EQ(rx.a_rwnd(), 0u);
  send_sack(rx);
  // Above the highest TSN received: dropped, not acknowledged, and a SACK goes out at once.
  EXPECT_THAT(packet(rx, kT0, {chunk(4, 3, 10)}), ElementsAre(DataVerdict::DroppedNoSpace));
  EXPECT_EQ(rx.ack_decision().kind, Kind::Now);
  EXPECT_FALSE(rx.tsn_map().contains(Tsn(4)));
  const SackContent sack = send_sack(rx);
  EXPECT_EQ(sack.a_rwnd, 0u);
  EXPECT_THAT(sack.gap_blocks, ElementsAre(GapAckBlock{2, 2}));  // 4 is not in it
  // Filling the gap below the highest TSN is still accepted.
  EXPECT_THAT(packet(rx, kT0, {chunk(2, 1, 10)}), ElementsAre(DataVerdict::Accepted));
  EXPECT_EQ(rx.tsn_map().cumulative_tsn(), Tsn(3));
  EXPECT_EQ(rx.reassembly().ready_count(), 3u);
}

TEST_F(RxDataReceiver, WholeInOrderMessagesTakeTheFastPathButNotThroughAClosedWindow) {
  DataReceiver rx(config(1000), Tsn(1));
  // In order, whole, window open: the fast path (counted by Reassembly::fast_deliveries).
  EXPECT_THAT(packet(rx, kT0, {chunk(1, 0, 500), chunk(2, 1, 500)}),
              ElementsAre(DataVerdict::Accepted, DataVerdict::Accepted));
  EXPECT_EQ(rx.reassembly().fast_deliveries(), 2u);
  EXPECT_EQ(rx.tsn_map().cumulative_tsn(), Tsn(2));
  EXPECT_EQ(rx.a_rwnd(), 0u);
  send_sack(rx);
  // RFC 9260 6.2: at window 0 the next TSN, though in order and whole, is above the highest
  // received: dropped and not acknowledged, the fast path notwithstanding.
  EXPECT_THAT(packet(rx, kT0, {chunk(3, 2, 10)}), ElementsAre(DataVerdict::DroppedNoSpace));
  EXPECT_EQ(rx.reassembly().fast_deliveries(), 2u);
  EXPECT_EQ(rx.tsn_map().cumulative_tsn(), Tsn(2));
  EXPECT_EQ(rx.ack_decision().kind, Kind::Now);
  send_sack(rx);
  // Not the next TSN (the slow path): above the highest received as well, so dropped too.
  EXPECT_THAT(packet(rx, kT0, {chunk(4, 3, 10)}), ElementsAre(DataVerdict::DroppedNoSpace));
  // Both messages drained at once, in order; the window update decided once, after the last.
  std::vector<Ssn> drained;
  EXPECT_EQ(rx.drain_messages([&](ReceivedMessage& m) { drained.push_back(m.ssn); }), 2u);
  EXPECT_THAT(drained, ElementsAre(Ssn(0), Ssn(1)));
  EXPECT_EQ(rx.a_rwnd(), 1000u);
  EXPECT_EQ(rx.ack_decision().kind, Kind::Now);
  EXPECT_EQ(rx.drain_messages([&](ReceivedMessage&) { FAIL(); }), 0u);
  send_sack(rx);
  EXPECT_THAT(packet(rx, kT0, {chunk(3, 2, 10)}), ElementsAre(DataVerdict::Accepted));
  EXPECT_EQ(rx.reassembly().fast_deliveries(), 3u);
}

TEST_F(RxDataReceiver, Section62RwndIsBufferMinusBytesHeldAndWindowUpdateFollowsDelivery) {
  DataReceiver rx(config(4000), Tsn(1));
  packet(rx, kT0, {chunk(1, 0, 1500), chunk(2, 1, 1500)});
  EXPECT_EQ(rx.a_rwnd(), 1000u);
  EXPECT_EQ(send_sack(rx).a_rwnd, 1000u);
  ASSERT_TRUE(rx.pop_message());  // window 2500: opened by 1500 >= min(4000 / 2, MTU 1000)
  EXPECT_EQ(rx.a_rwnd(), 2500u);
  EXPECT_EQ(rx.ack_decision().kind, Kind::Now);
  EXPECT_EQ(send_sack(rx).a_rwnd, 2500u);
  packet(rx, kT0, {chunk(3, 2, 500)});
  send_sack(rx);  // advertised 2000
  ASSERT_TRUE(rx.pop_message());  // 3500: +1500, worth an update
  EXPECT_EQ(rx.ack_decision().kind, Kind::Now);
  send_sack(rx);
  ASSERT_TRUE(rx.pop_message());  // 4000: +500 only, not worth a SACK of its own
  EXPECT_EQ(rx.ack_decision().kind, Kind::None);
}

TEST_F(RxDataReceiver, Section62HeldUntilConsumedWindowCoversWhatTheUpperLayerHasNotConsumed) {
  DataReceiverConfig c = config(4000);
  c.reassembly.hold_until_consumed = true;
  DataReceiver rx(c, Tsn(1));
  packet(rx, kT0, {chunk(1, 0, 1500), chunk(2, 1, 1500), chunk(3, 2, 1000)});
  EXPECT_EQ(send_sack(rx).a_rwnd, 0u);
  // Popping moves the bytes to the upper layer without opening the window.
  ASSERT_TRUE(rx.pop_message());
  ASSERT_TRUE(rx.pop_message());
  EXPECT_EQ(rx.reassembly().unconsumed_bytes(), 3000u);
  EXPECT_EQ(rx.a_rwnd(), 0u);
  EXPECT_EQ(rx.ack_decision().kind, Kind::None);
  // Still closed: a new TSN above the highest is refused (6.2).
  EXPECT_THAT(packet(rx, kT0, {chunk(4, 3, 10)}), ElementsAre(DataVerdict::DroppedNoSpace));
  send_sack(rx);
  // 1500 consumed reopens a closed window by a full MTU (1000): update at once.
  EXPECT_TRUE(rx.consumed(1500));
  EXPECT_EQ(rx.a_rwnd(), 1500u);
  EXPECT_EQ(rx.ack_decision().kind, Kind::Now);
  EXPECT_EQ(send_sack(rx).a_rwnd, 1500u);
  // +500 from an open window: below a quarter of the buffer (1000), no SACK of its own.
  EXPECT_FALSE(rx.consumed(500));
  EXPECT_EQ(rx.ack_decision().kind, Kind::None);
  EXPECT_EQ(rx.a_rwnd(), 2000u);
  // +1000 more: 3000 against the 1500 advertised opens by 1500, over a quarter: update.
  EXPECT_TRUE(rx.consumed(1000));
  EXPECT_EQ(rx.a_rwnd(), 3000u);
  // Consuming more than was handed out only empties the count.
  ASSERT_TRUE(rx.pop_message());
  EXPECT_EQ(rx.reassembly().unconsumed_bytes(), 1000u);
  rx.consumed(5000);
  EXPECT_EQ(rx.reassembly().unconsumed_bytes(), 0u);
  EXPECT_EQ(rx.a_rwnd(), 4000u);
  EXPECT_FALSE(rx.consumed(100));  // nothing left to consume
}

TEST_F(RxDataReceiver, WithoutHoldUntilConsumedPoppingIsConsuming) {
  DataReceiver rx(config(4000), Tsn(1));
  packet(rx, kT0, {chunk(1, 0, 1500)});
  ASSERT_TRUE(rx.pop_message());
  EXPECT_EQ(rx.reassembly().unconsumed_bytes(), 0u);
  EXPECT_EQ(rx.a_rwnd(), 4000u);
  EXPECT_FALSE(rx.consumed(1500));
  EXPECT_EQ(rx.a_rwnd(), 4000u);
}

TEST_F(RxDataReceiver, HostileFarFutureTsnIsDroppedWithoutHoldingAnything) {
  DataReceiver rx(config(), Tsn(1));
  EXPECT_THAT(packet(rx, kT0, {chunk(1 + 128, 0, 10)}), ElementsAre(DataVerdict::DroppedOutOfWindow));
  EXPECT_THAT(packet(rx, kT0, {chunk(0x7FFFFFF0u, 0, 10)}), ElementsAre(DataVerdict::DroppedOutOfWindow));
  EXPECT_EQ(rx.reassembly().bytes_held(), 0u);
  EXPECT_FALSE(rx.tsn_map().has_gaps());
  EXPECT_EQ(rx.ack_decision().kind, Kind::Now);
  EXPECT_THAT(packet(rx, kT0, {chunk(128, 0, 10)}), ElementsAre(DataVerdict::Accepted));  // last inside
}

TEST_F(RxDataReceiver, Section65InvalidStreamIsAcknowledgedAndDiscarded) {
  DataReceiver rx(config(), Tsn(1));
  EXPECT_THAT(packet(rx, kT0, {chunk(1, 0, 10, 5)}), ElementsAre(DataVerdict::InvalidStream));
  EXPECT_EQ(rx.tsn_map().cumulative_tsn(), Tsn(1));
  EXPECT_EQ(rx.reassembly().ready_count(), 0u);
  EXPECT_EQ(rx.ack_decision().kind, Kind::At);
}

TEST_F(RxDataReceiver, FatalChunksAreNotAcknowledged) {
  DataReceiver rx(config(1000), Tsn(1));
  EXPECT_THAT(packet(rx, kT0, {chunk(1, 0, 0)}), ElementsAre(DataVerdict::NoUserData));
  EXPECT_THAT(packet(rx, kT0, {chunk(1, 0, 1001)}), ElementsAre(DataVerdict::MessageTooLarge));
  EXPECT_THAT(packet(rx, kT0, {chunk(1, 0, 10, 0, "B"), chunk(2, 1, 10, 0, "B")}),
              ElementsAre(DataVerdict::Accepted, DataVerdict::ProtocolViolation));
  EXPECT_EQ(rx.tsn_map().cumulative_tsn(), Tsn(1));
}

TEST_F(RxDataReceiver, TsnWrapAroundThroughTheWholePath) {
  DataReceiver rx(config(), Tsn(0xFFFFFFFFu));
  packet(rx, kT0, {chunk(0xFFFFFFFFu, 0, 10, 0, "B"), chunk(1, 1, 10)});
  packet(rx, kT0, {chunk(0, 0, 10, 0, "E")});
  EXPECT_EQ(rx.tsn_map().cumulative_tsn(), Tsn(1));
  auto first = rx.pop_message();
  ASSERT_TRUE(first);
  EXPECT_EQ(first->payload.size(), 20u);
  EXPECT_EQ(first->ssn, Ssn(0));
}

TEST_F(RxDataReceiver, Rfc3758ForwardTsnSkipsAndAcknowledges) {
  DataReceiver rx(config(), Tsn(1));
  packet(rx, kT0, {chunk(1, 0, 10, 0, "B"), chunk(4, 1, 10)});  // 2, 3 abandoned by the sender
  send_sack(rx);
  const ForwardTsnSkip skip{StreamId(0), Ssn(0)};
  rx.on_forward_tsn(Tsn(3), std::span(&skip, 1));
  rx.end_packet(kT0);
  EXPECT_EQ(rx.tsn_map().cumulative_tsn(), Tsn(4));
  EXPECT_EQ(rx.reassembly().partial_count(), 0u);
  auto m = rx.pop_message();
  ASSERT_TRUE(m);
  EXPECT_EQ(m->ssn, Ssn(1));
  // Section 3.6: it arrived while gaps existed, so the SACK goes now.
  EXPECT_EQ(rx.ack_decision().kind, Kind::Now);
  send_sack(rx);
  // An out-of-date FORWARD TSN changes nothing but is answered at once.
  rx.on_forward_tsn(Tsn(2), {});
  rx.end_packet(kT0);
  EXPECT_EQ(rx.tsn_map().cumulative_tsn(), Tsn(4));
  EXPECT_EQ(rx.ack_decision().kind, Kind::Now);
}

TEST_F(RxDataReceiver, Rfc8260IForwardTsn) {
  DataReceiver rx(config(10000, true), Tsn(1));
  DataFragment first = chunk(1, 0, 10, 1, "B");
  first.mid = Mid(0);
  DataFragment next = chunk(3, 0, 10, 1, "BE");
  next.mid = Mid(1);
  packet(rx, kT0, {first, next});
  const IForwardTsnSkip skip{StreamId(1), false, Mid(0)};
  rx.on_i_forward_tsn(Tsn(2), std::span(&skip, 1));
  rx.end_packet(kT0);
  EXPECT_EQ(rx.tsn_map().cumulative_tsn(), Tsn(3));
  auto m = rx.pop_message();
  ASSERT_TRUE(m);
  EXPECT_EQ(m->mid, Mid(1));
  EXPECT_EQ(rx.reassembly().bytes_held(), 0u);
}

}  // namespace rx_data_receiver_test
}  // namespace sctpkit::assoc
