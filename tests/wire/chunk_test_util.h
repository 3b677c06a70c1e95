// Helpers shared by the chunk tests: round trips through PacketBuilder / PacketView / parse_chunk,
// and hand-made chunk bytes for the malformed cases.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <vector>

#include "bytes_test_util.h"
#include "wire/chunk.h"
#include "wire/packet.h"

namespace sctpkit::wire::chunk_test {

using wire::testing::bytes;
using wire::testing::same;

// A packet holding one chunk, built into `storage`, which keeps the parsed views alive.
struct BuiltPacket {
  std::vector<uint8_t> storage = std::vector<uint8_t>(70000);
  Bytes packet;
  // The chunk bytes exactly as built (header, value, padding).
  [[nodiscard]] Bytes chunk_bytes() const { return packet.subspan(kCommonHeaderSize); }
};

template <typename T>
BuiltPacket build(const T& chunk) {
  BuiltPacket out;
  PacketBuilder builder(out.storage, out.storage.size(), {1, 2, VerificationTag(3), 0});
  EXPECT_TRUE(builder.add(chunk));
  out.packet = builder.finish();
  return out;
}

// The one chunk of a built packet, back through PacketView and parse_chunk.
inline Result<Chunk> parse_single(const BuiltPacket& built) {
  auto view = PacketView::parse(built.packet);
  EXPECT_TRUE(view.ok());
  if (!view.ok()) return view.error();
  EXPECT_EQ(view->chunk_count(), 1u);
  return parse_chunk(*view->begin());
}

// Builds, checks the header's length field against value_size() and the padding, parses back, and
// returns the parsed alternative (or fails the test).
template <typename T>
T round_trip(const T& chunk, BuiltPacket& built) {
  built = build(chunk);
  const Bytes c = built.chunk_bytes();
  EXPECT_EQ(c.size(), padded4(kChunkHeaderSize + chunk.value_size()));
  EXPECT_EQ(c[0], T::kType);
  EXPECT_EQ(c[1], chunk.flags());
  EXPECT_EQ(load_u16(c, 2), kChunkHeaderSize + chunk.value_size());
  for (size_t i = kChunkHeaderSize + chunk.value_size(); i < c.size(); ++i) EXPECT_EQ(c[i], 0) << "padding";
  auto parsed = parse_single(built);
  EXPECT_TRUE(parsed.ok()) << (parsed.ok() ? "" : to_string(parsed.error()));
  if (!parsed.ok() || !std::holds_alternative<T>(*parsed)) {
    ADD_FAILURE() << "did not parse back as the same chunk type";
    return T{};
  }
  return std::get<T>(*parsed);
}

// Parses hand-written chunk bytes (header included; the length field is taken as written, so the
// buffer may carry padding or not) through ChunkReader and parse_chunk.
// Parsed chunks view `data`, so parse() needs a RawInput that outlives the result.
struct RawInput {
  std::vector<uint8_t> data;
  Result<Chunk> parse() && = delete;
  Result<Chunk> parse() const& {
    ChunkReader reader(data);
    auto raw = reader.next();
    EXPECT_TRUE(raw.has_value());
    if (!raw) return ParseError::ChunkTooShort;
    EXPECT_TRUE(raw->ok());
    if (!raw->ok()) return raw->error();
    return parse_chunk(**raw);
  }
};

// A chunk of `type` and `flags` whose value is `value`, with a correct length field and padding.
inline RawInput chunk_with_value(uint8_t type, uint8_t flags, const std::vector<uint8_t>& value) {
  RawInput in;
  const size_t length = kChunkHeaderSize + value.size();
  in.data.assign(padded4(length), 0);
  in.data[0] = type;
  in.data[1] = flags;
  store_u16(in.data, 2, static_cast<uint16_t>(length));
  std::copy(value.begin(), value.end(), in.data.begin() + kChunkHeaderSize);
  return in;
}

inline void expect_error(const RawInput& input, ParseError expected) {
  const Result<Chunk> result = input.parse();
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error(), expected) << to_string(result.error());
}

// Every value shorter than `fixed_size` bytes is FieldTruncated (each boundary, including 0).
inline void expect_truncated_below(uint8_t type, size_t fixed_size, uint8_t flags = 0) {
  for (size_t n = 0; n < fixed_size; ++n) {
    SCOPED_TRACE(::testing::Message() << "value size " << n);
    expect_error(chunk_with_value(type, flags, std::vector<uint8_t>(n, 0xAB)), ParseError::FieldTruncated);
  }
}

}  // namespace sctpkit::wire::chunk_test
