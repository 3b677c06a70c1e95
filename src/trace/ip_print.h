// The IP part of a tcpdump 4.99 line: "IP " or "IP6 " and, with -v, the header summary in parentheses.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "trace/frame.h"

namespace sctpkit::trace {

// Addresses as tcpdump -n prints them (inet_ntop forms). `buffer` must hold 46 characters.
std::string_view format_address(const IpInfo& ip, bool source, char* buffer, size_t size);

// Appends "IP " / "IP6 " and, when verbose, tcpdump's -v header part, up to where the transport
// layer starts (for IPv4 that is after the "\n    " line break). Returns false when tcpdump ends
// the line inside the IP layer (an IPv6 extension header it calls invalid).
bool append_ip_prefix(const Frame& frame, bool verbose, std::string& out);

// tcpdump's name for an IP protocol number in -v output ("SCTP", "UDP", ...), or "unknown".
std::string_view tcpdump_ip_protocol_name(uint8_t protocol);

}  // namespace sctpkit::trace
