#include "net/pooled_random.h"

#include <gtest/gtest.h>

#include <set>
#include <vector>

namespace sctpkit::net {
namespace {

TEST(PooledRandom, ServesRequestsAcrossPoolRefillsWithoutRepeating) {
  PooledRandom random;
  // 1000 draws of 8 bytes span two refills of the 4 KiB pool; 64-bit values from a CSPRNG
  // do not repeat (nor come out zero, as a served-and-wiped slot read twice would).
  std::set<uint64_t> seen;
  for (int i = 0; i < 1000; ++i) {
    uint64_t v = 0;
    random.fill(wire::MutableBytes(reinterpret_cast<uint8_t*>(&v), sizeof v));
    EXPECT_NE(v, 0u);
    seen.insert(v);
  }
  EXPECT_EQ(seen.size(), 1000u);
}

TEST(PooledRandom, FillsARequestLargerThanThePool) {
  PooledRandom random;
  std::vector<uint8_t> big(1000, 0);
  random.fill(big);
  // Each 100-byte stretch holds random bytes: none is all zeros.
  for (size_t at = 0; at < big.size(); at += 100) {
    bool any = false;
    for (size_t i = at; i < at + 100; ++i) any |= big[i] != 0;
    EXPECT_TRUE(any) << at;
  }
  EXPECT_NE(random.next_nonzero_u32(), 0u);
}

}  // namespace
}  // namespace sctpkit::net
