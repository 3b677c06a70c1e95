#include "trace/checksum_check.h"

#include <fmt/format.h>

#include <iterator>
#include <string>

#include "wire/packet.h"

namespace sctpkit::trace {

ChecksumCheck check_checksum(const Frame& frame) {
  ChecksumCheck check;
  // RFC 791, RFC 8200 4.5: a fragment holds part of the SCTP packet only; its CRC32c covers bytes
  // not here.
  const bool fragment = frame.ip.fragment_offset != 0 || frame.ip.more_fragments;
  if (fragment || frame.sctp.size() < wire::kCommonHeaderSize) return check;
  check.received = wire::load_u32(frame.sctp, wire::kChecksumOffset);
  if (frame.sctp.size() < frame.sctp_length || frame.sctp_length < wire::kCommonHeaderSize) return check;
  // RFC 9260 6.8: the CRC32c covers the whole packet with the checksum field taken as zero.
  const wire::Bytes packet = frame.sctp.first(frame.sctp_length);
  // RFC 9260 appendix A: the CRC goes on the wire least significant byte first; both values are
  // shown as the field reads in network order, as Wireshark shows it.
  check.computed = __builtin_bswap32(wire::compute_checksum(packet));
  check.verdict = wire::verify_checksum(packet) ? ChecksumVerdict::Good : ChecksumVerdict::Bad;
  return check;
}

std::string_view to_string(ChecksumVerdict verdict) {
  switch (verdict) {
    case ChecksumVerdict::Good: return "good";
    case ChecksumVerdict::Bad: return "bad";
    case ChecksumVerdict::NotCaptured: return "not captured";
  }
  return "not captured";
}

void append_bad_checksum_marker(const ChecksumCheck& check, std::string& out) {
  fmt::format_to(std::back_inserter(out), "[bad checksum 0x{:08x}, correct 0x{:08x}]", check.received, check.computed);
}

}  // namespace sctpkit::trace
