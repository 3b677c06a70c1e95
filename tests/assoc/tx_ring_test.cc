#include "assoc/tx/ring.h"

#include <gtest/gtest.h>

#include <memory>
#include <vector>

namespace sctpkit::assoc {
namespace {

TEST(TxRing, FifoOrderAcrossWrapAndGrowth) {
  Ring<int> r;
  int next_in = 0;
  int next_out = 0;
  // Interleave pushes and pops so the head wraps, then grow while wrapped.
  for (int round = 0; round < 50; ++round) {
    for (int i = 0; i < 7; ++i) r.emplace_back() = next_in++;
    for (int i = 0; i < 5; ++i) {
      ASSERT_EQ(r.front(), next_out++);
      r.pop_front();
    }
  }
  ASSERT_EQ(r.size(), static_cast<size_t>(next_in - next_out));
  for (size_t i = 0; i < r.size(); ++i) EXPECT_EQ(r[i], next_out + static_cast<int>(i));
  int expected = next_out;
  for (int v : r) EXPECT_EQ(v, expected++);
  EXPECT_EQ(r.back(), next_in - 1);
}

TEST(TxRing, SteadyStateDoesNotReallocate) {
  Ring<int> r;
  for (int i = 0; i < 100; ++i) r.emplace_back() = i;
  const size_t capacity = r.capacity();
  for (int i = 0; i < 100'000; ++i) {
    r.pop_front();
    r.emplace_back() = i;
  }
  EXPECT_EQ(r.capacity(), capacity);
  EXPECT_EQ(r.size(), 100u);
}

TEST(TxRing, PopReleasesTheElement) {
  Ring<std::shared_ptr<int>> r;
  auto p = std::make_shared<int>(5);
  r.emplace_back() = p;
  EXPECT_EQ(p.use_count(), 2);
  r.pop_front();
  EXPECT_EQ(p.use_count(), 1);
  EXPECT_TRUE(r.empty());
}

// emplace_back() hands out a default element without resetting it: every slot it reuses was reset
// when popped, and slots a growth adds start default, wherever the head stood.
TEST(TxRing, ReusedSlotsComeBackDefault) {
  struct Chunk {
    int transmit_count = 1;
    std::vector<int> data;
  };
  Ring<Chunk> r;
  for (int round = 0; round < 40; ++round) {
    for (int i = 0; i < 3; ++i) {
      Chunk& c = r.emplace_back();
      EXPECT_EQ(c.transmit_count, 1);
      EXPECT_TRUE(c.data.empty());
      c.transmit_count = 7;
      c.data.assign(5, round);
    }
    r.pop_front();
    r.pop_front();
  }
  EXPECT_EQ(r.size(), 40u);
  for (const Chunk& c : r) EXPECT_EQ(c.transmit_count, 7);
}

}  // namespace
}  // namespace sctpkit::assoc
