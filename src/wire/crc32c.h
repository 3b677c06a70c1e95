// CRC32c (Castagnoli), the SCTP checksum (RFC 9260 appendix A).
#pragma once

#include <cstdint>

#include "wire/byte_io.h"

namespace sctpkit::wire {

// Continues a running CRC: pass the previous return value as `crc` (0 to start). The value returned
// is final (already inverted), as SCTP stores it.
uint32_t crc32c(Bytes data, uint32_t crc = 0);

// The two implementations behind crc32c(), exposed so tests can check them against each other.
uint32_t crc32c_portable(Bytes data, uint32_t crc = 0);  // slicing-by-8
uint32_t crc32c_hardware(Bytes data, uint32_t crc = 0);  // SSE4.2; only call if crc32c_hardware_available()
bool crc32c_hardware_available();

}  // namespace sctpkit::wire
