#include "wire/data_chunks.h"

namespace sctpkit::wire {

void DataChunk::write_value(Writer& w) const {
  w.u32(tsn.value());
  w.u16(stream_id.value());
  w.u16(ssn.value());
  w.u32(ppid.value());
  w.bytes(user_data);
}

void IDataChunk::write_value(Writer& w) const {
  w.u32(tsn.value());
  w.u16(stream_id.value());
  w.u16(0);  // RFC 8260 2.1: reserved, "MUST be set to 0 by the sender"
  w.u32(mid.value());
  w.u32(data_flags.beginning ? ppid.value() : fsn.value());
  w.bytes(user_data);
}

Result<IDataChunk> IDataChunk::parse(const RawChunk& raw) {
  const Bytes v = raw.value;
  if (v.size() < kFixedSize) return ParseError::FieldTruncated;
  IDataChunk chunk;
  chunk.tsn = Tsn(load_u32(v, 0));
  chunk.stream_id = StreamId(load_u16(v, 4));
  // RFC 8260 2.1: the reserved field at offset 6 is ignored by the receiver.
  chunk.mid = Mid(load_u32(v, 8));
  chunk.data_flags = DataFlags::from_bits(raw.flags);
  if (chunk.data_flags.beginning) {
    chunk.ppid = Ppid(load_u32(v, 12));
  } else {
    chunk.fsn = Fsn(load_u32(v, 12));
  }
  chunk.user_data = v.subspan(kFixedSize);
  return chunk;
}

}  // namespace sctpkit::wire
