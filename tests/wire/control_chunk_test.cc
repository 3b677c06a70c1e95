#include "wire/control_chunks.h"

#include <gtest/gtest.h>

#include "chunk_test_util.h"
#include "wire/tlv.h"

namespace sctpkit::wire {
namespace {

using namespace chunk_test;

// Heartbeat Info (RFC 9260 3.3.5, parameter type 1) with 5 bytes of sender data: length 9, so the
// chunk length is 13 and the packet carries 3 bytes of padding the length does not count.
const std::vector<uint8_t> kHeartbeatInfo = bytes({0x00, 0x01, 0x00, 0x09, 1, 2, 3, 4, 5});

TEST(HeartbeatChunk, RoundTripsItsInfoParameter) {
  BuiltPacket built;
  const HeartbeatChunk back = round_trip(HeartbeatChunk{kHeartbeatInfo}, built);
  EXPECT_TRUE(same(built.chunk_bytes(), bytes({0x04, 0x00, 0x00, 0x0D, 0x00, 0x01, 0x00, 0x09, 1, 2, 3, 4, 5, 0, 0, 0})));
  EXPECT_TRUE(same(back.parameters, kHeartbeatInfo));
  TlvReader reader(back.parameters);
  auto info = reader.next();
  ASSERT_TRUE(info && info->ok());
  EXPECT_EQ((*info)->type, 1);
  EXPECT_TRUE(same((*info)->value, bytes({1, 2, 3, 4, 5})));
}

TEST(HeartbeatAckChunk, RoundTripsItsInfoParameter) {
  BuiltPacket built;
  const HeartbeatAckChunk back = round_trip(HeartbeatAckChunk{kHeartbeatInfo}, built);
  EXPECT_EQ(built.chunk_bytes()[0], 5);
  EXPECT_TRUE(same(back.parameters, kHeartbeatInfo));
}

// Invalid Stream Identifier (RFC 9260 3.3.10.1): cause 1, length 8, stream 7, reserved.
const std::vector<uint8_t> kInvalidStreamCause = bytes({0x00, 0x01, 0x00, 0x08, 0x00, 0x07, 0x00, 0x00});

TEST(AbortChunk, RoundTripsCausesAndTheTBit) {
  for (bool reflected : {false, true}) {
    AbortChunk chunk{reflected, kInvalidStreamCause};
    EXPECT_EQ(chunk.flags(), reflected ? 0x01 : 0x00);
    BuiltPacket built;
    const AbortChunk back = round_trip(chunk, built);
    EXPECT_EQ(back.tag_reflected, reflected);
    EXPECT_TRUE(same(back.causes, kInvalidStreamCause));
  }
}

TEST(AbortChunk, EmptyAndIgnoresOtherFlagBits) {
  const RawInput input = chunk_with_value(6, 0xFE, {});
  auto parsed = input.parse();
  ASSERT_TRUE(parsed.ok());
  EXPECT_FALSE(std::get<AbortChunk>(*parsed).tag_reflected);
  EXPECT_TRUE(std::get<AbortChunk>(*parsed).causes.empty());
}

TEST(ErrorChunk, RoundTripsCauses) {
  // Two causes; the first is padded inside the chunk, the last is not counted with its padding.
  const auto causes = bytes({0x12, 0x34, 0x00, 0x05, 0x42, 0x00, 0x00, 0x00,  // unassigned cause, 1 byte of info
                             0x00, 0x01, 0x00, 0x08, 0x00, 0x07, 0x00, 0x00});
  BuiltPacket built;
  const ErrorChunk back = round_trip(ErrorChunk{causes}, built);
  EXPECT_EQ(load_u16(built.chunk_bytes(), 2), 4 + 16);
  EXPECT_TRUE(same(back.causes, causes));
}

TEST(ShutdownChunk, RoundTripsAndHasLengthEight) {
  BuiltPacket built;
  const ShutdownChunk back = round_trip(ShutdownChunk{Tsn(0x01020304)}, built);
  EXPECT_TRUE(same(built.chunk_bytes(), bytes({0x07, 0x00, 0x00, 0x08, 0x01, 0x02, 0x03, 0x04})));
  EXPECT_EQ(back.cumulative_tsn_ack, Tsn(0x01020304));
}

TEST(ShutdownChunk, OtherLengthsAreRejected) {
  expect_truncated_below(7, ShutdownChunk::kFixedSize);
  expect_error(chunk_with_value(7, 0, {0, 0, 0, 1, 0}), ParseError::BadLength);
  expect_error(chunk_with_value(7, 0, std::vector<uint8_t>(8, 0)), ParseError::BadLength);
}

TEST(ShutdownAckChunk, RoundTripsAndRejectsAValue) {
  BuiltPacket built;
  round_trip(ShutdownAckChunk{}, built);
  EXPECT_TRUE(same(built.chunk_bytes(), bytes({0x08, 0x00, 0x00, 0x04})));
  expect_error(chunk_with_value(8, 0, {0, 0, 0, 0}), ParseError::BadLength);
}

TEST(ShutdownCompleteChunk, RoundTripsTheTBitAndRejectsAValue) {
  for (bool reflected : {false, true}) {
    BuiltPacket built;
    const ShutdownCompleteChunk back = round_trip(ShutdownCompleteChunk{reflected}, built);
    EXPECT_TRUE(same(built.chunk_bytes(), bytes({0x0E, reflected ? 0x01 : 0x00, 0x00, 0x04})));
    EXPECT_EQ(back.tag_reflected, reflected);
  }
  expect_error(chunk_with_value(14, 1, {0}), ParseError::BadLength);
}

TEST(EcneChunk, RoundTripsBothLengths) {
  BuiltPacket built;
  EcneChunk old_form = round_trip(EcneChunk{Tsn(77), std::nullopt}, built);
  EXPECT_EQ(load_u16(built.chunk_bytes(), 2), 8);
  EXPECT_EQ(old_form.lowest_tsn, Tsn(77));
  EXPECT_FALSE(old_form.packets_since_cwr.has_value());

  EcneChunk new_form = round_trip(EcneChunk{Tsn(78), 3u}, built);
  EXPECT_EQ(load_u16(built.chunk_bytes(), 2), 12);
  EXPECT_EQ(new_form.lowest_tsn, Tsn(78));
  EXPECT_EQ(new_form.packets_since_cwr, 3u);
}

TEST(EcneChunk, OtherLengthsAreRejected) {
  expect_truncated_below(12, 4);
  expect_error(chunk_with_value(12, 0, std::vector<uint8_t>(6, 0)), ParseError::BadLength);
  expect_error(chunk_with_value(12, 0, std::vector<uint8_t>(12, 0)), ParseError::BadLength);
}

TEST(CwrChunk, RoundTripsAndKeepsTheFlagByte) {
  BuiltPacket built;
  const CwrChunk back = round_trip(CwrChunk{0x03, Tsn(123456)}, built);
  EXPECT_TRUE(same(built.chunk_bytes(), bytes({0x0D, 0x03, 0x00, 0x08, 0x00, 0x01, 0xE2, 0x40})));
  EXPECT_EQ(back.flag_bits, 0x03);
  EXPECT_EQ(back.lowest_tsn, Tsn(123456));
}

TEST(CwrChunk, OtherLengthsAreRejected) {
  expect_truncated_below(13, CwrChunk::kFixedSize);
  expect_error(chunk_with_value(13, 0, std::vector<uint8_t>(8, 0)), ParseError::BadLength);
}

}  // namespace
}  // namespace sctpkit::wire
