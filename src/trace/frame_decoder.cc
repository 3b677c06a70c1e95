#include "trace/frame_decoder.h"

#include <fmt/core.h>

#include "trace/capture_source.h"

#include <algorithm>
#include <cstring>
#include <optional>
#include <vector>

namespace sctpkit::trace {
namespace {

using wire::Bytes;
using wire::load_u16;
using wire::load_u32;

constexpr uint16_t kEtherTypeIpv4 = 0x0800;
constexpr uint16_t kEtherTypeIpv6 = 0x86DD;
constexpr uint16_t kEtherTypeVlan = 0x8100;     // IEEE 802.1Q
constexpr uint16_t kEtherTypeQinQ = 0x88A8;     // IEEE 802.1ad service tag
constexpr uint16_t kEtherTypeQinQOld = 0x9100;  // pre-standard double tagging, still seen

constexpr size_t kEthernetHeaderSize = 14;
constexpr size_t kVlanTagSize = 4;
constexpr size_t kSllHeaderSize = 16;
constexpr size_t kSll2HeaderSize = 20;
constexpr size_t kLoopbackHeaderSize = 4;
constexpr size_t kIpv4MinHeaderSize = 20;
constexpr size_t kIpv6HeaderSize = 40;
constexpr size_t kUdpHeaderSize = 8;

constexpr uint8_t kProtocolHopByHop = 0;
constexpr uint8_t kProtocolUdp = 17;
constexpr uint8_t kProtocolRouting = 43;
constexpr uint8_t kProtocolFragment = 44;
constexpr uint8_t kProtocolAuthentication = 51;
constexpr uint8_t kProtocolDestinationOptions = 60;
constexpr uint8_t kProtocolSctp = 132;

// Address families in a loopback header: AF_INET is 2 everywhere; AF_INET6 is 10 on Linux, 24 on
// NetBSD/OpenBSD, 28 on FreeBSD and 30 on Darwin, and a capture may come from any of them.
constexpr uint32_t kFamilyInet = 2;
constexpr bool is_inet6_family(uint32_t family) {
  return family == 10 || family == 24 || family == 28 || family == 30;
}

// Where the IP header starts and which version it should be.
struct LinkLayer {
  IpVersion version = IpVersion::V4;
  size_t ip_offset = 0;
};
using LinkResult = std::variant<LinkLayer, SkipReason>;

LinkResult from_ether_type(Bytes frame, uint16_t ether_type, size_t offset) {
  // IEEE 802.1Q/802.1ad: each tag is a 2-byte TCI and the next EtherType. Every pass consumes four
  // bytes, so any stack of tags ends.
  while (ether_type == kEtherTypeVlan || ether_type == kEtherTypeQinQ || ether_type == kEtherTypeQinQOld) {
    if (frame.size() - offset < kVlanTagSize) return SkipReason::TruncatedLinkHeader;
    ether_type = load_u16(frame, offset + 2);
    offset += kVlanTagSize;
  }
  if (ether_type == kEtherTypeIpv4) return LinkLayer{IpVersion::V4, offset};
  if (ether_type == kEtherTypeIpv6) return LinkLayer{IpVersion::V6, offset};
  return SkipReason::NotIp;
}

LinkResult from_family(uint32_t family) {
  if (family == kFamilyInet) return LinkLayer{IpVersion::V4, kLoopbackHeaderSize};
  if (is_inet6_family(family)) return LinkLayer{IpVersion::V6, kLoopbackHeaderSize};
  return SkipReason::NotIp;
}

LinkResult from_ip_version(Bytes frame) {
  if (frame.empty()) return SkipReason::TruncatedIpHeader;
  const uint8_t version = frame[0] >> 4;
  if (version == 4) return LinkLayer{IpVersion::V4, 0};
  if (version == 6) return LinkLayer{IpVersion::V6, 0};
  return SkipReason::NotIp;
}

LinkResult strip_link_layer(int link_type, Bytes frame) {
  switch (link_type) {
    case dlt::kEthernet:
      if (frame.size() < kEthernetHeaderSize) return SkipReason::TruncatedLinkHeader;
      // EtherType values under 0x0600 are 802.3 lengths (LLC follows): NotIp below.
      return from_ether_type(frame, load_u16(frame, 12), kEthernetHeaderSize);
    case dlt::kLinuxSll:
      if (frame.size() < kSllHeaderSize) return SkipReason::TruncatedLinkHeader;
      return from_ether_type(frame, load_u16(frame, 14), kSllHeaderSize);
    case dlt::kLinuxSll2:
      if (frame.size() < kSll2HeaderSize) return SkipReason::TruncatedLinkHeader;
      return from_ether_type(frame, load_u16(frame, 0), kSll2HeaderSize);
    case dlt::kNull: {
      if (frame.size() < kLoopbackHeaderSize) return SkipReason::TruncatedLinkHeader;
      // Written in the capturing host's byte order, which the file does not record. Families are
      // small numbers, so high bits set mean the other byte order (tcpdump decides the same way).
      uint32_t family = 0;
      std::memcpy(&family, frame.data(), sizeof family);
      if ((family & 0xFFFF0000u) != 0) family = __builtin_bswap32(family);
      return from_family(family);
    }
    case dlt::kLoop:
      if (frame.size() < kLoopbackHeaderSize) return SkipReason::TruncatedLinkHeader;
      return from_family(load_u32(frame, 0));
    case dlt::kRaw:
    case dlt::kLinktypeRaw:
      return from_ip_version(frame);
    case dlt::kIpv4:
      return LinkLayer{IpVersion::V4, 0};
    case dlt::kIpv6:
      return LinkLayer{IpVersion::V6, 0};
    default:
      return SkipReason::UnsupportedLinkType;
  }
}

// `payload` is the IP payload as captured (never beyond the IP length, so Ethernet padding is not
// in it); `declared` is its length according to the IP header.
std::optional<SkipReason> decode_transport(uint8_t protocol, Bytes payload, size_t declared,
                                           std::span<const uint16_t> udp_ports, Frame& frame) {
  frame.ip.protocol = protocol;
  if (protocol == kProtocolSctp) {
    frame.sctp = payload;
    frame.sctp_length = static_cast<uint32_t>(declared);
    return std::nullopt;
  }
  if (protocol != kProtocolUdp) return SkipReason::NotSctp;
  if (payload.size() < kUdpHeaderSize) {
    return declared < kUdpHeaderSize ? SkipReason::MalformedUdp : SkipReason::TruncatedUdpHeader;
  }
  UdpInfo udp{load_u16(payload, 0), load_u16(payload, 2), load_u16(payload, 4), load_u16(payload, 6)};
  // RFC 6951 5: the encapsulation port may be either end's, so match on either.
  const auto is_encapsulation = [&](uint16_t port) {
    return std::find(udp_ports.begin(), udp_ports.end(), port) != udp_ports.end();
  };
  if (!is_encapsulation(udp.source_port) && !is_encapsulation(udp.destination_port)) return SkipReason::NotSctp;
  if (udp.length < kUdpHeaderSize) return SkipReason::MalformedUdp;
  // The UDP length may exceed what this IP packet holds (a first fragment); the captured part is
  // what there is, and the frame then shows as truncated.
  const size_t captured_end = std::min<size_t>(payload.size(), udp.length);
  frame.sctp = payload.subspan(kUdpHeaderSize, captured_end - kUdpHeaderSize);
  frame.sctp_length = udp.length - kUdpHeaderSize;
  frame.udp = udp;
  return std::nullopt;
}

std::optional<SkipReason> decode_ipv4(Bytes ip, std::span<const uint16_t> udp_ports, Frame& frame) {
  if (ip.size() < kIpv4MinHeaderSize) return SkipReason::TruncatedIpHeader;
  if (ip[0] >> 4 != 4) return SkipReason::MalformedIp;
  const size_t header_size = size_t{ip[0] & 0x0Fu} * 4;  // RFC 791: IHL in 32-bit words, options included
  if (header_size < kIpv4MinHeaderSize) return SkipReason::MalformedIp;
  if (ip.size() < header_size) return SkipReason::TruncatedIpHeader;
  const uint16_t total_length = load_u16(ip, 2);
  if (total_length < header_size) return SkipReason::MalformedIp;

  IpInfo& info = frame.ip;
  info.version = IpVersion::V4;
  info.tos = ip[1];
  info.length = total_length;
  info.id = load_u16(ip, 4);
  const uint16_t fragment = load_u16(ip, 6);
  info.dont_fragment = (fragment & 0x4000) != 0;
  info.more_fragments = (fragment & 0x2000) != 0;
  info.fragment_offset = static_cast<uint16_t>((fragment & 0x1FFF) * 8);
  info.ttl = ip[8];
  info.protocol = ip[9];
  std::copy_n(ip.begin() + 12, 4, info.source.begin());
  std::copy_n(ip.begin() + 16, 4, info.destination.begin());
  info.header = ip.first(header_size);

  if (info.protocol != kProtocolSctp && info.protocol != kProtocolUdp) return SkipReason::NotSctp;
  // RFC 791: only the fragment at offset 0 starts with the transport header. A later fragment of
  // SCTP is delivered without SCTP bytes, so that it is printed (`ip-proto-132`) and counted as
  // tcpdump does; one of UDP cannot be told to carry SCTP, its ports being in the first.
  if (info.fragment_offset != 0) {
    return info.protocol == kProtocolSctp ? std::nullopt : std::optional{SkipReason::LaterFragment};
  }
  const size_t captured_end = std::min<size_t>(ip.size(), total_length);
  return decode_transport(info.protocol, ip.subspan(header_size, captured_end - header_size),
                          total_length - header_size, udp_ports, frame);
}

std::optional<SkipReason> decode_ipv6(Bytes ip, std::span<const uint16_t> udp_ports, Frame& frame) {
  if (ip.size() < kIpv6HeaderSize) return SkipReason::TruncatedIpHeader;
  if (ip[0] >> 4 != 6) return SkipReason::MalformedIp;
  const uint32_t first_word = load_u32(ip, 0);
  const uint16_t payload_length = load_u16(ip, 4);
  IpInfo& info = frame.ip;
  info.version = IpVersion::V6;
  info.tos = static_cast<uint8_t>(first_word >> 20);
  info.flow_label = first_word & 0xFFFFF;
  info.length = payload_length;
  info.ttl = ip[7];
  std::copy_n(ip.begin() + 8, 16, info.source.begin());
  std::copy_n(ip.begin() + 24, 16, info.destination.begin());

  // RFC 8200 4: walk the extension headers that may precede the upper layer. Each one has its next
  // header first; all but the fragment header give their length in 8-octet units, not counting the
  // first 8. Every pass advances, so the walk ends.
  const size_t declared_end = kIpv6HeaderSize + payload_length;
  uint8_t next = ip[6];
  size_t offset = kIpv6HeaderSize;
  while (next != kProtocolSctp && next != kProtocolUdp) {
    size_t extension_size = 0;
    if (next == kProtocolHopByHop || next == kProtocolRouting || next == kProtocolDestinationOptions) {
      if (ip.size() - offset < 2) return SkipReason::TruncatedIpHeader;
      extension_size = (size_t{ip[offset + 1]} + 1) * 8;
    } else if (next == kProtocolFragment) {
      extension_size = 8;  // RFC 8200 4.5: fixed size
    } else if (next == kProtocolAuthentication) {
      // RFC 4302 2.2: the AH length is in 4-octet units, minus 2.
      if (ip.size() - offset < 2) return SkipReason::TruncatedIpHeader;
      extension_size = (size_t{ip[offset + 1]} + 2) * 4;
    } else {
      info.protocol = next;
      return SkipReason::NotSctp;
    }
    if (ip.size() - offset < extension_size) return SkipReason::TruncatedIpHeader;
    if (offset > declared_end || declared_end - offset < extension_size) return SkipReason::MalformedIp;
    const uint8_t following = ip[offset];
    if (next == kProtocolFragment) {
      const uint16_t offset_and_flags = load_u16(ip, offset + 2);
      info.fragment_offset = offset_and_flags & 0xFFF8;
      info.more_fragments = (offset_and_flags & 1) != 0;
    }
    // RFC 8200 4.5: only the first fragment (offset 0) holds the upper-layer header. A later one of
    // SCTP is delivered without SCTP bytes (tcpdump prints its fragment header); see decode_ipv4.
    if (next == kProtocolFragment && info.fragment_offset != 0) {
      info.protocol = following;
      info.header = ip.first(offset + extension_size);
      if (following == kProtocolSctp) return std::nullopt;
      return following == kProtocolUdp ? SkipReason::LaterFragment : SkipReason::NotSctp;
    }
    next = following;
    offset += extension_size;
  }
  if (offset > declared_end) return SkipReason::MalformedIp;
  info.header = ip.first(offset);
  const size_t captured_end = std::min(ip.size(), declared_end);
  return decode_transport(next, ip.subspan(offset, captured_end - offset), declared_end - offset, udp_ports,
                          frame);
}

}  // namespace

bool is_supported_link_type(int link_type) {
  switch (link_type) {
    case dlt::kNull:
    case dlt::kEthernet:
    case dlt::kRaw:
    case dlt::kLinktypeRaw:
    case dlt::kLoop:
    case dlt::kLinuxSll:
    case dlt::kIpv4:
    case dlt::kIpv6:
    case dlt::kLinuxSll2:
      return true;
    default:
      return false;
  }
}

std::string_view to_string(SkipReason reason) {
  switch (reason) {
    case SkipReason::UnsupportedLinkType: return "unsupported link type";
    case SkipReason::TruncatedLinkHeader: return "truncated in the link-layer header";
    case SkipReason::NotIp: return "not IP";
    case SkipReason::TruncatedIpHeader: return "truncated in the IP header";
    case SkipReason::MalformedIp: return "malformed IP header";
    case SkipReason::LaterFragment: return "IP fragment without the transport header";
    case SkipReason::NotSctp: return "not SCTP";
    case SkipReason::TruncatedUdpHeader: return "truncated in the UDP header";
    case SkipReason::MalformedUdp: return "malformed UDP header";
  }
  return "unknown";
}

std::variant<Frame, SkipReason> decode_frame(int link_type, const RawPacket& packet,
                                             std::span<const uint16_t> udp_ports) {
  const LinkResult link = strip_link_layer(link_type, packet.data);
  if (const auto* reason = std::get_if<SkipReason>(&link)) return *reason;
  const LinkLayer& layer = std::get<LinkLayer>(link);

  Frame frame;
  frame.number = packet.number;
  frame.timestamp = packet.timestamp;
  frame.captured_length = static_cast<uint32_t>(packet.data.size());
  frame.wire_length = packet.wire_length;
  if (link_type == dlt::kLinuxSll2) {
    // strip_link_layer checked the 20-byte header: protocol, reserved, interface index, ARPHRD,
    // packet type, address length, address.
    frame.cooked = CookedLinkInfo{load_u32(packet.data, 4), packet.data[10]};
  }
  const Bytes ip = packet.data.subspan(layer.ip_offset);
  if (packet.wire_length > layer.ip_offset) frame.ip.link_length = static_cast<uint32_t>(packet.wire_length - layer.ip_offset);
  const auto skipped = layer.version == IpVersion::V4 ? decode_ipv4(ip, udp_ports, frame)
                                                      : decode_ipv6(ip, udp_ports, frame);
  if (skipped) return *skipped;
  return frame;
}

std::string default_capture_filter(std::span<const uint16_t> udp_ports) {
  std::vector<uint16_t> ports{kDefaultUdpEncapsulationPort};
  for (uint16_t port : udp_ports) {
    if (std::find(ports.begin(), ports.end(), port) == ports.end()) ports.push_back(port);
  }
  std::string filter = "sctp";
  for (uint16_t port : ports) filter += fmt::format(" or udp port {}", port);
  return filter;
}

}  // namespace sctpkit::trace
