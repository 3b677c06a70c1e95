#include "assoc/rx/tsn_map.h"

#include <algorithm>
#include <bit>

namespace sctpkit::assoc {

using wire::Tsn;

TsnMap::TsnMap(Tsn peer_initial_tsn, uint32_t window_tsns, size_t max_duplicates)
    : cumulative_(peer_initial_tsn.prev()),
      highest_(cumulative_),
      window_(std::clamp<uint32_t>(window_tsns, 1, kMaxWindowTsns)),
      max_duplicates_(max_duplicates) {
  // Accepted TSNs lie in (cumulative, cumulative + window], so a ring of at least `window` bits
  // gives each a distinct position; a power of two keeps positions continuous across 2^32.
  const uint32_t ring = std::max<uint32_t>(64, std::bit_ceil(window_ + 1));
  mask_ = ring - 1;
  // The bitmap (8 KiB at the largest window) is allocated when the first TSN arrives out of
  // order, the duplicate list when the first duplicate does: an association that receives in
  // order, or nothing (an idle one), holds neither.
}

bool TsnMap::test(Tsn tsn) const {
  if (bits_.empty()) return false;
  const size_t i = bit_index(tsn);
  return (bits_[i / 64] >> (i % 64)) & 1u;
}
void TsnMap::set(Tsn tsn) {
  if (bits_.empty()) bits_.assign((size_t{mask_} + 1) / 64, 0);
  const size_t i = bit_index(tsn);
  bits_[i / 64] |= uint64_t{1} << (i % 64);
}
void TsnMap::clear(Tsn tsn) {
  if (bits_.empty()) return;
  const size_t i = bit_index(tsn);
  bits_[i / 64] &= ~(uint64_t{1} << (i % 64));
}

TsnMap::AddResult TsnMap::classify_any(Tsn tsn) const {
  const int32_t distance = cumulative_.distance_to(tsn);
  // RFC 1982 3.2: a TSN half the space away is not after the cumulative point; treat it as old.
  if (distance <= 0) return AddResult::Duplicate;
  if (static_cast<uint32_t>(distance) > window_) return AddResult::OutOfWindow;
  return test(tsn) ? AddResult::Duplicate : AddResult::New;
}

bool TsnMap::contains(Tsn tsn) const {
  const int32_t distance = cumulative_.distance_to(tsn);
  if (distance <= 0) return true;
  return static_cast<uint32_t>(distance) <= window_ && test(tsn);
}

TsnMap::AddResult TsnMap::add_any(Tsn tsn) {
  const AddResult result = classify_any(tsn);
  switch (result) {
    case AddResult::Duplicate:
      // RFC 9260 3.3.4: every arrival of a duplicate is listed, so TSN 19 received three times is
      // listed twice. The list is bounded; beyond it, duplicates are counted by nobody.
      if (duplicates_.size() < max_duplicates_) {
        if (duplicates_.capacity() == 0) duplicates_.reserve(max_duplicates_);
        duplicates_.push_back(tsn);
      }
      break;
    case AddResult::OutOfWindow:
      break;
    case AddResult::New:
      set(tsn);  // not the in-order next (add() took that): above a gap, or filling one
      if (tsn.after(highest_)) highest_ = tsn;
      advance_cumulative();
      break;
  }
  return result;
}

void TsnMap::advance_cumulative() {
  // Bits only ever mark TSNs above the cumulative point, so the point moves while the next TSN is
  // held, clearing each bit it passes.
  while (cumulative_ != highest_ && test(cumulative_.next())) {
    cumulative_ = cumulative_.next();
    clear(cumulative_);
  }
}

uint32_t TsnMap::find(uint32_t from, uint32_t to, bool value) const {
  uint32_t offset = from;
  if (bits_.empty()) return value || from > to ? to + 1 : from;  // nothing held above the point
  while (offset <= to) {
    const size_t i = bit_index(cumulative_.plus(offset));
    uint64_t word = bits_[i / 64] >> (i % 64);
    if (!value) word = ~word;
    const uint32_t bits_left_in_word = 64 - static_cast<uint32_t>(i % 64);
    const uint32_t skip = std::min<uint32_t>(static_cast<uint32_t>(std::countr_zero(word)), bits_left_in_word);
    if (skip < bits_left_in_word) {
      offset += skip;
      return offset <= to ? offset : to + 1;
    }
    offset += bits_left_in_word;
  }
  return to + 1;
}

size_t TsnMap::gap_blocks(std::span<GapAckBlock> out) const {
  const auto top = static_cast<uint32_t>(cumulative_.distance_to(highest_));
  size_t count = 0;
  uint32_t offset = 1;
  // RFC 9260 3.3.4: each block gives the first and last received TSN of a run, as offsets from
  // the Cumulative TSN Ack; 6.7: lowest TSNs first when not all blocks fit.
  while (offset <= top && count < out.size()) {
    const uint32_t start = find(offset, top, true);
    if (start > top) break;
    const uint32_t end = find(start, top, false) - 1;
    out[count++] = GapAckBlock{static_cast<uint16_t>(start), static_cast<uint16_t>(end)};
    offset = end + 1;
  }
  return count;
}

size_t TsnMap::gap_block_count() const {
  const auto top = static_cast<uint32_t>(cumulative_.distance_to(highest_));
  size_t count = 0;
  uint32_t offset = 1;
  while (offset <= top) {
    const uint32_t start = find(offset, top, true);
    if (start > top) break;
    ++count;
    offset = find(start, top, false);
  }
  return count;
}

bool TsnMap::forward_to(Tsn new_cumulative) {
  if (!new_cumulative.after(cumulative_)) return false;
  // RFC 3758 3.6: every TSN up to the new point counts as received; forget the bits they held.
  const auto distance = static_cast<uint32_t>(cumulative_.distance_to(new_cumulative));
  if (distance > mask_) {
    std::fill(bits_.begin(), bits_.end(), 0);
  } else {
    for (uint32_t offset = 1; offset <= distance; ++offset) clear(cumulative_.plus(offset));
  }
  cumulative_ = new_cumulative;
  if (!highest_.after(cumulative_)) highest_ = cumulative_;
  advance_cumulative();
  return true;
}

}  // namespace sctpkit::assoc
