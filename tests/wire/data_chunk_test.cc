#include "wire/data_chunks.h"

#include <gtest/gtest.h>

#include "chunk_test_util.h"

namespace sctpkit::wire {
namespace {

using namespace chunk_test;

// RFC 9260 3.3.1, worked by hand: an unfragmented message "hi\n" on stream 5, SSN 0x1234,
// PPID 51, TSN 2431437204 (0x90ECC994). Length = 16 + 3 = 19; one byte of padding.
const std::vector<uint8_t> kHandDataChunk = bytes({
    0x00, 0x03, 0x00, 0x13,  // type 0, flags B|E, length 19
    0x90, 0xEC, 0xC9, 0x94,  // TSN
    0x00, 0x05, 0x12, 0x34,  // stream 5, SSN 0x1234
    0x00, 0x00, 0x00, 0x33,  // PPID 51
    0x68, 0x69, 0x0A, 0x00,  // "hi\n" + padding
});

TEST(DataChunk, EncodesAsTheRfcFigure) {
  const auto payload = bytes({'h', 'i', '\n'});
  DataChunk chunk;
  chunk.tsn = Tsn(2431437204u);
  chunk.stream_id = StreamId(5);
  chunk.ssn = Ssn(0x1234);
  chunk.ppid = Ppid(51);
  chunk.data_flags.beginning = true;
  chunk.data_flags.ending = true;
  chunk.user_data = payload;
  const BuiltPacket built = build(chunk);
  EXPECT_TRUE(same(built.chunk_bytes(), kHandDataChunk));
}

TEST(DataChunk, DecodesTheRfcFigure) {
  const RawInput input{kHandDataChunk};
  auto parsed = input.parse();
  ASSERT_TRUE(parsed.ok());
  const auto& chunk = std::get<DataChunk>(*parsed);
  EXPECT_EQ(chunk.tsn, Tsn(2431437204u));
  EXPECT_EQ(chunk.stream_id, StreamId(5));
  EXPECT_EQ(chunk.ssn, Ssn(0x1234));
  EXPECT_EQ(chunk.ppid, Ppid(51));
  EXPECT_EQ(chunk.data_flags, (DataFlags{false, true, true, false}));
  EXPECT_TRUE(chunk.data_flags.whole_message());
  EXPECT_TRUE(same(chunk.user_data, bytes({'h', 'i', '\n'})));
  // Zero copy: the user data views the input buffer.
  EXPECT_EQ(chunk.user_data.data(), input.data.data() + 16);
}

TEST(DataChunk, RoundTripsEveryFieldAndFlag) {
  const std::vector<uint8_t> payload(1001, 0x5C);
  for (uint8_t bits = 0; bits < 16; ++bits) {
    SCOPED_TRACE(::testing::Message() << "flags " << int{bits});
    DataChunk chunk{Tsn(0xFFFFFFFFu), StreamId(0xFFFE), Ssn(65535), Ppid(0xDEADBEEF), DataFlags::from_bits(bits),
                    payload};
    EXPECT_EQ(chunk.flags(), bits);
    BuiltPacket built;
    const DataChunk back = round_trip(chunk, built);
    EXPECT_EQ(back.tsn, chunk.tsn);
    EXPECT_EQ(back.stream_id, chunk.stream_id);
    EXPECT_EQ(back.ssn, chunk.ssn);
    EXPECT_EQ(back.ppid, chunk.ppid);
    EXPECT_EQ(back.data_flags, chunk.data_flags);
    EXPECT_TRUE(same(back.user_data, payload));
  }
}

TEST(DataChunk, NamedFlagBits) {
  EXPECT_EQ((DataFlags{true, false, false, false}.bits()), 0x04);  // U
  EXPECT_EQ((DataFlags{false, true, false, false}.bits()), 0x02);  // B
  EXPECT_EQ((DataFlags{false, false, true, false}.bits()), 0x01);  // E
  EXPECT_EQ((DataFlags{false, false, false, true}.bits()), 0x08);  // I (RFC 7053)
}

TEST(DataChunk, IgnoresReservedFlagBits) {
  // RFC 9260 3.3.1: Res bits are ignored on receipt.
  const RawInput input = chunk_with_value(0, 0xF0 | kDataFlagUnordered, std::vector<uint8_t>(13, 1));
  auto parsed = input.parse();
  ASSERT_TRUE(parsed.ok());
  const auto& chunk = std::get<DataChunk>(*parsed);
  EXPECT_EQ(chunk.data_flags, (DataFlags{true, false, false, false}));
  EXPECT_EQ(chunk.flags(), kDataFlagUnordered);
}

TEST(DataChunk, EmptyUserDataParsesForTheEngineToAbort) {
  // RFC 9260 6.2: Length 16 gets an ABORT with "No User Data"; the parser must let it through.
  const RawInput input = chunk_with_value(0, 3, std::vector<uint8_t>(12, 0));
  auto parsed = input.parse();
  ASSERT_TRUE(parsed.ok());
  EXPECT_TRUE(std::get<DataChunk>(*parsed).user_data.empty());
}

TEST(DataChunk, FixedPartTruncatedAtEachBoundary) { expect_truncated_below(0, DataChunk::kFixedSize, 3); }

TEST(DataChunk, AcceptsAMissingFinalPad) {
  // RFC 9260 3.2: accept the chunk whether or not the final padding is there.
  std::vector<uint8_t> unpadded(kHandDataChunk.begin(), kHandDataChunk.end() - 1);
  const RawInput input = RawInput{unpadded};
  auto parsed = input.parse();
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(std::get<DataChunk>(*parsed).user_data.size(), 3u);
}

// RFC 8260 2.1 by hand: I-DATA, first fragment (B set) so the last fixed field is the PPID.
const std::vector<uint8_t> kHandIDataFirst = bytes({
    0x40, 0x0A, 0x00, 0x16,  // type 64, flags I|B, length 20 + 2 = 22
    0x00, 0x00, 0x00, 0x07,  // TSN 7
    0x00, 0x02, 0x00, 0x00,  // stream 2, reserved
    0x00, 0x01, 0x00, 0x00,  // MID 65536
    0x00, 0x00, 0x00, 0x35,  // PPID 53
    0xAA, 0xBB, 0x00, 0x00,  // data + padding
});

TEST(IDataChunk, FirstFragmentCarriesThePpid) {
  const RawInput input = RawInput{kHandIDataFirst};
  auto parsed = input.parse();
  ASSERT_TRUE(parsed.ok());
  const auto& chunk = std::get<IDataChunk>(*parsed);
  EXPECT_EQ(chunk.tsn, Tsn(7));
  EXPECT_EQ(chunk.stream_id, StreamId(2));
  EXPECT_EQ(chunk.mid, Mid(65536));
  EXPECT_EQ(chunk.ppid, Ppid(53));
  EXPECT_EQ(chunk.fsn, Fsn(0));
  EXPECT_EQ(chunk.data_flags, (DataFlags{false, true, false, true}));
  EXPECT_TRUE(same(chunk.user_data, bytes({0xAA, 0xBB})));

  const auto payload = bytes({0xAA, 0xBB});
  IDataChunk built_chunk{Tsn(7), StreamId(2), Mid(65536), Ppid(53), Fsn(99), DataFlags{false, true, false, true},
                         payload};
  // The FSN is not sent in a first fragment: the field holds the PPID.
  EXPECT_TRUE(same(build(built_chunk).chunk_bytes(), kHandIDataFirst));
}

TEST(IDataChunk, LaterFragmentsCarryTheFsn) {
  const std::vector<uint8_t> payload(5, 0x11);
  IDataChunk chunk{Tsn(0x80000000u), StreamId(9), Mid(0xFFFFFFFFu), Ppid(1234), Fsn(42),
                   DataFlags{true, false, true, false}, payload};
  BuiltPacket built;
  const IDataChunk back = round_trip(chunk, built);
  EXPECT_EQ(load_u32(built.chunk_bytes(), 16), 42u);  // the PPID/FSN field
  EXPECT_EQ(back.tsn, chunk.tsn);
  EXPECT_EQ(back.stream_id, chunk.stream_id);
  EXPECT_EQ(back.mid, chunk.mid);
  EXPECT_EQ(back.fsn, Fsn(42));
  EXPECT_EQ(back.ppid, Ppid(0));
  EXPECT_EQ(back.data_flags, chunk.data_flags);
  EXPECT_TRUE(same(back.user_data, payload));
}

TEST(IDataChunk, IgnoresTheReservedField) {
  auto input = kHandIDataFirst;
  input[10] = 0xFF;
  input[11] = 0xFF;
  const RawInput raw_input{input};
  auto parsed = raw_input.parse();
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(std::get<IDataChunk>(*parsed).stream_id, StreamId(2));
  EXPECT_EQ(std::get<IDataChunk>(*parsed).mid, Mid(65536));
}

TEST(IDataChunk, FixedPartTruncatedAtEachBoundary) { expect_truncated_below(64, IDataChunk::kFixedSize, 3); }

}  // namespace
}  // namespace sctpkit::wire
