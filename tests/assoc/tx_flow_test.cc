// The send side against a lossy in-memory receiver: every byte arrives once the queue drains,
// whatever mix of fast retransmits and T3-rtx expiries the losses cause. Deterministic (fixed seed,
// injected clock).
#include <gtest/gtest.h>

#include <map>
#include <random>
#include <vector>

#include "assoc/tx/retransmission_queue.h"
#include "assoc/tx/send_queue.h"

namespace sctpkit::assoc {
namespace {

using std::chrono::milliseconds;

// Receiver bookkeeping in 64-bit TSN offsets from the initial TSN, so no serial arithmetic is needed.
struct Receiver {
  uint64_t cum = 0;  // offsets [0, cum) all received
  std::map<uint64_t, std::vector<uint8_t>> above;  // received beyond cum
  std::vector<uint8_t> delivered;                   // payloads in TSN order
  std::vector<SackGapBlock> gaps;

  void receive(uint64_t offset, wire::Bytes payload) {
    if (offset < cum || above.contains(offset)) return;  // duplicate
    above.emplace(offset, std::vector<uint8_t>(payload.begin(), payload.end()));
    while (!above.empty() && above.begin()->first == cum) {
      delivered.insert(delivered.end(), above.begin()->second.begin(), above.begin()->second.end());
      above.erase(above.begin());
      ++cum;
    }
  }
  const std::vector<SackGapBlock>& gap_blocks() {
    gaps.clear();
    for (const auto& [offset, _] : above) {
      const auto rel = static_cast<uint16_t>(offset - cum + 1);  // cum ack TSN is offset cum - 1
      if (!gaps.empty() && gaps.back().end + 1 == rel) {
        gaps.back().end = rel;
      } else {
        gaps.push_back({rel, rel});
      }
    }
    return gaps;
  }
};

void run_flow(uint32_t seed, int data_loss_percent, int sack_loss_percent) {
  constexpr uint32_t kInitialTsn = 0xfffffff0u;  // wraps during the run
  std::mt19937 rng(seed);
  auto chance = [&rng](int percent) { return static_cast<int>(rng() % 100) < percent; };

  SendQueue sq(3);
  RetransmissionQueueConfig config;
  config.rto.min = milliseconds(50);
  config.rto.initial = milliseconds(100);
  RetransmissionQueue rq(wire::Tsn(kInitialTsn), 64'000, config);
  const DestinationId d = rq.add_destination(1200);

  std::vector<uint8_t> sent;  // one stream so TSN order is message order
  for (int i = 0; i < 300; ++i) {
    std::vector<uint8_t> m(1 + rng() % 3000);
    for (auto& b : m) b = static_cast<uint8_t>(rng());
    sent.insert(sent.end(), m.begin(), m.end());
    ASSERT_EQ(sq.send(wire::StreamId(0), std::move(m)), SendStatus::kOk);
  }

  Receiver rx;
  TimePoint now{};
  std::vector<std::pair<uint64_t, std::vector<uint8_t>>> in_packet;
  for (int step = 0; step < 200'000 && !(sq.empty() && rq.all_acked()); ++step) {
    auto chunks = rq.next_packet(now, d, 1200, 1200 - 16, sq);
    if (chunks.empty()) {
      const auto deadline = rq.next_deadline();
      ASSERT_TRUE(deadline) << "stalled with data outstanding";
      now = std::max(now, *deadline);
      rq.handle_timeout(now);
      continue;
    }
    now += milliseconds(1);
    if (chance(data_loss_percent)) continue;
    for (const TxChunk& c : chunks) {
      rx.receive(static_cast<uint32_t>(c.tsn.value() - kInitialTsn), c.payload);
    }
    if (chance(sack_loss_percent)) continue;
    const auto& gaps = rx.gap_blocks();
    const SackResult r =
        rq.handle_sack(now, SackInfo{wire::Tsn(static_cast<uint32_t>(kInitialTsn + rx.cum - 1)), 64'000, gaps, {}});
    ASSERT_EQ(r.outcome, SackOutcome::kProcessed);
    ASSERT_LE(rq.peer_rwnd(), 64'000u);
  }
  EXPECT_TRUE(sq.empty());
  EXPECT_TRUE(rq.all_acked());
  EXPECT_EQ(rq.flight_size(d), 0u);
  EXPECT_EQ(rq.outstanding_bytes(), 0u);
  EXPECT_EQ(rx.delivered, sent);
  if (data_loss_percent > 0) {
    EXPECT_GT(rq.retransmission_count(), 0u);
  }
}

TEST(TxFlow, LosslessDelivery) { run_flow(1, 0, 0); }
TEST(TxFlow, DataLoss) { run_flow(2, 10, 0); }
TEST(TxFlow, DataAndSackLoss) { run_flow(3, 15, 20); }
TEST(TxFlow, HeavyLoss) { run_flow(4, 40, 30); }

}  // namespace
}  // namespace sctpkit::assoc
