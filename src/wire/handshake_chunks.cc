#include "wire/handshake_chunks.h"

namespace sctpkit::wire {
namespace {

template <typename T>
Result<T> parse_init_fields(const RawChunk& raw) {
  const Bytes v = raw.value;
  if (v.size() < InitFields::kFixedSize) return ParseError::FieldTruncated;
  T chunk;
  chunk.initiate_tag = VerificationTag(load_u32(v, 0));
  chunk.a_rwnd = load_u32(v, 4);
  chunk.outbound_streams = load_u16(v, 8);
  chunk.inbound_streams = load_u16(v, 10);
  chunk.initial_tsn = Tsn(load_u32(v, 12));
  chunk.parameters = v.subspan(InitFields::kFixedSize);
  return chunk;
}

}  // namespace

void InitFields::write_value(Writer& w) const {
  w.u32(initiate_tag.value());
  w.u32(a_rwnd);
  w.u16(outbound_streams);
  w.u16(inbound_streams);
  w.u32(initial_tsn.value());
  w.bytes(parameters);
}

Result<InitChunk> InitChunk::parse(const RawChunk& raw) { return parse_init_fields<InitChunk>(raw); }

Result<InitAckChunk> InitAckChunk::parse(const RawChunk& raw) { return parse_init_fields<InitAckChunk>(raw); }

Result<CookieEchoChunk> CookieEchoChunk::parse(const RawChunk& raw) { return CookieEchoChunk{raw.value}; }

Result<CookieAckChunk> CookieAckChunk::parse(const RawChunk& raw) {
  // RFC 9260 3.3.12: Length = 4.
  if (!raw.value.empty()) return ParseError::BadLength;
  return CookieAckChunk{};
}

}  // namespace sctpkit::wire
