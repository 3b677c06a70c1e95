#include "assoc/tx/message_pool.h"

#include <sys/mman.h>

#include <algorithm>
#include <memory>
#include <new>

namespace sctpkit::assoc {

namespace detail {

constexpr size_t kHugePage = size_t{2} << 20;

// Slots in one allocation. A full-size block is one 2 MiB page, aligned as one and offered to the
// kernel as a transparent huge page (a memory hint, no I/O): the slots of a deep queue (a rate
// sender queues some 65,000 small messages, 8 MiB of slots) are written for the first time while
// the queue fills, and a page fault per 4 KiB was most of that time. Filling such a queue took
// 57-84 ms of CPU with blocks of at most 64 KiB or 2 MiB blocks without the hint, 30-36 ms with it
// (the kernel's thp_fault_alloc counted the pages; on a host without THP for madvise() it is a no-op).
struct SlotBlock {
  explicit SlotBlock(size_t count) : count(count) {
    void* memory = ::operator new(count * sizeof(MessageSlot), alignment());
#ifdef MADV_HUGEPAGE
    if (count * sizeof(MessageSlot) == kHugePage) ::madvise(memory, kHugePage, MADV_HUGEPAGE);
#endif
    // Default-initialised: a small message's bytes are written when it comes, not zeroed here.
    slots = std::uninitialized_default_construct_n(static_cast<MessageSlot*>(memory), count) - count;
  }
  SlotBlock(SlotBlock&& other) noexcept
      : slots(std::exchange(other.slots, nullptr)), count(std::exchange(other.count, 0)) {}
  SlotBlock(const SlotBlock&) = delete;
  SlotBlock& operator=(const SlotBlock&) = delete;
  SlotBlock& operator=(SlotBlock&&) = delete;
  ~SlotBlock() {
    if (!slots) return;
    std::destroy_n(slots, count);
    ::operator delete(slots, alignment());
  }
  [[nodiscard]] std::align_val_t alignment() const {
    return std::align_val_t{count * sizeof(MessageSlot) == kHugePage ? kHugePage : alignof(MessageSlot)};
  }

  MessageSlot* slots = nullptr;
  size_t count = 0;
};

// Outlives the pool while handles are out: counts the pool itself (while alive) and every slot in
// use; the last to go frees it, and with it every slot.
struct MessagePoolCore : MessagePoolSpare {
  // Slots whose buffer take_buffer() handed out, for adopt() to refill: kept apart from `spare`
  // so that copy_of() finds a buffer with capacity on top. Bounded: one per buffer handed out
  // and not yet adopted, at most kMaxBare.
  std::vector<MessageSlot*> bare;
  static constexpr size_t kMaxBare = 64;
  // Slots are made in blocks, each twice the last up to kMaxBlock (16,384 slots: one huge page):
  // a rate sender filling its queue with some 65,000 small messages made as many allocations
  // (a fifth of its time while the queue filled), and neighbours in the queue are neighbours in
  // memory. A slot no longer needed goes back to `spare`; only its buffer is freed early, and the
  // blocks when the queue drains (release_surplus).
  static constexpr size_t kMaxBlock = kHugePage / sizeof(MessageSlot);
  // Hysteresis: a drained pool holding more slots than this keeps one full block (2 MiB) and frees
  // the rest. A queue that swings between empty and up to 32,768 messages allocates nothing once
  // warm; a deeper one makes its blocks again, one per 16,384 messages, and gives them back after.
  // An association that once queued 65,000 small messages held 8 MiB of slots until it closed.
  static constexpr size_t kShrinkAbove = 2 * kMaxBlock;
  std::vector<SlotBlock> blocks;
  size_t block_size = 0;
  size_t block_used = 0;

  MessageSlot* new_slot() {
    if (block_used == block_size) {
      block_size = std::min(kMaxBlock, std::max<size_t>(1, 2 * block_size));
      blocks.emplace_back(block_size);
      capacity += block_size;
      block_used = 0;
    }
    MessageSlot* slot = &blocks.back().slots[block_used++];
    slot->core = this;
    return slot;
  }
  // Called with every slot spare or bare (no handle out): frees every block but the first full one.
  void release_surplus();
  void unref() {
    if (--refs == 0) delete this;
  }
};

void MessagePoolCore::release_surplus() {
  auto kept = std::find_if(blocks.begin(), blocks.end(), [](const SlotBlock& b) { return b.count == kMaxBlock; });
  if (kept == blocks.end()) return;
  const MessageSlot* first = kept->slots;
  const MessageSlot* end = first + kept->count;
  const auto freed = [&](const MessageSlot* slot) { return slot < first || slot >= end; };
  // The kept block's slots stay in the order they were released: the warmest still on top.
  std::erase_if(spare, freed);
  std::erase_if(bare, freed);
  spare.shrink_to_fit();  // it had grown to the deep queue's length
  spare_bytes = 0;
  for (const MessageSlot* slot : spare) spare_bytes += slot->bytes.capacity();
  const bool last = std::next(kept) == blocks.end();
  SlotBlock block(std::move(*kept));
  blocks.clear();  // the slots' spare buffers go with their blocks
  blocks.push_back(std::move(block));
  capacity = kMaxBlock;
  block_size = kMaxBlock;
  if (!last) block_used = kMaxBlock;  // every slot of an earlier block was handed out once
}
}  // namespace detail

using detail::MessagePoolCore;
using detail::MessageSlot;

namespace {
// The core behind a pool's or slot's pointer to its hot part (always a MessagePoolCore).
MessagePoolCore* full(detail::MessagePoolSpare* core) { return static_cast<MessagePoolCore*>(core); }
}  // namespace

void MessageRef::recycle(MessageSlot* slot) {
  MessagePoolCore* core = full(slot->core);
  if (core->pool_alive) {
    size_t capacity = slot->bytes.capacity();
    if (core->spare_bytes + capacity <= core->keep_bytes) {
      slot->bytes.clear();
    } else {
      slot->bytes = std::vector<uint8_t>();  // beyond the limit: the buffer goes, the slot stays
      capacity = 0;
    }
    // Reserved at the first release, not at construction: an association that never sends keeps
    // no spare list. It never reallocates once it has held this many; a deeper queue grows it once.
    if (core->spare.capacity() == 0) core->spare.reserve(64);
    core->spare.push_back(slot);
    core->spare_bytes += capacity;
    // The queue drained (this was the last handle out): time to give back what a deep one made.
    if (core->refs == 2 && core->capacity > MessagePoolCore::kShrinkAbove) core->release_surplus();
  }
  core->unref();
}

MessagePool::MessagePool(size_t keep_bytes) : keep_bytes_(keep_bytes) {}

MessagePool::~MessagePool() {
  if (!core_) return;
  // The slots themselves go with the core, once the last handle out is released.
  core_->spare.clear();
  full(core_)->bare.clear();
  core_->spare_bytes = 0;
  core_->pool_alive = false;
  full(core_)->unref();
}

// Inlined into copy_of() and adopt(): it runs once per message sent.
[[gnu::always_inline]] inline MessageSlot* MessagePool::take_slot() {
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
    slot = full(core_)->new_slot();
  }
  slot->refs = 1;
  ++core_->refs;
  return slot;
}

MessageRef MessagePool::copy_of_slow(wire::Bytes bytes) {
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
  if (core_ && !full(core_)->bare.empty()) {
    // The slot of a buffer take_buffer() handed out: no spare buffer is dropped for this one.
    slot = full(core_)->bare.back();
    full(core_)->bare.pop_back();
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
  std::vector<MessageSlot*>& bare = full(core_)->bare;
  if (bare.size() < MessagePoolCore::kMaxBare) {
    if (bare.capacity() == 0) bare.reserve(MessagePoolCore::kMaxBare);
    bare.push_back(slot);
  } else {
    core_->spare.push_back(slot);  // no buffer: adds nothing to spare_bytes
  }
  return buffer;
}

void MessagePool::set_keep_bytes(size_t keep_bytes) {
  keep_bytes_ = keep_bytes;
  if (core_) core_->keep_bytes = keep_bytes;
}

size_t MessagePool::spare_count() const { return core_ ? core_->spare.size() : 0; }
size_t MessagePool::spare_bytes() const { return core_ ? core_->spare_bytes : 0; }
size_t MessagePool::footprint_bytes() const {
  if (!core_) return 0;
  return core_->capacity * sizeof(MessageSlot) + (core_->spare.capacity() + full(core_)->bare.capacity()) * sizeof(MessageSlot*);
}

}  // namespace sctpkit::assoc
