// User data chunks: DATA (RFC 9260 3.3.1) and I-DATA (RFC 8260 2.1).
//
// Parsed chunks view the packet: `user_data` points into the buffer given to PacketView::parse, so
// it lives only as long as that buffer. For building, `user_data` points into the caller's data.
// parse() trusts the caller to have dispatched on the chunk type; it checks only the lengths.
#pragma once

#include <cstdint>

#include "wire/byte_io.h"
#include "wire/chunk_types.h"
#include "wire/packet.h"
#include "wire/result.h"
#include "wire/types.h"

namespace sctpkit::wire {

// Flag bits shared by DATA and I-DATA (RFC 9260 3.3.1, RFC 8260 2.1, RFC 7053 for I).
constexpr uint8_t kDataFlagEnding = 0x01;      // E: last fragment of a message
constexpr uint8_t kDataFlagBeginning = 0x02;   // B: first fragment of a message
constexpr uint8_t kDataFlagUnordered = 0x04;   // U: unordered; SSN (DATA) or MID order is ignored
constexpr uint8_t kDataFlagImmediate = 0x08;   // I: ask the peer to SACK without delay (RFC 7053)

// The flag bits as named booleans; the reserved bits are dropped on parse and sent as zero
// (RFC 9260 3.3.1: "All set to 0 on transmit and ignored on receipt"). Prefer designated
// initializers ({.beginning = true, .ending = true}) to positional ones.
struct DataFlags {
  bool unordered = false;
  bool beginning = false;
  bool ending = false;
  bool immediate = false;

  [[nodiscard]] constexpr uint8_t bits() const {
    return static_cast<uint8_t>((ending ? kDataFlagEnding : 0) | (beginning ? kDataFlagBeginning : 0) |
                                (unordered ? kDataFlagUnordered : 0) | (immediate ? kDataFlagImmediate : 0));
  }
  static constexpr DataFlags from_bits(uint8_t bits) {
    return {(bits & kDataFlagUnordered) != 0, (bits & kDataFlagBeginning) != 0, (bits & kDataFlagEnding) != 0,
            (bits & kDataFlagImmediate) != 0};
  }
  // RFC 9260 3.3.1: B and E both set is an unfragmented message.
  [[nodiscard]] constexpr bool whole_message() const { return beginning && ending; }
  constexpr bool operator==(const DataFlags&) const = default;
};

// RFC 9260 3.3.1: TSN, stream id, SSN, PPID, user data.
//
// A DATA chunk without user data (Length 16) parses: RFC 9260 6.2 has the receiver answer it with
// an ABORT carrying "No User Data", which the engine can only do if it sees the chunk.
struct DataChunk {
  static constexpr uint8_t kType = to_u8(ChunkType::Data);
  static constexpr size_t kFixedSize = 12;  // value bytes before the user data

  Tsn tsn;
  StreamId stream_id;
  Ssn ssn;
  Ppid ppid;
  DataFlags data_flags;
  Bytes user_data;

  [[nodiscard]] uint8_t flags() const { return data_flags.bits(); }
  [[nodiscard]] size_t value_size() const { return kFixedSize + user_data.size(); }
  void write_value(Writer& w) const;
  // Inline: one per message received, and its caller then reads the fields straight from the
  // registers (out of line it cost ~40 instructions per DATA chunk, the Result copied around).
  static Result<DataChunk> parse(const RawChunk& raw) {
    const Bytes v = raw.value;
    if (v.size() < kFixedSize) return ParseError::FieldTruncated;
    DataChunk chunk;
    chunk.tsn = Tsn(load_u32(v, 0));
    chunk.stream_id = StreamId(load_u16(v, 4));
    chunk.ssn = Ssn(load_u16(v, 6));
    chunk.ppid = Ppid(load_u32(v, 8));
    chunk.data_flags = DataFlags::from_bits(raw.flags);
    chunk.user_data = v.subspan(kFixedSize);
    return chunk;
  }
};

// RFC 8260 2.1: TSN, stream id, reserved, MID, then PPID in the first fragment (B set) or the
// Fragment Sequence Number in every later one; the FSN of the first fragment is implicitly 0.
// `ppid` is meaningful when data_flags.beginning is set, `fsn` otherwise; write_value() sends the one
// the B flag selects, and parse() fills it and leaves the other at zero.
struct IDataChunk {
  static constexpr uint8_t kType = to_u8(ChunkType::IData);
  static constexpr size_t kFixedSize = 16;

  Tsn tsn;
  StreamId stream_id;
  Mid mid;
  Ppid ppid;
  Fsn fsn;
  DataFlags data_flags;
  Bytes user_data;

  [[nodiscard]] uint8_t flags() const { return data_flags.bits(); }
  [[nodiscard]] size_t value_size() const { return kFixedSize + user_data.size(); }
  void write_value(Writer& w) const;
  static Result<IDataChunk> parse(const RawChunk& raw);
};

}  // namespace sctpkit::wire
