#include "assoc/rx/sack_builder.h"

#include <algorithm>
#include <limits>

namespace sctpkit::assoc {

SackContent make_sack(const TsnMap& map, uint32_t a_rwnd, size_t max_chunk_size, std::span<GapAckBlock> gap_storage,
                      std::span<wire::Tsn> dup_storage) {
  SackContent sack;
  sack.cumulative_tsn_ack = map.cumulative_tsn();
  sack.a_rwnd = a_rwnd;
  constexpr size_t kMaxCount = std::numeric_limits<uint16_t>::max();
  size_t room = max_chunk_size > kSackFixedSize ? (max_chunk_size - kSackFixedSize) / kSackEntrySize : 0;

  const size_t gap_room = std::min({room, gap_storage.size(), kMaxCount});
  const size_t gaps = map.gap_blocks(gap_storage.first(gap_room));
  sack.gap_blocks = gap_storage.first(gaps);
  room -= gaps;

  const auto duplicates = map.duplicates();
  const size_t dups = std::min({room, dup_storage.size(), kMaxCount, duplicates.size()});
  std::copy_n(duplicates.begin(), dups, dup_storage.begin());
  sack.duplicate_tsns = dup_storage.first(dups);
  return sack;
}

}  // namespace sctpkit::assoc
