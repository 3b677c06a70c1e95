#include "assoc/rx/sack_builder.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <array>

namespace sctpkit::assoc {
namespace {

using ::testing::ElementsAre;
using wire::Tsn;

TEST(RxSackBuilder, Rfc9260Section334Example) {
  // RFC 9260 3.3.4: TSNs 10-12, 14, 15, 17 -> cum 12, a_rwnd 4660, blocks (2,3) (5,5), no dups.
  TsnMap map(Tsn(10));
  for (uint32_t t : {10u, 11u, 12u, 14u, 15u, 17u}) (void)map.add(Tsn(t));
  std::array<GapAckBlock, 8> gaps{};
  std::array<Tsn, 8> dups{};
  const SackContent sack = make_sack(map, 4660, 1400, gaps, dups);
  EXPECT_EQ(sack.cumulative_tsn_ack, Tsn(12));
  EXPECT_EQ(sack.a_rwnd, 4660u);
  EXPECT_THAT(sack.gap_blocks, ElementsAre(GapAckBlock{2, 3}, GapAckBlock{5, 5}));
  EXPECT_TRUE(sack.duplicate_tsns.empty());
  EXPECT_EQ(sack.chunk_size(), 16u + 8u);
}

TEST(RxSackBuilder, Section62GapBlocksBeforeDuplicatesWhenSpaceIsShort) {
  // RFC 9260 6.2: report as many gap blocks as fit; duplicates get what is left.
  TsnMap map(Tsn(1));
  for (uint32_t t : {1u, 3u, 5u, 7u}) (void)map.add(Tsn(t));
  for (int i = 0; i < 3; ++i) (void)map.add(Tsn(1));
  std::array<GapAckBlock, 8> gaps{};
  std::array<Tsn, 8> dups{};
  SackContent sack = make_sack(map, 1000, 16 + 4 * 4, gaps, dups);
  EXPECT_THAT(sack.gap_blocks, ElementsAre(GapAckBlock{2, 2}, GapAckBlock{4, 4}, GapAckBlock{6, 6}));
  EXPECT_THAT(sack.duplicate_tsns, ElementsAre(Tsn(1)));
  EXPECT_EQ(sack.chunk_size(), 32u);
  // Section 6.7: without room for all blocks the highest go unreported.
  sack = make_sack(map, 1000, 16 + 4 * 2 + 3, gaps, dups);
  EXPECT_THAT(sack.gap_blocks, ElementsAre(GapAckBlock{2, 2}, GapAckBlock{4, 4}));
  EXPECT_TRUE(sack.duplicate_tsns.empty());
}

TEST(RxSackBuilder, StorageLimitsAreRespected) {
  TsnMap map(Tsn(1));
  for (uint32_t t : {3u, 5u, 7u}) (void)map.add(Tsn(t));
  for (int i = 0; i < 3; ++i) (void)map.add(Tsn(3));
  std::array<GapAckBlock, 1> gaps{};
  std::array<Tsn, 2> dups{};
  const SackContent sack = make_sack(map, 0, 1400, gaps, dups);
  EXPECT_EQ(sack.cumulative_tsn_ack, Tsn(0));
  EXPECT_THAT(sack.gap_blocks, ElementsAre(GapAckBlock{3, 3}));
  EXPECT_THAT(sack.duplicate_tsns, ElementsAre(Tsn(3), Tsn(3)));
}

TEST(RxSackBuilder, TooSmallForAnythingButTheFixedPart) {
  TsnMap map(Tsn(1));
  (void)map.add(Tsn(3));
  std::array<GapAckBlock, 4> gaps{};
  std::array<Tsn, 4> dups{};
  const SackContent sack = make_sack(map, 5, 10, gaps, dups);
  EXPECT_TRUE(sack.gap_blocks.empty());
  EXPECT_EQ(sack.chunk_size(), kSackFixedSize);
}

}  // namespace
}  // namespace sctpkit::assoc
