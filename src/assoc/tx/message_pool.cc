#include "assoc/tx/message_pool.h"

#include <algorithm>

namespace sctpkit::assoc {

namespace detail {
// Outlives the pool while handles are out: counts the pool itself (while alive) and every slot in
// use; the last to go frees it.
struct MessagePoolCore {
  size_t keep_bytes = 0;
  size_t refs = 1;
  bool pool_alive = true;
  std::vector<MessageSlot*> spare;  // LIFO: the buffer released last is the warmest in the cache
  size_t spare_bytes = 0;
  // Slots whose buffer take_buffer() handed out, for adopt() to refill: kept apart from `spare`
  // so that copy_of() finds a buffer with capacity on top. Bounded: one per buffer handed out
  // and not yet adopted, at most kMaxBare.
  std::vector<MessageSlot*> bare;
  static constexpr size_t kMaxBare = 64;

  void unref() {
    if (--refs == 0) delete this;
  }
};
}  // namespace detail

using detail::MessagePoolCore;
using detail::MessageSlot;

void MessageRef::recycle(MessageSlot* slot) {
  MessagePoolCore* core = slot->core;
  const size_t capacity = slot->bytes.capacity();
  if (core->pool_alive && core->spare_bytes + capacity <= core->keep_bytes) {
    slot->bytes.clear();
    // Reserved at the first release, not at construction: an association that never sends keeps
    // no spare list. It never reallocates once it has held this many; a deeper queue grows it once.
    if (core->spare.capacity() == 0) core->spare.reserve(64);
    core->spare.push_back(slot);
    core->spare_bytes += capacity;
  } else {
    delete slot;
  }
  core->unref();
}

MessagePool::MessagePool(size_t keep_bytes) : keep_bytes_(keep_bytes) {}

MessagePool::~MessagePool() {
  if (!core_) return;
  for (MessageSlot* slot : core_->spare) delete slot;
  for (MessageSlot* slot : core_->bare) delete slot;
  core_->spare.clear();
  core_->bare.clear();
  core_->spare_bytes = 0;
  core_->pool_alive = false;
  core_->unref();
}

MessageSlot* MessagePool::take_slot() {
  if (!core_) {
    core_ = new MessagePoolCore;
    core_->keep_bytes = keep_bytes_;
  }
  MessageSlot* slot;
  if (!core_->spare.empty()) {
    slot = core_->spare.back();
    core_->spare.pop_back();
    core_->spare_bytes -= slot->bytes.capacity();
  } else {
    slot = new MessageSlot;
    slot->core = core_;
  }
  slot->refs = 1;
  ++core_->refs;
  return slot;
}

MessageRef MessagePool::copy_of(wire::Bytes bytes) {
  MessageSlot* slot = take_slot();
  if (bytes.size() <= MessageSlot::kSmallBytes) {
    std::copy(bytes.begin(), bytes.end(), slot->small);
    slot->small_size = static_cast<uint32_t>(bytes.size());
  } else {
    slot->small_size = MessageSlot::kLarge;
    slot->bytes.assign(bytes.begin(), bytes.end());
  }
  return MessageRef(slot);
}

MessageRef MessagePool::adopt(std::vector<uint8_t>&& bytes) {
  MessageSlot* slot;
  if (core_ && !core_->bare.empty()) {
    // The slot of a buffer take_buffer() handed out: no spare buffer is dropped for this one.
    slot = core_->bare.back();
    core_->bare.pop_back();
    slot->refs = 1;
    ++core_->refs;
  } else {
    slot = take_slot();
  }
  slot->small_size = MessageSlot::kLarge;
  slot->bytes = std::move(bytes);
  return MessageRef(slot);
}

std::vector<uint8_t> MessagePool::take_buffer() {
  if (!core_ || core_->spare.empty()) return {};
  MessageSlot* slot = core_->spare.back();
  core_->spare.pop_back();
  core_->spare_bytes -= slot->bytes.capacity();
  std::vector<uint8_t> buffer = std::move(slot->bytes);
  slot->bytes = {};
  if (core_->bare.size() < MessagePoolCore::kMaxBare) {
    if (core_->bare.capacity() == 0) core_->bare.reserve(MessagePoolCore::kMaxBare);
    core_->bare.push_back(slot);
  } else {
    delete slot;
  }
  return buffer;
}

void MessagePool::set_keep_bytes(size_t keep_bytes) {
  keep_bytes_ = keep_bytes;
  if (core_) core_->keep_bytes = keep_bytes;
}

size_t MessagePool::spare_count() const { return core_ ? core_->spare.size() : 0; }
size_t MessagePool::spare_bytes() const { return core_ ? core_->spare_bytes : 0; }

}  // namespace sctpkit::assoc
