// SendQueue::take_whole_messages, the small-message path: it must hand out exactly what
// next_fragment() would, in the same order, and stop where a chunk would not be whole or not fit.
#include <gtest/gtest.h>

#include <vector>

#include "assoc/tx/send_queue.h"

namespace sctpkit::assoc {
namespace send_queue_run_test {

using wire::Ppid;
using wire::StreamId;

constexpr size_t kOverhead = 16;  // RFC 9260 3.3.1: a DATA chunk's header and fixed fields

std::vector<uint8_t> bytes(size_t n, uint8_t seed) { return std::vector<uint8_t>(n, seed); }

// The same messages into two queues: one drained by runs, one by next_fragment().
struct Twin {
  SendQueue runs{3};
  SendQueue single{3};
  void send(uint16_t stream, size_t size, uint8_t seed, MessageOptions options = {}) {
    ASSERT_EQ(runs.send(StreamId(stream), bytes(size, seed), options), SendStatus::kOk);
    ASSERT_EQ(single.send(StreamId(stream), bytes(size, seed), options), SendStatus::kOk);
  }
  std::vector<QueuedFragment> run(size_t max_payload, size_t room, size_t& used) {
    std::vector<QueuedFragment> out;
    out.reserve(64);  // the references handed out stay valid
    used = runs.take_whole_messages(max_payload, room, kOverhead,
                                    [&]() -> QueuedFragment& { return out.emplace_back(); });
    return out;
  }
};

void expect_same(const QueuedFragment& a, const QueuedFragment& b) {
  EXPECT_EQ(a.stream, b.stream);
  EXPECT_EQ(a.ssn, b.ssn);
  EXPECT_EQ(a.ppid, b.ppid);
  EXPECT_EQ(a.unordered, b.unordered);
  EXPECT_EQ(a.beginning, b.beginning);
  EXPECT_EQ(a.end, b.end);
  EXPECT_EQ(a.sack_immediately, b.sack_immediately);
  EXPECT_EQ(a.offset, b.offset);
  EXPECT_EQ(a.length, b.length);
  const wire::Bytes pa = a.payload(), pb = b.payload();
  EXPECT_EQ(std::vector<uint8_t>(pa.begin(), pa.end()), std::vector<uint8_t>(pb.begin(), pb.end()));
}

TEST(TxSendQueueRun, HandsOutWhatNextFragmentWouldAcrossStreams) {  // RFC 9260 6.5, 6.6, 6.9
  Twin t;
  t.send(0, 64, 1);
  t.send(1, 10, 2, {Ppid(7), true});  // unordered: no SSN consumed
  t.send(0, 33, 3, {Ppid(8)});        // padded to 36
  t.send(2, 64, 4);
  t.send(1, 64, 5, {Ppid(9), false, true});  // the I bit rides on it
  t.send(0, 200, 6);  // a bigger message, whole too
  size_t used = 0;
  const auto run = t.run(1000, 1000, used);
  ASSERT_EQ(run.size(), 6u);
  EXPECT_EQ(used, 6 * kOverhead + 64 + 12 + 36 + 64 + 64 + 200);
  for (const QueuedFragment& f : run) {
    auto want = t.single.next_fragment(1000);
    ASSERT_TRUE(want);
    expect_same(f, *want);
  }
  EXPECT_TRUE(t.runs.empty());
  EXPECT_EQ(t.runs.buffered_bytes(), 0u);
  EXPECT_EQ(t.runs.queued_messages(), 0u);
  EXPECT_EQ(t.runs.next_ssn(StreamId(0)), t.single.next_ssn(StreamId(0)));
  EXPECT_EQ(t.runs.next_ssn(StreamId(1)), t.single.next_ssn(StreamId(1)));
}

TEST(TxSendQueueRun, StopsAtRoomAtAFragmentAndAtAPartlySentMessage) {
  Twin t;
  for (uint8_t i = 0; i < 4; ++i) t.send(0, 64, i);
  t.send(0, 300, 9);  // more than max_payload 200: fragments
  t.send(0, 64, 10);
  size_t used = 0;
  auto run = t.run(200, 3 * (kOverhead + 64) + 79, used);  // room for three, not four
  EXPECT_EQ(run.size(), 3u);
  EXPECT_EQ(used, 3 * (kOverhead + 64));
  EXPECT_EQ(t.runs.buffered_bytes(), 64u + 300 + 64);
  run = t.run(200, 1000, used);  // the fourth, then the 300-byte message stops the run
  ASSERT_EQ(run.size(), 1u);
  EXPECT_EQ(run[0].length, 64u);
  EXPECT_EQ(t.runs.peek_fragment_size(200), 200u);
  QueuedFragment head;
  ASSERT_TRUE(t.runs.next_fragment(200, head));  // its first fragment leaves the rest partly sent
  EXPECT_TRUE(t.run(1000, 1000, used).empty());  // a partly sent message is next_fragment()'s
  EXPECT_EQ(used, 0u);
  ASSERT_TRUE(t.runs.next_fragment(200, head));
  EXPECT_TRUE(head.end);
  run = t.run(200, 1000, used);
  ASSERT_EQ(run.size(), 1u);
  EXPECT_EQ(run[0].payload()[0], 10);
  EXPECT_TRUE(t.runs.empty());
}

TEST(TxSendQueueRun, SignalsSpaceOnceDrainedToTheLowWatermark) {
  SendQueue q(1, SendQueueConfig{.buffer_limit = 256, .low_watermark = 128, .max_message_size = 256});
  for (int i = 0; i < 4; ++i) ASSERT_EQ(q.send(StreamId(0), bytes(64, 0)), SendStatus::kOk);
  EXPECT_EQ(q.send(StreamId(0), bytes(64, 0)), SendStatus::kBufferFull);
  std::vector<QueuedFragment> out;
  out.reserve(8);
  q.take_whole_messages(64, kOverhead + 64, kOverhead, [&]() -> QueuedFragment& { return out.emplace_back(); });
  EXPECT_FALSE(q.take_space_available());  // 192 queued: above the watermark
  q.take_whole_messages(64, kOverhead + 64, kOverhead, [&]() -> QueuedFragment& { return out.emplace_back(); });
  EXPECT_TRUE(q.take_space_available());
}

}  // namespace send_queue_run_test
}  // namespace sctpkit::assoc
