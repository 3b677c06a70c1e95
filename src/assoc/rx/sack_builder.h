// The content of a SACK chunk (RFC 9260 3.3.4) from the receive side's state, into storage the
// caller owns; the chunk codec turns it into bytes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "assoc/rx/tsn_map.h"
#include "wire/types.h"

namespace sctpkit::assoc {

// RFC 9260 3.3.4: chunk header (4), Cumulative TSN Ack (4), a_rwnd (4), the two counts (4).
constexpr size_t kSackFixedSize = 16;
constexpr size_t kSackEntrySize = 4;  // one gap ack block, or one duplicate TSN

struct SackContent {
  wire::Tsn cumulative_tsn_ack;
  uint32_t a_rwnd = 0;
  std::span<const GapAckBlock> gap_blocks;    // lowest TSNs first
  std::span<const wire::Tsn> duplicate_tsns;  // since the last SACK sent

  [[nodiscard]] size_t chunk_size() const {
    return kSackFixedSize + kSackEntrySize * (gap_blocks.size() + duplicate_tsns.size());
  }
};

// Fills `gap_storage` and `dup_storage` and returns views into them. `max_chunk_size` is the room
// for the SACK chunk in the packet (PMTU minus IP, UDP and common headers, minus chunks bundled
// before it). RFC 9260 6.2: as many gap blocks as fit come first; duplicates use what is left.
// 6.7: blocks that do not fit are the highest ones. Counts never exceed the 16-bit wire fields.
SackContent make_sack(const TsnMap& map, uint32_t a_rwnd, size_t max_chunk_size, std::span<GapAckBlock> gap_storage,
                      std::span<wire::Tsn> dup_storage);

}  // namespace sctpkit::assoc
