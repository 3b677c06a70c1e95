#include "assoc/tx/send_queue.h"

#include <gtest/gtest.h>

#include <numeric>
#include <vector>

namespace sctpkit::assoc {
namespace {

using wire::Ppid;
using wire::Ssn;
using wire::StreamId;

std::vector<uint8_t> bytes(size_t n, uint8_t seed = 0) {
  std::vector<uint8_t> v(n);
  std::iota(v.begin(), v.end(), seed);
  return v;
}

TEST(TxSendQueue, ExactFitIsOneFragment) {  // RFC 9260 3.3.1 B/E flags
  SendQueue q(1);
  ASSERT_EQ(q.send(StreamId(0), bytes(100)), SendStatus::kOk);
  EXPECT_EQ(q.peek_fragment_size(100), 100u);
  auto f = q.next_fragment(100);
  ASSERT_TRUE(f);
  EXPECT_TRUE(f->beginning);
  EXPECT_TRUE(f->end);
  EXPECT_EQ(f->length, 100u);
  EXPECT_TRUE(q.empty());
  EXPECT_FALSE(q.next_fragment(100));
}

TEST(TxSendQueue, SackImmediatelyMarksOnlyTheLastFragmentOfTheMessageQueuedLast) {  // RFC 9260 6.1 I bit
  SendQueue q(2);
  EXPECT_FALSE(q.mark_last_sack_immediately());  // nothing queued
  ASSERT_EQ(q.send(StreamId(0), bytes(150)), SendStatus::kOk);
  ASSERT_EQ(q.send(StreamId(1), bytes(150)), SendStatus::kOk);
  ASSERT_EQ(q.send(StreamId(0), bytes(10)), SendStatus::kOk);
  ASSERT_EQ(q.send(StreamId(1), bytes(150)), SendStatus::kOk);  // the last: two fragments
  EXPECT_TRUE(q.mark_last_sack_immediately());
  std::vector<std::pair<uint16_t, bool>> marks;  // stream, I bit, per fragment in sending order
  while (auto f = q.next_fragment(100)) marks.emplace_back(f->stream.value(), f->sack_immediately);
  const std::vector<std::pair<uint16_t, bool>> want{{0, false}, {0, false}, {1, false}, {1, false},
                                                    {0, false}, {1, false}, {1, true}};
  EXPECT_EQ(marks, want);
  EXPECT_FALSE(q.mark_last_sack_immediately());  // it has left the queue
}

TEST(TxSendQueue, SackImmediatelyGivenWithTheMessageMarksItsEnd) {
  SendQueue q(1);
  ASSERT_EQ(q.send(StreamId(0), bytes(150), MessageOptions{Ppid(0), false, true}), SendStatus::kOk);
  auto a = q.next_fragment(100);
  auto b = q.next_fragment(100);
  ASSERT_TRUE(a && b);
  EXPECT_FALSE(a->sack_immediately);
  EXPECT_TRUE(b->sack_immediately);
}

TEST(TxSendQueue, OneByteOverMakesTwoFragments) {  // RFC 9260 6.9
  SendQueue q(1);
  const auto data = bytes(101);
  ASSERT_EQ(q.send(StreamId(0), data), SendStatus::kOk);
  auto a = q.next_fragment(100);
  ASSERT_TRUE(a);
  EXPECT_TRUE(a->beginning);
  EXPECT_FALSE(a->end);
  EXPECT_EQ(a->length, 100u);
  EXPECT_EQ(q.peek_fragment_size(100), 1u);
  auto b = q.next_fragment(100);
  ASSERT_TRUE(b);
  EXPECT_FALSE(b->beginning);
  EXPECT_TRUE(b->end);
  EXPECT_EQ(b->offset, 100u);
  EXPECT_EQ(b->length, 1u);
  EXPECT_EQ(b->payload()[0], data[100]);
  EXPECT_EQ(a->ssn, b->ssn);  // RFC 9260 6.9: all fragments carry the message's SSN
}

TEST(TxSendQueue, SmallMessageFragmentsReadItsSlotAtTheirOffsets) {
  // A copied message of up to MessagePool::kSmallMessage bytes lives in its slot, which a fragment
  // reads without asking the slot for the size (what the queue recorded says where the bytes are);
  // one handed over as a vector stays in that vector.
  SendQueue q(1);
  const auto copied = bytes(MessagePool::kSmallMessage, 3);
  ASSERT_EQ(q.send(StreamId(0), wire::Bytes(copied)), SendStatus::kOk);
  ASSERT_EQ(q.send(StreamId(0), bytes(40, 9)), SendStatus::kOk);
  std::vector<uint8_t> first, second;
  while (auto f = q.next_fragment(30)) {
    auto& into = f->ssn == Ssn(0) ? first : second;
    EXPECT_EQ(f->in_slot, f->ssn == Ssn(0));
    EXPECT_EQ(f->payload().data(), f->message.bytes().data() + f->offset);
    into.insert(into.end(), f->payload().begin(), f->payload().end());
  }
  EXPECT_EQ(first, copied);
  EXPECT_EQ(second, bytes(40, 9));
}

TEST(TxSendQueue, A64ByteMessageInItsSlotIsOneCacheLine) {
  // Building its chunk reads the message's bytes and nothing else of the slot: with the bytes first
  // in a line-aligned slot, a deep queue's cold message costs one cache miss there, not two.
  SendQueue q(1);
  const auto data = bytes(64);
  for (int i = 0; i < 3; ++i) ASSERT_EQ(q.send(StreamId(0), wire::Bytes(data)), SendStatus::kOk);
  while (auto f = q.next_fragment(1000)) {
    ASSERT_TRUE(f->in_slot);
    EXPECT_EQ(reinterpret_cast<uintptr_t>(f->payload().data()) % 64, 0u);
  }
}

TEST(TxSendQueue, LargeMessageIntoManyFragmentsSharingOneBuffer) {
  SendQueue q(1);
  auto data = bytes(10'000, 7);
  const uint8_t* storage = data.data();
  ASSERT_EQ(q.send(StreamId(0), std::move(data), {Ppid(51), false}), SendStatus::kOk);
  std::vector<uint8_t> reassembled;
  int count = 0;
  while (auto f = q.next_fragment(1'000)) {
    EXPECT_EQ(f->beginning, count == 0);
    EXPECT_EQ(f->end, count == 9);
    EXPECT_EQ(f->length, 1'000u);
    EXPECT_EQ(f->ppid, Ppid(51));
    // The fragment points into the buffer handed over: stored once, never copied per fragment.
    EXPECT_EQ(f->payload().data(), storage + f->offset);
    reassembled.insert(reassembled.end(), f->payload().begin(), f->payload().end());
    ++count;
  }
  EXPECT_EQ(count, 10);
  EXPECT_EQ(reassembled, bytes(10'000, 7));
  EXPECT_EQ(q.buffered_bytes(), 0u);
}

TEST(TxSendQueue, OrderedSsnPerStreamAndUnorderedLeavesItAlone) {  // RFC 9260 6.5, 6.6
  SendQueue q(2);
  q.send(StreamId(0), bytes(1));
  q.send(StreamId(0), bytes(1), {Ppid(0), true});
  q.send(StreamId(0), bytes(1));
  q.send(StreamId(1), bytes(1));
  std::vector<std::tuple<uint16_t, uint16_t, bool>> got;
  while (auto f = q.next_fragment(10)) got.emplace_back(f->stream.value(), f->ssn.value(), f->unordered);
  // Round-robin: stream 0, stream 1, then the rest of stream 0.
  const std::vector<std::tuple<uint16_t, uint16_t, bool>> want = {
      {0, 0, false}, {1, 0, false}, {0, 0, true}, {0, 1, false}};
  EXPECT_EQ(got, want);
  EXPECT_EQ(q.next_ssn(StreamId(0)), Ssn(2));
  EXPECT_EQ(q.next_ssn(StreamId(1)), Ssn(1));
}

TEST(TxSendQueue, SsnWrapsAt65536) {  // RFC 9260 6.5: after 65535 comes 0
  SendQueue q(1);
  for (uint32_t i = 0; i < 65'537; ++i) {
    ASSERT_EQ(q.send(StreamId(0), bytes(1)), SendStatus::kOk);
    auto f = q.next_fragment(10);
    ASSERT_TRUE(f);
    ASSERT_EQ(f->ssn, Ssn(static_cast<uint16_t>(i)));
  }
  EXPECT_EQ(q.next_ssn(StreamId(0)), Ssn(1));
}

TEST(TxSendQueue, RoundRobinOneMessagePerTurn) {
  SendQueue q(3);
  for (int i = 0; i < 3; ++i) q.send(StreamId(0), bytes(5));
  for (int i = 0; i < 3; ++i) q.send(StreamId(1), bytes(5));
  q.send(StreamId(2), bytes(5));
  std::vector<uint16_t> order;
  while (auto f = q.next_fragment(10)) order.push_back(f->stream.value());
  EXPECT_EQ(order, (std::vector<uint16_t>{0, 1, 2, 0, 1, 0, 1}));
}

TEST(TxSendQueue, ASoleStreamKeepsItsTurnUntilASecondOneJoinsTheRound) {
  // A sole active stream is not rotated (nothing to rotate with); a stream that gets a message
  // meanwhile still joins the round behind it.
  SendQueue q(2);
  for (int i = 0; i < 4; ++i) q.send(StreamId(0), bytes(5));
  std::vector<uint16_t> order;
  for (int i = 0; i < 2; ++i) order.push_back(q.next_fragment(10)->stream.value());
  q.send(StreamId(1), bytes(5));
  q.send(StreamId(1), bytes(5));
  while (auto f = q.next_fragment(10)) order.push_back(f->stream.value());
  EXPECT_EQ(order, (std::vector<uint16_t>{0, 0, 0, 1, 0, 1}));
  EXPECT_TRUE(q.empty());
  q.send(StreamId(1), bytes(5));
  ASSERT_TRUE(q.next_fragment(10).has_value());
  EXPECT_FALSE(q.next_fragment(10).has_value());
}

TEST(TxSendQueue, FragmentsOfOneMessageAreNeverInterleaved) {  // RFC 9260 6.9: consecutive TSNs
  SendQueue q(2);
  q.send(StreamId(0), bytes(30));
  q.send(StreamId(1), bytes(5));
  q.send(StreamId(0), bytes(5));
  std::vector<std::pair<uint16_t, bool>> got;
  while (auto f = q.next_fragment(10)) got.emplace_back(f->stream.value(), f->end);
  const std::vector<std::pair<uint16_t, bool>> want = {{0, false}, {0, false}, {0, true}, {1, true}, {0, true}};
  EXPECT_EQ(got, want);
}

TEST(TxSendQueue, FairnessBetweenBigAndSmallMessages) {
  SendQueue q(2);
  for (int i = 0; i < 4; ++i) q.send(StreamId(0), bytes(20));
  for (int i = 0; i < 4; ++i) q.send(StreamId(1), bytes(1));
  std::vector<uint16_t> message_order;
  while (auto f = q.next_fragment(10)) {
    if (f->end) message_order.push_back(f->stream.value());
  }
  EXPECT_EQ(message_order, (std::vector<uint16_t>{0, 1, 0, 1, 0, 1, 0, 1}));
}

TEST(TxSendQueue, RejectsBadSends) {
  SendQueueConfig c;
  c.max_message_size = 50;
  SendQueue q(2, c);
  EXPECT_EQ(q.send(StreamId(0), bytes(0)), SendStatus::kEmptyMessage);  // RFC 9260 6.2
  EXPECT_EQ(q.send(StreamId(2), bytes(1)), SendStatus::kInvalidStream);
  EXPECT_EQ(q.send(StreamId(0), bytes(51)), SendStatus::kMessageTooLarge);
  EXPECT_EQ(q.send(StreamId(0), bytes(50)), SendStatus::kOk);
  EXPECT_EQ(q.queued_messages(), 1u);
}

TEST(TxSendQueue, MaxMessageSizeClampedToBuffer) {
  SendQueueConfig c;
  c.buffer_limit = 100;
  c.max_message_size = 1000;
  SendQueue q(1, c);
  EXPECT_EQ(q.config().max_message_size, 100u);
  EXPECT_EQ(q.send(StreamId(0), bytes(101)), SendStatus::kMessageTooLarge);
}

TEST(TxSendQueue, BufferLimitAndSpaceAvailableSignal) {
  SendQueueConfig c;
  c.buffer_limit = 100;
  c.low_watermark = 40;
  c.max_message_size = 100;
  SendQueue q(1, c);
  ASSERT_EQ(q.send(StreamId(0), bytes(60)), SendStatus::kOk);
  ASSERT_EQ(q.send(StreamId(0), bytes(30)), SendStatus::kOk);
  EXPECT_EQ(q.buffered_bytes(), 90u);
  EXPECT_FALSE(q.take_space_available());  // nothing was refused
  EXPECT_EQ(q.send(StreamId(0), bytes(20)), SendStatus::kBufferFull);
  q.next_fragment(30);  // 60 left
  EXPECT_FALSE(q.take_space_available());
  q.next_fragment(30);  // 30 left, below the watermark
  EXPECT_TRUE(q.take_space_available());
  EXPECT_FALSE(q.take_space_available());  // signalled once
  EXPECT_EQ(q.send(StreamId(0), bytes(20)), SendStatus::kOk);
  q.next_fragment(100);
  EXPECT_FALSE(q.take_space_available());  // no refusal since
}

TEST(TxSendQueue, ShrinkingStreamCountDropsTheirMessages) {  // RFC 9260 5.1.1: OS = min(OS, MIS)
  SendQueue q(4);
  q.send(StreamId(0), bytes(10));
  q.send(StreamId(3), bytes(20));
  q.send(StreamId(3), bytes(20));
  EXPECT_EQ(q.set_outbound_streams(2), 2u);
  EXPECT_EQ(q.outbound_streams(), 2);
  EXPECT_EQ(q.buffered_bytes(), 10u);
  EXPECT_EQ(q.queued_messages(), 1u);
  EXPECT_EQ(q.send(StreamId(3), bytes(1)), SendStatus::kInvalidStream);
  auto f = q.next_fragment(100);
  ASSERT_TRUE(f);
  EXPECT_EQ(f->stream, StreamId(0));
  EXPECT_FALSE(q.next_fragment(100));
}

TEST(TxSendQueue, ZeroPayloadBudgetProducesNothing) {
  SendQueue q(1);
  q.send(StreamId(0), bytes(10));
  EXPECT_FALSE(q.next_fragment(0));
  EXPECT_EQ(q.buffered_bytes(), 10u);
}

}  // namespace
}  // namespace sctpkit::assoc
