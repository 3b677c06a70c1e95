// Path and association control: HEARTBEAT (RFC 9260 3.3.5), HEARTBEAT ACK (3.3.6), ABORT (3.3.7),
// SHUTDOWN (3.3.8), SHUTDOWN ACK (3.3.9), ERROR (3.3.10), SHUTDOWN COMPLETE (3.3.13), and the ECN
// chunks ECNE and CWR (types reserved by RFC 9260 3.2; layout from RFC 4960 appendix A).
//
// Parsed chunks view the packet buffer; for building, the Bytes fields point into the caller's data.
// parse() trusts the caller to have dispatched on the chunk type; it checks only the lengths.
//
// TLV lists (`parameters`, `causes`) are kept raw and walked with TlvReader (wire/tlv.h); parse()
// does not require a list to be non-empty or well formed, since the engine walks it anyway and
// answers per the RFC. RFC 9260 3.2: the chunk length counts the padding of every parameter or
// cause but the last, so a list given for building must NOT carry the last item's padding;
// value_size() counts exactly what write_value() writes and PacketBuilder pads the chunk.
#pragma once

#include <cstdint>
#include <optional>

#include "wire/byte_io.h"
#include "wire/chunk_types.h"
#include "wire/packet.h"
#include "wire/result.h"
#include "wire/types.h"

namespace sctpkit::wire {

// RFC 9260 3.3.7 / 3.3.13: T bit. Set when the sender reflected the peer's own Verification Tag
// (it had no TCB) instead of filling in the tag the peer expects.
constexpr uint8_t kFlagTagReflected = 0x01;

// RFC 9260 3.3.5: one Heartbeat Info parameter (type 1), opaque to the receiver.
struct HeartbeatChunk {
  static constexpr uint8_t kType = to_u8(ChunkType::Heartbeat);
  Bytes parameters;

  [[nodiscard]] uint8_t flags() const { return 0; }
  [[nodiscard]] size_t value_size() const { return parameters.size(); }
  void write_value(Writer& w) const { w.bytes(parameters); }
  static Result<HeartbeatChunk> parse(const RawChunk& raw) { return HeartbeatChunk{raw.value}; }
};

// RFC 9260 3.3.6: the Heartbeat Info parameter copied from the HEARTBEAT.
struct HeartbeatAckChunk {
  static constexpr uint8_t kType = to_u8(ChunkType::HeartbeatAck);
  Bytes parameters;

  [[nodiscard]] uint8_t flags() const { return 0; }
  [[nodiscard]] size_t value_size() const { return parameters.size(); }
  void write_value(Writer& w) const { w.bytes(parameters); }
  static Result<HeartbeatAckChunk> parse(const RawChunk& raw) { return HeartbeatAckChunk{raw.value}; }
};

// RFC 9260 3.3.7: zero or more error causes.
struct AbortChunk {
  static constexpr uint8_t kType = to_u8(ChunkType::Abort);
  bool tag_reflected = false;  // T bit
  Bytes causes;

  [[nodiscard]] uint8_t flags() const { return tag_reflected ? kFlagTagReflected : 0; }
  [[nodiscard]] size_t value_size() const { return causes.size(); }
  void write_value(Writer& w) const { w.bytes(causes); }
  static Result<AbortChunk> parse(const RawChunk& raw) {
    return AbortChunk{(raw.flags & kFlagTagReflected) != 0, raw.value};
  }
};

// RFC 9260 3.3.8: Length = 8, the Cumulative TSN Ack. Shorter is FieldTruncated, longer BadLength.
struct ShutdownChunk {
  static constexpr uint8_t kType = to_u8(ChunkType::Shutdown);
  static constexpr size_t kFixedSize = 4;
  Tsn cumulative_tsn_ack;

  [[nodiscard]] uint8_t flags() const { return 0; }
  [[nodiscard]] size_t value_size() const { return kFixedSize; }
  void write_value(Writer& w) const { w.u32(cumulative_tsn_ack.value()); }
  static Result<ShutdownChunk> parse(const RawChunk& raw);
};

// RFC 9260 3.3.9: Length = 4; anything longer is BadLength.
struct ShutdownAckChunk {
  static constexpr uint8_t kType = to_u8(ChunkType::ShutdownAck);

  [[nodiscard]] uint8_t flags() const { return 0; }
  [[nodiscard]] size_t value_size() const { return 0; }
  void write_value(Writer&) const {}
  static Result<ShutdownAckChunk> parse(const RawChunk& raw);
};

// RFC 9260 3.3.10: one or more error causes (an empty list parses; the engine ignores it).
struct ErrorChunk {
  static constexpr uint8_t kType = to_u8(ChunkType::Error);
  Bytes causes;

  [[nodiscard]] uint8_t flags() const { return 0; }
  [[nodiscard]] size_t value_size() const { return causes.size(); }
  void write_value(Writer& w) const { w.bytes(causes); }
  static Result<ErrorChunk> parse(const RawChunk& raw) { return ErrorChunk{raw.value}; }
};

// RFC 9260 3.3.13: Length = 4, T bit as in ABORT; anything longer is BadLength.
struct ShutdownCompleteChunk {
  static constexpr uint8_t kType = to_u8(ChunkType::ShutdownComplete);
  bool tag_reflected = false;  // T bit

  [[nodiscard]] uint8_t flags() const { return tag_reflected ? kFlagTagReflected : 0; }
  [[nodiscard]] size_t value_size() const { return 0; }
  void write_value(Writer&) const {}
  static Result<ShutdownCompleteChunk> parse(const RawChunk& raw);
};

// ECN Echo. RFC 4960 appendix A: Length = 8, the Lowest TSN Number of the packet marked CE.
// draft-stewart-tsvwg-sctpecn extends it to Length = 12 with the number of CE-marked packets since
// the last CWR (FreeBSD and usrsctp send and accept both). Other lengths: FieldTruncated when
// shorter than 8, BadLength otherwise.
struct EcneChunk {
  static constexpr uint8_t kType = to_u8(ChunkType::Ecne);
  Tsn lowest_tsn;
  std::optional<uint32_t> packets_since_cwr;

  [[nodiscard]] uint8_t flags() const { return 0; }
  [[nodiscard]] size_t value_size() const { return packets_since_cwr ? 8 : 4; }
  void write_value(Writer& w) const {
    w.u32(lowest_tsn.value());
    if (packets_since_cwr) w.u32(*packets_since_cwr);
  }
  static Result<EcneChunk> parse(const RawChunk& raw);
};

// Congestion Window Reduced. RFC 4960 appendix A: Length = 8, the Lowest TSN Number (the one from
// the ECNE being answered). draft-stewart-tsvwg-sctpecn gives the flags meaning; they are kept as
// received rather than interpreted.
struct CwrChunk {
  static constexpr uint8_t kType = to_u8(ChunkType::Cwr);
  static constexpr size_t kFixedSize = 4;
  uint8_t flag_bits = 0;
  Tsn lowest_tsn;

  [[nodiscard]] uint8_t flags() const { return flag_bits; }
  [[nodiscard]] size_t value_size() const { return kFixedSize; }
  void write_value(Writer& w) const { w.u32(lowest_tsn.value()); }
  static Result<CwrChunk> parse(const RawChunk& raw);
};

}  // namespace sctpkit::wire
