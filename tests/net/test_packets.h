// Minimal SCTP packets for transport tests: the transports look only at the common header.
#pragma once

#include <cstdint>
#include <vector>

#include "wire/byte_io.h"
#include "wire/packet.h"

namespace sctpkit::net::testing {

// A common header (RFC 9260 3.1) followed by `payload_size` bytes of a pattern, checksum set.
inline std::vector<uint8_t> sctp_packet(uint16_t source_port, uint16_t destination_port, uint32_t tag = 0x01020304,
                                        size_t payload_size = 4, uint8_t fill = 0xab) {
  std::vector<uint8_t> p(12 + payload_size, fill);
  wire::store_u16(p, 0, source_port);
  wire::store_u16(p, 2, destination_port);
  wire::store_u32(p, 4, tag);
  wire::store_u32(p, 8, 0);
  const uint32_t crc = wire::compute_checksum(p);
  // RFC 9260 6.8 / Appendix A: the CRC32c goes into the packet in little-endian byte order.
  p[8] = static_cast<uint8_t>(crc);
  p[9] = static_cast<uint8_t>(crc >> 8);
  p[10] = static_cast<uint8_t>(crc >> 16);
  p[11] = static_cast<uint8_t>(crc >> 24);
  return p;
}

}  // namespace sctpkit::net::testing
