#include "wire/control_chunks.h"

namespace sctpkit::wire {
namespace {

// For chunks whose length the RFC fixes: too short to hold the fields, or more than the fields.
ParseError exact_size_error(Bytes value, size_t expected) {
  return value.size() < expected ? ParseError::FieldTruncated : ParseError::BadLength;
}

}  // namespace

Result<ShutdownChunk> ShutdownChunk::parse(const RawChunk& raw) {
  // RFC 9260 3.3.8: Length = 8.
  if (raw.value.size() != kFixedSize) return exact_size_error(raw.value, kFixedSize);
  return ShutdownChunk{Tsn(load_u32(raw.value, 0))};
}

Result<ShutdownAckChunk> ShutdownAckChunk::parse(const RawChunk& raw) {
  // RFC 9260 3.3.9: Length = 4.
  if (!raw.value.empty()) return ParseError::BadLength;
  return ShutdownAckChunk{};
}

Result<ShutdownCompleteChunk> ShutdownCompleteChunk::parse(const RawChunk& raw) {
  // RFC 9260 3.3.13: Length = 4.
  if (!raw.value.empty()) return ParseError::BadLength;
  return ShutdownCompleteChunk{(raw.flags & kFlagTagReflected) != 0};
}

Result<EcneChunk> EcneChunk::parse(const RawChunk& raw) {
  const Bytes v = raw.value;
  if (v.size() != 4 && v.size() != 8) return exact_size_error(v, 4);
  EcneChunk chunk;
  chunk.lowest_tsn = Tsn(load_u32(v, 0));
  if (v.size() == 8) chunk.packets_since_cwr = load_u32(v, 4);
  return chunk;
}

Result<CwrChunk> CwrChunk::parse(const RawChunk& raw) {
  if (raw.value.size() != kFixedSize) return exact_size_error(raw.value, kFixedSize);
  return CwrChunk{raw.flags, Tsn(load_u32(raw.value, 0))};
}

}  // namespace sctpkit::wire
