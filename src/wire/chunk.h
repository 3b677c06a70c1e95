// Any chunk: a variant over every typed chunk plus UnknownChunk, parsed from a RawChunk and added to
// a PacketBuilder.
//
//   for (const RawChunk& raw : packet_view) {
//     auto chunk = parse_chunk(raw);
//     if (!chunk) { ...chunk.error()... }
//     else if (auto* data = std::get_if<DataChunk>(&*chunk)) { ... }
//   }
#pragma once

#include <cstdint>
#include <variant>

#include "wire/byte_io.h"
#include "wire/chunk_types.h"
#include "wire/control_chunks.h"
#include "wire/data_chunks.h"
#include "wire/extension_chunks.h"
#include "wire/handshake_chunks.h"
#include "wire/packet.h"
#include "wire/result.h"
#include "wire/sack_chunks.h"

namespace sctpkit::wire {

// A chunk type sctpkit does not decode, kept whole so it can be reported (RFC 9260 3.3.10.6 echoes
// it in "Unrecognized Chunk Type") or passed on. `value` views the packet buffer.
struct UnknownChunk {
  uint8_t type = 0;
  uint8_t flags = 0;
  Bytes value;

  // RFC 9260 3.2: what the upper two bits of the type ask the receiver to do.
  [[nodiscard]] UnknownChunkAction action() const { return unknown_chunk_action(type); }
};

using Chunk = std::variant<DataChunk, InitChunk, InitAckChunk, SackChunk, HeartbeatChunk, HeartbeatAckChunk,
                           AbortChunk, ShutdownChunk, ShutdownAckChunk, ErrorChunk, CookieEchoChunk,
                           CookieAckChunk, EcneChunk, CwrChunk, ShutdownCompleteChunk, AuthChunk, NrSackChunk,
                           IDataChunk, AsconfAckChunk, ReconfigChunk, PadChunk, ForwardTsnChunk, AsconfChunk,
                           IForwardTsnChunk, UnknownChunk>;

// Decodes by raw.type; a type not listed in ChunkType becomes an UnknownChunk (never an error).
// The error is the chunk's own parse error (FieldTruncated, BadLength, ...).
Result<Chunk> parse_chunk(const RawChunk& raw);

// Appends the chunk (header, value, padding) if it fits; false and nothing appended otherwise.
bool add_chunk(PacketBuilder& builder, const Chunk& chunk);

// The type code of whichever chunk the variant holds.
uint8_t chunk_type(const Chunk& chunk);

}  // namespace sctpkit::wire
