// Extension chunks: AUTH (RFC 4895 4.1), ASCONF and ASCONF-ACK (RFC 5061 3.1), RE-CONFIG (RFC 6525
// 3.1), PAD (RFC 4820 3), FORWARD-TSN (RFC 3758 3.2) and I-FORWARD-TSN (RFC 8260 2.3).
//
// Parsed chunks view the packet buffer; for building, Bytes fields and WireList spans point into the
// caller's data, which must outlive the chunk. parse() trusts the caller to have dispatched on the
// chunk type; it checks only the lengths.
//
// TLV lists (`parameters`) are kept raw and walked with TlvReader (wire/tlv.h). RFC 9260 3.2: the
// chunk length counts the padding of every parameter but the last, so a list given for building
// must NOT carry the last parameter's padding; value_size() counts exactly what write_value()
// writes and PacketBuilder pads the chunk.
#pragma once

#include <cstdint>

#include "wire/byte_io.h"
#include "wire/wire_list.h"
#include "wire/chunk_types.h"
#include "wire/packet.h"
#include "wire/result.h"
#include "wire/types.h"

namespace sctpkit::wire {

// RFC 4895 4.1: Shared Key Identifier, HMAC Identifier, HMAC. The HMAC is computed over the packet
// with this field zeroed, so `hmac` being a view into the packet tells the engine where it is.
struct AuthChunk {
  static constexpr uint8_t kType = to_u8(ChunkType::Auth);
  static constexpr size_t kFixedSize = 4;
  uint16_t shared_key_id = 0;
  uint16_t hmac_id = 0;
  Bytes hmac;

  [[nodiscard]] uint8_t flags() const { return 0; }
  [[nodiscard]] size_t value_size() const { return kFixedSize + hmac.size(); }
  void write_value(Writer& w) const;
  static Result<AuthChunk> parse(const RawChunk& raw);
};

// RFC 5061 3.1.1: Sequence Number, one Address Parameter (IPv4 or IPv6, mandatory), then zero or
// more ASCONF parameters. `address_parameter` is that whole TLV (header and value, no padding);
// `parameters` the list after it. For building, write_value() pads the address parameter when
// parameters follow it. Parse errors: FieldTruncated without the sequence number or without an
// address parameter; the TlvReader error if the address parameter's own length is malformed.
struct AsconfChunk {
  static constexpr uint8_t kType = to_u8(ChunkType::Asconf);
  static constexpr size_t kFixedSize = 4;
  AsconfSerial serial_number;
  Bytes address_parameter;
  Bytes parameters;

  [[nodiscard]] uint8_t flags() const { return 0; }
  [[nodiscard]] size_t value_size() const {
    return kFixedSize + (parameters.empty() ? address_parameter.size()
                                            : padded4(address_parameter.size()) + parameters.size());
  }
  void write_value(Writer& w) const;
  static Result<AsconfChunk> parse(const RawChunk& raw);
};

// RFC 5061 3.1.2: Sequence Number, then zero or more ASCONF parameter responses.
struct AsconfAckChunk {
  static constexpr uint8_t kType = to_u8(ChunkType::AsconfAck);
  static constexpr size_t kFixedSize = 4;
  AsconfSerial serial_number;
  Bytes parameters;

  [[nodiscard]] uint8_t flags() const { return 0; }
  [[nodiscard]] size_t value_size() const { return kFixedSize + parameters.size(); }
  void write_value(Writer& w) const;
  static Result<AsconfAckChunk> parse(const RawChunk& raw);
};

// RFC 6525 3.1: one or two re-configuration parameters (the count is the engine's to check).
struct ReconfigChunk {
  static constexpr uint8_t kType = to_u8(ChunkType::ReConfig);
  Bytes parameters;

  [[nodiscard]] uint8_t flags() const { return 0; }
  [[nodiscard]] size_t value_size() const { return parameters.size(); }
  void write_value(Writer& w) const { w.bytes(parameters); }
  static Result<ReconfigChunk> parse(const RawChunk& raw) { return ReconfigChunk{raw.value}; }
};

// RFC 4820 3: padding data, ignored by the receiver; any length.
struct PadChunk {
  static constexpr uint8_t kType = to_u8(ChunkType::Pad);
  Bytes padding;

  [[nodiscard]] uint8_t flags() const { return 0; }
  [[nodiscard]] size_t value_size() const { return padding.size(); }
  void write_value(Writer& w) const { w.bytes(padding); }
  static Result<PadChunk> parse(const RawChunk& raw) { return PadChunk{raw.value}; }
};

// RFC 3758 3.2: a stream whose messages up to `ssn` are skipped (ordered streams only).
struct ForwardTsnStream {
  StreamId stream_id;
  Ssn ssn;
  constexpr bool operator==(const ForwardTsnStream&) const = default;
};

template <>
struct WireItem<ForwardTsnStream> {
  static constexpr size_t kSize = 4;
  static ForwardTsnStream decode(Bytes at) { return {StreamId(load_u16(at, 0)), Ssn(load_u16(at, 2))}; }
  static void encode(Writer& w, ForwardTsnStream s) {
    w.u16(s.stream_id.value());
    w.u16(s.ssn.value());
  }
};

// RFC 3758 3.2: New Cumulative TSN, then 4-byte stream entries. FieldTruncated without the TSN;
// BadLength if the entries are not a whole number of 4-byte items.
struct ForwardTsnChunk {
  static constexpr uint8_t kType = to_u8(ChunkType::ForwardTsn);
  static constexpr size_t kFixedSize = 4;
  Tsn new_cumulative_tsn;
  WireList<ForwardTsnStream> streams;

  [[nodiscard]] uint8_t flags() const { return 0; }
  [[nodiscard]] size_t value_size() const { return kFixedSize + streams.wire_size(); }
  void write_value(Writer& w) const;
  static Result<ForwardTsnChunk> parse(const RawChunk& raw);
};

// RFC 8260 2.3: a stream (ordered or unordered side) whose messages up to `mid` are skipped.
struct IForwardTsnStream {
  StreamId stream_id;
  bool unordered = false;  // U bit
  Mid mid;
  constexpr bool operator==(const IForwardTsnStream&) const = default;
};

template <>
struct WireItem<IForwardTsnStream> {
  static constexpr size_t kSize = 8;
  static constexpr uint16_t kUnorderedBit = 0x0001;
  // RFC 8260 2.3: 15 reserved bits then U; reserved bits are ignored on receipt and sent as zero.
  static IForwardTsnStream decode(Bytes at) {
    return {StreamId(load_u16(at, 0)), (load_u16(at, 2) & kUnorderedBit) != 0, Mid(load_u32(at, 4))};
  }
  static void encode(Writer& w, IForwardTsnStream s) {
    w.u16(s.stream_id.value());
    w.u16(s.unordered ? kUnorderedBit : 0);
    w.u32(s.mid.value());
  }
};

// RFC 8260 2.3: New Cumulative TSN, then 8-byte stream entries. FieldTruncated without the TSN;
// BadLength if the entries are not a whole number of 8-byte items.
struct IForwardTsnChunk {
  static constexpr uint8_t kType = to_u8(ChunkType::IForwardTsn);
  static constexpr size_t kFixedSize = 4;
  Tsn new_cumulative_tsn;
  WireList<IForwardTsnStream> streams;

  [[nodiscard]] uint8_t flags() const { return 0; }
  [[nodiscard]] size_t value_size() const { return kFixedSize + streams.wire_size(); }
  void write_value(Writer& w) const;
  static Result<IForwardTsnChunk> parse(const RawChunk& raw);
};

}  // namespace sctpkit::wire
