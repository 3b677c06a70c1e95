// Buffers for queued user messages, recycled: a message sent, fragmented, retransmitted and finally
// acknowledged gives its buffer back for the next message, so a steady stream of sends allocates
// nothing (issue 3: no heap allocation per packet in steady state).
//
// A MessageRef is a reference-counted handle to one buffer; the fragments of a message, queued and
// outstanding, share it (no copy per fragment). The engine is single-threaded, so the counts are
// plain integers. Handles may outlive their pool: the slots (made in blocks) and their buffers are
// freed with the last handle.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <utility>
#include <vector>

#include "wire/byte_io.h"

namespace sctpkit::assoc {

namespace detail {
struct MessageSlot;
// What taking a spare slot for a small message touches: here, so that MessagePool::copy_of
// inlines into the send queue, once per message sent. The rest of the pool's state is
// MessagePoolCore (message_pool.cc), which extends this.
struct MessagePoolSpare {
  size_t keep_bytes = 0;
  size_t refs = 1;
  bool pool_alive = true;
  std::vector<MessageSlot*> spare;  // LIFO: the buffer released last is the warmest in the cache
  size_t spare_bytes = 0;
  size_t capacity = 0;  // slots made (in MessagePoolCore::blocks)
};
struct alignas(64) MessageSlot {
  // Messages up to this size are copied into the slot itself, not into `bytes`: one allocation per
  // message less while a queue fills, and no second block (slot, then buffer) to fetch each time a
  // deep queue's message is touched again, cold (fragmented, copied into the packet, released): a
  // rate sender keeps some 65,000 messages of 64 B queued. Sized so that the slot is 128 bytes.
  static constexpr uint32_t kSmallBytes = 88;
  static constexpr uint32_t kLarge = UINT32_MAX;  // small_size when the message is in `bytes`

  [[nodiscard]] wire::Bytes view() const {
    return small_size != kLarge ? wire::Bytes(small, small_size) : wire::Bytes(bytes);
  }
  [[nodiscard]] size_t size() const { return small_size != kLarge ? small_size : bytes.size(); }

  // First, and the slot cache-line aligned: a message of up to 64 bytes is one cache line, which
  // is all that copying it into a packet reads (its size and kind come from the queue, see
  // MessageRef::slot_bytes). The bookkeeping below shares the second line, which releasing the
  // message touches.
  uint8_t small[kSmallBytes];
  uint32_t refs = 0;
  uint32_t small_size = kLarge;
  MessagePoolSpare* core = nullptr;
  // Kept while the slot holds a small message: spare buffers keep their capacity for the next
  // large one (and for MessagePool::take_buffer).
  std::vector<uint8_t> bytes;
};
static_assert(sizeof(MessageSlot) == 128);
}  // namespace detail

class MessageRef {
 public:
  MessageRef() = default;
  MessageRef(const MessageRef& other) : slot_(other.slot_) {
    if (slot_) ++slot_->refs;
  }
  MessageRef(MessageRef&& other) noexcept : slot_(std::exchange(other.slot_, nullptr)) {}
  MessageRef& operator=(const MessageRef& other) {
    if (this != &other) {
      MessageRef copy(other);
      swap(copy);
    }
    return *this;
  }
  MessageRef& operator=(MessageRef&& other) noexcept {
    if (this != &other) {
      release();
      slot_ = std::exchange(other.slot_, nullptr);
    }
    return *this;
  }
  ~MessageRef() { release(); }

  void swap(MessageRef& other) noexcept { std::swap(slot_, other.slot_); }
  explicit operator bool() const { return slot_ != nullptr; }
  [[nodiscard]] wire::Bytes bytes() const { return slot_ ? slot_->view() : wire::Bytes(); }
  [[nodiscard]] size_t size() const { return slot_ ? slot_->size() : 0; }
  // Whether the message is kept in its slot (MessagePool::kSmallMessage), for slot_bytes().
  [[nodiscard]] bool in_slot() const { return slot_ && slot_->small_size != detail::MessageSlot::kLarge; }
  // Asks for the cache lines a later access reads: the message kept in the slot (copied into a
  // packet), or the bookkeeping that releasing the last reference writes. Hints only: a deep
  // queue's messages are cold by the time they are sent and again when they are acknowledged.
  void prefetch_slot_bytes() const {
    if (slot_) __builtin_prefetch(slot_->small, 0);
  }
  void prefetch_release() const {
    if (slot_) __builtin_prefetch(&slot_->refs, 1);
  }
  // bytes().subspan(offset, length) of a message kept in its slot (in_slot() was true), found
  // without reading the slot: a deep queue's message is cold when its chunk is built.
  [[nodiscard]] wire::Bytes slot_bytes(uint32_t offset, uint32_t length) const {
    return wire::Bytes(slot_->small + offset, length);
  }
  [[nodiscard]] uint32_t use_count() const { return slot_ ? slot_->refs : 0; }

 private:
  friend class MessagePool;
  explicit MessageRef(detail::MessageSlot* slot) : slot_(slot) {}
  // Inline up to the last reference: handles are moved, copied and emptied several times per
  // message (queue, fragment, outstanding chunk), mostly with nothing or another reference left.
  void release() {
    if (!slot_) return;
    detail::MessageSlot* slot = std::exchange(slot_, nullptr);
    if (--slot->refs == 0) recycle(slot);
  }
  static void recycle(detail::MessageSlot* slot);  // the last reference is gone

  detail::MessageSlot* slot_ = nullptr;
};

class MessagePool {
 public:
  // Messages up to this size are kept in their slot (see detail::MessageSlot).
  static constexpr size_t kSmallMessage = detail::MessageSlot::kSmallBytes;

  // Released buffers are kept while their capacities add up to at most `keep_bytes`; beyond that
  // they are freed, so one huge message does not pin its memory for good.
  explicit MessagePool(size_t keep_bytes);
  void set_keep_bytes(size_t keep_bytes);
  ~MessagePool();
  MessagePool(const MessagePool&) = delete;
  MessagePool& operator=(const MessagePool&) = delete;

  // A buffer holding a copy of `bytes`: no allocation when a recycled slot is spare and the message
  // is small (kSmallMessage) or the slot's buffer is big enough.
  // Inline for a small message into a spare slot (a sender's steady state): once per message.
  MessageRef copy_of(wire::Bytes bytes) {
    if (core_ && bytes.size() <= kSmallMessage && !core_->spare.empty() && !bytes.empty()) [[likely]] {
      detail::MessageSlot* slot = core_->spare.back();
      core_->spare.pop_back();
      core_->spare_bytes -= slot->bytes.capacity();
      slot->refs = 1;
      ++core_->refs;
      std::memcpy(slot->small, bytes.data(), bytes.size());
      slot->small_size = static_cast<uint32_t>(bytes.size());
      return MessageRef(slot);
    }
    return copy_of_slow(bytes);
  }
  // A buffer taking over `bytes` (no copy).
  MessageRef adopt(std::vector<uint8_t>&& bytes);
  // The warmest spare buffer itself, emptied, for a caller to fill and adopt() again: a caller
  // that builds its messages in these copies nothing into the pool and allocates nothing once
  // warm. An empty vector (no capacity) when no buffer is spare, or when the spare slot held
  // only small messages (kept in the slot: they leave no buffer behind).
  std::vector<uint8_t> take_buffer();

  // Buffers waiting for reuse, and their capacity in bytes.
  [[nodiscard]] size_t spare_count() const;
  [[nodiscard]] size_t spare_bytes() const;
  // What the pool holds besides the messages' buffers: its slots (made in blocks; a drained pool
  // keeps at most one 2 MiB block of them once it held more than two) and its lists of spare ones.
  [[nodiscard]] size_t footprint_bytes() const;

 private:
  detail::MessageSlot* take_slot();
  MessageRef copy_of_slow(wire::Bytes bytes);

  size_t keep_bytes_;
  // Created by the first message: an association that never sends pays nothing for its pool.
  detail::MessagePoolSpare* core_ = nullptr;  // a MessagePoolCore
};

}  // namespace sctpkit::assoc
