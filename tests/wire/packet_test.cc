#include "wire/packet.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <vector>

#include "wire/tlv.h"

namespace sctpkit::wire {
namespace packet_test {

struct CookieAck {
  static constexpr uint8_t kType = 11;
  uint8_t flags() const { return 0; }
  size_t value_size() const { return 0; }
  void write_value(Writer&) const {}
};

struct Opaque {  // a chunk with an odd-sized value, to exercise padding
  static constexpr uint8_t kType = 0x7F;
  std::vector<uint8_t> data;
  uint8_t flags() const { return 0x5A; }
  size_t value_size() const { return data.size(); }
  void write_value(Writer& w) const { w.bytes(data); }
};

std::vector<uint8_t> bytes(std::initializer_list<int> list) {
  std::vector<uint8_t> out;
  for (int b : list) out.push_back(static_cast<uint8_t>(b));
  return out;
}

TEST(PacketBuilder, WritesHeaderPadsChunksAndChecksum) {
  std::array<uint8_t, 64> buffer{};
  PacketBuilder builder(buffer, buffer.size(), {5000, 30102, VerificationTag(0x01020304), 0});
  ASSERT_TRUE(builder.add(Opaque{{1, 2, 3, 4, 5}}));
  ASSERT_TRUE(builder.add(CookieAck{}));
  auto packet = builder.finish();
  ASSERT_EQ(packet.size(), 12u + 12u + 4u);  // 4 + 5 value = 9, padded to 12
  EXPECT_EQ(load_u16(packet, 0), 5000);
  EXPECT_EQ(load_u16(packet, 2), 30102);
  EXPECT_EQ(load_u32(packet, 4), 0x01020304u);
  EXPECT_EQ(load_u16(packet, 14), 9);                    // length excludes padding
  EXPECT_EQ(packet[20], 5);
  EXPECT_EQ(packet[21], 0);                              // zero padding
  EXPECT_TRUE(verify_checksum(packet));

  auto view = PacketView::parse(packet);
  ASSERT_TRUE(view.ok());
  EXPECT_EQ(view->chunk_count(), 2u);
  std::vector<uint8_t> types;
  for (const RawChunk& c : *view) types.push_back(c.type);
  EXPECT_EQ(types, (std::vector<uint8_t>{0x7F, 11}));
  EXPECT_EQ(view->begin()->flags, 0x5A);
  EXPECT_EQ(view->begin()->value.size(), 5u);
}

// finish() runs one CRC pass over the packet as written, which is the checksum only while the
// field holds zeros (RFC 9260 6.8): a second finish() must not fold the first one's value in.
TEST(PacketBuilder, FinishingTwiceGivesTheSameChecksum) {
  std::array<uint8_t, 64> buffer{};
  PacketBuilder builder(buffer, buffer.size(), {5000, 30102, VerificationTag(0x01020304), 0});
  ASSERT_TRUE(builder.add(Opaque{{1, 2, 3, 4, 5}}));
  const auto once = builder.finish();
  const std::vector<uint8_t> first(once.begin(), once.end());
  const auto twice = builder.finish();
  EXPECT_TRUE(std::equal(twice.begin(), twice.end(), first.begin(), first.end()));
  EXPECT_TRUE(verify_checksum(twice));
}

TEST(PacketBuilder, StopsAtTheSizeLimit) {
  std::array<uint8_t, 256> buffer{};
  PacketBuilder builder(buffer, 12 + 16, {1, 2, VerificationTag(3), 0});
  EXPECT_TRUE(builder.add(Opaque{std::vector<uint8_t>(12, 7)}));
  EXPECT_FALSE(builder.add(CookieAck{}));
  EXPECT_EQ(builder.chunk_count(), 1u);
  EXPECT_EQ(builder.size(), 28u);
}

TEST(PacketBuilder, ReserveChunkWritesHeaderAndPaddingAndHandsOutExactlyTheValue) {
  std::array<uint8_t, 64> buffer;
  buffer.fill(0xEE);  // every byte the builder leaves alone stays 0xEE
  PacketBuilder builder(buffer, buffer.size(), {1, 2, VerificationTag(3), 0});
  auto value = builder.reserve_chunk(0x7F, 0x5A, 5);
  ASSERT_TRUE(value.has_value());
  ASSERT_EQ(value->size(), 5u);
  EXPECT_EQ(value->data(), buffer.data() + 12 + 4);
  for (size_t i = 0; i < value->size(); ++i) (*value)[i] = static_cast<uint8_t>(i + 1);
  EXPECT_EQ(builder.size(), 12u + 12u);  // 4 + 5, padded to 12
  EXPECT_EQ(builder.chunk_count(), 1u);
  ASSERT_TRUE(builder.add(CookieAck{}));
  auto packet = builder.finish();
  ASSERT_EQ(packet.size(), 28u);
  EXPECT_EQ(buffer[28], 0xEE);  // nothing written past the packet
  // The same bytes add() writes for the same chunk.
  std::array<uint8_t, 64> expected_buffer{};
  PacketBuilder expected(expected_buffer, expected_buffer.size(), {1, 2, VerificationTag(3), 0});
  ASSERT_TRUE(expected.add(Opaque{{1, 2, 3, 4, 5}}));
  ASSERT_TRUE(expected.add(CookieAck{}));
  const auto want = expected.finish();
  EXPECT_EQ(std::vector<uint8_t>(packet.begin(), packet.end()), std::vector<uint8_t>(want.begin(), want.end()));
}

TEST(PacketBuilder, ReserveChunkRespectsTheLimitAndTheBuffer) {
  std::array<uint8_t, 256> buffer{};
  PacketBuilder builder(buffer, 12 + 16, {1, 2, VerificationTag(3), 0});
  EXPECT_FALSE(builder.reserve_chunk(0x7F, 0, 13).has_value());  // 4 + 13 padded is 20 > 16
  EXPECT_EQ(builder.size(), 12u);
  EXPECT_EQ(builder.chunk_count(), 0u);
  auto value = builder.reserve_chunk(0x7F, 0, 12);  // exactly fills the limit
  ASSERT_TRUE(value.has_value());
  EXPECT_EQ(value->size(), 12u);
  EXPECT_FALSE(builder.reserve_chunk(11, 0, 0).has_value());
  EXPECT_EQ(builder.size(), 28u);
  EXPECT_EQ(builder.chunk_count(), 1u);

  // A limit above the buffer's size is capped at the buffer.
  std::array<uint8_t, 20> small{};
  PacketBuilder capped(small, 1000, {1, 2, VerificationTag(3), 0});
  EXPECT_FALSE(capped.reserve_chunk(0x7F, 0, 5).has_value());
  EXPECT_TRUE(capped.reserve_chunk(0x7F, 0, 4).has_value());
}

TEST(Writer, TakeHandsOutTheNextBytesOrOverflows) {
  std::array<uint8_t, 8> buffer{};
  Writer w(buffer);
  w.u16(0x0102);
  const MutableBytes taken = w.take(4);
  ASSERT_EQ(taken.size(), 4u);
  EXPECT_EQ(taken.data(), buffer.data() + 2);
  EXPECT_EQ(w.position(), 6u);
  EXPECT_TRUE(w.take(3).empty());
  EXPECT_TRUE(w.overflowed());
  EXPECT_EQ(w.position(), 6u);
}

TEST(PacketBuilder, CorruptedByteFailsChecksum) {
  std::array<uint8_t, 64> buffer{};
  PacketBuilder builder(buffer, buffer.size(), {1, 2, VerificationTag(3), 0});
  ASSERT_TRUE(builder.add(CookieAck{}));
  auto packet = builder.finish();
  packet[13] ^= 0x01;
  EXPECT_FALSE(verify_checksum(packet));
}

TEST(PacketView, RejectsMalformedChains) {
  const auto header = bytes({0, 1, 0, 2, 0, 0, 0, 3, 0, 0, 0, 0});
  auto with = [&](std::initializer_list<int> tail) {
    auto p = header;
    auto t = bytes(tail);
    p.insert(p.end(), t.begin(), t.end());
    return p;
  };
  EXPECT_EQ(PacketView::parse(bytes({0, 1, 0, 2})).error(), ParseError::PacketTooShort);
  EXPECT_EQ(PacketView::parse(with({11, 0, 0})).error(), ParseError::ChunkTooShort);
  EXPECT_EQ(PacketView::parse(with({11, 0, 0, 3})).error(), ParseError::ChunkLengthUnder4);
  EXPECT_EQ(PacketView::parse(with({0, 3, 0, 20, 1, 2, 3, 4})).error(), ParseError::ChunkLengthPastEnd);
  // A 5-byte chunk whose padding is cut off part way: neither padded nor cleanly unpadded.
  EXPECT_EQ(PacketView::parse(with({0x7F, 0, 0, 5, 9, 0})).error(), ParseError::BadPadding);
  // Padding that swallows part of the next chunk's header leaves a fragment too short for one.
  EXPECT_EQ(PacketView::parse(with({0x7F, 0, 0, 5, 9, 0, 11, 0, 0, 4})).error(), ParseError::ChunkTooShort);
  // RFC 9260 3.2: the last chunk may come without its padding.
  auto ok = PacketView::parse(with({0x7F, 0, 0, 5, 9}));
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(ok->chunk_count(), 1u);
  // A header alone is a packet with no chunks.
  EXPECT_EQ(PacketView::parse(header)->chunk_count(), 0u);
}

TEST(TlvReader, WalksParametersAndStopsAtTheFirstBadOne) {
  const auto list = bytes({0, 5, 0, 8, 10, 0, 0, 1,   // IPv4 address
                           0x80, 0, 0, 5, 0xAA, 0, 0, 0,  // odd length, padded
                           0, 9, 0, 2});                // length under 4
  TlvReader reader(list);
  auto first = reader.next();
  ASSERT_TRUE(first && first->ok());
  EXPECT_EQ((*first)->type, 5);
  EXPECT_EQ((*first)->value.size(), 4u);
  auto second = reader.next();
  ASSERT_TRUE(second && second->ok());
  EXPECT_EQ((*second)->type, 0x8000);
  EXPECT_EQ((*second)->value.size(), 1u);
  EXPECT_EQ((*second)->whole.size(), 5u);
  auto third = reader.next();
  ASSERT_TRUE(third);
  EXPECT_EQ(third->error(), ParseError::ParamLengthUnder4);
  EXPECT_FALSE(reader.next());
}

TEST(TlvReader, ReportsTruncatedHeadersAndOverlongLengths) {
  const auto short_bytes = bytes({0, 5, 0});
  TlvReader short_header(short_bytes);
  EXPECT_EQ(short_header.next()->error(), ParseError::ParamTooShort);
  const auto long_bytes = bytes({0, 5, 0, 12, 1, 2, 3, 4});
  TlvReader past_end(long_bytes);
  EXPECT_EQ(past_end.next()->error(), ParseError::ParamLengthPastEnd);
}

}  // namespace packet_test
}  // namespace sctpkit::wire
