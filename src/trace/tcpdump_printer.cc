#include "trace/tcpdump_printer.h"

#include <net/if.h>

#include <cstring>

#include <fmt/format.h>

#include <iterator>

#include "trace/ip_print.h"
#include "trace/sctp_print.h"

namespace sctpkit::trace {

void append_udp_encapsulation_marker(const UdpInfo& udp, std::string& out) {
  fmt::format_to(std::back_inserter(out), "[udp-encap {} > {}]", udp.source_port, udp.destination_port);
}

std::string udp_encapsulation_marker(const UdpInfo& udp) {
  std::string out;
  append_udp_encapsulation_marker(udp, out);
  return out;
}

static void append_cooked_prefix(const CookedLinkInfo& cooked, std::string& out) {
  // tcpdump 4.99 (print-sll.c): the interface name as this host resolves the index ("?" when it
  // cannot), left-aligned in 5 columns, then the direction in 3.
  char name[IF_NAMESIZE] = "?";
  if (if_indextoname(cooked.interface_index, name) == nullptr) std::strcpy(name, "?");
  static constexpr const char* kDirections[] = {"In", "B", "M", "P", "Out"};
  const char* direction = cooked.packet_type < 5 ? kDirections[cooked.packet_type] : "?";
  fmt::format_to(std::back_inserter(out), "{:<5} {:<3} ", name, direction);
}

void TcpdumpPrinter::append(const Frame& frame, std::string& out) {
  timestamps_.append(frame.timestamp, out);
  if (frame.cooked) append_cooked_prefix(*frame.cooked, out);
  if (!append_ip_prefix(frame, options_.verbose > 0, out)) {
    out += '\n';
    return;
  }

  char source[64];
  char destination[64];
  const std::string_view source_text = format_address(frame.ip, true, source, sizeof source);
  const std::string_view destination_text = format_address(frame.ip, false, destination, sizeof destination);

  // RFC 8200 4.5: a later IPv6 fragment has no SCTP header; tcpdump's line ends with the fragment
  // header ("frag (1232|428)"), without the space that separates it from SCTP in a first fragment.
  if (frame.ip.version == IpVersion::V6 && frame.ip.fragment_offset != 0) {
    if (!out.empty() && out.back() == ' ') out.pop_back();
    out += '\n';
    return;
  }
  // RFC 791: only the first fragment carries the SCTP header; tcpdump names the protocol of the others.
  if (frame.ip.fragment_offset != 0) {
    fmt::format_to(std::back_inserter(out), "{} > {}: ip-proto-{}\n", source_text, destination_text,
                   frame.ip.protocol);
    return;
  }
  if (frame.udp) {
    // RFC 6951: our addition; tcpdump would stop at "UDP, length N".
    append_udp_encapsulation_marker(*frame.udp, out);
    out += ' ';
  }
  append_sctp(SctpPrintInput{frame.sctp, frame.sctp_length, source_text, destination_text, options_.verbose}, out);
  out += '\n';
}

}  // namespace sctpkit::trace
