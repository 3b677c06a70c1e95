// --check: whether a captured SCTP packet's CRC32c is right (RFC 9260 6.8). Only a packet captured
// whole can be checked; a cut one (snapshot length, IP fragment) is reported as such, not as bad.
#pragma once

#include <cstdint>
#include <string_view>

#include "trace/frame.h"

namespace sctpkit::trace {

enum class ChecksumVerdict : uint8_t { Good, Bad, NotCaptured };

struct ChecksumCheck {
  ChecksumVerdict verdict = ChecksumVerdict::NotCaptured;
  uint32_t received = 0;  // the checksum field read in network order, when the header was captured
  uint32_t computed = 0;  // what the field should read, when the packet was captured whole
};

ChecksumCheck check_checksum(const Frame& frame);

// "good", "bad", "not captured".
std::string_view to_string(ChecksumVerdict verdict);

// The text appended to the first line of a packet whose checksum is wrong:
// "[bad checksum 0x12345678, correct 0x9abcdef0]" (the caller separates it from the text before).
void append_bad_checksum_marker(const ChecksumCheck& check, std::string& out);

}  // namespace sctpkit::trace
