// decode_frame on the IP and UDP layers: options, extension headers, fragments, ports, truncation.
#include <gtest/gtest.h>

#include "decode_test_util.h"

namespace sctpkit::trace {
namespace {

using testing::add_ipv4_options;
using testing::add_ipv6_extension;
using testing::decode_copy;
using testing::decode_whole;
using testing::make_frame;
using testing::sample_meta;
using testing::sample_sctp;
using wire::load_u16;
using wire::store_u16;

TEST(DecodeIpv4, OptionsAreSkippedAndKeptInTheHeaderView) {
  const auto sctp = sample_sctp(1, 2, 3);
  for (size_t words : {1u, 10u}) {  // IHL 6 and the maximum, 15
    auto frame = make_frame(LinkType::Raw, sample_meta(IpVersion::V4, false), sctp);
    add_ipv4_options(frame, 0, words);
    auto decoded = decode_whole(dlt::kRaw, frame);
    ASSERT_TRUE(decoded.delivered()) << to_string(decoded.reason());
    EXPECT_EQ(decoded.frame().ip.header.size(), 20 + 4 * words);
    EXPECT_EQ(decoded.frame().ip.length, 20 + 4 * words + sctp.size());
    EXPECT_EQ(decoded.frame().sctp_length, sctp.size());
    EXPECT_TRUE(std::equal(decoded.frame().sctp.begin(), decoded.frame().sctp.end(), sctp.begin(), sctp.end()));
  }
}

TEST(DecodeIpv4, ImpossibleHeadersAreMalformed) {
  const auto good = make_frame(LinkType::Raw, sample_meta(IpVersion::V4, false), sample_sctp(1, 2, 3));
  auto frame = good;
  frame[0] = 0x44;  // IHL 4: shorter than the fixed header
  EXPECT_EQ(decode_whole(dlt::kIpv4, frame).reason(), SkipReason::MalformedIp);
  frame = good;
  store_u16(frame, 2, 19);  // total length under the header length
  EXPECT_EQ(decode_whole(dlt::kRaw, frame).reason(), SkipReason::MalformedIp);
  frame = good;
  frame[0] = 0x4F;  // IHL 15 = 60 bytes, more than the 48 captured
  EXPECT_EQ(decode_whole(dlt::kRaw, frame).reason(), SkipReason::TruncatedIpHeader);
}

TEST(DecodeIpv4, LaterFragmentsOfSctpAreDeliveredWithoutSctpBytes) {
  const auto sctp = sample_sctp(1, 2, 3, 40);
  auto frame = make_frame(LinkType::Raw, sample_meta(IpVersion::V4, false), sctp);
  store_u16(frame, 6, 0x2000);  // MF, offset 0: the first fragment
  auto first = decode_whole(dlt::kRaw, frame);
  ASSERT_TRUE(first.delivered());
  EXPECT_TRUE(first.frame().ip.more_fragments);
  EXPECT_FALSE(first.frame().ip.dont_fragment);
  EXPECT_EQ(first.frame().sctp_length, sctp.size());

  // tcpdump prints a later fragment ("ip-proto-132"), so it is delivered, with no SCTP bytes.
  store_u16(frame, 6, 0x2003);  // MF, offset 3 * 8
  auto middle = decode_whole(dlt::kRaw, frame);
  ASSERT_TRUE(middle.delivered());
  EXPECT_EQ(middle.frame().ip.fragment_offset, 24);
  EXPECT_TRUE(middle.frame().sctp.empty());
  EXPECT_EQ(middle.frame().sctp_length, 0u);
  store_u16(frame, 6, 0x0001);  // the last fragment
  auto last = decode_whole(dlt::kRaw, frame);
  ASSERT_TRUE(last.delivered());
  EXPECT_FALSE(last.frame().ip.more_fragments);
  EXPECT_TRUE(last.frame().sctp.empty());

  // A first fragment of an encapsulated packet: UDP says more than this fragment holds.
  auto udp = make_frame(LinkType::Raw, sample_meta(IpVersion::V4, true), sctp);
  store_u16(udp, 6, 0x2000);
  store_u16(udp, 2, 20 + 8 + 16);  // this fragment carries 16 bytes of SCTP
  auto in_udp = decode_whole(dlt::kRaw, udp);
  ASSERT_TRUE(in_udp.delivered());
  EXPECT_EQ(in_udp.frame().sctp.size(), 16u);
  EXPECT_EQ(in_udp.frame().sctp_length, sctp.size());
  // A later fragment of UDP: its ports are in the first, so it cannot be told to carry SCTP.
  store_u16(udp, 6, 0x0003);
  EXPECT_EQ(decode_whole(dlt::kRaw, udp).reason(), SkipReason::LaterFragment);
}

TEST(DecodeUdp, OnlyEncapsulationPortsCarrySctp) {
  const auto sctp = sample_sctp(1, 2, 3);
  PacketMeta meta = sample_meta(IpVersion::V4, true);
  meta.udp = UdpPorts{40000, 9899};
  const auto to_9899 = make_frame(LinkType::Raw, meta, sctp);
  meta.udp = UdpPorts{9899, 40000};
  const auto from_9899 = make_frame(LinkType::Raw, meta, sctp);
  meta.udp = UdpPorts{53, 40000};
  const auto dns = make_frame(LinkType::Raw, meta, sctp);

  EXPECT_TRUE(decode_whole(dlt::kRaw, to_9899).delivered());
  EXPECT_TRUE(decode_whole(dlt::kRaw, from_9899).delivered());
  EXPECT_EQ(decode_whole(dlt::kRaw, dns).reason(), SkipReason::NotSctp);
  EXPECT_TRUE(decode_whole(dlt::kRaw, dns, {5000, 53}).delivered());
  EXPECT_EQ(decode_whole(dlt::kRaw, to_9899, {5000}).reason(), SkipReason::NotSctp);
  EXPECT_EQ(decode_whole(dlt::kRaw, to_9899, {}).reason(), SkipReason::NotSctp);
}

TEST(DecodeUdp, LengthUnderItsHeaderIsMalformed) {
  auto frame = make_frame(LinkType::Raw, sample_meta(IpVersion::V6, true), sample_sctp(1, 2, 3));
  store_u16(frame, 40 + 4, 7);
  EXPECT_EQ(decode_whole(dlt::kRaw, frame).reason(), SkipReason::MalformedUdp);
  // An IPv4 payload too short for a UDP header at all.
  auto v4 = make_frame(LinkType::Raw, sample_meta(IpVersion::V4, true), sample_sctp(1, 2, 3));
  store_u16(v4, 2, 20 + 4);
  EXPECT_EQ(decode_whole(dlt::kRaw, v4).reason(), SkipReason::MalformedUdp);
}

TEST(DecodeIp, OtherProtocolsAreNotSctp) {
  auto v4 = make_frame(LinkType::Raw, sample_meta(IpVersion::V4, false), sample_sctp(1, 2, 3));
  v4[9] = 6;  // TCP
  EXPECT_EQ(decode_whole(dlt::kRaw, v4).reason(), SkipReason::NotSctp);
  auto v6 = make_frame(LinkType::Raw, sample_meta(IpVersion::V6, false), sample_sctp(1, 2, 3));
  v6[6] = 58;  // ICMPv6
  EXPECT_EQ(decode_whole(dlt::kRaw, v6).reason(), SkipReason::NotSctp);
  v6[6] = 59;  // no next header
  EXPECT_EQ(decode_whole(dlt::kRaw, v6).reason(), SkipReason::NotSctp);
}

// Hop-by-hop, routing, destination options and a first-fragment header before UDP-encapsulated SCTP.
std::vector<uint8_t> ipv6_with_extensions(const std::vector<uint8_t>& sctp) {
  auto frame = make_frame(LinkType::Ethernet, sample_meta(IpVersion::V6, true), sctp);
  const size_t ip = 14;
  add_ipv6_extension(frame, ip, 44, {0, 0x00, 0x01, 0, 0, 0, 42});            // fragment: offset 0, M
  add_ipv6_extension(frame, ip, 60, {0, 1, 4, 0, 0, 0, 0});                   // destination options, PadN
  std::vector<uint8_t> routing{2, 0, 0, 0, 0, 0, 0};                          // 24 bytes, type 0
  routing.resize(23, 0x11);
  add_ipv6_extension(frame, ip, 43, routing);
  add_ipv6_extension(frame, ip, 0, {0, 1, 4, 0, 0, 0, 0});                    // hop-by-hop, PadN
  return frame;
}

TEST(DecodeIpv6, WalksExtensionHeaders) {
  const auto sctp = sample_sctp(1, 2, 3, 21);
  const auto frame = ipv6_with_extensions(sctp);
  auto decoded = decode_whole(dlt::kEthernet, frame);
  ASSERT_TRUE(decoded.delivered()) << to_string(decoded.reason());
  const Frame& f = decoded.frame();
  EXPECT_EQ(f.ip.header.size(), 40u + 8 + 24 + 8 + 8);
  EXPECT_EQ(f.ip.protocol, 17);
  EXPECT_EQ(f.ip.length, 48 + 8 + sctp.size());
  ASSERT_TRUE(f.udp);
  EXPECT_EQ(f.sctp_length, sctp.size());
  EXPECT_TRUE(std::equal(f.sctp.begin(), f.sctp.end(), sctp.begin(), sctp.end()));
}

// RFC 4302 2.2: AH gives its length in 4-octet units minus 2 (here 24 bytes with a 12-byte ICV), and
// the link layer's length of the IP packet is kept for the truncated-ip6 warning.
TEST(DecodeIpv6, WalksAnAuthenticationHeader) {
  const auto sctp = sample_sctp(1, 2, 3);
  auto frame = make_frame(LinkType::Raw, sample_meta(IpVersion::V6, false), sctp);
  std::vector<uint8_t> ah{4, 0, 0, 0, 0, 0x10, 0x01, 0, 0, 0, 7};
  ah.resize(23, 0xab);
  add_ipv6_extension(frame, 0, 51, ah);
  auto decoded = decode_whole(dlt::kRaw, frame);
  ASSERT_TRUE(decoded.delivered()) << to_string(decoded.reason());
  const Frame& f = decoded.frame();
  EXPECT_EQ(f.ip.header.size(), 40u + 24);
  EXPECT_EQ(f.ip.protocol, 132);
  EXPECT_EQ(f.ip.link_length, frame.size());
  EXPECT_TRUE(std::equal(f.sctp.begin(), f.sctp.end(), sctp.begin(), sctp.end()));
}

TEST(DecodeIpv6, FragmentsAreMarkedAndOverlongExtensionsSkipped) {
  auto frame = make_frame(LinkType::Raw, sample_meta(IpVersion::V6, false), sample_sctp(1, 2, 3));
  add_ipv6_extension(frame, 0, 44, {0, 0x00, 0x09, 0, 0, 0, 42});  // offset 8 bytes, M
  auto later = decode_whole(dlt::kRaw, frame);
  ASSERT_TRUE(later.delivered());  // tcpdump prints it ("frag (8|N)")
  EXPECT_EQ(later.frame().ip.fragment_offset, 8);
  EXPECT_TRUE(later.frame().ip.more_fragments);
  EXPECT_TRUE(later.frame().sctp.empty());
  EXPECT_EQ(later.frame().ip.header.size(), 48u);

  // The first fragment carries SCTP and says that more follows (so --check leaves its CRC alone).
  auto first = make_frame(LinkType::Raw, sample_meta(IpVersion::V6, false), sample_sctp(1, 2, 3));
  add_ipv6_extension(first, 0, 44, {0, 0x00, 0x01, 0, 0, 0, 42});
  auto decoded_first = decode_whole(dlt::kRaw, first);
  ASSERT_TRUE(decoded_first.delivered());
  EXPECT_EQ(decoded_first.frame().ip.fragment_offset, 0);
  EXPECT_TRUE(decoded_first.frame().ip.more_fragments);
  EXPECT_FALSE(decoded_first.frame().sctp.empty());

  auto udp = make_frame(LinkType::Raw, sample_meta(IpVersion::V6, true), sample_sctp(1, 2, 3));
  add_ipv6_extension(udp, 0, 44, {0, 0x00, 0x08, 0, 0, 0, 42});
  EXPECT_EQ(decode_whole(dlt::kRaw, udp).reason(), SkipReason::LaterFragment);

  auto overlong = make_frame(LinkType::Raw, sample_meta(IpVersion::V6, false), sample_sctp(1, 2, 3));
  add_ipv6_extension(overlong, 0, 60, {0, 1, 4, 0, 0, 0, 0});
  store_u16(overlong, 4, 4);  // payload length ends inside the extension header
  EXPECT_EQ(decode_whole(dlt::kRaw, overlong).reason(), SkipReason::MalformedIp);
}

// Cuts a frame after every byte. Up to the end of the last header the frame is skipped, with the
// reason naming the header it ends in; from there on it is delivered with the SCTP bytes it has.
// The decoder reads a copy of exactly the cut size, so ASan catches any overread.
struct Layout {
  size_t link_end;       // where the IP header starts
  size_t ip_end;         // where the UDP header or SCTP starts
  size_t transport_end;  // where SCTP starts
};

void expect_truncation_handled(int link_type, const std::vector<uint8_t>& frame, Layout layout,
                               size_t sctp_size) {
  for (size_t cut = 0; cut <= frame.size(); ++cut) {
    SCOPED_TRACE("cut at " + std::to_string(cut));
    auto decoded = decode_copy(link_type, frame, cut);
    if (cut < layout.link_end) {
      EXPECT_EQ(decoded.reason(), SkipReason::TruncatedLinkHeader);
    } else if (cut < layout.ip_end) {
      EXPECT_EQ(decoded.reason(), SkipReason::TruncatedIpHeader);
    } else if (cut < layout.transport_end) {
      EXPECT_EQ(decoded.reason(), SkipReason::TruncatedUdpHeader);
    } else {
      ASSERT_TRUE(decoded.delivered()) << to_string(decoded.reason());
      EXPECT_EQ(decoded.frame().sctp.size(), cut - layout.transport_end);
      EXPECT_EQ(decoded.frame().sctp_length, sctp_size);
      EXPECT_EQ(decoded.frame().captured_length, cut);
      EXPECT_EQ(decoded.frame().wire_length, frame.size());
    }
  }
}

TEST(DecodeTruncation, EveryHeaderBoundaryOfEveryWriterFrame) {
  const auto sctp = sample_sctp(1, 2, 3, 3);
  const std::pair<LinkType, size_t> links[] = {{LinkType::Ethernet, 14}, {LinkType::Raw, 0}, {LinkType::Null, 4},
                                               {LinkType::LinuxSll, 16}, {LinkType::LinuxSll2, 20}};
  for (const auto& [link, link_size] : links) {
    for (IpVersion version : {IpVersion::V4, IpVersion::V6}) {
      for (bool udp : {false, true}) {
        SCOPED_TRACE(std::string(to_string(link)) + (version == IpVersion::V4 ? " v4" : " v6") +
                     (udp ? " udp" : " direct"));
        const auto frame = make_frame(link, sample_meta(version, udp), sctp);
        const size_t ip_end = link_size + (version == IpVersion::V4 ? 20 : 40);
        expect_truncation_handled(dlt_of(link), frame, {link_size, ip_end, ip_end + (udp ? 8 : 0)}, sctp.size());
      }
    }
  }
}

TEST(DecodeTruncation, VlanOptionsAndExtensionHeaders) {
  const auto sctp = sample_sctp(1, 2, 3, 3);
  auto v4 = make_frame(LinkType::Ethernet, sample_meta(IpVersion::V4, true), sctp);
  testing::insert_at(v4, 12, {0x81, 0x00, 0x00, 0x07});
  add_ipv4_options(v4, 18, 3);
  expect_truncation_handled(dlt::kEthernet, v4, {18, 18 + 32, 18 + 32 + 8}, sctp.size());

  const auto v6 = ipv6_with_extensions(sctp);
  expect_truncation_handled(dlt::kEthernet, v6, {14, 14 + 88, 14 + 88 + 8}, sctp.size());
}

}  // namespace
}  // namespace sctpkit::trace
