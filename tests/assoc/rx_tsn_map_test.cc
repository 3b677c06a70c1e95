#include "assoc/rx/tsn_map.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <array>
#include <vector>

namespace sctpkit::assoc {
namespace {

using wire::Tsn;
using Add = TsnMap::AddResult;
using ::testing::ElementsAre;

std::vector<GapAckBlock> blocks(const TsnMap& map, size_t room = 64) {
  std::vector<GapAckBlock> out(room);
  out.resize(map.gap_blocks(out));
  return out;
}

TEST(RxTsnMap, StartsOneBelowPeerInitialTsn) {
  // RFC 9260 6.2: nothing received yet, so the ack point is Initial TSN - 1.
  const TsnMap map(Tsn(1000));
  EXPECT_EQ(map.cumulative_tsn(), Tsn(999));
  EXPECT_FALSE(map.has_gaps());
  EXPECT_TRUE(map.contains(Tsn(999)));
  EXPECT_FALSE(map.contains(Tsn(1000)));
}

TEST(RxTsnMap, InOrderAdvancesCumulativeTsn) {
  TsnMap map(Tsn(10));
  for (uint32_t t = 10; t < 20; ++t) EXPECT_EQ(map.add(Tsn(t)), Add::New);
  EXPECT_EQ(map.cumulative_tsn(), Tsn(19));
  EXPECT_FALSE(map.has_gaps());
  EXPECT_TRUE(blocks(map).empty());
}

TEST(RxTsnMap, InOrderTsnsAroundARepairedGapAreNewOnceThenDuplicates) {
  // add() and classify() take the in-order next TSN without the bitmap; around a gap they must
  // still agree with it: a TSN held above the point is a duplicate, the one after a repair is new.
  TsnMap map(Tsn(1));
  EXPECT_EQ(map.classify(Tsn(1)), Add::New);
  EXPECT_EQ(map.add(Tsn(1)), Add::New);
  EXPECT_EQ(map.classify(Tsn(1)), Add::Duplicate);
  EXPECT_EQ(map.add(Tsn(3)), Add::New);
  // TSN 2 is the point's next TSN, but with TSN 3 held it fills a gap and carries the point past 3.
  EXPECT_EQ(map.classify(Tsn(2)), Add::New);
  EXPECT_EQ(map.add(Tsn(2)), Add::New);
  EXPECT_EQ(map.cumulative_tsn(), Tsn(3));
  EXPECT_EQ(map.add(Tsn(3)), Add::Duplicate);
  EXPECT_EQ(map.classify(Tsn(4)), Add::New);
  EXPECT_EQ(map.add(Tsn(4)), Add::New);
  EXPECT_EQ(map.add(Tsn(4)), Add::Duplicate);
  EXPECT_EQ(map.cumulative_tsn(), Tsn(4));
  EXPECT_FALSE(map.has_gaps());
  EXPECT_EQ(map.duplicates().size(), 2u);
  // A full turn of the bitmap's ring later, in order only, the positions of 3 and 4 are free again.
  for (uint32_t t = 5; t <= 5 + 2 * 65536; ++t) ASSERT_EQ(map.add(Tsn(t)), Add::New) << t;
  EXPECT_EQ(map.add(Tsn(5 + 2 * 65536 + 2)), Add::New);
  EXPECT_EQ(map.add(Tsn(5 + 2 * 65536 + 1)), Add::New);
  EXPECT_EQ(map.cumulative_tsn(), Tsn(5 + 2 * 65536 + 2));
  EXPECT_FALSE(map.has_gaps());
}

TEST(RxTsnMap, GapBlocksExactlyAsRfc9260Section334Example) {
  // RFC 9260 3.3.4: TSNs 10, 11, 12, 14, 15, 17 received -> cum 12, blocks (2,3) and (5,5).
  TsnMap map(Tsn(10));
  for (uint32_t t : {17u, 10u, 14u, 12u, 11u, 15u}) EXPECT_EQ(map.add(Tsn(t)), Add::New);
  EXPECT_EQ(map.cumulative_tsn(), Tsn(12));
  EXPECT_EQ(map.highest_received(), Tsn(17));
  EXPECT_TRUE(map.has_gaps());
  EXPECT_THAT(blocks(map), ElementsAre(GapAckBlock{2, 3}, GapAckBlock{5, 5}));
  EXPECT_EQ(map.gap_block_count(), 2u);
}

TEST(RxTsnMap, FillingTheGapsMergesIntoCumulative) {
  TsnMap map(Tsn(10));
  for (uint32_t t : {10u, 11u, 12u, 14u, 15u, 17u}) (void)map.add(Tsn(t));
  EXPECT_EQ(map.add(Tsn(13)), Add::New);
  EXPECT_EQ(map.cumulative_tsn(), Tsn(15));
  EXPECT_THAT(blocks(map), ElementsAre(GapAckBlock{2, 2}));
  EXPECT_EQ(map.add(Tsn(16)), Add::New);
  EXPECT_EQ(map.cumulative_tsn(), Tsn(17));
  EXPECT_FALSE(map.has_gaps());
}

TEST(RxTsnMap, Section67GapBlocksLowestFirstWhenTheyDoNotAllFit) {
  // RFC 9260 6.7: report blocks from the lowest TSN up, leave the highest unacknowledged.
  TsnMap map(Tsn(0));
  for (uint32_t t = 2; t <= 20; t += 2) (void)map.add(Tsn(t));  // cum stays at 0xFFFFFFFF
  std::array<GapAckBlock, 3> out{};
  ASSERT_EQ(map.gap_blocks(out), 3u);
  EXPECT_THAT(out, ElementsAre(GapAckBlock{3, 3}, GapAckBlock{5, 5}, GapAckBlock{7, 7}));
  EXPECT_EQ(map.gap_block_count(), 10u);
}

TEST(RxTsnMap, WrapsAroundTwoToThe32) {
  // RFC 9260 1.6: TSN 2^32 - 1 is followed by 0; order and gap offsets continue across.
  TsnMap map(Tsn(0xFFFFFFFEu));
  EXPECT_EQ(map.add(Tsn(0xFFFFFFFEu)), Add::New);
  EXPECT_EQ(map.add(Tsn(1)), Add::New);
  EXPECT_EQ(map.cumulative_tsn(), Tsn(0xFFFFFFFEu));
  EXPECT_THAT(blocks(map), ElementsAre(GapAckBlock{3, 3}));
  EXPECT_EQ(map.add(Tsn(0xFFFFFFFFu)), Add::New);
  EXPECT_EQ(map.add(Tsn(0)), Add::New);
  EXPECT_EQ(map.cumulative_tsn(), Tsn(1));
  EXPECT_FALSE(map.has_gaps());
  EXPECT_EQ(map.add(Tsn(0xFFFFFFFFu)), Add::Duplicate);
}

TEST(RxTsnMap, Section62DuplicatesAreListedPerArrivalAndClearedAfterSack) {
  // RFC 9260 3.3.4: TSN 19 received three times is listed twice; after a SACK, once more.
  TsnMap map(Tsn(19));
  EXPECT_EQ(map.add(Tsn(19)), Add::New);
  EXPECT_EQ(map.add(Tsn(19)), Add::Duplicate);
  EXPECT_EQ(map.add(Tsn(19)), Add::Duplicate);
  EXPECT_THAT(map.duplicates(), ElementsAre(Tsn(19), Tsn(19)));
  map.clear_duplicates();
  EXPECT_TRUE(map.duplicates().empty());
  EXPECT_EQ(map.add(Tsn(19)), Add::Duplicate);
  EXPECT_THAT(map.duplicates(), ElementsAre(Tsn(19)));
}

TEST(RxTsnMap, DuplicateAboveCumulativeIsDetected) {
  TsnMap map(Tsn(1));
  EXPECT_EQ(map.add(Tsn(5)), Add::New);
  EXPECT_EQ(map.add(Tsn(5)), Add::Duplicate);
  EXPECT_THAT(map.duplicates(), ElementsAre(Tsn(5)));
}

TEST(RxTsnMap, DuplicateListIsBounded) {
  TsnMap map(Tsn(1), TsnMap::kDefaultWindowTsns, 4);
  (void)map.add(Tsn(1));
  for (int i = 0; i < 100; ++i) EXPECT_EQ(map.add(Tsn(1)), Add::Duplicate);
  EXPECT_EQ(map.duplicates().size(), 4u);
}

TEST(RxTsnMap, HostileFarFutureTsnIsRefusedNotRecorded) {
  // A TSN beyond the receive window in TSNs is not recorded, so the map cannot be made to grow
  // and gap offsets always fit the 16-bit fields of RFC 9260 3.3.4.
  TsnMap map(Tsn(100), 256);
  EXPECT_EQ(map.add(Tsn(99 + 256)), Add::New);  // cum 99 + 256 is the last TSN inside
  EXPECT_EQ(map.add(Tsn(99 + 257)), Add::OutOfWindow);
  EXPECT_EQ(map.add(Tsn(99 + 0x7FFFFFF0u)), Add::OutOfWindow);
  EXPECT_FALSE(map.contains(Tsn(99 + 257)));
  EXPECT_EQ(map.highest_received(), Tsn(99 + 256));
  EXPECT_TRUE(map.duplicates().empty());
  EXPECT_EQ(map.classify(Tsn(99 + 257)), Add::OutOfWindow);
}

TEST(RxTsnMap, WindowSlidesWithTheCumulativePoint) {
  TsnMap map(Tsn(0), 64);
  for (uint32_t t = 0; t < 1000; ++t) ASSERT_EQ(map.add(Tsn(t)), Add::New);
  EXPECT_EQ(map.add(Tsn(999 + 64)), Add::New);
  EXPECT_EQ(map.add(Tsn(999 + 65)), Add::OutOfWindow);
  EXPECT_THAT(blocks(map), ElementsAre(GapAckBlock{64, 64}));
}

TEST(RxTsnMap, WindowIsClampedToWhatGapOffsetsCanExpress) {
  const TsnMap map(Tsn(0), 1u << 20);
  EXPECT_EQ(map.window_tsns(), TsnMap::kMaxWindowTsns);
}

TEST(RxTsnMap, Rfc3758ForwardTsnAdvancesPastAbandonedAndHeldTsns) {
  // RFC 3758 3.6: move to the new point, then further over TSNs already received above it.
  TsnMap map(Tsn(1));
  for (uint32_t t : {1u, 4u, 6u, 7u}) (void)map.add(Tsn(t));
  EXPECT_TRUE(map.forward_to(Tsn(5)));
  EXPECT_EQ(map.cumulative_tsn(), Tsn(7));
  EXPECT_FALSE(map.has_gaps());
  EXPECT_EQ(map.add(Tsn(3)), Add::Duplicate);
  EXPECT_EQ(map.add(Tsn(8)), Add::New);
  EXPECT_EQ(map.cumulative_tsn(), Tsn(8));
}

TEST(RxTsnMap, ForwardTsnKeepsGapsAboveTheNewPoint) {
  TsnMap map(Tsn(1));
  for (uint32_t t : {1u, 3u, 7u}) (void)map.add(Tsn(t));
  EXPECT_TRUE(map.forward_to(Tsn(4)));
  EXPECT_EQ(map.cumulative_tsn(), Tsn(4));
  EXPECT_THAT(blocks(map), ElementsAre(GapAckBlock{3, 3}));
}

TEST(RxTsnMap, ForwardTsnBehindCumulativeIsIgnored) {
  TsnMap map(Tsn(1));
  for (uint32_t t : {1u, 2u, 3u}) (void)map.add(Tsn(t));
  EXPECT_FALSE(map.forward_to(Tsn(2)));
  EXPECT_FALSE(map.forward_to(Tsn(3)));
  EXPECT_EQ(map.cumulative_tsn(), Tsn(3));
}

TEST(RxTsnMap, ForwardTsnFarAheadClearsTheWholeRing) {
  // A jump further than the ring must not leave stale bits that would alias later TSNs.
  TsnMap map(Tsn(0), 64);
  (void)map.add(Tsn(10));
  (void)map.add(Tsn(20));
  // The ring holds 128 bits; 99973 = 781 * 128 + 5, so 99988 sits where TSN 20 sat.
  EXPECT_TRUE(map.forward_to(Tsn(99973)));
  EXPECT_EQ(map.cumulative_tsn(), Tsn(99973));
  EXPECT_FALSE(map.has_gaps());
  EXPECT_EQ(map.add(Tsn(99988)), Add::New);
  EXPECT_EQ(map.add(Tsn(99978)), Add::New);
}

TEST(RxTsnMap, LongGapRunsAcrossBitmapWordsAndWrap) {
  TsnMap map(Tsn(0xFFFFFF00u), 1024);
  for (uint32_t off = 100; off < 400; ++off) (void)map.add(Tsn(0xFFFFFF00u + off));
  (void)map.add(Tsn(0xFFFFFF00u + 500));
  EXPECT_THAT(blocks(map), ElementsAre(GapAckBlock{101, 400}, GapAckBlock{501, 501}));
}

}  // namespace
}  // namespace sctpkit::assoc
