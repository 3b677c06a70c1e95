// Hand-made SCTP packets, well formed or deliberately not, for the hostile-input tests. Built
// byte by byte (not with wire::PacketBuilder) so that they can break every rule the builder keeps.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "wire/byte_io.h"
#include "wire/packet.h"

namespace sctpkit::interop {

using Packet = std::vector<uint8_t>;

// RFC 9260 3.2 chunk types used here.
enum ChunkType : uint8_t {
  kData = 0,
  kInit = 1,
  kInitAck = 2,
  kHeartbeat = 4,
  kAbort = 6,
  kShutdownAck = 8,
  kError = 9,
  kCookieEcho = 10,
  kShutdownComplete = 14,
};

// A chunk: type, flags, value; the length field is 4 + value (override with `length`), and the
// chunk is padded to 4 bytes with zeros unless `pad` is false.
// Not inlined: g++ 12 -O2 warns falsely (-Warray-bounds, -Wstringop-overflow) on constant-folded calls.
[[gnu::noinline]] inline Packet chunk(uint8_t type, uint8_t flags, const Packet& value, int length = -1, bool pad = true) {
  const size_t size = 4 + value.size();
  Packet c(pad ? wire::padded4(size) : size, 0);
  c[0] = type;
  c[1] = flags;
  wire::store_u16(c, 2, static_cast<uint16_t>(length >= 0 ? length : static_cast<int>(size)));
  for (size_t i = 0; i < value.size(); ++i) c[4 + i] = value[i];
  return c;
}

// RFC 9260 3.3.2: the fixed part of an INIT.
inline Packet init_chunk(uint32_t initiate_tag, uint16_t outbound_streams = 10, uint16_t inbound_streams = 10,
                         uint32_t initial_tsn = 1) {
  Packet v(16);
  wire::store_u32(v, 0, initiate_tag);
  wire::store_u32(v, 4, 65536);  // a_rwnd
  wire::store_u16(v, 8, outbound_streams);
  wire::store_u16(v, 10, inbound_streams);
  wire::store_u32(v, 12, initial_tsn);
  return chunk(kInit, 0, v);
}

// RFC 9260 3.3.1: one unfragmented DATA chunk.
[[gnu::noinline]] inline Packet data_chunk(uint32_t tsn, const std::string& payload) {
  Packet v(12 + payload.size(), 0);
  wire::store_u32(v, 0, tsn);
  for (size_t i = 0; i < payload.size(); ++i) v[12 + i] = static_cast<uint8_t>(payload[i]);
  return chunk(kData, 0x03, v);
}

// RFC 9260 3.3.5: a HEARTBEAT with a Heartbeat Info parameter (type 1).
inline Packet heartbeat_chunk() {
  Packet v{0, 1, 0, 8, 1, 2, 3, 4};
  return chunk(kHeartbeat, 0, v);
}

// Common header + chunks, CRC32c set (RFC 9260 6.8) unless `corrupt_checksum`.
[[gnu::noinline]] inline Packet sctp(uint16_t source_port, uint16_t destination_port, uint32_t tag, const std::vector<Packet>& chunks,
                   bool corrupt_checksum = false) {
  size_t size = 12;
  for (const auto& c : chunks) size += c.size();
  Packet p(size);
  wire::store_u16(p, 0, source_port);
  wire::store_u16(p, 2, destination_port);
  wire::store_u32(p, 4, tag);
  size_t at = 12;
  for (const auto& c : chunks)
    for (uint8_t byte : c) p[at++] = byte;
  uint32_t crc = wire::compute_checksum(p);
  if (corrupt_checksum) crc ^= 0x00010000;
  // RFC 9260 Appendix A: the CRC32c goes on the wire least significant byte first.
  for (int i = 0; i < 4; ++i) p[8 + i] = static_cast<uint8_t>(crc >> (8 * i));
  return p;
}

// What the server answered, parsed.
struct Answer {
  uint32_t tag = 0;
  std::vector<std::pair<uint8_t, uint8_t>> chunks;  // type, flags
  uint32_t init_ack_initiate_tag = 0;               // of an INIT ACK
  bool checksum_ok = false;
};

inline std::optional<Answer> parse_answer(wire::Bytes bytes) {
  auto view = wire::PacketView::parse(bytes);
  if (!view) return std::nullopt;
  Answer answer;
  answer.tag = view->header().verification_tag.value();
  answer.checksum_ok = wire::verify_checksum(bytes);
  for (const auto& c : *view) {
    answer.chunks.emplace_back(c.type, c.flags);
    if (c.type == kInitAck && c.value.size() >= 4) answer.init_ack_initiate_tag = wire::load_u32(c.value, 0);
  }
  return answer;
}

}  // namespace sctpkit::interop
