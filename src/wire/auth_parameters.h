// RFC 4895 (Authenticated Chunks) parameters, carried in INIT and INIT ACK. Conventions as in
// wire/parameters.h.
#pragma once

#include <cstdint>

#include "wire/parameter_fields.h"

namespace sctpkit::wire {

// RFC 4895 3.1: Random (0x8002). Parsing takes any size: RFC 4895 6.1 has an endpoint abort
// with a Protocol Violation when the number is not 32 bytes, which is the engine's decision to
// make and report, not a malformed parameter.
struct RandomParameter {
  static constexpr uint16_t kType = 0x8002;
  static constexpr size_t kRequiredSize = 32;  // RFC 4895 6.1
  Bytes random;
  static Result<RandomParameter> parse(const RawTlv& tlv);
  [[nodiscard]] size_t value_size() const { return random.size(); }
  void write_value(Writer& w) const { w.bytes(random); }
};

// RFC 4895 3.2: Chunk List (0x8003): the chunk types the sender requires to be authenticated,
// one byte each.
struct ChunkListParameter {
  static constexpr uint16_t kType = 0x8003;
  WireList<uint8_t> chunk_types;
  static Result<ChunkListParameter> parse(const RawTlv& tlv);
  [[nodiscard]] size_t value_size() const { return chunk_types.byte_size(); }
  void write_value(Writer& w) const { chunk_types.write(w); }
  bool operator==(const ChunkListParameter&) const = default;
};

// RFC 4895 3.3: Requested HMAC Algorithm (0x8004): 16-bit HMAC identifiers in order of
// preference. Half an identifier is BadLength.
struct RequestedHmacAlgorithms {
  static constexpr uint16_t kType = 0x8004;
  // RFC 4895 3.3 / IANA: 1 is HMAC-SHA-1, 3 is HMAC-SHA-256 (0 and 2 are reserved).
  static constexpr uint16_t kHmacSha1 = 1;
  static constexpr uint16_t kHmacSha256 = 3;
  WireList<uint16_t> hmac_ids;
  static Result<RequestedHmacAlgorithms> parse(const RawTlv& tlv);
  [[nodiscard]] size_t value_size() const { return hmac_ids.byte_size(); }
  void write_value(Writer& w) const { hmac_ids.write(w); }
  bool operator==(const RequestedHmacAlgorithms&) const = default;
};

}  // namespace sctpkit::wire
