#include "assoc/tx/ring.h"

#include <gtest/gtest.h>
#include <sys/mman.h>

#include <cstdint>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
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

struct RingGrowthCounted {
  static inline int constructed = 0;
  static inline int moved = 0;
  RingGrowthCounted() { ++constructed; }
  RingGrowthCounted(RingGrowthCounted&& other) noexcept : value(other.value) { ++moved; }
  RingGrowthCounted& operator=(RingGrowthCounted&& other) noexcept {
    value = other.value;
    ++moved;
    return *this;
  }
  int value = 0;
};

// A growth moves each element once and value-initialises only the new free slots: every new slot
// is written once (an array value-initialised whole and then half overwritten wrote some twice).
TEST(TxRing, GrowthMovesEachElementOnceAndInitialisesOnlyTheFreeSlots) {
  Ring<RingGrowthCounted> r;
  for (int i = 0; i < 4; ++i) r.emplace_back().value = i;
  ASSERT_EQ(r.capacity(), 4u);
  RingGrowthCounted::constructed = RingGrowthCounted::moved = 0;
  r.emplace_back().value = 4;  // 4 -> 8 slots
  EXPECT_EQ(r.capacity(), 8u);
  EXPECT_EQ(RingGrowthCounted::moved, 4);
  EXPECT_EQ(RingGrowthCounted::constructed, 4);  // slots 4..7; none for the moved ones
  for (int i = 0; i < 5; ++i) EXPECT_EQ(r[static_cast<size_t>(i)].value, i);
}

TEST(TxRing, MovedRingKeepsItsElementsAndTheSourceIsEmpty) {
  Ring<std::shared_ptr<int>> a;
  auto p = std::make_shared<int>(3);
  for (int i = 0; i < 5; ++i) a.emplace_back() = p;
  Ring<std::shared_ptr<int>> b(std::move(a));
  EXPECT_TRUE(a.empty());  // NOLINT(bugprone-use-after-move): a moved-from ring is empty
  EXPECT_EQ(a.capacity(), 0u);
  ASSERT_EQ(b.size(), 5u);
  Ring<std::shared_ptr<int>> c;
  c.emplace_back() = std::make_shared<int>(9);
  c = std::move(b);  // c's own element is released
  EXPECT_EQ(c.size(), 5u);
  EXPECT_EQ(p.use_count(), 6);
  c.emplace_back() = p;  // a moved-from ring is usable again
  a.emplace_back() = p;
  EXPECT_EQ(a.size(), 1u);
  EXPECT_EQ(p.use_count(), 8);
}

// Arrays of half a huge page or more start on a huge page and carry the MADV_HUGEPAGE hint ("hg" in
// the mapping's VmFlags, proc(5)), whatever the host's THP mode: a large ring's growth then takes
// one fault per 2 MiB rather than one per 4 KiB.
TEST(TxRing, LargeArraysAreHugePageAlignedAndHinted) {
  const size_t bytes = RingStorage::kHugePage / 2 + 24;
  void* memory = RingStorage::allocate(bytes, alignof(uint64_t));
  const auto address = reinterpret_cast<uintptr_t>(memory);
  EXPECT_EQ(address % RingStorage::kHugePage, 0u);
  std::ifstream smaps("/proc/self/smaps");
  std::string line;
  bool inside = false;
  std::string flags;
  while (std::getline(smaps, line)) {
    uintptr_t from = 0, to = 0;
    char dash = 0;
    std::istringstream range(line);
    if (range >> std::hex >> from >> dash >> to && dash == '-') {
      inside = from <= address && address < to;
    } else if (inside && line.rfind("VmFlags:", 0) == 0) {
      flags = line;
      break;
    }
  }
  RingStorage::release(memory, bytes, alignof(uint64_t));
#ifndef MADV_HUGEPAGE
  GTEST_SKIP() << "no MADV_HUGEPAGE on this system";
#endif
  if (flags.empty()) GTEST_SKIP() << "no /proc/self/smaps to read the mapping's flags from";
  EXPECT_NE(flags.find(" hg"), std::string::npos) << flags;
  // A small array is a plain allocation.
  void* small = RingStorage::allocate(4096, alignof(uint64_t));
  EXPECT_NE(small, nullptr);
  RingStorage::release(small, 4096, alignof(uint64_t));
}

}  // namespace
}  // namespace sctpkit::assoc
