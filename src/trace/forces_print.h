// ForCES (RFC 5810) messages in SCTP DATA chunks (RFC 5811 ports 6704-6706, PPIDs 21-23), as
// tcpdump 4.99.3's print-forces.c shows them at -nn, -v and -vv: the message type, the common header
// (-v) and its flags (-vv), the top-level TLVs' complaints, and the "\n\t[0x0000: ...]" dump of a
// message it calls invalid. What tcpdump prints only at -vvv (TLV contents, path data) is not printed.
#pragma once

#include <cstdint>
#include <string>

#include "wire/byte_io.h"

namespace sctpkit::trace {

struct ForcesInput {
  wire::Bytes available;  // from the message's first byte to the end of the captured SCTP packet
  uint32_t length = 0;    // the DATA chunk's user data length
  int verbose = 0;        // number of -v flags
};

enum class ForcesOutcome {
  Continue,  // the SCTP line goes on with the next chunk
  EndLine,   // tcpdump read past the capture: " [|forces]" ends the whole line
};

ForcesOutcome append_forces(const ForcesInput& input, std::string& out);

// RFC 5811 5.1: the SCTP ports of the high, medium and low priority channels.
bool is_forces_port(uint16_t port);
// RFC 5811 5.2: the payload protocol identifiers of the same channels.
bool is_forces_ppid(uint32_t ppid);

}  // namespace sctpkit::trace
