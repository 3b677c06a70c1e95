// Acknowledgements: SACK (RFC 9260 3.3.4) and NR-SACK (Non-Renegable SACK,
// draft-tuexen-tsvwg-sctp-multipath; layout as in draft-natarajan-tsvwg-sctp-nrsack, FreeBSD and
// Wireshark).
//
// The lists are WireLists (wire/chunk_list.h): parsed, they decode from the packet bytes on access;
// for building, they wrap the caller's std::span<const GapAckBlock> / std::span<const Tsn>, which
// must outlive the chunk. Each list holds at most 65535 items (its count field is 16 bits).
#pragma once

#include <cstdint>

#include "wire/byte_io.h"
#include "wire/wire_list.h"
#include "wire/chunk_types.h"
#include "wire/packet.h"
#include "wire/result.h"
#include "wire/types.h"

namespace sctpkit::wire {

// RFC 9260 3.3.4: offsets from the Cumulative TSN Ack; the block covers
// [cum_ack + start, cum_ack + end].
struct GapAckBlock {
  uint16_t start = 0;
  uint16_t end = 0;
  constexpr bool operator==(const GapAckBlock&) const = default;
};

template <>
struct WireItem<GapAckBlock> {
  static constexpr size_t kSize = 4;
  static GapAckBlock decode(Bytes at) { return {load_u16(at, 0), load_u16(at, 2)}; }
  static void encode(Writer& w, GapAckBlock b) {
    w.u16(b.start);
    w.u16(b.end);
  }
};

// Parse errors: FieldTruncated if the 12 fixed bytes are missing or the counts claim more blocks or
// TSNs than the chunk holds; BadLength if bytes follow the last duplicate TSN (the counts fix the
// length exactly).
struct SackChunk {
  static constexpr uint8_t kType = to_u8(ChunkType::Sack);
  static constexpr size_t kFixedSize = 12;

  Tsn cumulative_tsn_ack;
  uint32_t a_rwnd = 0;
  WireList<GapAckBlock> gap_ack_blocks;
  WireList<Tsn> duplicate_tsns;

  [[nodiscard]] uint8_t flags() const { return 0; }  // RFC 9260 3.3.4: set to 0, ignored
  [[nodiscard]] size_t value_size() const {
    return kFixedSize + gap_ack_blocks.wire_size() + duplicate_tsns.wire_size();
  }
  void write_value(Writer& w) const;
  static Result<SackChunk> parse(const RawChunk& raw);
};

// Cumulative TSN Ack, a_rwnd, number of gap blocks, number of NR gap blocks, number of duplicate
// TSNs, 16 reserved bits; then the gap blocks, the NR gap blocks and the duplicate TSNs.
// The drafts define no flag that every implementation agrees on, so the flag byte is kept as
// received (and sent as given) rather than interpreted.
struct NrSackChunk {
  static constexpr uint8_t kType = to_u8(ChunkType::NrSack);
  static constexpr size_t kFixedSize = 16;

  uint8_t flag_bits = 0;
  Tsn cumulative_tsn_ack;
  uint32_t a_rwnd = 0;
  WireList<GapAckBlock> gap_ack_blocks;
  WireList<GapAckBlock> nr_gap_ack_blocks;
  WireList<Tsn> duplicate_tsns;

  [[nodiscard]] uint8_t flags() const { return flag_bits; }
  [[nodiscard]] size_t value_size() const {
    return kFixedSize + gap_ack_blocks.wire_size() + nr_gap_ack_blocks.wire_size() + duplicate_tsns.wire_size();
  }
  void write_value(Writer& w) const;
  static Result<NrSackChunk> parse(const RawChunk& raw);
};

}  // namespace sctpkit::wire
