#include "wire/extension_chunks.h"

#include <gtest/gtest.h>

#include "chunk_test_util.h"
#include "wire/tlv.h"

namespace sctpkit::wire {
namespace {

using namespace chunk_test;

// RFC 4895 4.1 by hand: shared key 0, HMAC identifier 1 (SHA-1), 20-byte HMAC; length 28.
TEST(AuthChunk, DecodesAndEncodesByHand) {
  std::vector<uint8_t> input = bytes({0x0F, 0x00, 0x00, 0x1C, 0x00, 0x00, 0x00, 0x01});
  for (int i = 0; i < 20; ++i) input.push_back(static_cast<uint8_t>(0xA0 + i));
  const RawInput raw{input};
  auto parsed = raw.parse();
  ASSERT_TRUE(parsed.ok());
  const auto& chunk = std::get<AuthChunk>(*parsed);
  EXPECT_EQ(chunk.shared_key_id, 0);
  EXPECT_EQ(chunk.hmac_id, 1);
  ASSERT_EQ(chunk.hmac.size(), 20u);
  // The HMAC views the packet, which is where the engine must zero it to verify.
  EXPECT_EQ(chunk.hmac.data(), raw.data.data() + 8);
  EXPECT_TRUE(same(build(chunk).chunk_bytes(), input));
}

TEST(AuthChunk, RoundTripsEveryField) {
  const std::vector<uint8_t> hmac(32, 0x77);  // SHA-256
  BuiltPacket built;
  const AuthChunk back = round_trip(AuthChunk{0xFFFF, 3, hmac}, built);
  EXPECT_EQ(back.shared_key_id, 0xFFFF);
  EXPECT_EQ(back.hmac_id, 3);
  EXPECT_TRUE(same(back.hmac, hmac));
}

TEST(AuthChunk, FixedPartTruncatedAtEachBoundary) { expect_truncated_below(15, AuthChunk::kFixedSize); }

// RFC 5061 3.1.1 by hand: sequence number 0x11223344, address parameter IPv4 192.0.2.1, then an
// Add IP Address parameter (0xC001) with correlation id 7 and IPv4 address 192.0.2.2.
const std::vector<uint8_t> kAsconfAddress = bytes({0x00, 0x05, 0x00, 0x08, 192, 0, 2, 1});
const std::vector<uint8_t> kAsconfParameters =
    bytes({0xC0, 0x01, 0x00, 0x10, 0, 0, 0, 7, 0x00, 0x05, 0x00, 0x08, 192, 0, 2, 2});
const std::vector<uint8_t> kHandAsconf = bytes({
    0xC1, 0x00, 0x00, 0x20,  // type 193, flags 0, length 4 + 4 + 8 + 16 = 32
    0x11, 0x22, 0x33, 0x44,
    0x00, 0x05, 0x00, 0x08, 192, 0, 2, 1,
    0xC0, 0x01, 0x00, 0x10, 0, 0, 0, 7, 0x00, 0x05, 0x00, 0x08, 192, 0, 2, 2,
});

TEST(AsconfChunk, DecodesAndEncodesByHand) {
  const RawInput raw{kHandAsconf};
  auto parsed = raw.parse();
  ASSERT_TRUE(parsed.ok());
  const auto& chunk = std::get<AsconfChunk>(*parsed);
  EXPECT_EQ(chunk.serial_number, AsconfSerial(0x11223344));
  EXPECT_TRUE(same(chunk.address_parameter, kAsconfAddress));
  EXPECT_TRUE(same(chunk.parameters, kAsconfParameters));
  AsconfChunk built_chunk{AsconfSerial(0x11223344), kAsconfAddress, kAsconfParameters};
  EXPECT_TRUE(same(build(built_chunk).chunk_bytes(), kHandAsconf));
}

TEST(AsconfChunk, AddressParameterAloneIsNotPadded) {
  BuiltPacket built;
  const AsconfChunk back = round_trip(AsconfChunk{AsconfSerial(1), kAsconfAddress, {}}, built);
  EXPECT_EQ(load_u16(built.chunk_bytes(), 2), 4 + 4 + 8);
  EXPECT_EQ(back.serial_number, AsconfSerial(1));
  EXPECT_TRUE(same(back.address_parameter, kAsconfAddress));
  EXPECT_TRUE(back.parameters.empty());
}

TEST(AsconfChunk, AnOddAddressParameterIsPaddedBeforeTheNextOne) {
  // RFC 9260 3.2: the padding of every parameter but the last is inside the chunk length.
  const auto odd_address = bytes({0x00, 0xAA, 0x00, 0x05, 0x01});
  AsconfChunk chunk{AsconfSerial(2), odd_address, kAsconfParameters};
  EXPECT_EQ(chunk.value_size(), 4u + 8u + 16u);
  BuiltPacket built;
  const AsconfChunk back = round_trip(chunk, built);
  EXPECT_TRUE(same(built.chunk_bytes().subspan(8, 8), bytes({0x00, 0xAA, 0x00, 0x05, 0x01, 0, 0, 0})));
  EXPECT_TRUE(same(back.address_parameter, odd_address));
  EXPECT_TRUE(same(back.parameters, kAsconfParameters));
}

TEST(AsconfChunk, MissingOrMalformedAddressParameterIsRejected) {
  expect_truncated_below(193, AsconfChunk::kFixedSize);
  expect_error(chunk_with_value(193, 0, {0, 0, 0, 1}), ParseError::FieldTruncated);  // no address
  expect_error(chunk_with_value(193, 0, {0, 0, 0, 1, 0, 5}), ParseError::ParamTooShort);
  expect_error(chunk_with_value(193, 0, {0, 0, 0, 1, 0, 5, 0, 2}), ParseError::ParamLengthUnder4);
  expect_error(chunk_with_value(193, 0, {0, 0, 0, 1, 0, 5, 0, 8, 192, 0, 2}), ParseError::ParamLengthPastEnd);
}

TEST(AsconfAckChunk, RoundTripsEveryField) {
  // Success Indication (0xC005) for correlation id 7.
  const auto parameters = bytes({0xC0, 0x05, 0x00, 0x08, 0, 0, 0, 7});
  BuiltPacket built;
  const AsconfAckChunk back = round_trip(AsconfAckChunk{AsconfSerial(0xFFFFFFFF), parameters}, built);
  EXPECT_TRUE(same(built.chunk_bytes().first(8), bytes({0x80, 0x00, 0x00, 0x10, 0xFF, 0xFF, 0xFF, 0xFF})));
  EXPECT_EQ(back.serial_number, AsconfSerial(0xFFFFFFFF));
  EXPECT_TRUE(same(back.parameters, parameters));
}

TEST(AsconfAckChunk, FixedPartTruncatedAtEachBoundary) { expect_truncated_below(128, AsconfAckChunk::kFixedSize); }

TEST(ReconfigChunk, RoundTripsItsParameters) {
  // RFC 6525 4.1 Outgoing SSN Reset Request for stream 3 (18 bytes, last: not padded in length).
  const auto parameters = bytes({0x00, 0x0D, 0x00, 0x12, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 9, 0x00, 0x03});
  BuiltPacket built;
  const ReconfigChunk back = round_trip(ReconfigChunk{parameters}, built);
  EXPECT_EQ(built.chunk_bytes()[0], 130);
  EXPECT_EQ(load_u16(built.chunk_bytes(), 2), 4 + 18);
  EXPECT_TRUE(same(back.parameters, parameters));
}

TEST(PadChunk, RoundTripsAnyLength) {
  for (size_t n : {0u, 1u, 3u, 1000u}) {
    const std::vector<uint8_t> padding(n, 0);
    BuiltPacket built;
    const PadChunk back = round_trip(PadChunk{padding}, built);
    EXPECT_EQ(built.chunk_bytes()[0], 132);
    EXPECT_EQ(back.padding.size(), n);
  }
}

// RFC 3758 3.2 by hand: new cumulative TSN 1000, stream 1 up to SSN 5, stream 0x0203 up to SSN 0xFFFF.
const std::vector<uint8_t> kHandForwardTsn = bytes({
    0xC0, 0x00, 0x00, 0x10,  // type 192, length 4 + 4 + 2 * 4 = 16
    0x00, 0x00, 0x03, 0xE8,
    0x00, 0x01, 0x00, 0x05,
    0x02, 0x03, 0xFF, 0xFF,
});

TEST(ForwardTsnChunk, DecodesAndEncodesByHand) {
  const RawInput raw{kHandForwardTsn};
  auto parsed = raw.parse();
  ASSERT_TRUE(parsed.ok());
  const auto& chunk = std::get<ForwardTsnChunk>(*parsed);
  EXPECT_EQ(chunk.new_cumulative_tsn, Tsn(1000));
  ASSERT_EQ(chunk.streams.size(), 2u);
  EXPECT_EQ(chunk.streams[0], (ForwardTsnStream{StreamId(1), Ssn(5)}));
  EXPECT_EQ(chunk.streams[1], (ForwardTsnStream{StreamId(0x0203), Ssn(0xFFFF)}));
  const ForwardTsnStream streams[] = {{StreamId(1), Ssn(5)}, {StreamId(0x0203), Ssn(0xFFFF)}};
  EXPECT_TRUE(same(build(ForwardTsnChunk{Tsn(1000), streams}).chunk_bytes(), kHandForwardTsn));
}

TEST(ForwardTsnChunk, RoundTripsWithoutStreams) {
  BuiltPacket built;
  const ForwardTsnChunk back = round_trip(ForwardTsnChunk{Tsn(0xFFFFFFFF), {}}, built);
  EXPECT_EQ(back.new_cumulative_tsn, Tsn(0xFFFFFFFF));
  EXPECT_TRUE(back.streams.empty());
}

TEST(ForwardTsnChunk, MalformedLengths) {
  expect_truncated_below(192, ForwardTsnChunk::kFixedSize);
  for (size_t extra : {1u, 2u, 3u, 5u}) {
    SCOPED_TRACE(extra);
    expect_error(chunk_with_value(192, 0, std::vector<uint8_t>(4 + extra, 0)), ParseError::BadLength);
  }
}

// RFC 8260 2.3 by hand: new cumulative TSN 7; stream 4 unordered up to MID 0x01000000 (with
// reserved bits set, which the receiver ignores); stream 5 ordered up to MID 2.
const std::vector<uint8_t> kHandIForwardTsn = bytes({
    0xC2, 0x00, 0x00, 0x18,  // type 194, length 4 + 4 + 2 * 8 = 24
    0x00, 0x00, 0x00, 0x07,
    0x00, 0x04, 0x80, 0x01, 0x01, 0x00, 0x00, 0x00,
    0x00, 0x05, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02,
});

TEST(IForwardTsnChunk, DecodesByHandAndIgnoresReservedBits) {
  const RawInput raw{kHandIForwardTsn};
  auto parsed = raw.parse();
  ASSERT_TRUE(parsed.ok());
  const auto& chunk = std::get<IForwardTsnChunk>(*parsed);
  EXPECT_EQ(chunk.new_cumulative_tsn, Tsn(7));
  ASSERT_EQ(chunk.streams.size(), 2u);
  EXPECT_EQ(chunk.streams[0], (IForwardTsnStream{StreamId(4), true, Mid(0x01000000)}));
  EXPECT_EQ(chunk.streams[1], (IForwardTsnStream{StreamId(5), false, Mid(2)}));
}

TEST(IForwardTsnChunk, EncodesReservedBitsAsZero) {
  const IForwardTsnStream streams[] = {{StreamId(4), true, Mid(0x01000000)}, {StreamId(5), false, Mid(2)}};
  BuiltPacket built;
  const IForwardTsnChunk back = round_trip(IForwardTsnChunk{Tsn(7), streams}, built);
  auto expected = kHandIForwardTsn;
  expected[10] = 0x00;  // reserved bits cleared, U kept
  EXPECT_TRUE(same(built.chunk_bytes(), expected));
  EXPECT_EQ(back.new_cumulative_tsn, Tsn(7));
  EXPECT_EQ(back.streams, WireList<IForwardTsnStream>(streams));
}

TEST(IForwardTsnChunk, MalformedLengths) {
  expect_truncated_below(194, IForwardTsnChunk::kFixedSize);
  for (size_t extra : {1u, 4u, 7u, 12u}) {
    SCOPED_TRACE(extra);
    expect_error(chunk_with_value(194, 0, std::vector<uint8_t>(4 + extra, 0)), ParseError::BadLength);
  }
}

}  // namespace
}  // namespace sctpkit::wire
