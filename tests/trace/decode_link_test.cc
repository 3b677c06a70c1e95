// decode_frame on each link layer: what the writer produces, VLAN tags, loopback families.
#include <gtest/gtest.h>

#include <cstring>

#include "decode_test_util.h"

namespace sctpkit::trace {
namespace {

using testing::decode_copy;
using testing::decode_whole;
using testing::make_frame;
using testing::sample_meta;
using testing::sample_sctp;

TEST(DecodeLink, DltConstantsAgreeWithLibpcap) {
  EXPECT_EQ(dlt_of(LinkType::Ethernet), dlt::kEthernet);
  EXPECT_EQ(dlt_of(LinkType::Raw), dlt::kRaw);
  EXPECT_EQ(dlt_of(LinkType::Null), dlt::kNull);
  EXPECT_EQ(dlt_of(LinkType::LinuxSll), dlt::kLinuxSll);
  EXPECT_EQ(dlt_of(LinkType::LinuxSll2), dlt::kLinuxSll2);
  for (int supported : {0, 1, 12, 101, 108, 113, 228, 229, 276}) EXPECT_TRUE(is_supported_link_type(supported));
  EXPECT_FALSE(is_supported_link_type(105));  // IEEE 802.11
}

struct Case {
  LinkType link;
  IpVersion version;
  bool udp;
};

class DecodeWriterFrames : public ::testing::TestWithParam<Case> {};

// Every field of Frame, IpInfo and UdpInfo, for every combination the writer makes.
TEST_P(DecodeWriterFrames, FillsEveryField) {
  const Case c = GetParam();
  const auto sctp = sample_sctp(5000, 30102, 0xABCD, 11);
  PacketMeta meta = sample_meta(c.version, c.udp);
  meta.ip_id = 0xBEEF;
  meta.tos = 0x2C;
  meta.ttl = 17;
  meta.flow_label = 0x12345;
  const auto bytes = make_frame(c.link, meta, sctp);
  const auto decoded = decode_whole(dlt_of(c.link), bytes);
  ASSERT_TRUE(decoded.delivered()) << to_string(decoded.reason());
  const Frame& f = decoded.frame();

  EXPECT_EQ(f.number, 7u);
  EXPECT_EQ(f.timestamp.seconds, 1700000000);
  EXPECT_EQ(f.timestamp.microseconds, 42);
  EXPECT_EQ(f.captured_length, bytes.size());
  EXPECT_EQ(f.wire_length, bytes.size());

  const bool v4 = c.version == IpVersion::V4;
  const size_t ip_header = v4 ? 20 : 40;
  const size_t transport = sctp.size() + (c.udp ? 8 : 0);
  EXPECT_EQ(f.ip.version, c.version);
  EXPECT_EQ(f.ip.source, meta.source.bytes);
  EXPECT_EQ(f.ip.destination, meta.destination.bytes);
  EXPECT_EQ(f.ip.tos, 0x2C);
  EXPECT_EQ(f.ip.ttl, 17);
  EXPECT_EQ(f.ip.id, v4 ? 0xBEEF : 0);
  EXPECT_EQ(f.ip.fragment_offset, 0);
  EXPECT_EQ(f.ip.dont_fragment, v4);
  EXPECT_FALSE(f.ip.more_fragments);
  EXPECT_EQ(f.ip.flow_label, v4 ? 0u : 0x12345u);
  EXPECT_EQ(f.ip.length, v4 ? ip_header + transport : transport);
  EXPECT_EQ(f.ip.protocol, c.udp ? 17 : 132);
  EXPECT_EQ(f.ip.header.size(), ip_header);
  EXPECT_EQ(f.ip.header.data(), decoded.bytes->data() + (bytes.size() - ip_header - transport));

  if (c.udp) {
    ASSERT_TRUE(f.udp);
    EXPECT_EQ(f.udp->source_port, 9899);
    EXPECT_EQ(f.udp->destination_port, 40000);
    EXPECT_EQ(f.udp->length, transport);
    const size_t udp_at = bytes.size() - transport;
    EXPECT_EQ(f.udp->checksum, wire::load_u16(bytes, udp_at + 6));
    EXPECT_NE(f.udp->checksum, 0);
  } else {
    EXPECT_FALSE(f.udp);
  }
  EXPECT_EQ(f.sctp_length, sctp.size());
  EXPECT_TRUE(std::equal(f.sctp.begin(), f.sctp.end(), sctp.begin(), sctp.end()));
}

std::vector<Case> all_cases() {
  std::vector<Case> cases;
  for (LinkType link : {LinkType::Ethernet, LinkType::Raw, LinkType::Null, LinkType::LinuxSll, LinkType::LinuxSll2}) {
    for (IpVersion version : {IpVersion::V4, IpVersion::V6}) {
      for (bool udp : {false, true}) cases.push_back({link, version, udp});
    }
  }
  return cases;
}

std::string case_name(const ::testing::TestParamInfo<Case>& info) {
  std::string name(to_string(info.param.link));
  name += info.param.version == IpVersion::V4 ? "_v4" : "_v6";
  name += info.param.udp ? "_udp" : "_direct";
  return name;
}

INSTANTIATE_TEST_SUITE_P(AllLinks, DecodeWriterFrames, ::testing::ValuesIn(all_cases()), case_name);

TEST(DecodeLink, VlanTagsAreSkippedOnEthernetAndCookedHeaders) {
  const auto sctp = sample_sctp(1, 2, 3);
  auto ethernet = make_frame(LinkType::Ethernet, sample_meta(IpVersion::V4, false), sctp);
  testing::insert_at(ethernet, 12, {0x81, 0x00, 0x00, 0x64});  // 802.1Q, VLAN 100
  auto single = decode_whole(dlt::kEthernet, ethernet);
  ASSERT_TRUE(single.delivered()) << to_string(single.reason());
  EXPECT_EQ(single.frame().sctp_length, sctp.size());

  testing::insert_at(ethernet, 12, {0x88, 0xA8, 0x00, 0x0A});  // 802.1ad outer tag
  auto double_tagged = decode_whole(dlt::kEthernet, ethernet);
  ASSERT_TRUE(double_tagged.delivered());
  EXPECT_TRUE(std::equal(double_tagged.frame().sctp.begin(), double_tagged.frame().sctp.end(), sctp.begin(),
                         sctp.end()));
  // Cut inside the inner tag: 14 + 4 + 2 bytes.
  EXPECT_EQ(decode_copy(dlt::kEthernet, ethernet, 20).reason(), SkipReason::TruncatedLinkHeader);

  auto cooked = make_frame(LinkType::LinuxSll, sample_meta(IpVersion::V6, true), sctp);
  // In SLL the protocol field is at 14; a tag goes after it, carrying the real EtherType.
  testing::insert_at(cooked, 16, {0x00, 0x05, 0x86, 0xDD});
  cooked[14] = 0x81;
  cooked[15] = 0x00;
  auto sll = decode_whole(dlt::kLinuxSll, cooked);
  ASSERT_TRUE(sll.delivered()) << to_string(sll.reason());
  EXPECT_EQ(sll.frame().ip.version, IpVersion::V6);
  EXPECT_TRUE(sll.frame().udp);
}

TEST(DecodeLink, EthernetPaddingIsNotPartOfTheSctpPacket) {
  // A small packet in a minimum-size (60-byte) Ethernet frame: the IP length bounds the payload.
  std::vector<uint8_t> tiny(12, 0);  // a bare common header
  auto frame = make_frame(LinkType::Ethernet, sample_meta(IpVersion::V4, false), tiny);
  ASSERT_EQ(frame.size(), 46u);
  frame.resize(60, 0);
  auto decoded = decode_whole(dlt::kEthernet, frame);
  ASSERT_TRUE(decoded.delivered());
  EXPECT_EQ(decoded.frame().sctp.size(), 12u);
  EXPECT_EQ(decoded.frame().sctp_length, 12u);
  EXPECT_EQ(decoded.frame().captured_length, 60u);
}

TEST(DecodeLink, NonIpFramesAreSkipped) {
  auto frame = make_frame(LinkType::Ethernet, sample_meta(IpVersion::V4, false), sample_sctp(1, 2, 3));
  frame[12] = 0x08;
  frame[13] = 0x06;  // ARP
  EXPECT_EQ(decode_whole(dlt::kEthernet, frame).reason(), SkipReason::NotIp);
  frame[12] = 0x00;
  frame[13] = 0x40;  // an 802.3 length: LLC follows
  EXPECT_EQ(decode_whole(dlt::kEthernet, frame).reason(), SkipReason::NotIp);
  EXPECT_EQ(decode_whole(105, frame).reason(), SkipReason::UnsupportedLinkType);

  auto raw = make_frame(LinkType::Raw, sample_meta(IpVersion::V4, false), sample_sctp(1, 2, 3));
  raw[0] = 0x55;  // IP version 5
  EXPECT_EQ(decode_whole(dlt::kRaw, raw).reason(), SkipReason::NotIp);
}

TEST(DecodeLink, RawAndIpLinkTypesNeedNoLinkHeader) {
  const auto v4 = make_frame(LinkType::Raw, sample_meta(IpVersion::V4, false), sample_sctp(1, 2, 3));
  const auto v6 = make_frame(LinkType::Raw, sample_meta(IpVersion::V6, false), sample_sctp(1, 2, 3));
  EXPECT_TRUE(decode_whole(dlt::kLinktypeRaw, v4).delivered());
  EXPECT_TRUE(decode_whole(dlt::kIpv4, v4).delivered());
  EXPECT_TRUE(decode_whole(dlt::kIpv6, v6).delivered());
  // LINKTYPE_IPV4 promises IPv4: an IPv6 packet there is malformed, not silently reinterpreted.
  EXPECT_EQ(decode_whole(dlt::kIpv4, v6).reason(), SkipReason::MalformedIp);
  EXPECT_EQ(decode_whole(dlt::kIpv6, v4).reason(), SkipReason::MalformedIp);
  EXPECT_EQ(decode_copy(dlt::kRaw, v4, 0).reason(), SkipReason::TruncatedIpHeader);
}

std::vector<uint8_t> loopback_frame(uint32_t family_field, IpVersion version, bool network_order) {
  auto frame = make_frame(LinkType::Raw, sample_meta(version, false), sample_sctp(1, 2, 3));
  std::vector<uint8_t> header(4);
  if (network_order) {
    wire::store_u32(header, 0, family_field);
  } else {
    std::memcpy(header.data(), &family_field, 4);
  }
  testing::insert_at(frame, 0, header);
  return frame;
}

TEST(DecodeLink, LoopbackFamiliesOfEveryOsInEitherByteOrder) {
  for (uint32_t family : {10u, 24u, 28u, 30u}) {
    for (bool swapped : {false, true}) {
      const uint32_t field = swapped ? __builtin_bswap32(family) : family;
      auto decoded = decode_whole(dlt::kNull, loopback_frame(field, IpVersion::V6, false));
      ASSERT_TRUE(decoded.delivered()) << "family " << family << (swapped ? " swapped" : "");
      EXPECT_EQ(decoded.frame().ip.version, IpVersion::V6);
    }
    auto loop = decode_whole(dlt::kLoop, loopback_frame(family, IpVersion::V6, true));
    ASSERT_TRUE(loop.delivered()) << "DLT_LOOP family " << family;
  }
  auto v4 = decode_whole(dlt::kNull, loopback_frame(__builtin_bswap32(2u), IpVersion::V4, false));
  ASSERT_TRUE(v4.delivered());
  EXPECT_EQ(v4.frame().ip.version, IpVersion::V4);
  EXPECT_TRUE(decode_whole(dlt::kLoop, loopback_frame(2, IpVersion::V4, true)).delivered());
  EXPECT_EQ(decode_whole(dlt::kNull, loopback_frame(7, IpVersion::V4, false)).reason(), SkipReason::NotIp);
  // DLT_LOOP is always network order: a little-endian 2 is family 0x02000000, not IPv4.
  EXPECT_EQ(decode_whole(dlt::kLoop, loopback_frame(2, IpVersion::V4, false)).reason(), SkipReason::NotIp);
  EXPECT_EQ(decode_copy(dlt::kNull, loopback_frame(2, IpVersion::V4, false), 3).reason(),
            SkipReason::TruncatedLinkHeader);
}

}  // namespace
}  // namespace sctpkit::trace
