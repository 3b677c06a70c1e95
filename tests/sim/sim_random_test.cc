// Random impairments: rates within statistical bounds, and exact replay for a seed.
#include <gtest/gtest.h>

#include <algorithm>
#include <bit>
#include <map>

#include "sim/simulation.h"
#include "sim/test_nodes.h"
#include "wire/packet.h"

namespace sctpkit::sim {
namespace sim_random_test {

const auto kA = wire::IpAddress::v4(10, 0, 0, 1);
const auto kB = wire::IpAddress::v4(10, 0, 0, 2);

struct Outcome {
  std::vector<uint32_t> tags;           // what B received, in order
  std::vector<TimePoint> times;
  std::vector<std::vector<uint8_t>> packets;
  LinkStats stats;
  std::string log;
};

// A sends `count` DATA packets 1 ms apart (tags 1..count) over a link with `config`.
Outcome run(uint64_t seed, const LinkConfig& config, uint32_t count, size_t value_size = 16) {
  Simulation sim(seed);
  RecorderNode a, b;
  sim.add_node("A", {kA}, a);
  sim.add_node("B", {kB}, b);
  sim.network().connect(kA, kB, config);
  a.send_every(kEpoch, 1ms, count, kA, kB, value_size);
  sim.run_for(std::chrono::milliseconds(count) + 10s);
  Outcome r;
  r.tags = b.received_tags();
  for (const auto& p : b.received()) {
    r.times.push_back(p.at);
    r.packets.push_back(p.packet);
  }
  r.stats = sim.network().link(kA, kB)->stats;
  r.log = sim.log().format();
  return r;
}

TEST(RandomImpairments, LossRateIsWithinBoundsAndExactlyReproducible) {
  const LinkConfig config{.delay = 5ms, .loss = 0.1};
  const Outcome first = run(42, config, 10'000);
  // Binomial(10000, 0.1): sigma = 30; 5 sigma either side.
  EXPECT_GT(first.stats.lost, 850u);
  EXPECT_LT(first.stats.lost, 1150u);
  EXPECT_EQ(first.tags.size() + first.stats.lost, 10'000u);
  EXPECT_TRUE(std::is_sorted(first.tags.begin(), first.tags.end()));

  const Outcome again = run(42, config, 10'000);
  EXPECT_EQ(again.tags, first.tags);
  EXPECT_EQ(again.log, first.log);

  const Outcome other = run(43, config, 10'000);
  EXPECT_NE(other.tags, first.tags);
}

TEST(RandomImpairments, NoImpairmentMeansEveryPacketOnceInOrder) {
  const Outcome r = run(1, LinkConfig{.delay = 5ms}, 1000);
  ASSERT_EQ(r.tags.size(), 1000u);
  for (uint32_t i = 0; i < 1000; ++i) EXPECT_EQ(r.tags[i], i + 1);
}

TEST(RandomImpairments, DuplicationSendsSomePacketsTwice) {
  const Outcome r = run(7, LinkConfig{.delay = 5ms, .duplicate = 0.2}, 2000);
  std::map<uint32_t, int> copies;
  for (uint32_t t : r.tags) ++copies[t];
  EXPECT_EQ(copies.size(), 2000u);  // nothing lost
  size_t doubled = 0;
  for (const auto& [tag, n] : copies) {
    EXPECT_LE(n, 2) << tag;
    doubled += n == 2 ? 1 : 0;
  }
  EXPECT_EQ(doubled, r.stats.duplicated);
  EXPECT_EQ(r.tags.size(), 2000u + doubled);
  // Binomial(2000, 0.2): sigma ~ 18.
  EXPECT_GT(doubled, 310u);
  EXPECT_LT(doubled, 490u);
  EXPECT_NE(r.log.find("(dup of #"), std::string::npos);
}

TEST(RandomImpairments, ReorderingHoldsPacketsBackSoLaterOnesOvertake) {
  const Outcome r = run(3, LinkConfig{.delay = 5ms, .reorder = 0.2, .reorder_delay = 10ms}, 1000);
  ASSERT_EQ(r.tags.size(), 1000u);
  EXPECT_FALSE(std::is_sorted(r.tags.begin(), r.tags.end()));
  std::vector<uint32_t> sorted = r.tags;
  std::sort(sorted.begin(), sorted.end());
  for (uint32_t i = 0; i < 1000; ++i) ASSERT_EQ(sorted[i], i + 1);
  // Tag t left at (t - 1) ms: it arrives after exactly 5 ms, or 15 ms if held back.
  size_t held = 0;
  for (size_t i = 0; i < r.tags.size(); ++i) {
    const int64_t transit = micros_since_epoch(r.times[i]) - (r.tags[i] - 1) * 1000;
    ASSERT_TRUE(transit == 5'000 || transit == 15'000) << transit;
    held += transit == 15'000 ? 1 : 0;
  }
  EXPECT_EQ(held, r.stats.reordered);
  EXPECT_GT(held, 140u);
  EXPECT_LT(held, 260u);
}

TEST(RandomImpairments, JitterStaysWithinItsRangeAndVaries) {
  const Outcome r = run(5, LinkConfig{.delay = 5ms, .jitter = 2ms}, 500);
  ASSERT_EQ(r.tags.size(), 500u);
  int64_t lowest = INT64_MAX, highest = 0;
  for (size_t i = 0; i < r.tags.size(); ++i) {
    const int64_t transit = micros_since_epoch(r.times[i]) - (r.tags[i] - 1) * 1000;
    lowest = std::min(lowest, transit);
    highest = std::max(highest, transit);
  }
  EXPECT_GE(lowest, 5'000);
  EXPECT_LE(highest, 7'000);
  EXPECT_GT(highest - lowest, 1'500);  // 500 uniform draws cover most of the 2 ms
}

TEST(RandomImpairments, CorruptionFlipsExactlyOneBitAndTheChecksumCatchesIt) {
  const Outcome r = run(9, LinkConfig{.delay = 1ms, .corrupt = 1.0}, 300, 40);
  ASSERT_EQ(r.packets.size(), 300u);
  EXPECT_EQ(r.stats.corrupted, 300u);
  std::map<size_t, int> flipped_bytes;
  for (size_t i = 0; i < r.packets.size(); ++i) {
    const auto& got = r.packets[i];
    // The flip may hit the tag itself, so compare with the packet this arrival was sent as: the
    // i-th sent (no reordering on this link).
    const auto sent = make_packet({chunk::kData}, 40, static_cast<uint32_t>(i + 1));
    ASSERT_TRUE(wire::verify_checksum(sent));
    ASSERT_EQ(got.size(), sent.size());
    int bits = 0;
    for (size_t j = 0; j < got.size(); ++j) {
      bits += std::popcount(static_cast<uint8_t>(got[j] ^ sent[j]));
      if (got[j] != sent[j]) ++flipped_bytes[j];
    }
    EXPECT_EQ(bits, 1);
    EXPECT_FALSE(wire::verify_checksum(got));
  }
  // Random positions: over 300 packets of 56 bytes, many different bytes get hit.
  EXPECT_GT(flipped_bytes.size(), 30u);
}

TEST(RandomImpairments, AllImpairmentsTogetherReplayIdenticallyForASeed) {
  const LinkConfig config{.delay = 20ms, .jitter = 3ms, .bandwidth_bps = 2'000'000, .queue_packets = 8,
                          .loss = 0.05, .duplicate = 0.05, .reorder = 0.1, .reorder_delay = 7ms,
                          .corrupt = 0.02, .mtu = 1500};
  const Outcome a = run(1234, config, 3000, 200);
  const Outcome b = run(1234, config, 3000, 200);
  EXPECT_EQ(a.log, b.log);
  EXPECT_EQ(a.tags, b.tags);
  EXPECT_EQ(a.times, b.times);
  EXPECT_GT(a.stats.lost, 0u);
  EXPECT_GT(a.stats.duplicated, 0u);
  EXPECT_GT(a.stats.reordered, 0u);
  EXPECT_GT(a.stats.corrupted, 0u);
}

}  // namespace sim_random_test
}  // namespace sctpkit::sim
