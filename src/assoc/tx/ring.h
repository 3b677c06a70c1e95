// A FIFO with random access on one growing array: once it has reached the size the traffic needs,
// pushing and popping allocate nothing (std::deque frees and allocates blocks as it moves along).
#pragma once

#include <cassert>
#include <cstddef>
#include <utility>
#include <cstdint>
#include <memory>
#include <new>

namespace sctpkit::assoc {

template <typename T>
class Ring {
 public:
  [[nodiscard]] size_t size() const { return size_; }
  [[nodiscard]] bool empty() const { return size_ == 0; }
  [[nodiscard]] size_t capacity() const { return capacity_; }

  T& operator[](size_t i) {
    assert(i < size_);
    return slots_[(head_ + i) & (capacity_ - 1)];
  }
  const T& operator[](size_t i) const {
    assert(i < size_);
    return slots_[(head_ + i) & (capacity_ - 1)];
  }
  T& front() { return (*this)[0]; }
  const T& front() const { return (*this)[0]; }
  T& back() { return (*this)[size_ - 1]; }

  // Returns the new last element, default-constructed: a free slot always holds a T{} (grow()
  // value-initialises the array, pop_front() resets what it frees), so nothing is reset here.
  T& emplace_back() {
    if (size_ == capacity_) grow();
    T& slot = slots_[(head_ + size_) & (capacity_ - 1)];
    ++size_;
    return slot;
  }
  void push_back(T value) { emplace_back() = std::move(value); }
  void clear() {
    while (!empty()) pop_front();
  }
  void pop_front() {
    assert(size_ > 0);
    // Release what the element holds (e.g. a message buffer) now, and leave a T{} for
    // emplace_back(): rebuilt in place, not a T{} built aside and move-assigned field by field.
    T* slot = &slots_[head_];
    std::destroy_at(slot);
    ::new (static_cast<void*>(slot)) T{};
    head_ = (head_ + 1) & (capacity_ - 1);
    --size_;
  }

  template <typename Self, typename Ref>
  class Iterator {
   public:
    Iterator(Self* ring, size_t i) : ring_(ring), i_(i) {}
    Ref operator*() const { return (*ring_)[i_]; }
    Iterator& operator++() {
      ++i_;
      return *this;
    }
    bool operator==(const Iterator& o) const { return i_ == o.i_; }

   private:
    Self* ring_;
    size_t i_;
  };
  auto begin() { return Iterator<Ring, T&>(this, 0); }
  auto end() { return Iterator<Ring, T&>(this, size_); }
  auto begin() const { return Iterator<const Ring, const T&>(this, 0); }
  auto end() const { return Iterator<const Ring, const T&>(this, size_); }

 private:
  // Out of line, so that push and pop, on every chunk and message, inline into their callers.
  [[gnu::noinline]] void grow() {
    // Capacity stays a power of two so that indices wrap with a mask. It starts at one: an
    // association holds a dozen rings, most of which never hold more than a few elements.
    const uint32_t bigger_capacity = capacity_ == 0 ? 1 : 2 * capacity_;
    std::unique_ptr<T[]> bigger(new T[bigger_capacity]());
    for (size_t i = 0; i < size_; ++i) bigger[i] = std::move((*this)[i]);
    slots_ = std::move(bigger);
    capacity_ = bigger_capacity;
    head_ = 0;
  }

  // 24 bytes in place (not a std::vector and two size_t): rings sit in per-stream and
  // per-association state that idle associations pay for.
  std::unique_ptr<T[]> slots_;
  uint32_t capacity_ = 0;
  uint32_t head_ = 0;
  uint32_t size_ = 0;
};

}  // namespace sctpkit::assoc
