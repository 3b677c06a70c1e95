// Chunk type numbers and names as the simulator's matchers and packet log need them.
//
// Kept local to the simulator so that it does not depend on the chunk codec being written in
// parallel. The RFC 9260 chunks carry the names tcpdump prints, so a sim log reads like a capture.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "wire/byte_io.h"

namespace sctpkit::sim {

// RFC 9260 3.2, plus the extensions' types a log is likely to meet.
namespace chunk {
inline constexpr uint8_t kData = 0;
inline constexpr uint8_t kInit = 1;
inline constexpr uint8_t kInitAck = 2;
inline constexpr uint8_t kSack = 3;
inline constexpr uint8_t kHeartbeat = 4;
inline constexpr uint8_t kHeartbeatAck = 5;
inline constexpr uint8_t kAbort = 6;
inline constexpr uint8_t kShutdown = 7;
inline constexpr uint8_t kShutdownAck = 8;
inline constexpr uint8_t kError = 9;
inline constexpr uint8_t kCookieEcho = 10;
inline constexpr uint8_t kCookieAck = 11;
inline constexpr uint8_t kEcne = 12;
inline constexpr uint8_t kCwr = 13;
inline constexpr uint8_t kShutdownComplete = 14;
inline constexpr uint8_t kAuth = 15;             // RFC 4895
inline constexpr uint8_t kIData = 64;            // RFC 8260
inline constexpr uint8_t kAsconfAck = 128;       // RFC 5061
inline constexpr uint8_t kReconfig = 130;        // RFC 6525
inline constexpr uint8_t kPad = 132;             // RFC 4820
inline constexpr uint8_t kForwardTsn = 192;      // RFC 3758
inline constexpr uint8_t kAsconf = 193;          // RFC 5061
inline constexpr uint8_t kIForwardTsn = 194;     // RFC 8260
}  // namespace chunk

// "COOKIE ECHO", "SACK", ...; unknown types as "0x2a".
std::string chunk_type_name(uint8_t type);

// One line naming the packet's chunks in order, like tcpdump: "[COOKIE ECHO] [DATA]". A packet the
// wire parser rejects reads "[malformed: <reason>]" after whatever chunks came before the fault.
std::string summarize_packet(wire::Bytes packet);

}  // namespace sctpkit::sim
