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

// A ring's array. One of half a huge page (1 MiB) or more takes whole huge pages (2 MiB), aligned,
// with the transparent huge page hint: a sender that queues ~100,000 small messages grows its rings
// to 1-4 MiB at start-up, and each fresh 4 KiB page was a page fault (on a virtual machine, most of
// the growth's cost: the client's page faults in a 3 s raw 64 B rate run 3,300 -> 2,000). Smaller
// arrays, every ring of an ordinary association, are plain allocations.
struct RingStorage {
  static constexpr size_t kHugePage = size_t{2} << 20;
  static void* allocate(size_t bytes, size_t alignment);
  // `bytes` and `alignment` as given to allocate().
  static void release(void* memory, size_t bytes, size_t alignment) noexcept;
  // Whether allocate() gives `bytes` whole huge pages with the hint.
  static bool huge(size_t bytes) { return bytes >= kHugePage / 2; }
};

template <typename T>
class Ring {
 public:
  Ring() = default;
  Ring(Ring&& other) noexcept
      : slots_(std::exchange(other.slots_, nullptr)),
        capacity_(std::exchange(other.capacity_, 0)),
        head_(std::exchange(other.head_, 0)),
        size_(std::exchange(other.size_, 0)) {}
  Ring& operator=(Ring&& other) noexcept {
    if (this != &other) {
      free_slots();
      slots_ = std::exchange(other.slots_, nullptr);
      capacity_ = std::exchange(other.capacity_, 0);
      head_ = std::exchange(other.head_, 0);
      size_ = std::exchange(other.size_, 0);
    }
    return *this;
  }
  Ring(const Ring&) = delete;
  Ring& operator=(const Ring&) = delete;
  ~Ring() { free_slots(); }

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
    T* bigger = static_cast<T*>(RingStorage::allocate(bigger_capacity * sizeof(T), alignof(T)));
    // The elements are moved into place and only the free half is value-initialised: each new
    // slot is written once (was: all zeroed, then half of them overwritten).
    for (size_t i = 0; i < size_; ++i) ::new (static_cast<void*>(bigger + i)) T(std::move((*this)[i]));
    std::uninitialized_value_construct(bigger + size_, bigger + bigger_capacity);
    free_slots();
    slots_ = bigger;
    capacity_ = bigger_capacity;
    head_ = 0;
  }
  void free_slots() noexcept {
    if (!slots_) return;
    std::destroy_n(slots_, capacity_);
    RingStorage::release(slots_, capacity_ * sizeof(T), alignof(T));
    slots_ = nullptr;
  }

  // 24 bytes in place (not a std::vector and two size_t): rings sit in per-stream and
  // per-association state that idle associations pay for.
  T* slots_ = nullptr;
  uint32_t capacity_ = 0;
  uint32_t head_ = 0;
  uint32_t size_ = 0;
};

}  // namespace sctpkit::assoc
