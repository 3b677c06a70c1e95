#include "trace/pcap_writer.h"

#include <gtest/gtest.h>
#include <pcap/pcap.h>

#include <sstream>

#include "capture_test_util.h"

namespace sctpkit::trace {
namespace {

using testing::run_command;
using testing::sample_sctp;
using wire::Bytes;
using wire::load_u16;
using wire::load_u32;

const IpAddress kV4Source = IpAddress::v4(10, 0, 0, 1);
const IpAddress kV4Destination = IpAddress::v4(10, 0, 0, 2);
const IpAddress kV6Source = *IpAddress::parse("2001:db8::1");
const IpAddress kV6Destination = *IpAddress::parse("2001:db8::2");

PacketMeta meta_for(IpVersion version, bool udp) {
  PacketMeta meta;
  meta.timestamp = {1700000000, 123456};
  meta.source = version == IpVersion::V4 ? kV4Source : kV6Source;
  meta.destination = version == IpVersion::V4 ? kV4Destination : kV6Destination;
  if (udp) meta.udp = UdpPorts{40000, kDefaultUdpEncapsulationPort};
  return meta;
}

TEST(InternetChecksum, MatchesKnownVectors) {
  // A textbook IPv4 header with its checksum field zeroed; its checksum is 0xB861.
  const std::vector<uint8_t> header{0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11,
                                    0x00, 0x00, 0xc0, 0xa8, 0x00, 0x01, 0xc0, 0xa8, 0x00, 0xc7};
  EXPECT_EQ(internet_checksum({header}), 0xB861);
  // RFC 1071 1.2's example words sum to 0xDDF2; split across parts, and with an odd tail.
  const std::vector<uint8_t> a{0x00, 0x01, 0xf2, 0x03};
  const std::vector<uint8_t> b{0xf4, 0xf5, 0xf6, 0xf7};
  EXPECT_EQ(internet_checksum({a, b}), static_cast<uint16_t>(~0xDDF2));
  const std::vector<uint8_t> odd{0x00, 0x01, 0xf2};  // 0x0001 + 0xf200
  EXPECT_EQ(internet_checksum({odd}), static_cast<uint16_t>(~0xF201));
}

TEST(IpAddressParse, AcceptsBothFamiliesAndRejectsJunk) {
  auto v4 = IpAddress::parse("192.0.2.7");
  ASSERT_TRUE(v4);
  EXPECT_EQ(v4->version, IpVersion::V4);
  EXPECT_EQ(v4->bytes[0], 192);
  EXPECT_EQ(v4->bytes[3], 7);
  auto v6 = IpAddress::parse("fe80::1");
  ASSERT_TRUE(v6);
  EXPECT_EQ(v6->version, IpVersion::V6);
  EXPECT_EQ(v6->bytes[0], 0xfe);
  EXPECT_EQ(v6->bytes[15], 1);
  EXPECT_FALSE(IpAddress::parse("10.0.0"));
  EXPECT_FALSE(IpAddress::parse("not an address"));
}

TEST(BuildFrame, EthernetIpv4CarriesSctpDirectly) {
  const auto sctp = sample_sctp(5000, 30102, 0xCAFE);
  PacketMeta meta = meta_for(IpVersion::V4, false);
  meta.ip_id = 0x1234;
  meta.tos = 0x10;
  std::vector<uint8_t> frame;
  ASSERT_TRUE(build_frame(LinkType::Ethernet, meta, sctp, frame));
  ASSERT_EQ(frame.size(), 14 + 20 + sctp.size());
  EXPECT_TRUE(std::equal(kDestinationMac.begin(), kDestinationMac.end(), frame.begin()));
  EXPECT_TRUE(std::equal(kSourceMac.begin(), kSourceMac.end(), frame.begin() + 6));
  EXPECT_EQ(load_u16(frame, 12), 0x0800);
  const Bytes ip = Bytes(frame).subspan(14);
  EXPECT_EQ(ip[0], 0x45);
  EXPECT_EQ(ip[1], 0x10);
  EXPECT_EQ(load_u16(ip, 2), 20 + sctp.size());
  EXPECT_EQ(load_u16(ip, 4), 0x1234);
  EXPECT_EQ(load_u16(ip, 6), 0x4000);  // DF, no offset
  EXPECT_EQ(ip[8], 64);
  EXPECT_EQ(ip[9], 132);
  EXPECT_EQ(load_u32(ip, 12), 0x0A000001u);
  EXPECT_EQ(load_u32(ip, 16), 0x0A000002u);
  EXPECT_EQ(internet_checksum({ip.first(20)}), 0);  // a correct header sums to all ones
  EXPECT_NE(load_u16(ip, 10), 0);
  EXPECT_TRUE(std::equal(sctp.begin(), sctp.end(), ip.begin() + 20));
}

TEST(BuildFrame, Ipv6UdpHasLengthsAndAValidChecksum) {
  const auto sctp = sample_sctp(5000, 30102, 0xCAFE, 7);  // odd SCTP size exercises the odd tail
  PacketMeta meta = meta_for(IpVersion::V6, true);
  meta.tos = 0xB8;
  meta.flow_label = 0xABCDE;
  meta.ttl = 3;
  std::vector<uint8_t> frame;
  ASSERT_TRUE(build_frame(LinkType::Raw, meta, sctp, frame));
  ASSERT_EQ(frame.size(), 40 + 8 + sctp.size());
  const Bytes ip(frame);
  EXPECT_EQ(load_u32(ip, 0), (6u << 28) | (0xB8u << 20) | 0xABCDEu);
  EXPECT_EQ(load_u16(ip, 4), 8 + sctp.size());
  EXPECT_EQ(ip[6], 17);
  EXPECT_EQ(ip[7], 3);
  EXPECT_TRUE(std::equal(kV6Source.bytes.begin(), kV6Source.bytes.end(), ip.begin() + 8));
  EXPECT_TRUE(std::equal(kV6Destination.bytes.begin(), kV6Destination.bytes.end(), ip.begin() + 24));
  const Bytes udp = ip.subspan(40);
  EXPECT_EQ(load_u16(udp, 0), 40000);
  EXPECT_EQ(load_u16(udp, 2), 9899);
  EXPECT_EQ(load_u16(udp, 4), 8 + sctp.size());
  EXPECT_NE(load_u16(udp, 6), 0);  // mandatory over IPv6
  std::vector<uint8_t> pseudo(40, 0);
  std::copy(ip.begin() + 8, ip.begin() + 40, pseudo.begin());
  wire::store_u32(pseudo, 32, static_cast<uint32_t>(udp.size()));
  pseudo[39] = 17;
  EXPECT_EQ(internet_checksum({pseudo, udp}), 0);
}

TEST(BuildFrame, Ipv4UdpChecksumCoversThePseudoHeader) {
  const auto sctp = sample_sctp(1, 2, 3);
  std::vector<uint8_t> frame;
  ASSERT_TRUE(build_frame(LinkType::Raw, meta_for(IpVersion::V4, true), sctp, frame));
  const Bytes ip(frame);
  EXPECT_EQ(ip[9], 17);
  const Bytes udp = ip.subspan(20);
  const std::vector<uint8_t> pseudo{10, 0, 0, 1, 10, 0, 0, 2, 0, 17, 0, static_cast<uint8_t>(udp.size())};
  EXPECT_EQ(internet_checksum({pseudo, udp}), 0);
}

TEST(BuildFrame, WritesEachLinkHeader) {
  const auto sctp = sample_sctp(1, 2, 3);
  std::vector<uint8_t> frame;
  PacketMeta meta = meta_for(IpVersion::V6, false);

  ASSERT_TRUE(build_frame(LinkType::Null, meta, sctp, frame));
  uint32_t family = 0;
  std::memcpy(&family, frame.data(), 4);  // host byte order
  EXPECT_EQ(family, 24u);
  EXPECT_EQ(frame[4] >> 4, 6);

  meta.outgoing = true;
  ASSERT_TRUE(build_frame(LinkType::LinuxSll, meta, sctp, frame));
  EXPECT_EQ(load_u16(frame, 0), 4);  // PACKET_OUTGOING
  EXPECT_EQ(load_u16(frame, 2), 1);  // ARPHRD_ETHER
  EXPECT_EQ(load_u16(frame, 4), 6);
  EXPECT_TRUE(std::equal(kSourceMac.begin(), kSourceMac.end(), frame.begin() + 6));
  EXPECT_EQ(load_u16(frame, 14), 0x86DD);
  EXPECT_EQ(frame[16] >> 4, 6);

  meta.outgoing = false;
  ASSERT_TRUE(build_frame(LinkType::LinuxSll2, meta_for(IpVersion::V4, false), sctp, frame));
  EXPECT_EQ(load_u16(frame, 0), 0x0800);
  EXPECT_EQ(load_u32(frame, 4), 1u);  // interface index
  EXPECT_EQ(load_u16(frame, 8), 1);   // ARPHRD_ETHER
  EXPECT_EQ(frame[10], 0);            // PACKET_HOST
  EXPECT_EQ(frame[11], 6);
  EXPECT_EQ(frame[20], 0x45);
}

TEST(BuildFrame, RefusesWhatTheHeadersCannotSay) {
  std::vector<uint8_t> frame{1, 2, 3};
  PacketMeta mixed = meta_for(IpVersion::V4, false);
  mixed.destination = kV6Destination;
  EXPECT_FALSE(build_frame(LinkType::Raw, mixed, sample_sctp(1, 2, 3), frame));
  EXPECT_TRUE(frame.empty());

  const std::vector<uint8_t> huge(65535 - 20 - 8 + 1, 0);
  EXPECT_FALSE(build_frame(LinkType::Raw, meta_for(IpVersion::V4, true), huge, frame));
  const std::vector<uint8_t> fits(65535 - 20 - 8, 0);
  EXPECT_TRUE(build_frame(LinkType::Raw, meta_for(IpVersion::V4, true), fits, frame));
  const std::vector<uint8_t> v6_fits(65535 - 8, 0);  // IPv6 payload length excludes its header
  EXPECT_TRUE(build_frame(LinkType::Raw, meta_for(IpVersion::V6, true), v6_fits, frame));
}

struct Record {
  pcap_pkthdr header;
  std::vector<uint8_t> data;
};

std::vector<Record> read_records(const std::string& path, int* dlt) {
  std::array<char, PCAP_ERRBUF_SIZE> error{};
  pcap_t* handle = pcap_open_offline(path.c_str(), error.data());
  EXPECT_NE(handle, nullptr) << error.data();
  std::vector<Record> records;
  if (handle == nullptr) return records;
  *dlt = pcap_datalink(handle);
  pcap_pkthdr* header = nullptr;
  const u_char* data = nullptr;
  while (pcap_next_ex(handle, &header, &data) == 1) {
    records.push_back({*header, std::vector<uint8_t>(data, data + header->caplen)});
  }
  pcap_close(handle);
  return records;
}

TEST(PcapWriter, WritesRecordsLibpcapReadsBack) {
  testing::ScratchDir dir("writer-records");
  const std::string path = dir.file("out.pcap");
  auto opened = PcapWriter::open(path, LinkType::LinuxSll2);
  ASSERT_TRUE(std::holds_alternative<PcapWriter>(opened));
  auto& writer = std::get<PcapWriter>(opened);
  const auto sctp = sample_sctp(5000, 30102, 7, 100);

  PacketMeta meta = meta_for(IpVersion::V4, false);
  ASSERT_TRUE(writer.write(meta, sctp));
  meta.timestamp = {1700000001, 999999};
  meta.snaplen = 20 + 20 + 10;  // cut inside the SCTP common header
  ASSERT_TRUE(writer.write(meta, sctp));
  const std::vector<uint8_t> junk{0xde, 0xad, 0xbe, 0xef};
  writer.write_raw({5, 6}, junk, 1500);
  EXPECT_FALSE(writer.close());

  int dlt = -1;
  auto records = read_records(path, &dlt);
  EXPECT_EQ(dlt, DLT_LINUX_SLL2);
  ASSERT_EQ(records.size(), 3u);
  const size_t full = 20 + 20 + sctp.size();
  EXPECT_EQ(records[0].header.caplen, full);
  EXPECT_EQ(records[0].header.len, full);
  EXPECT_EQ(records[0].header.ts.tv_sec, 1700000000);
  EXPECT_EQ(records[0].header.ts.tv_usec, 123456);
  EXPECT_TRUE(std::equal(sctp.begin(), sctp.end(), records[0].data.begin() + 40));
  EXPECT_EQ(records[1].header.caplen, 50u);
  EXPECT_EQ(records[1].header.len, full);
  EXPECT_EQ(records[1].header.ts.tv_usec, 999999);
  EXPECT_EQ(records[2].data, junk);
  EXPECT_EQ(records[2].header.len, 1500u);
}

TEST(PcapWriter, FileSnaplenCapsEveryRecord) {
  testing::ScratchDir dir("writer-snaplen");
  const std::string path = dir.file("out.pcap");
  auto opened = PcapWriter::open(path, LinkType::Raw, 64);
  ASSERT_TRUE(std::holds_alternative<PcapWriter>(opened));
  ASSERT_TRUE(std::get<PcapWriter>(opened).write(meta_for(IpVersion::V4, false), sample_sctp(1, 2, 3, 200)));
  EXPECT_FALSE(std::get<PcapWriter>(opened).close());
  int dlt = -1;
  auto records = read_records(path, &dlt);
  EXPECT_EQ(dlt, DLT_RAW);
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].header.caplen, 64u);
  EXPECT_GT(records[0].header.len, 200u);
}

TEST(PcapWriter, UnwritablePathIsAWriteError) {
  auto opened = PcapWriter::open("/nonexistent-dir/x.pcap", LinkType::Ethernet);
  ASSERT_TRUE(std::holds_alternative<CaptureError>(opened));
  EXPECT_EQ(std::get<CaptureError>(opened).kind, CaptureError::Kind::Write);
  EXPECT_NE(std::get<CaptureError>(opened).message.find("/nonexistent-dir/x.pcap"), std::string::npos);
}

// tcpdump and tshark are the oracles: every link type, both IP versions, direct and in UDP.
class WriterOracle : public ::testing::TestWithParam<LinkType> {};

TEST_P(WriterOracle, TcpdumpAndTsharkAcceptTheFile) {
  if (!testing::have_program("tcpdump") || !testing::have_program("tshark")) {
    GTEST_SKIP() << "tcpdump or tshark not installed";
  }
  testing::ScratchDir dir(std::string("writer-oracle-") + std::string(to_string(GetParam())));
  const std::string path = dir.file("out.pcap");
  auto opened = PcapWriter::open(path, GetParam());
  ASSERT_TRUE(std::holds_alternative<PcapWriter>(opened));
  auto& writer = std::get<PcapWriter>(opened);
  const auto sctp = sample_sctp(5000, 30102, 0x1234, 9);
  for (IpVersion version : {IpVersion::V4, IpVersion::V6}) {
    for (bool udp : {false, true}) {
      PacketMeta meta = meta_for(version, udp);
      meta.ip_id = 77;
      ASSERT_TRUE(writer.write(meta, sctp));
    }
  }
  ASSERT_FALSE(writer.close());

  auto dump = run_command("tcpdump -nn -r " + path);
  ASSERT_EQ(dump.status, 0) << dump.output;
  const std::string udp_length = "UDP, length " + std::to_string(sctp.size());
  for (const std::string& expected : std::vector<std::string>{
           "IP 10.0.0.1.5000 > 10.0.0.2.30102: sctp (1) [DATA] (B)(E) [TSN: 1000]",
        "IP 10.0.0.1.40000 > 10.0.0.2.9899: " + udp_length,
        "IP6 2001:db8::1.5000 > 2001:db8::2.30102: sctp (1) [DATA] (B)(E) [TSN: 1000]",
        "IP6 2001:db8::1.40000 > 2001:db8::2.9899: " + udp_length}) {
    EXPECT_NE(dump.output.find(expected), std::string::npos) << "missing: " << expected << "\n" << dump.output;
  }

  // Checksum status 1 is "Good"; tshark decodes UDP 9899 as SCTP, so every frame has an SCTP CRC.
  auto shark = run_command("tshark -r " + path +
                           " -o ip.check_checksum:TRUE -o udp.check_checksum:TRUE -o sctp.checksum:CRC-32C"
                           " -T fields -E separator=, -e ip.checksum.status -e udp.checksum.status"
                           " -e sctp.checksum.status -e sctp.verification_tag",
                           /*keep_stderr=*/false);
  ASSERT_EQ(shark.status, 0) << shark.output;
  EXPECT_EQ(shark.output, "1,,1,0x00001234\n1,1,1,0x00001234\n,,1,0x00001234\n,1,1,0x00001234\n");
}

INSTANTIATE_TEST_SUITE_P(AllLinkTypes, WriterOracle,
                         ::testing::Values(LinkType::Ethernet, LinkType::Raw, LinkType::Null, LinkType::LinuxSll,
                                           LinkType::LinuxSll2),
                         [](const auto& info) { return std::string(to_string(info.param)) == "EN10MB"
                                                           ? std::string("Ethernet")
                                                           : std::string(to_string(info.param)); });

}  // namespace
}  // namespace sctpkit::trace
