// Association setup: INIT (RFC 9260 3.3.2), INIT ACK (3.3.3), COOKIE ECHO (3.3.11), COOKIE ACK (3.3.12).
//
// Parsed chunks view the packet buffer; for building, the Bytes fields point into the caller's data.
// parse() trusts the caller to have dispatched on the chunk type; it checks only the lengths.
#pragma once

#include <cstdint>

#include "wire/byte_io.h"
#include "wire/chunk_types.h"
#include "wire/packet.h"
#include "wire/result.h"
#include "wire/types.h"

namespace sctpkit::wire {

// The fixed part shared by INIT and INIT ACK, then the optional/variable-length parameters.
//
// `parameters` is the raw parameter list, walkable with TlvReader (wire/tlv.h). RFC 9260 3.2: the
// chunk length counts the padding of every parameter but the last, so when building, `parameters`
// must be the encoded list WITHOUT the last parameter's padding; value_size() counts exactly the
// bytes write_value() writes, and PacketBuilder pads the chunk. A parsed list is already in that
// form (it ends where the chunk length ends).
//
// The values RFC 9260 5.1 / 3.3.2 forbid (Initiate Tag 0, zero inbound or outbound streams) parse:
// they are protocol errors the engine answers with an ABORT, not malformed encodings.
struct InitFields {
  static constexpr size_t kFixedSize = 16;

  VerificationTag initiate_tag;
  uint32_t a_rwnd = 0;
  uint16_t outbound_streams = 0;
  uint16_t inbound_streams = 0;
  Tsn initial_tsn;
  Bytes parameters;

  [[nodiscard]] uint8_t flags() const { return 0; }  // RFC 9260 3.3.2: reserved
  [[nodiscard]] size_t value_size() const { return kFixedSize + parameters.size(); }
  void write_value(Writer& w) const;
};

struct InitChunk : InitFields {
  static constexpr uint8_t kType = to_u8(ChunkType::Init);
  static Result<InitChunk> parse(const RawChunk& raw);
};

// RFC 9260 3.3.3: same layout as INIT; the State Cookie parameter is mandatory, which the engine
// checks when it walks `parameters`.
struct InitAckChunk : InitFields {
  static constexpr uint8_t kType = to_u8(ChunkType::InitAck);
  static Result<InitAckChunk> parse(const RawChunk& raw);
};

// RFC 9260 3.3.11: the State Cookie exactly as received in the INIT ACK; any length, even zero
// (an empty cookie fails cookie validation in the engine, not here).
struct CookieEchoChunk {
  static constexpr uint8_t kType = to_u8(ChunkType::CookieEcho);
  Bytes cookie;

  [[nodiscard]] uint8_t flags() const { return 0; }
  [[nodiscard]] size_t value_size() const { return cookie.size(); }
  void write_value(Writer& w) const { w.bytes(cookie); }
  static Result<CookieEchoChunk> parse(const RawChunk& raw);
};

// RFC 9260 3.3.12: no value; the length is fixed at 4.
struct CookieAckChunk {
  static constexpr uint8_t kType = to_u8(ChunkType::CookieAck);

  [[nodiscard]] uint8_t flags() const { return 0; }
  [[nodiscard]] size_t value_size() const { return 0; }
  void write_value(Writer&) const {}
  static Result<CookieAckChunk> parse(const RawChunk& raw);
};

}  // namespace sctpkit::wire
