// assoc/handshake.h's Scratch: the working buffer the handshake signs cookies and lists
// parameters into.
#include <gtest/gtest.h>

#include <algorithm>
#include <concepts>
#include <cstdint>

#include "assoc/handshake.h"

namespace sctpkit::assoc {
namespace handshake_scratch_test {

template <typename T>
concept WritableThrough = requires(T& scratch) {
  { scratch.bytes() } -> std::same_as<wire::MutableBytes>;
};

// Whoever writes into a Scratch holds it non-const: a const one hands out no writable bytes.
static_assert(WritableThrough<Scratch>);
static_assert(!WritableThrough<const Scratch>);

TEST(Scratch, GivesTheSizeAskedForOnTheStackOrBeyondItOnTheHeap) {
  Scratch small(20);
  Scratch large(Scratch::kInline + 1);
  ASSERT_EQ(small.bytes().size(), 20u);
  ASSERT_EQ(large.bytes().size(), Scratch::kInline + 1);
  // Each buffer is its own: writing the whole of one leaves the other as it was.
  std::fill(large.bytes().begin(), large.bytes().end(), uint8_t{0xab});
  std::fill(small.bytes().begin(), small.bytes().end(), uint8_t{0x01});
  EXPECT_EQ(large.bytes().front(), 0xab);
  EXPECT_EQ(large.bytes().back(), 0xab);
  EXPECT_EQ(small.bytes().back(), 0x01);
}

}  // namespace handshake_scratch_test
}  // namespace sctpkit::assoc
