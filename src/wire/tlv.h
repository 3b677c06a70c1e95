// Walking the type-length-value lists inside chunks: parameters (RFC 9260 3.2.1) and error causes
// (RFC 9260 3.3.10) share one layout: 16-bit type, 16-bit length including the 4-byte header,
// value, zero padding to a multiple of 4 that the length does not count.
#pragma once

#include <cstdint>
#include <optional>

#include "wire/byte_io.h"
#include "wire/result.h"

namespace sctpkit::wire {

constexpr size_t kTlvHeaderSize = 4;

struct RawTlv {
  uint16_t type = 0;
  uint16_t length = 0;  // as on the wire: header plus value, no padding
  Bytes value;          // the value alone, without header or padding
  Bytes whole;          // header plus value, without padding (what an Unrecognized Parameter echoes)
};

// Yields one TLV per next(). After an error it yields nothing more, so a caller can print what came
// before a malformed item and then the error, as tcpdump does.
class TlvReader {
 public:
  explicit TlvReader(Bytes data) : rest_(data) {}

  // nullopt at the clean end of the list.
  std::optional<Result<RawTlv>> next() {
    if (failed_ || rest_.empty()) return std::nullopt;
    if (rest_.size() < kTlvHeaderSize) return fail(ParseError::ParamTooShort);
    const uint16_t length = load_u16(rest_, 2);
    if (length < kTlvHeaderSize) return fail(ParseError::ParamLengthUnder4);
    if (length > rest_.size()) return fail(ParseError::ParamLengthPastEnd);
    RawTlv tlv{load_u16(rest_, 0), length, rest_.subspan(kTlvHeaderSize, length - kTlvHeaderSize),
               rest_.first(length)};
    const size_t padded = padded4(length);
    // RFC 9260 3.2: the last parameter of a chunk may come without its padding (the chunk length
    // does not count it); a partial pad in front of another item means the lengths disagree.
    if (padded > rest_.size()) {
      rest_ = {};
    } else {
      rest_ = rest_.subspan(padded);
    }
    return Result<RawTlv>(tlv);
  }

  // Bytes not yet consumed.
  [[nodiscard]] Bytes rest() const { return rest_; }

 private:
  std::optional<Result<RawTlv>> fail(ParseError error) {
    failed_ = true;
    return Result<RawTlv>(error);
  }

  Bytes rest_;
  bool failed_ = false;
};

// Writes one TLV: header, value, padding. Returns bytes written including padding.
inline size_t write_tlv(Writer& w, uint16_t type, Bytes value) {
  const size_t start = w.position();
  w.u16(type);
  w.u16(static_cast<uint16_t>(kTlvHeaderSize + value.size()));
  w.bytes(value);
  w.pad4_from(start);
  return w.position() - start;
}

}  // namespace sctpkit::wire
