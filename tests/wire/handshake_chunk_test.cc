#include "wire/handshake_chunks.h"

#include <gtest/gtest.h>

#include "chunk_test_util.h"
#include "wire/tlv.h"

namespace sctpkit::wire {
namespace {

using namespace chunk_test;

// RFC 9260 3.3.2, worked by hand: the INIT of the trace in design.md, with an IPv4 Address
// parameter (3.3.2.1.1) and a Supported Address Types parameter (3.3.2.1.5) listing IPv4. The
// last parameter is 6 bytes long: its 2 bytes of padding are not counted in the chunk length
// (4 + 16 + 8 + 6 = 34) but are sent.
const std::vector<uint8_t> kHandInitParameters = bytes({
    0x00, 0x05, 0x00, 0x08, 0x0A, 0x80, 0x00, 0x51,  // IPv4 Address 10.128.0.81
    0x00, 0x0C, 0x00, 0x06, 0x00, 0x05,              // Supported Address Types: IPv4
});
const std::vector<uint8_t> kHandInitChunk = bytes({
    0x01, 0x00, 0x00, 0x22,  // type 1, flags 0, length 34
    0x3C, 0x15, 0xF1, 0x15,  // initiate tag 1008070933
    0x00, 0x01, 0xA0, 0x00,  // a_rwnd 106496
    0x00, 0x0A, 0xFF, 0xFF,  // OS 10, MIS 65535
    0x90, 0xEC, 0xC9, 0x94,  // initial TSN 2431437204
    0x00, 0x05, 0x00, 0x08, 0x0A, 0x80, 0x00, 0x51,
    0x00, 0x0C, 0x00, 0x06, 0x00, 0x05, 0x00, 0x00,  // last parameter + chunk padding
});

InitChunk hand_init() {
  InitChunk chunk;
  chunk.initiate_tag = VerificationTag(1008070933u);
  chunk.a_rwnd = 106496;
  chunk.outbound_streams = 10;
  chunk.inbound_streams = 65535;
  chunk.initial_tsn = Tsn(2431437204u);
  chunk.parameters = kHandInitParameters;
  return chunk;
}

TEST(InitChunk, EncodesAsTheRfcFigure) {
  EXPECT_EQ(hand_init().value_size(), 30u);
  EXPECT_TRUE(same(build(hand_init()).chunk_bytes(), kHandInitChunk));
}

TEST(InitChunk, DecodesTheRfcFigureAndItsParameters) {
  const RawInput input = RawInput{kHandInitChunk};
  auto parsed = input.parse();
  ASSERT_TRUE(parsed.ok());
  const auto& chunk = std::get<InitChunk>(*parsed);
  EXPECT_EQ(chunk.initiate_tag, VerificationTag(1008070933u));
  EXPECT_EQ(chunk.a_rwnd, 106496u);
  EXPECT_EQ(chunk.outbound_streams, 10);
  EXPECT_EQ(chunk.inbound_streams, 65535);
  EXPECT_EQ(chunk.initial_tsn, Tsn(2431437204u));
  EXPECT_TRUE(same(chunk.parameters, kHandInitParameters));

  TlvReader reader(chunk.parameters);
  auto first = reader.next();
  ASSERT_TRUE(first && first->ok());
  EXPECT_EQ((*first)->type, 5);
  auto second = reader.next();
  ASSERT_TRUE(second && second->ok());
  EXPECT_EQ((*second)->type, 12);
  EXPECT_TRUE(same((*second)->value, bytes({0x00, 0x05})));
  EXPECT_FALSE(reader.next().has_value());
}

TEST(InitChunk, AcceptsALengthThatCountsTheFinalPadding) {
  // RFC 9260 3.2 note: accept the chunk whether or not the final padding is in the length.
  auto input = kHandInitChunk;
  input[3] = 0x24;  // 36
  const RawInput raw_input{input};
  auto parsed = raw_input.parse();
  ASSERT_TRUE(parsed.ok());
  const auto& chunk = std::get<InitChunk>(*parsed);
  EXPECT_EQ(chunk.parameters.size(), 16u);
  TlvReader reader(chunk.parameters);
  int count = 0;
  while (auto tlv = reader.next()) {
    ASSERT_TRUE(tlv->ok());
    ++count;
  }
  EXPECT_EQ(count, 2);
}

TEST(InitChunk, ProtocolViolationsStillParse) {
  // RFC 9260 3.3.2: a zero Initiate Tag or zero streams is answered by the engine with an ABORT.
  const RawInput input = chunk_with_value(1, 0xFF, std::vector<uint8_t>(16, 0));
  auto parsed = input.parse();
  ASSERT_TRUE(parsed.ok());
  const auto& chunk = std::get<InitChunk>(*parsed);
  EXPECT_EQ(chunk.initiate_tag, VerificationTag(0));
  EXPECT_EQ(chunk.outbound_streams, 0);
  EXPECT_TRUE(chunk.parameters.empty());
  EXPECT_EQ(chunk.flags(), 0);  // reserved flags are not kept
}

TEST(InitChunk, FixedPartTruncatedAtEachBoundary) { expect_truncated_below(1, InitFields::kFixedSize); }

TEST(InitAckChunk, RoundTripsEveryField) {
  // State Cookie (7) with an odd-sized cookie as the last parameter: built without its padding.
  const auto parameters = bytes({0x00, 0x07, 0x00, 0x09, 1, 2, 3, 4, 5});
  InitAckChunk chunk;
  chunk.initiate_tag = VerificationTag(0xCAFEBABE);
  chunk.a_rwnd = 0xFFFFFFFF;
  chunk.outbound_streams = 1;
  chunk.inbound_streams = 2;
  chunk.initial_tsn = Tsn(0);
  chunk.parameters = parameters;
  BuiltPacket built;
  const InitAckChunk back = round_trip(chunk, built);
  EXPECT_EQ(load_u16(built.chunk_bytes(), 2), 4 + 16 + 9);
  EXPECT_EQ(back.initiate_tag, chunk.initiate_tag);
  EXPECT_EQ(back.a_rwnd, chunk.a_rwnd);
  EXPECT_EQ(back.outbound_streams, 1);
  EXPECT_EQ(back.inbound_streams, 2);
  EXPECT_EQ(back.initial_tsn, Tsn(0));
  EXPECT_TRUE(same(back.parameters, parameters));
}

TEST(InitAckChunk, FixedPartTruncatedAtEachBoundary) { expect_truncated_below(2, InitFields::kFixedSize); }

TEST(CookieEchoChunk, RoundTripsAnOddSizedCookie) {
  const std::vector<uint8_t> cookie = {9, 8, 7, 6, 5, 4, 3};
  BuiltPacket built;
  const CookieEchoChunk back = round_trip(CookieEchoChunk{cookie}, built);
  EXPECT_EQ(load_u16(built.chunk_bytes(), 2), 11);
  EXPECT_TRUE(same(back.cookie, cookie));
}

TEST(CookieEchoChunk, EmptyCookieParses) {
  const RawInput input = chunk_with_value(10, 0, {});
  auto parsed = input.parse();
  ASSERT_TRUE(parsed.ok());
  EXPECT_TRUE(std::get<CookieEchoChunk>(*parsed).cookie.empty());
}

TEST(CookieAckChunk, RoundTripsAndHasLengthFour) {
  BuiltPacket built;
  round_trip(CookieAckChunk{}, built);
  EXPECT_TRUE(same(built.chunk_bytes(), bytes({0x0B, 0x00, 0x00, 0x04})));
}

TEST(CookieAckChunk, LongerThanFourIsBadLength) {
  expect_error(chunk_with_value(11, 0, {0}), ParseError::BadLength);
  expect_error(chunk_with_value(11, 0, {0, 0, 0, 0}), ParseError::BadLength);
}

}  // namespace
}  // namespace sctpkit::wire
