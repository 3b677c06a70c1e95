// Lists of fixed-size items inside chunks (SACK gap ack blocks and duplicate TSNs, FORWARD-TSN stream
// entries, ...). The wire order is big-endian, so a parsed list cannot be a span of structs; a
// WireList decodes items from the packet bytes on access instead. The same type also wraps a
// caller's span of items for building, so a parsed chunk can be re-sent and a built one inspected.
#pragma once

#include <cassert>
#include <cstddef>
#include <cstdint>
#include <iterator>
#include <span>
#include <type_traits>

#include "wire/byte_io.h"
#include "wire/types.h"

namespace sctpkit::wire {

// How one item is laid out on the wire. Specialised next to each item type:
//   static constexpr size_t kSize;
//   static T decode(Bytes at);            // at.size() >= kSize
//   static void encode(Writer&, const T&);
template <typename T>
struct WireItem;

template <>
struct WireItem<Tsn> {
  static constexpr size_t kSize = 4;
  static Tsn decode(Bytes at) { return Tsn(load_u32(at, 0)); }
  static void encode(Writer& w, Tsn tsn) { w.u32(tsn.value()); }
};

template <typename T>
class WireList {
  using Item = WireItem<T>;

 public:
  WireList() = default;
  // For building: the caller's items, viewed not copied, so they must outlive the chunk (a
  // temporary std::vector passed here dangles at the end of the full expression).
  WireList(std::span<const T> items) : items_(items), size_(items.size()) {}  // NOLINT: implicit by design
  // Arrays, std::array and std::vector of items, viewed (not copied): keep them alive.
  template <typename Container>
    requires(std::is_convertible_v<const Container&, std::span<const T>> &&
             !std::is_same_v<std::remove_cvref_t<Container>, WireList>)
  WireList(const Container& items) : WireList(std::span<const T>(items)) {}  // NOLINT: implicit by design

  // For parsing: `bytes` holds whole items (the parser has checked bytes.size() % kSize == 0).
  static WireList from_wire(Bytes bytes) {
    assert(bytes.size() % Item::kSize == 0);
    WireList list;
    list.wire_ = bytes;
    list.size_ = bytes.size() / Item::kSize;
    list.from_wire_ = true;
    return list;
  }

  [[nodiscard]] size_t size() const { return size_; }
  [[nodiscard]] bool empty() const { return size_ == 0; }
  [[nodiscard]] size_t wire_size() const { return size_ * Item::kSize; }

  T operator[](size_t i) const {
    assert(i < size_);
    return from_wire_ ? Item::decode(wire_.subspan(i * Item::kSize, Item::kSize)) : items_[i];
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
