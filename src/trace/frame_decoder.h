// Decoding one captured link-layer frame down to the SCTP packet it carries: a pure function over
// the captured bytes, so it is testable without libpcap and never reads past what was captured.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <variant>

#include "trace/frame.h"
#include "wire/byte_io.h"

namespace sctpkit::trace {

// Link-layer header types as pcap_datalink() reports them (DLT_* values), spelled out here so this
// header needs no libpcap.
namespace dlt {
inline constexpr int kNull = 0;           // BSD loopback: 4-byte address family, writer's byte order
inline constexpr int kEthernet = 1;       // DLT_EN10MB
inline constexpr int kRaw = 12;           // DLT_RAW (libpcap maps LINKTYPE_RAW files to it)
inline constexpr int kLinktypeRaw = 101;  // LINKTYPE_RAW, should a caller pass the file's value
inline constexpr int kLoop = 108;         // OpenBSD loopback: address family in network byte order
inline constexpr int kLinuxSll = 113;
inline constexpr int kIpv4 = 228;
inline constexpr int kIpv6 = 229;
inline constexpr int kLinuxSll2 = 276;
}  // namespace dlt

bool is_supported_link_type(int link_type);

// Why a frame carries no SCTP we can show. Every skipped frame is counted in CaptureStats::skipped.
enum class SkipReason : uint8_t {
  UnsupportedLinkType,
  TruncatedLinkHeader,  // captured bytes end inside the link-layer header (or VLAN tags)
  NotIp,                // ARP, LLC, an unknown address family, ...
  TruncatedIpHeader,    // captured bytes end inside the IP header or an IPv6 extension header
  MalformedIp,          // a version, header length or total length that cannot be right
  LaterFragment,        // UDP in an IP fragment with a non-zero offset: its ports, in the first, are unknown
  NotSctp,              // another protocol, or UDP on a port that is not an encapsulation port
  TruncatedUdpHeader,   // captured bytes end inside the UDP header
  MalformedUdp,         // a UDP length under 8
};

std::string_view to_string(SkipReason reason);

// One packet as libpcap returned it.
struct RawPacket {
  uint64_t number = 0;
  Timestamp timestamp;
  wire::Bytes data;          // the captured bytes (caplen of them)
  uint32_t wire_length = 0;  // len: the frame's length on the wire
};

// The frame's views point into packet.data. `udp_ports` are the UDP ports whose datagrams carry
// SCTP (RFC 6951); a datagram matches if either of its ports is in the list.
std::variant<Frame, SkipReason> decode_frame(int link_type, const RawPacket& packet,
                                             std::span<const uint16_t> udp_ports);

// The BPF expression for live capture when the user gives none: the kernel-side approximation of
// what decode_frame accepts, "sctp or udp port 9899" plus every encapsulation port. It cannot see
// past IPv6 extension headers; a user filter (e.g. "ip6 protochain 132") covers those.
std::string default_capture_filter(std::span<const uint16_t> udp_ports);

}  // namespace sctpkit::trace
