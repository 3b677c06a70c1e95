#include "sim/chunk_summary.h"

#include <cstdio>

#include "wire/packet.h"

namespace sctpkit::sim {

std::string chunk_type_name(uint8_t type) {
  switch (type) {
    case chunk::kData: return "DATA";
    case chunk::kInit: return "INIT";
    case chunk::kInitAck: return "INIT ACK";
    case chunk::kSack: return "SACK";
    case chunk::kHeartbeat: return "HB REQ";
    case chunk::kHeartbeatAck: return "HB ACK";
    case chunk::kAbort: return "ABORT";
    case chunk::kShutdown: return "SHUTDOWN";
    case chunk::kShutdownAck: return "SHUTDOWN ACK";
    case chunk::kError: return "OP ERR";
    case chunk::kCookieEcho: return "COOKIE ECHO";
    case chunk::kCookieAck: return "COOKIE ACK";
    case chunk::kEcne: return "ECN ECHO";
    case chunk::kCwr: return "ECN CWR";
    case chunk::kShutdownComplete: return "SHUTDOWN COMPLETE";
    case chunk::kAuth: return "AUTH";
    case chunk::kIData: return "I-DATA";
    case chunk::kAsconfAck: return "ASCONF-ACK";
    case chunk::kReconfig: return "RE-CONFIG";
    case chunk::kPad: return "PAD";
    case chunk::kForwardTsn: return "FOR CUM TSN";
    case chunk::kAsconf: return "ASCONF";
    case chunk::kIForwardTsn: return "I-FORWARD-TSN";
    default: break;
  }
  char buffer[8];
  std::snprintf(buffer, sizeof buffer, "0x%02x", type);
  return buffer;
}

std::string summarize_packet(wire::Bytes packet) {
  std::string out;
  // ChunkReader rather than PacketView so that the chunks before a fault still show.
  if (packet.size() < wire::kCommonHeaderSize) {
    return "[malformed: " + std::string(wire::to_string(wire::ParseError::PacketTooShort)) + "]";
  }
  wire::ChunkReader reader(packet.subspan(wire::kCommonHeaderSize));
  while (auto next = reader.next()) {
    if (!out.empty()) out += ' ';
    if (!next->ok()) {
      out += "[malformed: " + std::string(wire::to_string(next->error())) + "]";
      break;
    }
    out += '[' + chunk_type_name(next->value().type) + ']';
  }
  if (out.empty()) out = "[no chunks]";
  return out;
}

}  // namespace sctpkit::sim
