// One captured packet that carries SCTP, decoded down to the SCTP common header: what the capture
// layer hands to printers and analysers. Views point into the capture's own buffer and are valid
// only during the callback that receives the frame.
#pragma once

#include <array>
#include <cstdint>
#include <optional>

#include "wire/byte_io.h"

namespace sctpkit::trace {

struct Timestamp {
  int64_t seconds = 0;
  int32_t microseconds = 0;
};

enum class IpVersion : uint8_t { V4 = 4, V6 = 6 };

// What tcpdump -v shows of the IP header, and the addresses.
struct IpInfo {
  IpVersion version = IpVersion::V4;
  std::array<uint8_t, 16> source{};       // IPv4 uses the first 4 bytes
  std::array<uint8_t, 16> destination{};
  uint8_t tos = 0;                        // IPv4 TOS, or IPv6 traffic class
  uint8_t ttl = 0;                        // IPv4 TTL, or IPv6 hop limit
  uint16_t id = 0;                        // IPv4 only
  // In bytes, and the M flag: from the IPv4 header, or from an IPv6 fragment header (RFC 8200 4.5).
  // A non-zero offset means a later fragment: no SCTP bytes in it (Frame::sctp is empty).
  uint16_t fragment_offset = 0;
  bool dont_fragment = false;             // IPv4
  bool more_fragments = false;
  uint32_t flow_label = 0;                // IPv6 only
  uint16_t length = 0;                    // IPv4 total length, or IPv6 payload length, as in the header
  uint8_t protocol = 0;                   // IPv4 protocol, or the IPv6 next header that led to SCTP/UDP
  wire::Bytes header;                     // the whole IP header as captured (IPv6: with extension headers)
  // Bytes of the IP packet that were on the wire according to the link layer; 0 when unknown (frames
  // built from the engine's own packets). tcpdump reports an IPv4 length beyond it.
  uint32_t link_length = 0;
};

// Present when SCTP came inside UDP (RFC 6951).
struct UdpInfo {
  uint16_t source_port = 0;
  uint16_t destination_port = 0;
  uint16_t length = 0;
  uint16_t checksum = 0;
};

// Linux cooked v2 (what `tcpdump -i any` writes) records the interface and the direction; tcpdump
// prints both before "IP".
struct CookedLinkInfo {
  uint32_t interface_index = 0;
  uint8_t packet_type = 0;  // 0 to us, 1 broadcast, 2 multicast, 3 to another host, 4 sent by us
};

struct Frame {
  uint64_t number = 0;           // 1-based position in the capture, counting every packet read
  Timestamp timestamp;
  uint32_t captured_length = 0;  // bytes captured of the link-layer frame
  uint32_t wire_length = 0;      // bytes the link-layer frame had on the wire
  std::optional<CookedLinkInfo> cooked;  // LINUX_SLL2 only
  IpInfo ip;
  std::optional<UdpInfo> udp;
  wire::Bytes sctp;              // the SCTP packet as captured: may be shorter than sctp_length
  uint32_t sctp_length = 0;      // the SCTP packet's length according to the IP (and UDP) header
};

}  // namespace sctpkit::trace
