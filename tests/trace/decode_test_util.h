// Hand-made frames for the decoder tests: start from what build_frame writes, then splice in VLAN
// tags, IPv4 options and IPv6 extension headers.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <ostream>
#include <variant>
#include <vector>

#include "capture_test_util.h"
#include "trace/frame_decoder.h"
#include "trace/pcap_writer.h"

namespace sctpkit::trace {
inline void PrintTo(SkipReason reason, std::ostream* os) { *os << to_string(reason); }
}  // namespace sctpkit::trace

namespace sctpkit::trace::testing {

inline const std::vector<uint16_t> kDefaultPorts{kDefaultUdpEncapsulationPort};

inline PacketMeta sample_meta(IpVersion version, bool udp) {
  PacketMeta meta;
  meta.timestamp = {1700000000, 42};
  meta.source = version == IpVersion::V4 ? IpAddress::v4(192, 0, 2, 1) : *IpAddress::parse("2001:db8::a");
  meta.destination = version == IpVersion::V4 ? IpAddress::v4(192, 0, 2, 2) : *IpAddress::parse("2001:db8::b");
  if (udp) meta.udp = UdpPorts{kDefaultUdpEncapsulationPort, 40000};
  return meta;
}

inline std::vector<uint8_t> make_frame(LinkType link, const PacketMeta& meta, const std::vector<uint8_t>& sctp) {
  std::vector<uint8_t> frame;
  EXPECT_TRUE(build_frame(link, meta, sctp, frame));
  return frame;
}

inline void insert_at(std::vector<uint8_t>& frame, size_t offset, const std::vector<uint8_t>& bytes) {
  frame.insert(frame.begin() + static_cast<std::ptrdiff_t>(offset), bytes.begin(), bytes.end());
}

// Adds `words` 32-bit words of IPv4 options (NOPs, then end-of-list) to the IPv4 header at `ip`.
inline void add_ipv4_options(std::vector<uint8_t>& frame, size_t ip, size_t words) {
  std::vector<uint8_t> options(words * 4, 0x01);
  options.back() = 0x00;
  insert_at(frame, ip + 20, options);
  frame[ip] = static_cast<uint8_t>(0x40 | (5 + words));
  wire::store_u16(frame, ip + 2, static_cast<uint16_t>(wire::load_u16(frame, ip + 2) + options.size()));
}

// Inserts an IPv6 extension header of type `type` right after the fixed header at `ip`; `body`
// is everything after its next-header byte (length byte included), a multiple of 8 minus 1 long.
inline void add_ipv6_extension(std::vector<uint8_t>& frame, size_t ip, uint8_t type, std::vector<uint8_t> body) {
  std::vector<uint8_t> header{frame[ip + 6]};
  header.insert(header.end(), body.begin(), body.end());
  insert_at(frame, ip + 40, header);
  frame[ip + 6] = type;
  wire::store_u16(frame, ip + 4, static_cast<uint16_t>(wire::load_u16(frame, ip + 4) + header.size()));
}

// The outcome of decoding, with the bytes that the Frame's views point into.
struct Decoded {
  std::unique_ptr<std::vector<uint8_t>> bytes;
  std::variant<Frame, SkipReason> result;

  [[nodiscard]] bool delivered() const { return std::holds_alternative<Frame>(result); }
  [[nodiscard]] const Frame& frame() const { return std::get<Frame>(result); }
  [[nodiscard]] SkipReason reason() const {
    return delivered() ? static_cast<SkipReason>(0xFF) : std::get<SkipReason>(result);
  }
};

// Decodes a copy of the first `size` bytes in a heap buffer of exactly that size, so that ASan
// reports any read past the captured bytes.
inline Decoded decode_copy(int link_type, const std::vector<uint8_t>& frame, size_t size,
                           const std::vector<uint16_t>& ports = kDefaultPorts) {
  auto bytes = std::make_unique<std::vector<uint8_t>>(frame.begin(), frame.begin() + static_cast<std::ptrdiff_t>(size));
  RawPacket packet{7, {1700000000, 42}, *bytes, static_cast<uint32_t>(frame.size())};
  auto result = decode_frame(link_type, packet, ports);
  return {std::move(bytes), std::move(result)};
}

inline Decoded decode_whole(int link_type, const std::vector<uint8_t>& frame,
                            const std::vector<uint16_t>& ports = kDefaultPorts) {
  return decode_copy(link_type, frame, frame.size(), ports);
}

}  // namespace sctpkit::trace::testing
