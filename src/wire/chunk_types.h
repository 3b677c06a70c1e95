// Chunk type codes, their names, and what RFC 9260 3.2 says to do with a type we do not know.
#pragma once

#include <cstdint>
#include <string_view>

namespace sctpkit::wire {

// RFC 9260 3.2 (and the extension RFCs named below): the chunk types sctpkit decodes.
enum class ChunkType : uint8_t {
  Data = 0,
  Init = 1,
  InitAck = 2,
  Sack = 3,
  Heartbeat = 4,
  HeartbeatAck = 5,
  Abort = 6,
  Shutdown = 7,
  ShutdownAck = 8,
  Error = 9,
  CookieEcho = 10,
  CookieAck = 11,
  Ecne = 12,               // RFC 9260 reserves it; layout from RFC 4960 appendix A
  Cwr = 13,                // likewise
  ShutdownComplete = 14,
  Auth = 15,               // RFC 4895
  NrSack = 16,             // draft-tuexen-tsvwg-sctp-multipath (Non-Renegable SACK)
  IData = 64,              // RFC 8260
  AsconfAck = 128,         // RFC 5061
  ReConfig = 130,          // RFC 6525
  Pad = 132,               // RFC 4820
  ForwardTsn = 192,        // RFC 3758
  Asconf = 193,            // RFC 5061
  IForwardTsn = 194,       // RFC 8260
};

constexpr uint8_t to_u8(ChunkType type) { return static_cast<uint8_t>(type); }

// The name the defining RFC gives the chunk ("DATA", "INIT ACK", ...); "UNKNOWN" for other codes.
constexpr std::string_view chunk_type_name(uint8_t type) {
  switch (static_cast<ChunkType>(type)) {
    case ChunkType::Data: return "DATA";
    case ChunkType::Init: return "INIT";
    case ChunkType::InitAck: return "INIT ACK";
    case ChunkType::Sack: return "SACK";
    case ChunkType::Heartbeat: return "HEARTBEAT";
    case ChunkType::HeartbeatAck: return "HEARTBEAT ACK";
    case ChunkType::Abort: return "ABORT";
    case ChunkType::Shutdown: return "SHUTDOWN";
    case ChunkType::ShutdownAck: return "SHUTDOWN ACK";
    case ChunkType::Error: return "ERROR";
    case ChunkType::CookieEcho: return "COOKIE ECHO";
    case ChunkType::CookieAck: return "COOKIE ACK";
    case ChunkType::Ecne: return "ECNE";
    case ChunkType::Cwr: return "CWR";
    case ChunkType::ShutdownComplete: return "SHUTDOWN COMPLETE";
    case ChunkType::Auth: return "AUTH";
    case ChunkType::NrSack: return "NR-SACK";
    case ChunkType::IData: return "I-DATA";
    case ChunkType::AsconfAck: return "ASCONF-ACK";
    case ChunkType::ReConfig: return "RE-CONFIG";
    case ChunkType::Pad: return "PAD";
    case ChunkType::ForwardTsn: return "FORWARD-TSN";
    case ChunkType::Asconf: return "ASCONF";
    case ChunkType::IForwardTsn: return "I-FORWARD-TSN";
  }
  return "UNKNOWN";
}

constexpr bool is_known_chunk_type(uint8_t type) { return chunk_type_name(type) != "UNKNOWN"; }

// RFC 9260 3.2: the two highest-order bits of an unrecognized chunk type say what to do with it.
enum class UnknownChunkAction : uint8_t {
  StopAndDiscard = 0,      // 00: stop processing the packet, discard it
  StopAndReport = 1,       // 01: stop, discard, report in an ERROR ("Unrecognized Chunk Type")
  Skip = 2,                // 10: skip this chunk, continue with the next
  SkipAndReport = 3,       // 11: skip this chunk, continue, and report it in an ERROR
};

constexpr UnknownChunkAction unknown_chunk_action(uint8_t type) {
  return static_cast<UnknownChunkAction>(type >> 6);
}
constexpr bool stops_processing(UnknownChunkAction action) {
  return action == UnknownChunkAction::StopAndDiscard || action == UnknownChunkAction::StopAndReport;
}
constexpr bool reports_error(UnknownChunkAction action) {
  return action == UnknownChunkAction::StopAndReport || action == UnknownChunkAction::SkipAndReport;
}

}  // namespace sctpkit::wire
