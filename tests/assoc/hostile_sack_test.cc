// A peer that lies in its SACKs: what it can make us compute per SACK. The state rules (cum ack
// backwards, TSNs never sent, malformed blocks) are in tx_sack_test.cc's TxHostileSack.
#include <gtest/gtest.h>

#include <vector>

#include "assoc/data_sender.h"
#include "tx_test_util.h"
#include "wire/sack_chunks.h"

namespace sctpkit::assoc::testing {
namespace {

using wire::Tsn;

// The most Gap Ack Blocks one SACK chunk can carry: (65,535 - 16) / 4.
constexpr size_t kMaxBlocks = 16379;
constexpr int kSacks = 100;

// Large first-packet destination and tiny messages: thousands of chunks in flight.
class HostileSackCpu : public TxFixture {
 protected:
  HostileSackCpu() : TxFixture(100'000'000) { big_ = rq.add_destination(kBigPmdcs); }

  // Sends 4-byte messages to big_ until the window refuses; returns the chunks sent.
  size_t fill_the_window() {
    queue_messages(kMessages, 4);
    size_t sent = 0;
    for (;;) {
      const size_t n = rq.next_packet(now, big_, kBigPmdcs, kBigPmdcs - 16, sq).size();
      if (n == 0) return sent;
      sent += n;
    }
  }

  static constexpr size_t kBigPmdcs = 65000;  // initial cwnd 130,000 B: 6,500 chunks of 20 B
  static constexpr size_t kMessages = 8000;
  DestinationId big_;
};

TEST_F(HostileSackCpu, OverlappingGapBlocksCostTheChunksTheyCoverNotBlocksTimesChunks) {
  // RFC 9260 3.3.4 lets blocks overlap only in a broken or hostile SACK. Marking each block's
  // chunks one by one made a SACK of 16,379 blocks each covering the whole flight cost 16,379 x
  // 6,500 = 10^8 steps, 60 ms; a hundred such SACKs took seconds.
  const size_t sent = fill_the_window();
  ASSERT_GT(sent, 5000u);
  const auto top = static_cast<uint16_t>(sent);
  std::vector<SackGapBlock> blocks(kMaxBlocks, SackGapBlock{2, top});
  const uint64_t marks_before = rq.gap_block_marks();
  for (int i = 0; i < kSacks; ++i) {
    const SackResult r = rq.handle_sack(now, SackInfo{Tsn(kInitialTsn - 1), 100'000'000, blocks, {}});
    ASSERT_EQ(r.outcome, SackOutcome::kProcessed);
  }
  // Every chunk but the first is gap-acked; the first is still outstanding.
  EXPECT_EQ(rq.unacked_chunks(), sent);
  EXPECT_EQ(rq.flight_size(big_), 20u);
  // Each SACK visits each chunk it covers once: sent - 1, not kMaxBlocks x (sent - 1). (The wall
  // clock of the same flood is bench/hostile_bench.cc's BM_OverlappingGapBlocksSack.)
  EXPECT_EQ(rq.gap_block_marks() - marks_before, uint64_t{kSacks} * (sent - 1));
}

TEST_F(HostileSackCpu, OverlappingBlocksInAnyOrderAckTheirUnion) {
  // The shortcut relies on blocks ascending by start; out of order it must still mark the union.
  const size_t sent = fill_the_window();
  ASSERT_GT(sent, 100u);
  const std::vector<SackGapBlock> blocks{{50, 60}, {10, 20}, {15, 55}, {70, 70}, {12, 13}, {80, 90}, {85, 86}};
  const SackResult r = rq.handle_sack(now, SackInfo{Tsn(kInitialTsn - 1), 100'000'000, blocks, {}});
  ASSERT_EQ(r.outcome, SackOutcome::kProcessed);
  // Gap-acked: offsets 10..60, 70, 80..90 (63 chunks of 20 B); the rest is in flight.
  EXPECT_EQ(rq.flight_size(big_), (sent - 63) * 20);
}

// The same flood through DataSender, whose SACK chunks arrive with blocks in any order: it sorts
// them, so alternating blocks cannot defeat the shortcut.
TEST(HostileSackSender, BlocksAlternatingInOrderStillCostTheChunksTheyCover) {
  EndpointConfig config;
  config.max_packet_size = 65000;
  config.send_buffer = 1 << 20;
  SeededRandom random{1};
  TimePoint now{};
  const std::vector<wire::IpAddress> addresses{wire::IpAddress::v4(10, 0, 0, 1)};
  PathManager paths(config, addresses, addresses.front(), addresses, random, now);
  DataSender sender(config, Tsn(kInitialTsn), 1, 100'000'000, paths);
  const std::vector<uint8_t> message(4, 0xAB);
  for (size_t i = 0; i < 8000; ++i) ASSERT_EQ(sender.send(message, wire::StreamId(0), wire::Ppid(0), false), SendResult::Ok);
  std::vector<uint8_t> buffer(65000);
  size_t packets = 0;
  for (;; ++packets) {
    wire::PacketBuilder builder(buffer, config.max_packet_size, {1, 2, wire::VerificationTag(9), 0});
    sender.begin_burst();
    sender.write_data(builder, paths.primary(), now);
    if (builder.finish().size() <= 12) break;
  }
  ASSERT_GT(packets, 0u);
  const uint16_t top = 5000;
  std::vector<wire::GapAckBlock> blocks;
  for (size_t i = 0; i < kMaxBlocks; ++i) blocks.push_back(i % 2 ? wire::GapAckBlock{2, top} : wire::GapAckBlock{3, top});
  const wire::SackChunk sack{Tsn(kInitialTsn - 1), 100'000'000, wire::WireList<wire::GapAckBlock>::of(blocks), {}};
  const uint64_t marks_before = sender.retransmissions().gap_block_marks();
  for (int i = 0; i < kSacks; ++i) ASSERT_TRUE(sender.on_sack(sack, paths, now).accepted);
  // Sorted, the blocks visit each chunk they cover ([2, 5000]: 4,999 of them) once per SACK.
  // Unsorted, each [2, 5000] after a [3, 5000] would start over: about 8,190 x 4,999 per SACK.
  EXPECT_LE(sender.retransmissions().gap_block_marks() - marks_before, uint64_t{kSacks} * top);
}

}  // namespace
}  // namespace sctpkit::assoc::testing
