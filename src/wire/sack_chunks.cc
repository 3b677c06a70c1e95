#include "wire/sack_chunks.h"

#include <cassert>
#include <limits>

namespace sctpkit::wire {
namespace {

[[maybe_unused]] constexpr size_t kMaxCount = std::numeric_limits<uint16_t>::max();

// Splits `rest` into lists of the given counts; the counts come from the peer and are checked
// against the bytes before any item is read.
Result<Bytes> take_items(Bytes& rest, size_t count, size_t item_size) {
  const size_t bytes = count * item_size;
  if (bytes > rest.size()) return ParseError::FieldTruncated;
  Bytes taken = rest.first(bytes);
  rest = rest.subspan(bytes);
  return taken;
}

}  // namespace

void SackChunk::write_value(Writer& w) const {
  assert(gap_ack_blocks.size() <= kMaxCount && duplicate_tsns.size() <= kMaxCount);
  w.u32(cumulative_tsn_ack.value());
  w.u32(a_rwnd);
  w.u16(static_cast<uint16_t>(gap_ack_blocks.size()));
  w.u16(static_cast<uint16_t>(duplicate_tsns.size()));
  gap_ack_blocks.write(w);
  duplicate_tsns.write(w);
}

Result<SackChunk> SackChunk::parse(const RawChunk& raw) {
  const Bytes v = raw.value;
  if (v.size() < kFixedSize) return ParseError::FieldTruncated;
  SackChunk chunk;
  chunk.cumulative_tsn_ack = Tsn(load_u32(v, 0));
  chunk.a_rwnd = load_u32(v, 4);
  Bytes rest = v.subspan(kFixedSize);
  auto gaps = take_items(rest, load_u16(v, 8), WireItem<GapAckBlock>::kSize);
  if (!gaps) return gaps.error();
  auto dups = take_items(rest, load_u16(v, 10), WireItem<Tsn>::kSize);
  if (!dups) return dups.error();
  if (!rest.empty()) return ParseError::BadLength;
  chunk.gap_ack_blocks = WireList<GapAckBlock>::from_wire(*gaps);
  chunk.duplicate_tsns = WireList<Tsn>::from_wire(*dups);
  return chunk;
}

void NrSackChunk::write_value(Writer& w) const {
  assert(gap_ack_blocks.size() <= kMaxCount && nr_gap_ack_blocks.size() <= kMaxCount &&
         duplicate_tsns.size() <= kMaxCount);
  w.u32(cumulative_tsn_ack.value());
  w.u32(a_rwnd);
  w.u16(static_cast<uint16_t>(gap_ack_blocks.size()));
  w.u16(static_cast<uint16_t>(nr_gap_ack_blocks.size()));
  w.u16(static_cast<uint16_t>(duplicate_tsns.size()));
  w.u16(0);  // reserved
  gap_ack_blocks.write(w);
  nr_gap_ack_blocks.write(w);
  duplicate_tsns.write(w);
}

Result<NrSackChunk> NrSackChunk::parse(const RawChunk& raw) {
  const Bytes v = raw.value;
  if (v.size() < kFixedSize) return ParseError::FieldTruncated;
  NrSackChunk chunk;
  chunk.flag_bits = raw.flags;
  chunk.cumulative_tsn_ack = Tsn(load_u32(v, 0));
  chunk.a_rwnd = load_u32(v, 4);
  Bytes rest = v.subspan(kFixedSize);
  auto gaps = take_items(rest, load_u16(v, 8), WireItem<GapAckBlock>::kSize);
  if (!gaps) return gaps.error();
  auto nr_gaps = take_items(rest, load_u16(v, 10), WireItem<GapAckBlock>::kSize);
  if (!nr_gaps) return nr_gaps.error();
  auto dups = take_items(rest, load_u16(v, 12), WireItem<Tsn>::kSize);
  if (!dups) return dups.error();
  if (!rest.empty()) return ParseError::BadLength;
  chunk.gap_ack_blocks = WireList<GapAckBlock>::from_wire(*gaps);
  chunk.nr_gap_ack_blocks = WireList<GapAckBlock>::from_wire(*nr_gaps);
  chunk.duplicate_tsns = WireList<Tsn>::from_wire(*dups);
  return chunk;
}

}  // namespace sctpkit::wire
