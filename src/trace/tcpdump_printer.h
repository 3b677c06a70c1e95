// Frame -> the text tcpdump 4.99.3 prints for it with -nn (and -nn -v), line for line.
//
// One deliberate addition: SCTP inside UDP (RFC 6951), which tcpdump shows only as "UDP, length N",
// is decoded like SCTP over IP, with "[udp-encap SPORT > DPORT]" before the addresses (docs/dump.md).
#pragma once

#include <string>

#include "trace/frame.h"
#include "trace/timestamp_format.h"

namespace sctpkit::trace {

struct PrinterOptions {
  TimestampMode timestamps = TimestampMode::TimeOfDay;
  // Number of -v flags. -v: the IP header in parentheses, then the SCTP line indented below it, and
  // the ForCES header; -vv: chunks on lines of their own, DATA payloads dumped, ForCES flags.
  int verbose = 0;
};

class TcpdumpPrinter {
 public:
  explicit TcpdumpPrinter(PrinterOptions options) : options_(options), timestamps_(options.timestamps) {}

  // Appends the frame's text, ending with a newline. Frames must come in capture order (the delta
  // time stamp modes depend on it).
  void append(const Frame& frame, std::string& out);

  std::string format(const Frame& frame) {
    std::string out;
    append(frame, out);
    return out;
  }

 private:
  PrinterOptions options_;
  TimestampFormatter timestamps_;
};

// "[udp-encap 9899 > 9899]": the marker for RFC 6951 encapsulation, printed before the addresses.
void append_udp_encapsulation_marker(const UdpInfo& udp, std::string& out);
std::string udp_encapsulation_marker(const UdpInfo& udp);

}  // namespace sctpkit::trace
