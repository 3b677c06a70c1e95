// Encoding a list of parameters or error causes into a caller's buffer, for the chunk builders.
//
// PADDING CONTRACT (RFC 9260 3.2): inside a chunk every parameter is padded to a multiple of 4,
// and the chunk length counts that padding for every parameter except the last one; the last
// parameter's padding is the chunk's own padding, which the chunk length does not count and which
// PacketBuilder adds. So `TlvListBuilder::bytes()` returns the list WITH the padding of every item
// but the last and WITHOUT the last item's padding. A chunk builder appends those bytes right
// after its fixed fields, counts them in its value_size(), and lets PacketBuilder pad the chunk.
// (RFC 9260 3.3.10 says the same of error causes in ERROR and ABORT chunks.)
#pragma once

#include <cstddef>
#include <cstdint>
#include <variant>

#include "wire/byte_io.h"
#include "wire/parameter_fields.h"
#include "wire/tlv.h"

namespace sctpkit::wire {

// Header plus value, without padding: what the Length field says.
template <typename P>
size_t tlv_length(const P& p) {
  return kTlvHeaderSize + p.value_size();
}

// Writes one typed TLV: header, value, padding. Returns the bytes written including padding.
// The caller checks the room first (or uses TlvListBuilder, which does).
template <typename P>
size_t write_typed_tlv(Writer& w, const P& p) {
  const size_t start = w.position();
  w.u16(tlv_type_of(p));
  w.u16(static_cast<uint16_t>(tlv_length(p)));
  p.write_value(w);
  w.pad4_from(start);
  return w.position() - start;
}

class TlvListBuilder {
 public:
  explicit TlvListBuilder(MutableBytes buffer) : writer_(buffer), capacity_(buffer.size()) {}

  // Appends a typed parameter or cause, or a std::variant of them (Parameter, ErrorCause).
  // Returns false, appending nothing, when it does not fit with its padding or when its length
  // would not fit the 16-bit Length field.
  template <typename P>
  bool add(const P& p) {
    if constexpr (requires { std::variant_size<P>::value; }) {
      return std::visit([this](const auto& item) { return add(item); }, p);
    } else {
      const size_t length = tlv_length(p);
      if (!fits(length)) return false;
      last_length_ = length;
      write_typed_tlv(writer_, p);
      ++count_;
      return true;
    }
  }

  // Appends an already-encoded TLV (header and value, padding optional), as when echoing a
  // received parameter in an Unrecognized Parameters cause. The length field is not rewritten:
  // `whole` must be exactly what its own length field says (RawTlv::whole is).
  bool add_encoded(Bytes whole) {
    if (whole.size() < kTlvHeaderSize || load_u16(whole, 2) != whole.size()) return false;
    if (!fits(whole.size())) return false;
    const size_t start = writer_.position();
    writer_.bytes(whole);
    writer_.pad4_from(start);
    last_length_ = whole.size();
    ++count_;
    return true;
  }

  // The list as a chunk carries it: every item padded but the last (see the contract above).
  [[nodiscard]] Bytes bytes() const {
    const MutableBytes all = writer_.written();
    return Bytes(all.data(), all.size() - (padded4(last_length_) - last_length_));
  }
  // The list with the last item's padding too, for callers that place something after it.
  [[nodiscard]] Bytes padded_bytes() const {
    const MutableBytes all = writer_.written();
    return Bytes(all.data(), all.size());
  }
  [[nodiscard]] size_t count() const { return count_; }
  [[nodiscard]] bool empty() const { return count_ == 0; }
  [[nodiscard]] size_t remaining() const { return capacity_ - writer_.position(); }

 private:
  [[nodiscard]] bool fits(size_t length) const {
    return length <= 0xFFFF && padded4(length) <= remaining();
  }

  Writer writer_;
  size_t capacity_;
  size_t last_length_ = 0;
  size_t count_ = 0;
};

}  // namespace sctpkit::wire
