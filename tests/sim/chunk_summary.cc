#include "sim/chunk_summary.h"

#include <cstdio>

#include "wire/packet.h"

namespace sctpkit::sim {

std::string chunk_type_name(uint8_t type) {
  switch (type) {
    case chunk::kHeartbeat: return "HB REQ";
    case chunk::kHeartbeatAck: return "HB ACK";
    case chunk::kError: return "OP ERR";
    case wire::to_u8(wire::ChunkType::Ecne): return "ECN ECHO";
    case wire::to_u8(wire::ChunkType::Cwr): return "ECN CWR";
    case chunk::kForwardTsn: return "FOR CUM TSN";
    default: break;
  }
  if (wire::is_known_chunk_type(type)) return std::string(wire::chunk_type_name(type));
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
