// A list of fixed-size items inside a chunk, parameter or cause: SACK gap blocks and duplicate
// TSNs, FORWARD-TSN entries, Supported Extensions, stream numbers of a reset request, HMAC ids...
//
// It is a view, of wire bytes after parsing (decoded one item at a time on access, so parsing
// allocates nothing) or of the caller's values for building (which must outlive the list and
// whatever is built from it). Item layouts come from WireItem<T>: built in for unsigned integers
// and the strong types of wire/types.h; structs (GapAckBlock, ...) specialise it next to their
// definition.
#pragma once

#include <cassert>
#include <cstddef>
#include <cstdint>
#include <iterator>
#include <span>
#include <type_traits>

#include "wire/byte_io.h"
#include "wire/result.h"
#include "wire/types.h"

namespace sctpkit::wire {

template <typename T>
struct WireItem;

namespace detail {
template <typename Rep>
Rep load_be(Bytes at) {
  if constexpr (sizeof(Rep) == 1) {
    return static_cast<Rep>(at[0]);
  } else if constexpr (sizeof(Rep) == 2) {
    return static_cast<Rep>(load_u16(at, 0));
  } else {
    return static_cast<Rep>(load_u32(at, 0));
  }
}
template <typename Rep>
void store_be(Writer& w, Rep v) {
  if constexpr (sizeof(Rep) == 1) {
    w.u8(static_cast<uint8_t>(v));
  } else if constexpr (sizeof(Rep) == 2) {
    w.u16(static_cast<uint16_t>(v));
  } else {
    w.u32(static_cast<uint32_t>(v));
  }
}
}  // namespace detail

template <typename T>
  requires std::is_unsigned_v<T> && (sizeof(T) == 1 || sizeof(T) == 2 || sizeof(T) == 4)
struct WireItem<T> {
  static constexpr size_t kSize = sizeof(T);
  static T decode(Bytes at) { return detail::load_be<T>(at); }
  static void encode(Writer& w, T v) { detail::store_be<T>(w, v); }
};

// Strong ids and serial numbers (StreamId, Tsn, ...): their rep on the wire.
template <typename T>
  requires requires { typename T::rep; }
struct WireItem<T> {
  using Rep = typename T::rep;
  static constexpr size_t kSize = sizeof(Rep);
  static T decode(Bytes at) { return T(detail::load_be<Rep>(at)); }
  static void encode(Writer& w, T v) { detail::store_be<Rep>(w, v.value()); }
};

template <typename T>
class WireList {
  using Item = WireItem<T>;

 public:
  static constexpr size_t kItemSize = Item::kSize;

  WireList() = default;
  // For building: the caller's items.
  WireList(std::span<const T> items) : items_(items), size_(items.size()) {}  // NOLINT: implicit by design
  // Arrays, std::array and std::vector of items, viewed (not copied): keep them alive (a temporary
  // std::vector passed here dangles at the end of the full expression).
  template <typename Container>
    requires(std::is_convertible_v<const Container&, std::span<const T>> &&
             !std::is_same_v<std::remove_cvref_t<Container>, WireList>)
  WireList(const Container& items) : WireList(std::span<const T>(items)) {}  // NOLINT: implicit by design
  static WireList of(std::span<const T> items) { return WireList(items); }

  // For parsing, when the caller has already checked that `bytes` holds whole items.
  static WireList from_wire(Bytes bytes) {
    assert(bytes.size() % kItemSize == 0);
    WireList list;
    list.wire_ = bytes;
    list.size_ = bytes.size() / kItemSize;
    list.from_wire_ = true;
    return list;
  }
  // For parsing unchecked bytes: BadLength unless they are whole items.
  static Result<WireList> parse(Bytes bytes) {
    if (bytes.size() % kItemSize != 0) return ParseError::BadLength;
    return from_wire(bytes);
  }

  [[nodiscard]] size_t size() const { return size_; }
  [[nodiscard]] bool empty() const { return size_ == 0; }
  [[nodiscard]] size_t wire_size() const { return size_ * kItemSize; }
  [[nodiscard]] size_t byte_size() const { return wire_size(); }

  T operator[](size_t i) const {
    assert(i < size_);
    return from_wire_ ? Item::decode(wire_.subspan(i * kItemSize, kItemSize)) : items_[i];
  }

  [[nodiscard]] bool contains(T value) const {
    for (size_t i = 0; i < size_; ++i) {
      if ((*this)[i] == value) return true;
    }
    return false;
  }

  void write(Writer& w) const {
    if (from_wire_) {
      w.bytes(wire_);
      return;
    }
    for (const T& item : items_) Item::encode(w, item);
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
  [[nodiscard]] Iterator end() const { return Iterator(this, size_); }

  // Item by item, whichever side each list came from.
  friend bool operator==(const WireList& a, const WireList& b) {
    if (a.size_ != b.size_) return false;
    for (size_t i = 0; i < a.size_; ++i) {
      if (!(a[i] == b[i])) return false;
    }
    return true;
  }

 private:
  Bytes wire_;
  std::span<const T> items_;
  size_t size_ = 0;
  bool from_wire_ = false;
};

static_assert(std::forward_iterator<WireList<Tsn>::Iterator>);

}  // namespace sctpkit::wire
