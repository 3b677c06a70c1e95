// A FIFO that costs one pointer until something is queued. libstdc++'s std::deque allocates its
// map and a 512-byte block when it is constructed, empty or not; an association held a dozen of
// them (its own reply queues, one per outbound stream, the receiver's ready queue), several KiB
// for an idle association that never queues anything.
#pragma once

#include <cstddef>
#include <deque>
#include <memory>
#include <utility>

namespace sctpkit::assoc {

// kRelease: the storage is freed whenever the queue empties (queues used rarely: replies to
// errors, heartbeat acknowledgements). kKeep: once allocated it stays, so a queue on the data path
// allocates nothing per message after its first use.
enum class QueueStorage : bool { kRelease, kKeep };

template <typename T, QueueStorage kStorage = QueueStorage::kRelease>
class SparseQueue {
 public:
  using iterator = typename std::deque<T>::iterator;
  using const_iterator = typename std::deque<T>::const_iterator;

  SparseQueue() = default;
  SparseQueue(SparseQueue&&) noexcept = default;
  SparseQueue& operator=(SparseQueue&&) noexcept = default;
  SparseQueue(const SparseQueue& other) : q_(other.q_ ? std::make_unique<std::deque<T>>(*other.q_) : nullptr) {}
  SparseQueue& operator=(const SparseQueue& other) {
    if (this != &other) q_ = other.q_ ? std::make_unique<std::deque<T>>(*other.q_) : nullptr;
    return *this;
  }

  [[nodiscard]] bool empty() const { return !q_ || q_->empty(); }
  [[nodiscard]] size_t size() const { return q_ ? q_->size() : 0; }
  [[nodiscard]] bool allocated() const { return q_ != nullptr; }

  T& front() { return q_->front(); }
  const T& front() const { return q_->front(); }
  T& back() { return q_->back(); }
  const T& back() const { return q_->back(); }
  T& operator[](size_t i) { return (*q_)[i]; }
  const T& operator[](size_t i) const { return (*q_)[i]; }

  void push_back(T value) { storage().push_back(std::move(value)); }
  template <typename... Args>
  T& emplace_back(Args&&... args) {
    return storage().emplace_back(std::forward<Args>(args)...);
  }
  void pop_front() {
    q_->pop_front();
    released_if_empty();
  }
  void clear() {
    if (!q_) return;
    q_->clear();
    released_if_empty();
  }
  template <typename Pred>
  void erase_if(Pred pred) {
    if (!q_) return;
    std::erase_if(*q_, pred);
    released_if_empty();
  }

  // Value-initialized deque iterators compare equal, so an unallocated queue iterates as empty.
  iterator begin() { return q_ ? q_->begin() : iterator(); }
  iterator end() { return q_ ? q_->end() : iterator(); }
  const_iterator begin() const { return q_ ? q_->cbegin() : const_iterator(); }
  const_iterator end() const { return q_ ? q_->cend() : const_iterator(); }

 private:
  std::deque<T>& storage() {
    if (!q_) q_ = std::make_unique<std::deque<T>>();
    return *q_;
  }
  void released_if_empty() {
    if constexpr (kStorage == QueueStorage::kRelease) {
      if (q_->empty()) q_.reset();
    }
  }

  std::unique_ptr<std::deque<T>> q_;
};

}  // namespace sctpkit::assoc
