#include "wire/extension_chunks.h"

#include "wire/tlv.h"

namespace sctpkit::wire {
namespace {

// A fixed 4-byte field then whole items of WireItem<T>::kSize bytes.
template <typename T>
Result<WireList<T>> parse_items(Bytes items) {
  if (items.size() % WireItem<T>::kSize != 0) return ParseError::BadLength;
  return WireList<T>::from_wire(items);
}

}  // namespace

void AuthChunk::write_value(Writer& w) const {
  w.u16(shared_key_id);
  w.u16(hmac_id);
  w.bytes(hmac);
}

Result<AuthChunk> AuthChunk::parse(const RawChunk& raw) {
  const Bytes v = raw.value;
  if (v.size() < kFixedSize) return ParseError::FieldTruncated;
  return AuthChunk{load_u16(v, 0), load_u16(v, 2), v.subspan(kFixedSize)};
}

void AsconfChunk::write_value(Writer& w) const {
  w.u32(serial_number.value());
  const size_t start = w.position();
  w.bytes(address_parameter);
  if (!parameters.empty()) {
    // RFC 9260 3.2: padding of every parameter but the last counts in the chunk.
    w.pad4_from(start);
    w.bytes(parameters);
  }
}

Result<AsconfChunk> AsconfChunk::parse(const RawChunk& raw) {
  const Bytes v = raw.value;
  if (v.size() < kFixedSize) return ParseError::FieldTruncated;
  TlvReader reader(v.subspan(kFixedSize));
  auto address = reader.next();
  // RFC 5061 3.1.1: the Address Parameter is mandatory.
  if (!address) return ParseError::FieldTruncated;
  if (!*address) return address->error();
  return AsconfChunk{AsconfSerial(load_u32(v, 0)), (*address)->whole, reader.rest()};
}

void AsconfAckChunk::write_value(Writer& w) const {
  w.u32(serial_number.value());
  w.bytes(parameters);
}

Result<AsconfAckChunk> AsconfAckChunk::parse(const RawChunk& raw) {
  const Bytes v = raw.value;
  if (v.size() < kFixedSize) return ParseError::FieldTruncated;
  return AsconfAckChunk{AsconfSerial(load_u32(v, 0)), v.subspan(kFixedSize)};
}

void ForwardTsnChunk::write_value(Writer& w) const {
  w.u32(new_cumulative_tsn.value());
  streams.write(w);
}

Result<ForwardTsnChunk> ForwardTsnChunk::parse(const RawChunk& raw) {
  const Bytes v = raw.value;
  if (v.size() < kFixedSize) return ParseError::FieldTruncated;
  auto streams = parse_items<ForwardTsnStream>(v.subspan(kFixedSize));
  if (!streams) return streams.error();
  return ForwardTsnChunk{Tsn(load_u32(v, 0)), *streams};
}

void IForwardTsnChunk::write_value(Writer& w) const {
  w.u32(new_cumulative_tsn.value());
  streams.write(w);
}

Result<IForwardTsnChunk> IForwardTsnChunk::parse(const RawChunk& raw) {
  const Bytes v = raw.value;
  if (v.size() < kFixedSize) return ParseError::FieldTruncated;
  auto streams = parse_items<IForwardTsnStream>(v.subspan(kFixedSize));
  if (!streams) return streams.error();
  return IForwardTsnChunk{Tsn(load_u32(v, 0)), *streams};
}

}  // namespace sctpkit::wire
