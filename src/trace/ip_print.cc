#include "trace/ip_print.h"

#include <arpa/inet.h>
#include <fmt/format.h>

#include <iterator>

namespace sctpkit::trace {
namespace {

constexpr size_t kIpv4MinHeader = 20;
constexpr size_t kIpv6Header = 40;

// RFC 791: the reserved, DF and MF bits of the flags/fragment-offset word.
constexpr uint16_t kIpReserved = 0x8000;
constexpr uint16_t kIpDontFragment = 0x4000;
constexpr uint16_t kIpMoreFragments = 0x2000;

// RFC 1071 one's complement sum of the header with the checksum field taken as zero: the value the
// checksum field should hold.
uint16_t ipv4_header_checksum(wire::Bytes header) {
  uint32_t sum = 0;
  for (size_t i = 0; i + 1 < header.size(); i += 2) {
    if (i == 10) continue;
    sum += wire::load_u16(header, i);
  }
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return static_cast<uint16_t>(~sum);
}

// RFC 791 3.1: record route and source routes carry a pointer and a list of addresses.
void append_ipv4_route(wire::Bytes option, std::string& out) {
  auto it = std::back_inserter(out);
  const size_t length = option.size();
  if (length < 3) {
    fmt::format_to(it, " [bad length {}]", length);
    return;
  }
  if ((length + 1) & 3) fmt::format_to(it, " [bad length {}]", length);
  const int pointer = int{option[2]} - 1;
  if (pointer < 3 || ((pointer + 1) & 3) || pointer > static_cast<int>(length) + 1) {
    fmt::format_to(it, " [bad ptr {}]", option[2]);
  }
  for (size_t at = 3; at + 4 <= length; at += 4) {
    fmt::format_to(it, " {}.{}.{}.{}", option[at], option[at + 1], option[at + 2], option[at + 3]);
    if (pointer > static_cast<int>(at)) out += ',';
  }
}

// RFC 791 3.1: the internet timestamp option: a pointer, the overflow count and the flag in one
// byte, then 32-bit timestamps, each after the address that stamped it when the flag is 1 or 3.
// `readable` is the option with what follows it in the header: tcpdump reads whole entries even
// when the option's length ends inside one.
void append_ipv4_timestamp(wire::Bytes option, wire::Bytes readable, std::string& out) {
  auto it = std::back_inserter(out);
  const size_t length = option.size();
  if (length < 4) {
    fmt::format_to(it, "[bad length {}]", length);
    return;
  }
  out += " TS{";
  const uint8_t flag = option[3] & 0x0f;
  const size_t entry = flag == 0 ? 4 : 8;
  if ((length - 4) & (entry - 1)) fmt::format_to(it, "[bad length {}]", length);
  const int64_t pointer = int64_t{option[2]} - 1;
  if (pointer < 4 || ((pointer - 4) & static_cast<int64_t>(entry - 1)) || pointer > static_cast<int64_t>(length) + 1) {
    fmt::format_to(it, "[bad ptr {}]", option[2]);
  }
  size_t at = 0;
  switch (flag) {
    case 0: out += "TSONLY"; break;
    case 1: out += "TS+ADDR"; break;
    case 3: out += "PRESPEC"; break;
    default: fmt::format_to(it, "[bad ts type {}]", flag); break;
  }
  if (flag == 0 || flag == 1 || flag == 3) {
    for (at = 4; at < length && at + entry <= readable.size(); at += entry) {
      // " ^ " marks the entry the pointer designates: the next one to fill.
      out += pointer == static_cast<int64_t>(at) ? " ^ " : " ";
      fmt::format_to(it, "{}@", wire::load_u32(readable, at + entry - 4));
      if (entry == 8) fmt::format_to(it, "{}.{}.{}.{}", readable[at], readable[at + 1], readable[at + 2], readable[at + 3]);
    }
  }
  if (pointer == static_cast<int64_t>(at)) out += " ^ ";
  if (const int overflow = option[3] >> 4; overflow != 0) {
    fmt::format_to(it, " [{} hops not recorded]}} ", overflow);
  } else {
    out += '}';
  }
}

// RFC 791 3.1: the options after the fixed header, as tcpdump -v lists them.
void append_ipv4_options(wire::Bytes options, std::string& out) {
  auto it = std::back_inserter(out);
  std::string_view separator;
  while (!options.empty()) {
    out += separator;
    separator = ",";
    const uint8_t code = options[0];
    switch (code) {
      case 0: out += "EOL"; break;
      case 1: out += "NOP"; break;
      case 7: out += "RR"; break;
      case 130: out += "security"; break;
      case 131: out += "LSRR"; break;
      case 137: out += "SSRR"; break;
      case 148: out += "RA"; break;
      case 82: out += "traceroute"; break;
      case 68: out += "timestamp"; break;
      default: fmt::format_to(it, "unknown {}", code); break;
    }
    size_t length = 1;
    if (code > 1) {
      length = options.size() >= 2 ? options[1] : 0;
      if (length < 2 || length > options.size()) {
        fmt::format_to(it, " [bad length {}]", length);
        return;
      }
    }
    const wire::Bytes option = options.first(length);
    switch (code) {
      case 0: return;
      case 7:
      case 131:
      case 137: append_ipv4_route(option, out); break;
      case 68: append_ipv4_timestamp(option, options, out); break;
      case 148:  // RFC 2113 router alert
        if (length < 4) {
          fmt::format_to(it, " [bad length {}]", length);
        } else if (const uint16_t value = wire::load_u16(option, 2); value != 0) {
          fmt::format_to(it, " value {}", value);
        }
        break;
      default: break;
    }
    options = options.subspan(length);
  }
}

void append_ipv4_verbose(const IpInfo& ip, std::string& out) {
  auto it = std::back_inserter(out);
  fmt::format_to(it, "(tos 0x{:x}", ip.tos);
  // RFC 3168 5: the ECN codepoint in the low two bits of TOS.
  switch (ip.tos & 0x03) {
    case 1: out += ",ECT(1)"; break;
    case 2: out += ",ECT(0)"; break;
    case 3: out += ",CE"; break;
    default: break;
  }
  if (ip.ttl >= 1) fmt::format_to(it, ", ttl {}", ip.ttl);
  // The header, when captured, is the truth (it alone carries the reserved bit); else the fields.
  uint16_t flags = (ip.dont_fragment ? kIpDontFragment : 0) | (ip.more_fragments ? kIpMoreFragments : 0);
  uint16_t id = ip.id;
  uint16_t offset = ip.fragment_offset;
  size_t header_length = kIpv4MinHeader;
  if (ip.header.size() >= kIpv4MinHeader) {
    const uint16_t word = wire::load_u16(ip.header, 6);
    flags = word & (kIpReserved | kIpDontFragment | kIpMoreFragments);
    offset = static_cast<uint16_t>((word & 0x1fff) * 8);
    id = wire::load_u16(ip.header, 4);
    header_length = size_t{ip.header[0] & 0x0fu} * 4;
  }
  std::string_view separator;
  std::string flag_text;
  for (const auto& [bit, name] : {std::pair{kIpMoreFragments, "+"}, {kIpDontFragment, "DF"}, {kIpReserved, "rsvd"}}) {
    if (flags & bit) {
      flag_text += separator;
      flag_text += name;
      separator = ", ";
    }
  }
  if (flag_text.empty()) flag_text = "none";
  fmt::format_to(it, ", id {}, offset {}, flags [{}], proto {} ({}), length {}", id, offset, flag_text,
                 tcpdump_ip_protocol_name(ip.protocol), ip.protocol, ip.length);
  if (header_length > kIpv4MinHeader && ip.header.size() >= header_length) {
    out += ", options (";
    append_ipv4_options(ip.header.subspan(kIpv4MinHeader, header_length - kIpv4MinHeader), out);
    out += ')';
  }
  if (header_length >= kIpv4MinHeader && ip.header.size() >= header_length) {
    const wire::Bytes header = ip.header.first(header_length);
    const uint16_t expected = ipv4_header_checksum(header);
    const uint16_t actual = wire::load_u16(header, 10);
    if (expected != actual) fmt::format_to(it, ", bad cksum {:x} (->{:x})!", actual, expected);
  }
  out += ")\n    ";
}

void append_ipv6_verbose(const IpInfo& ip, std::string& out) {
  auto it = std::back_inserter(out);
  out += '(';
  // RFC 8200 3: traffic class, then the 20-bit flow label.
  if (ip.tos != 0) fmt::format_to(it, "class 0x{:02x}, ", ip.tos);
  if ((ip.flow_label & 0xfffff) != 0) fmt::format_to(it, "flowlabel 0x{:05x}, ", ip.flow_label & 0xfffff);
  const uint8_t next_header = ip.header.size() >= kIpv6Header ? ip.header[6] : ip.protocol;
  fmt::format_to(it, "hlim {}, next-header {} ({}) payload length: {}) ", ip.ttl,
                 tcpdump_ip_protocol_name(next_header), next_header, ip.length);
}

// RFC 8200 4.2: the TLV options of a Hop-by-Hop or Destination Options header, as tcpdump -v shows
// them.
void append_ipv6_options(wire::Bytes options, std::string& out) {
  auto it = std::back_inserter(out);
  size_t i = 0;
  while (i < options.size()) {
    const uint8_t type = options[i];
    if (type == 0) {  // Pad1
      out += "(pad1)";
      ++i;
      continue;
    }
    if (i + 2 > options.size()) {
      fmt::format_to(it, "(type {}: trunc)", type);
      return;
    }
    const size_t length = options[i + 1];
    if (i + 2 + length > options.size()) {
      fmt::format_to(it, "(type {}: trunc)", type);
      return;
    }
    switch (type) {
      case 1: out += "(padn)"; break;
      case 5:  // RFC 2711 router alert
        if (length != 2) {
          fmt::format_to(it, "(rtalert: invalid len {})", length + 2);
          return;
        }
        fmt::format_to(it, "(rtalert: 0x{:04x}) ", wire::load_u16(options, i + 2));
        break;
      default: fmt::format_to(it, "(opt_type 0x{:02x}: len={})", type, length); break;
    }
    i += 2 + length;
  }
  out += ' ';
}

// RFC 8200 4: the extension headers before the transport header, which tcpdump prints between the
// addresses and the SCTP line. Stops at the first header it does not show.
// RFC 8200 4.4 (types 0 and 2, RFC 6275) and RFC 8754 (type 4, segment routing), as tcpdump's
// print-rt6.c shows them. Returns false when tcpdump stops printing the packet there.
bool append_routing_header(wire::Bytes header, size_t length, bool verbose, std::string& out) {
  auto it = std::back_inserter(out);
  const uint8_t units = header[1];
  const uint8_t type = header[2];
  fmt::format_to(it, "RT6 (len={}, type={}{}, segleft={}", units, type, type == 0 ? " [Deprecated]" : "", header[3]);
  auto append_addresses = [&](size_t first, size_t count) {
    for (size_t i = 0; i < count; ++i) {
      const size_t at = first + 16 * i;
      if (at + 16 > length) {
        out += " [|rt6]";
        return false;
      }
      char text[64];
      if (inet_ntop(AF_INET6, header.data() + at, text, sizeof text) == nullptr) return false;
      fmt::format_to(it, ", [{}]{}", i, text);
    }
    out += ") ";
    return true;
  };
  switch (type) {
    case 0:
    case 2:
      if (verbose) fmt::format_to(it, ", rsv=0x{:x}", wire::load_u32(header, 4));
      if (units % 2 == 1) break;
      return append_addresses(8, units / 2);
    case 4:
      fmt::format_to(it, ", last-entry={}", header[4]);
      if (verbose) fmt::format_to(it, ", flags=0x{:x}", header[5]);
      fmt::format_to(it, ", tag={:x}", wire::load_u16(header, 6));
      return append_addresses(8, size_t{header[4]} + 1);
    default:
      out += " (unknown type)";
      break;
  }
  out += " (invalid)";
  return false;
}

// RFC 4302 2: the Authentication Header as tcpdump's print-ah.c shows it.
void append_authentication_header(wire::Bytes header, size_t length, bool verbose, std::string& out) {
  auto it = std::back_inserter(out);
  const size_t icv_length = length - 12;
  out += "AH(";
  if (verbose) fmt::format_to(it, "length={}({}-bytes),", header[1], length);
  fmt::format_to(it, "spi=0x{:08x},seq=0x{:x}", wire::load_u32(header, 4), wire::load_u32(header, 8));
  if (icv_length > 0) {
    out += ",icv=0x";
    for (size_t i = 0; i < icv_length; ++i) fmt::format_to(it, "{:02x}", header[12 + i]);
  }
  out += "): ";
}

bool append_ipv6_extensions(const IpInfo& ip, bool verbose, std::string_view source, std::string_view destination,
                            std::string& out) {
  if (ip.header.size() <= kIpv6Header) return true;
  auto it = std::back_inserter(out);
  uint8_t next = ip.header[6];
  size_t offset = kIpv6Header;
  fmt::format_to(it, "{} > {}: ", source, destination);
  while (offset + 8 <= ip.header.size()) {
    const wire::Bytes header = ip.header.subspan(offset);
    if (next == 0 || next == 60) {
      const size_t length = (size_t{header[1]} + 1) * 8;
      if (length > header.size()) return true;
      out += next == 0 ? "HBH " : "DSTOPT ";
      if (verbose) append_ipv6_options(header.subspan(2, length - 2), out);
      next = header[0];
      offset += length;
    } else if (next == 44) {
      // RFC 8200 4.5: the fragment length tcpdump shows is what follows the fragment header.
      const auto after = static_cast<uint32_t>(kIpv6Header + ip.length - offset - 8);
      const uint16_t fragment_offset = wire::load_u16(header, 2) & 0xfff8;
      if (verbose) {
        fmt::format_to(it, "frag (0x{:08x}:{}|{}) ", wire::load_u32(header, 4), fragment_offset, after);
      } else {
        fmt::format_to(it, "frag ({}|{}) ", fragment_offset, after);
      }
      next = header[0];
      offset += 8;
    } else if (next == 43) {
      const size_t length = (size_t{header[1]} + 1) * 8;
      if (length > header.size()) return true;
      if (!append_routing_header(header, length, verbose, out)) return false;
      next = header[0];
      offset += length;
    } else if (next == 51) {
      const size_t length = (size_t{header[1]} + 2) * 4;
      if (length < 12 || length > header.size()) return true;
      append_authentication_header(header, length, verbose, out);
      next = header[0];
      offset += length;
    } else {
      return true;
    }
  }
  return true;
}

}  // namespace

std::string_view tcpdump_ip_protocol_name(uint8_t protocol) {
  switch (protocol) {
    case 0: return "Options";
    case 6: return "TCP";
    case 17: return "UDP";
    case 43: return "Routing";
    case 44: return "Fragment";
    case 50: return "ESP";
    case 51: return "AH";
    case 59: return "none";
    case 132: return "SCTP";
    default: return "unknown";
  }
}

std::string_view format_address(const IpInfo& ip, bool source, char* buffer, size_t size) {
  const auto& address = source ? ip.source : ip.destination;
  const int family = ip.version == IpVersion::V6 ? AF_INET6 : AF_INET;
  if (inet_ntop(family, address.data(), buffer, static_cast<socklen_t>(size)) == nullptr) return "?";
  return buffer;
}

bool append_ip_prefix(const Frame& frame, bool verbose, std::string& out) {
  if (frame.ip.version == IpVersion::V6) {
    out += "IP6 ";
    // print-ip6.c: no space after this one, unlike IPv4's.
    if (frame.ip.link_length != 0 && size_t{frame.ip.length} + kIpv6Header > frame.ip.link_length) {
      fmt::format_to(std::back_inserter(out), "truncated-ip6 - {} bytes missing!",
                     size_t{frame.ip.length} + kIpv6Header - frame.ip.link_length);
    }
    if (verbose) append_ipv6_verbose(frame.ip, out);
    char source[64];
    char destination[64];
    return append_ipv6_extensions(frame.ip, verbose, format_address(frame.ip, true, source, sizeof source),
                                  format_address(frame.ip, false, destination, sizeof destination), out);
  } else {
    out += "IP ";
    // tcpdump (print-ip.c) warns when the header claims more than the link layer carried.
    if (frame.ip.link_length != 0 && frame.ip.length > frame.ip.link_length) {
      fmt::format_to(std::back_inserter(out), "truncated-ip - {} bytes missing! ", frame.ip.length - frame.ip.link_length);
    }
    if (verbose) append_ipv4_verbose(frame.ip, out);
  }
  return true;
}

}  // namespace sctpkit::trace
