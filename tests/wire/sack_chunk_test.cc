#include "wire/sack_chunks.h"

#include <gtest/gtest.h>

#include <vector>

#include "chunk_test_util.h"

namespace sctpkit::wire {
namespace {

using namespace chunk_test;

// RFC 9260 3.3.4's own example: TSNs 10-12, 14-15 and 17 received, a_rwnd 4660.
const std::vector<uint8_t> kRfcExampleSack = bytes({
    0x03, 0x00, 0x00, 0x18,  // type 3, flags 0, length 4 + 12 + 2 * 4 = 24
    0x00, 0x00, 0x00, 0x0C,  // cumulative TSN ack 12
    0x00, 0x00, 0x12, 0x34,  // a_rwnd 4660
    0x00, 0x02, 0x00, 0x00,  // 2 gap ack blocks, 0 duplicate TSNs
    0x00, 0x02, 0x00, 0x03,  // block 1: 2..3 (TSN 14-15)
    0x00, 0x05, 0x00, 0x05,  // block 2: 5..5 (TSN 17)
});

TEST(SackChunk, EncodesTheRfcExample) {
  const GapAckBlock blocks[] = {{2, 3}, {5, 5}};
  SackChunk chunk{Tsn(12), 4660, blocks, {}};
  EXPECT_TRUE(same(build(chunk).chunk_bytes(), kRfcExampleSack));
}

TEST(SackChunk, DecodesTheRfcExample) {
  const RawInput input = RawInput{kRfcExampleSack};
  auto parsed = input.parse();
  ASSERT_TRUE(parsed.ok());
  const auto& chunk = std::get<SackChunk>(*parsed);
  EXPECT_EQ(chunk.cumulative_tsn_ack, Tsn(12));
  EXPECT_EQ(chunk.a_rwnd, 4660u);
  ASSERT_EQ(chunk.gap_ack_blocks.size(), 2u);
  EXPECT_EQ(chunk.gap_ack_blocks[0], (GapAckBlock{2, 3}));
  EXPECT_EQ(chunk.gap_ack_blocks[1], (GapAckBlock{5, 5}));
  EXPECT_TRUE(chunk.duplicate_tsns.empty());
  std::vector<GapAckBlock> iterated(chunk.gap_ack_blocks.begin(), chunk.gap_ack_blocks.end());
  EXPECT_EQ(iterated, (std::vector<GapAckBlock>{{2, 3}, {5, 5}}));
}

TEST(SackChunk, RoundTripsBlocksAndDuplicates) {
  // RFC 9260 3.3.4: TSN 19 received three times is listed twice.
  const GapAckBlock blocks[] = {{1, 1}, {3, 0xFFFF}, {0x8000, 0x8001}};
  const Tsn dups[] = {Tsn(19), Tsn(19), Tsn(0xFFFFFFFFu)};
  SackChunk chunk{Tsn(0xFFFFFFF0u), 0, blocks, dups};
  BuiltPacket built;
  const SackChunk back = round_trip(chunk, built);
  EXPECT_EQ(load_u16(built.chunk_bytes(), 2), 4 + 12 + 3 * 4 + 3 * 4);
  EXPECT_EQ(back.cumulative_tsn_ack, chunk.cumulative_tsn_ack);
  EXPECT_EQ(back.a_rwnd, 0u);
  EXPECT_EQ(back.gap_ack_blocks, chunk.gap_ack_blocks);
  EXPECT_EQ(back.duplicate_tsns, chunk.duplicate_tsns);
  EXPECT_EQ(back.duplicate_tsns[2], Tsn(0xFFFFFFFFu));

  // A parsed chunk re-encodes to the same bytes (its lists are copied from the wire).
  EXPECT_TRUE(same(build(back).chunk_bytes(), built.chunk_bytes()));
}

TEST(SackChunk, FixedPartTruncatedAtEachBoundary) { expect_truncated_below(3, SackChunk::kFixedSize); }

TEST(SackChunk, GapCountBeyondTheChunkIsTruncated) {
  auto input = kRfcExampleSack;
  input[13] = 3;  // claims 3 blocks, holds 2
  expect_error(RawInput{input}, ParseError::FieldTruncated);
  input[12] = 0xFF;
  input[13] = 0xFF;  // claims 65535 blocks
  expect_error(RawInput{input}, ParseError::FieldTruncated);
}

TEST(SackChunk, DuplicateCountBeyondTheChunkIsTruncated) {
  auto input = kRfcExampleSack;
  input[15] = 1;  // one duplicate TSN claimed, none present
  expect_error(RawInput{input}, ParseError::FieldTruncated);
  // The lists are laid end to end: with 1 block and 1 duplicate claimed, the second block's bytes
  // are read as the duplicate TSN, and nothing is left over.
  input[13] = 1;
  const RawInput raw_input{input};
  auto parsed = raw_input.parse();
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(std::get<SackChunk>(*parsed).duplicate_tsns[0], Tsn(0x00050005u));
}

TEST(SackChunk, BytesAfterTheListsAreBadLength) {
  std::vector<uint8_t> value(kRfcExampleSack.begin() + 4, kRfcExampleSack.end());
  value.push_back(0);
  expect_error(chunk_with_value(3, 0, value), ParseError::BadLength);
  value.resize(value.size() + 3, 0);  // a whole extra item's worth, not counted
  expect_error(chunk_with_value(3, 0, value), ParseError::BadLength);
}

// NR-SACK by hand: 1 gap block, 1 NR gap block, 1 duplicate TSN.
const std::vector<uint8_t> kHandNrSack = bytes({
    0x10, 0x00, 0x00, 0x20,  // type 16, flags 0, length 4 + 16 + 3 * 4 = 32
    0x00, 0x00, 0x00, 0x64,  // cumulative TSN ack 100
    0x00, 0x01, 0x00, 0x00,  // a_rwnd 65536
    0x00, 0x01, 0x00, 0x01,  // 1 gap block, 1 NR gap block
    0x00, 0x01, 0x00, 0x00,  // 1 duplicate TSN, reserved
    0x00, 0x02, 0x00, 0x04,  // gap block 2..4
    0x00, 0x06, 0x00, 0x06,  // NR gap block 6..6
    0x00, 0x00, 0x00, 0x63,  // duplicate TSN 99
});

TEST(NrSackChunk, DecodesAndEncodesByHand) {
  const RawInput input = RawInput{kHandNrSack};
  auto parsed = input.parse();
  ASSERT_TRUE(parsed.ok());
  const auto& chunk = std::get<NrSackChunk>(*parsed);
  EXPECT_EQ(chunk.cumulative_tsn_ack, Tsn(100));
  EXPECT_EQ(chunk.a_rwnd, 65536u);
  ASSERT_EQ(chunk.gap_ack_blocks.size(), 1u);
  EXPECT_EQ(chunk.gap_ack_blocks[0], (GapAckBlock{2, 4}));
  ASSERT_EQ(chunk.nr_gap_ack_blocks.size(), 1u);
  EXPECT_EQ(chunk.nr_gap_ack_blocks[0], (GapAckBlock{6, 6}));
  ASSERT_EQ(chunk.duplicate_tsns.size(), 1u);
  EXPECT_EQ(chunk.duplicate_tsns[0], Tsn(99));

  const GapAckBlock gaps[] = {{2, 4}};
  const GapAckBlock nr_gaps[] = {{6, 6}};
  const Tsn dups[] = {Tsn(99)};
  NrSackChunk built_chunk{0, Tsn(100), 65536, gaps, nr_gaps, dups};
  EXPECT_TRUE(same(build(built_chunk).chunk_bytes(), kHandNrSack));
}

TEST(NrSackChunk, RoundTripsAndKeepsTheFlagByte) {
  const GapAckBlock nr_gaps[] = {{1, 2}, {4, 9}};
  NrSackChunk chunk{0x01, Tsn(5), 1500, {}, nr_gaps, {}};
  BuiltPacket built;
  const NrSackChunk back = round_trip(chunk, built);
  EXPECT_EQ(back.flag_bits, 0x01);
  EXPECT_EQ(back.cumulative_tsn_ack, Tsn(5));
  EXPECT_EQ(back.a_rwnd, 1500u);
  EXPECT_TRUE(back.gap_ack_blocks.empty());
  EXPECT_EQ(back.nr_gap_ack_blocks, chunk.nr_gap_ack_blocks);
  EXPECT_TRUE(back.duplicate_tsns.empty());
}

TEST(NrSackChunk, FixedPartTruncatedAtEachBoundary) { expect_truncated_below(16, NrSackChunk::kFixedSize); }

TEST(NrSackChunk, EachCountBeyondTheChunkIsTruncated) {
  for (size_t count_offset : {12u, 14u, 16u}) {
    auto input = kHandNrSack;
    input[count_offset + 1] = 3;
    SCOPED_TRACE(count_offset);
    expect_error(RawInput{input}, ParseError::FieldTruncated);
  }
}

TEST(NrSackChunk, BytesAfterTheListsAreBadLength) {
  std::vector<uint8_t> value(kHandNrSack.begin() + 4, kHandNrSack.end());
  value.insert(value.end(), {0, 0, 0, 0});
  expect_error(chunk_with_value(16, 0, value), ParseError::BadLength);
}

}  // namespace
}  // namespace sctpkit::wire
