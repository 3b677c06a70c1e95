// The SCTP part of a tcpdump 4.99 line: "src.port > dst.port: sctp (1) [CHUNK] ..." with tcpdump's own
// checks on malformed and truncated packets, so that our output matches it byte for byte even there.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "wire/byte_io.h"

namespace sctpkit::trace {

struct SctpPrintInput {
  wire::Bytes captured;     // the SCTP packet as captured (possibly cut by the snapshot length)
  uint32_t length = 0;      // the SCTP packet's length according to the IP (and UDP) header
  std::string_view source;  // formatted addresses
  std::string_view destination;
  int verbose = 0;  // number of -v flags: -vv numbers chunks on lines of their own and dumps DATA payloads
};

// Appends the SCTP part of the line (no trailing newline).
void append_sctp(const SctpPrintInput& input, std::string& out);

// tcpdump's names for chunk types and payload protocol identifiers, or empty when it has none.
std::string_view tcpdump_chunk_name(uint8_t type);
std::string_view tcpdump_ppid_name(uint32_t ppid);

}  // namespace sctpkit::trace
