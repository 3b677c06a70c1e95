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

namespace sctpkit::wire {

namespace detail {
template <typename T>
struct WireRep {
  using type = T;
  static constexpr T to_rep(T v) { return v; }
};
template <typename T>
  requires requires { typename T::rep; }
struct WireRep<T> {
  using type = typename T::rep;
  static constexpr type to_rep(T v) { return v.value(); }
};
}  // namespace detail

// A list of fixed-size big-endian items inside a parameter or cause (Supported Address Types,
// Supported Extensions, stream numbers of a reset request, HMAC identifiers, ...). It is either a
// view of wire bytes (after parsing) or a view of the caller's values (for building); either way
// it owns nothing, and reading it decodes one item at a time, so parsing allocates nothing.
// T is an unsigned integer of 1, 2 or 4 bytes, or a strong id of wire/types.h over one.
template <typename T>
class WireList {
  using Traits = detail::WireRep<T>;
  using Rep = typename Traits::type;
  static_assert(std::is_unsigned_v<Rep> && (sizeof(Rep) == 1 || sizeof(Rep) == 2 || sizeof(Rep) == 4));

 public:
  static constexpr size_t kItemSize = sizeof(Rep);

  WireList() = default;

  // Wire bytes whose size must be a whole number of items.
  static Result<WireList> from_wire(Bytes bytes) {
    if (bytes.size() % kItemSize != 0) return ParseError::BadLength;
    WireList list;
    list.wire_ = bytes;
    return list;
  }
  // The caller's values, which must outlive the list (and whatever is built from it).
  static WireList of(std::span<const T> values) {
    WireList list;
    list.host_ = values;
    list.from_host_ = true;
    return list;
  }

  [[nodiscard]] size_t size() const { return from_host_ ? host_.size() : wire_.size() / kItemSize; }
  [[nodiscard]] bool empty() const { return size() == 0; }
  [[nodiscard]] size_t byte_size() const { return size() * kItemSize; }

  [[nodiscard]] T operator[](size_t i) const {
    if (from_host_) return host_[i];
    const size_t offset = i * kItemSize;
    if constexpr (kItemSize == 1) {
      return T(static_cast<Rep>(wire_[offset]));
    } else if constexpr (kItemSize == 2) {
      return T(static_cast<Rep>(load_u16(wire_, offset)));
    } else {
      return T(static_cast<Rep>(load_u32(wire_, offset)));
    }
  }

  [[nodiscard]] bool contains(T value) const {
    for (size_t i = 0; i < size(); ++i) {
      if ((*this)[i] == value) return true;
    }
    return false;
  }

  void write(Writer& w) const {
    for (size_t i = 0; i < size(); ++i) {
      const Rep v = Traits::to_rep((*this)[i]);
      if constexpr (kItemSize == 1) {
        w.u8(v);
      } else if constexpr (kItemSize == 2) {
        w.u16(v);
      } else {
        w.u32(v);
      }
    }
  }

  class Iterator {
   public:
    using value_type = T;
    using difference_type = std::ptrdiff_t;
    Iterator() = default;
    Iterator(const WireList* list, size_t index) : list_(list), index_(index) {}
    T operator*() const { return (*list_)[index_]; }
    Iterator& operator++() {
      ++index_;
      return *this;
    }
    Iterator operator++(int) {
      Iterator copy = *this;
      ++index_;
      return copy;
    }
    bool operator==(const Iterator& other) const { return index_ == other.index_; }

   private:
    const WireList* list_ = nullptr;
    size_t index_ = 0;
  };
  [[nodiscard]] Iterator begin() const { return Iterator(this, 0); }
  [[nodiscard]] Iterator end() const { return Iterator(this, size()); }

  // Equal when the items are, whatever each side views.
  friend bool operator==(const WireList& a, const WireList& b) {
    if (a.size() != b.size()) return false;
    for (size_t i = 0; i < a.size(); ++i) {
      if (!(a[i] == b[i])) return false;
    }
    return true;
  }

 private:
  Bytes wire_;
  std::span<const T> host_;
  bool from_host_ = false;
};

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
