// Per-stream receive state, made as the peer uses streams, costing what is used rather than the
// highest stream id used (RFC 9260 14, resource exhaustion).
//
// A dense vector grown up to the highest id used serves the common case (a few low stream ids) with
// one compare and one index, but one DATA chunk on stream 65,534 made it 65,535 entries: 2 MiB of
// 32 B Stream state per association, 8 GiB over 4,096 associations. Ids from kDense up live in
// blocks of kBlock streams, made on first use under a table of pointers made on the first such id:
// a chunk on stream 65,534 costs the table (8 KiB) and one block (2 KiB with 32 B entries).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

namespace sctpkit::assoc {

template <typename T>
class StreamTable {
 public:
  static constexpr size_t kDense = 64;  // ids below it: the dense vector
  static constexpr size_t kBlockShift = 6;
  static constexpr size_t kBlock = size_t{1} << kBlockShift;
  static constexpr size_t kBlocks = (size_t{1} << 16) / kBlock - kDense / kBlock;  // ids kDense .. 65,535
  static_assert(kDense % kBlock == 0);

  // The state of stream `id`, made (value-initialised) if it has none. Inline: every ordered
  // message asks.
  T& get(uint16_t id) {
    if (id < dense_.size()) return dense_[id];
    if (id >= kDense && high_) {
      if (Block* block = high_[block_index(id)].get()) return (*block)[id & (kBlock - 1)];
    }
    return make(id);
  }
  // nullptr while stream `id` has no state (asking makes none).
  [[nodiscard]] const T* find(uint16_t id) const {
    if (id < dense_.size()) return &dense_[id];
    if (id < kDense || !high_) return nullptr;
    const Block* block = high_[block_index(id)].get();
    return block ? &(*block)[id & (kBlock - 1)] : nullptr;
  }
  // Streams with state (the dense ones up to the highest used, and whole blocks above kDense).
  // Walks the block table: for tests and status, not per packet.
  [[nodiscard]] size_t size() const { return dense_.size() + blocks_made() * kBlock; }
  // Heap bytes the table holds.
  [[nodiscard]] size_t bytes_allocated() const {
    return dense_.capacity() * sizeof(T) + (high_ ? kBlocks * sizeof(std::unique_ptr<Block>) : 0) +
           blocks_made() * sizeof(Block);
  }

 private:
  using Block = std::array<T, kBlock>;
  static size_t block_index(uint16_t id) { return (id >> kBlockShift) - kDense / kBlock; }
  [[nodiscard]] size_t blocks_made() const {
    size_t n = 0;
    for (size_t i = 0; high_ && i < kBlocks; ++i) n += high_[i] != nullptr;
    return n;
  }

  T& make(uint16_t id) {
    if (id < kDense) {
      dense_.resize(size_t{id} + 1);
      return dense_[id];
    }
    if (!high_) high_ = std::make_unique<std::unique_ptr<Block>[]>(kBlocks);
    std::unique_ptr<Block>& block = high_[block_index(id)];
    if (!block) block = std::make_unique<Block>();
    return (*block)[id & (kBlock - 1)];
  }

  std::vector<T> dense_;
  // kBlocks entries once an id >= kDense is used. One pointer, not a vector: sizeof(Association).
  std::unique_ptr<std::unique_ptr<Block>[]> high_;
};

}  // namespace sctpkit::assoc
