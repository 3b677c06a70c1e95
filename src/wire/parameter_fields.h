// Building blocks shared by the typed parameters (RFC 9260 3.2.1) and error causes (3.3.10):
// decoding views over lists of big-endian numbers, and the length checks every parser repeats.
//
// Every typed parameter or cause X provides:
//   static constexpr uint16_t kType;          // parameter type or cause code
//   static Result<X> parse(const RawTlv&);     // checks lengths, keeps variable parts as views
//   size_t value_size() const;                 // value bytes, without header or padding
//   void write_value(Writer&) const;           // exactly value_size() bytes
// UnknownParameter and UnknownCause carry their type or code as a field instead of kType.
#pragma once

#include <cstddef>
#include <cstdint>
#include <iterator>
#include <span>
#include <type_traits>

#include "wire/byte_io.h"
#include "wire/result.h"
#include "wire/tlv.h"
#include "wire/types.h"
#include "wire/wire_list.h"

namespace sctpkit::wire {


// The type (or cause code) of a typed TLV: its kType, or for UnknownParameter / UnknownCause the
// one it carries.
template <typename P>
constexpr uint16_t tlv_type_of(const P& p) {
  if constexpr (requires { P::kType; }) {
    (void)p;
    return P::kType;
  } else if constexpr (requires { p.type; }) {
    return p.type;
  } else {
    return p.code;
  }
}

// A value whose size the type fixes (IPv4 Address: 4, Cookie Preservative: 4, ...).
inline bool has_exact_value(const RawTlv& tlv, size_t size) { return tlv.value.size() == size; }

// The parameters and causes that carry nothing: the length must be exactly the 4-byte header.
template <uint16_t Type>
struct EmptyTlv {
  static constexpr uint16_t kType = Type;
  static Result<EmptyTlv> parse(const RawTlv& tlv) {
    if (!tlv.value.empty()) return ParseError::BadLength;
    return EmptyTlv{};
  }
  [[nodiscard]] size_t value_size() const { return 0; }
  void write_value(Writer&) const {}
  bool operator==(const EmptyTlv&) const = default;
};

}  // namespace sctpkit::wire
