// Which of the peer's TSNs have been received: the cumulative TSN ack point, the TSNs received out of
// order above it, and the duplicates seen since the last SACK (RFC 9260 6.2, 3.3.4).
//
// Out-of-order TSNs live in a bitmap ring sized once from the window, so recording a TSN never
// allocates, and a peer cannot make the map grow: a TSN further than `window_tsns` above the
// cumulative point is refused (OutOfWindow) instead of recorded.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "wire/types.h"

namespace sctpkit::assoc {

// RFC 9260 3.3.4: a Gap Ack Block as offsets from the Cumulative TSN Ack; both ends received.
struct GapAckBlock {
  uint16_t start = 0;
  uint16_t end = 0;
  bool operator==(const GapAckBlock&) const = default;
};

class TsnMap {
 public:
  enum class AddResult { New, Duplicate, OutOfWindow };

  // Gap Ack Block offsets are 16 bits, so nothing further than this above the cumulative point
  // could be reported in a SACK.
  static constexpr uint32_t kMaxWindowTsns = 0xFFFF;
  static constexpr uint32_t kDefaultWindowTsns = 4096;
  static constexpr size_t kDefaultMaxDuplicates = 32;

  // `peer_initial_tsn` is the Initial TSN from the peer's INIT or INIT ACK; the cumulative point
  // starts one below it (RFC 9260 6.2: nothing received yet). `window_tsns` is clamped to
  // [1, kMaxWindowTsns].
  explicit TsnMap(wire::Tsn peer_initial_tsn, uint32_t window_tsns = kDefaultWindowTsns,
                  size_t max_duplicates = kDefaultMaxDuplicates);

  // What add() would answer, without recording anything.
  [[nodiscard]] AddResult classify(wire::Tsn tsn) const {
    return in_order_next(tsn) ? AddResult::New : classify_any(tsn);
  }

  // Records a received TSN. RFC 9260 6.2: a TSN at or below the cumulative point or already held
  // is a duplicate, and is listed (up to max_duplicates) for the next SACK.
  AddResult add(wire::Tsn tsn) {
    if (in_order_next(tsn)) {
      // In order with no gaps: the cumulative point moves on without a bit set and cleared.
      cumulative_ = highest_ = tsn;
      return AddResult::New;
    }
    return add_any(tsn);
  }

  // The common arrival, inline for each DATA chunk: the TSN right after the cumulative point with
  // nothing held above it (no bit set then: bits mark only TSNs up to highest_), so it is new.
  [[nodiscard]] bool in_order_next(wire::Tsn tsn) const { return highest_ == cumulative_ && tsn == cumulative_.next(); }
  [[nodiscard]] bool contains(wire::Tsn tsn) const;
  [[nodiscard]] wire::Tsn cumulative_tsn() const { return cumulative_; }
  // The highest TSN received (equal to the cumulative point when there are no gaps).
  [[nodiscard]] wire::Tsn highest_received() const { return highest_; }
  [[nodiscard]] bool has_gaps() const { return highest_ != cumulative_; }
  [[nodiscard]] uint32_t window_tsns() const { return window_; }

  // Writes the gap ack blocks, lowest TSNs first (RFC 9260 6.7), into `out` and returns how many.
  // When `out` is too small the highest blocks are left out, as 6.7 requires when a SACK cannot
  // hold them all.
  size_t gap_blocks(std::span<GapAckBlock> out) const;
  [[nodiscard]] size_t gap_block_count() const;

  // RFC 9260 3.3.4: duplicates since the last SACK, in arrival order, one entry per arrival.
  [[nodiscard]] std::span<const wire::Tsn> duplicates() const { return duplicates_; }
  // RFC 9260 3.3.4: the duplicate list restarts after each SACK sent.
  void clear_duplicates() { duplicates_.clear(); }

  // RFC 3758 3.6: a FORWARD TSN moves the cumulative point to `new_cumulative` as if every TSN up
  // to it had arrived, then on past any TSNs already held above it. Returns false (and changes
  // nothing) when `new_cumulative` is not after the current cumulative point.
  bool forward_to(wire::Tsn new_cumulative);

 private:
  [[nodiscard]] AddResult classify_any(wire::Tsn tsn) const;
  AddResult add_any(wire::Tsn tsn);
  [[nodiscard]] size_t bit_index(wire::Tsn tsn) const { return tsn.value() & mask_; }
  [[nodiscard]] bool test(wire::Tsn tsn) const;
  void set(wire::Tsn tsn);
  void clear(wire::Tsn tsn);
  // First offset in [from, to] (offsets from the cumulative point) whose bit equals `value`, or
  // to + 1 when there is none.
  [[nodiscard]] uint32_t find(uint32_t from, uint32_t to, bool value) const;
  void advance_cumulative();

  wire::Tsn cumulative_;
  wire::Tsn highest_;
  uint32_t window_;
  uint32_t mask_;                // ring size (a power of two, so positions survive 2^32 wrap) - 1
  std::vector<uint64_t> bits_;   // bit (tsn & mask_) set: tsn received, above the cumulative point
  std::vector<wire::Tsn> duplicates_;
  size_t max_duplicates_;
};

}  // namespace sctpkit::assoc
