// Chunk names for the simulator's packet log, and short chunk type constants for its matchers.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "wire/byte_io.h"
#include "wire/chunk_types.h"

namespace sctpkit::sim {

// Short names for matchers (match::has_chunk(chunk::kCookieAck)); the numbers are wire::ChunkType's.
namespace chunk {
using wire::ChunkType;
inline constexpr uint8_t kData = wire::to_u8(ChunkType::Data);
inline constexpr uint8_t kInit = wire::to_u8(ChunkType::Init);
inline constexpr uint8_t kInitAck = wire::to_u8(ChunkType::InitAck);
inline constexpr uint8_t kSack = wire::to_u8(ChunkType::Sack);
inline constexpr uint8_t kHeartbeat = wire::to_u8(ChunkType::Heartbeat);
inline constexpr uint8_t kHeartbeatAck = wire::to_u8(ChunkType::HeartbeatAck);
inline constexpr uint8_t kAbort = wire::to_u8(ChunkType::Abort);
inline constexpr uint8_t kShutdown = wire::to_u8(ChunkType::Shutdown);
inline constexpr uint8_t kShutdownAck = wire::to_u8(ChunkType::ShutdownAck);
inline constexpr uint8_t kError = wire::to_u8(ChunkType::Error);
inline constexpr uint8_t kCookieEcho = wire::to_u8(ChunkType::CookieEcho);
inline constexpr uint8_t kCookieAck = wire::to_u8(ChunkType::CookieAck);
inline constexpr uint8_t kShutdownComplete = wire::to_u8(ChunkType::ShutdownComplete);
inline constexpr uint8_t kIData = wire::to_u8(ChunkType::IData);
inline constexpr uint8_t kForwardTsn = wire::to_u8(ChunkType::ForwardTsn);
}  // namespace chunk

// The name tcpdump 4.99 prints for the RFC 9260 chunks ("HB REQ", "OP ERR", "FOR CUM TSN"), so that
// a sim log reads like a capture; wire::chunk_type_name for the extensions tcpdump does not name;
// "0x2a" for unknown types.
std::string chunk_type_name(uint8_t type);

// One line naming the packet's chunks in order, like tcpdump: "[COOKIE ECHO] [DATA]". A packet the
// wire parser rejects reads "[malformed: <reason>]" after whatever chunks came before the fault.
std::string summarize_packet(wire::Bytes packet);

}  // namespace sctpkit::sim
