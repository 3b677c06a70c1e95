// CaptureSource reading files: round trips through PcapWriter for every link type, pcapng, -c, -w,
// filters and the errors of each.
#include <gtest/gtest.h>
#include <pcap/pcap.h>

#include <fstream>
#include <stdexcept>

#include "capture_test_util.h"
#include "trace/capture_source.h"
#include "trace/frame_decoder.h"
#include "trace/pcap_writer.h"

namespace sctpkit::trace {
namespace {

using testing::sample_sctp;
using testing::ScratchDir;

// A Frame copied out of the callback, where its views stop being valid.
struct Captured {
  Frame frame;
  std::vector<uint8_t> sctp;
  std::vector<uint8_t> ip_header;
};

struct RunResult {
  std::vector<Captured> frames;
  std::variant<CaptureStats, CaptureError> outcome;
};

std::unique_ptr<CaptureSource> open_or_fail(const CaptureOptions& options) {
  auto opened = CaptureSource::open(options);
  if (auto* error = std::get_if<CaptureError>(&opened)) {
    ADD_FAILURE() << "open failed: " << error->message;
    return nullptr;
  }
  return std::move(std::get<std::unique_ptr<CaptureSource>>(opened));
}

RunResult run_capture(CaptureSource& source) {
  RunResult result{{}, CaptureStats{}};
  result.outcome = source.run([&](const Frame& frame) {
    Captured copy{frame, {frame.sctp.begin(), frame.sctp.end()}, {frame.ip.header.begin(), frame.ip.header.end()}};
    copy.frame.sctp = {};
    copy.frame.ip.header = {};
    result.frames.push_back(std::move(copy));
  });
  return result;
}

RunResult read_file(const std::string& path, CaptureOptions options = {}) {
  options.read_file = path;
  auto source = open_or_fail(options);
  if (!source) return {{}, CaptureError{CaptureError::Kind::Open, "open failed"}};
  return run_capture(*source);
}

CaptureStats stats_of(const RunResult& result) {
  if (const auto* error = std::get_if<CaptureError>(&result.outcome)) {
    ADD_FAILURE() << "run failed: " << error->message;
    return {};
  }
  return std::get<CaptureStats>(result.outcome);
}

// What the round trip writes: per packet, its meta and SCTP bytes.
struct Written {
  PacketMeta meta;
  std::vector<uint8_t> sctp;
};

std::vector<Written> sample_packets(IpVersion version, bool udp) {
  std::vector<Written> packets;
  for (uint32_t i = 0; i < 3; ++i) {
    Written w;
    w.meta.timestamp = {1700000000 + i, static_cast<int32_t>(1000 * i + 7)};
    w.meta.source = version == IpVersion::V4 ? IpAddress::v4(10, 1, 2, static_cast<uint8_t>(3 + i))
                                             : *IpAddress::parse("fd00::" + std::to_string(3 + i));
    w.meta.destination = version == IpVersion::V4 ? IpAddress::v4(10, 9, 8, 7) : *IpAddress::parse("fd00::77");
    if (udp) w.meta.udp = UdpPorts{static_cast<uint16_t>(50000 + i), kDefaultUdpEncapsulationPort};
    w.meta.ip_id = static_cast<uint16_t>(100 + i);
    w.meta.tos = static_cast<uint8_t>(i << 2);
    w.meta.ttl = static_cast<uint8_t>(60 + i);
    w.meta.flow_label = 0x100 + i;
    w.sctp = sample_sctp(static_cast<uint16_t>(5000 + i), 30102, 0xA0 + i, 4 + i, 77 + i);
    packets.push_back(std::move(w));
  }
  return packets;
}

class CaptureRoundTrip : public ::testing::TestWithParam<std::tuple<LinkType, IpVersion, bool>> {};

TEST_P(CaptureRoundTrip, EveryFieldComesBack) {
  const auto [link, version, udp] = GetParam();
  ScratchDir dir("roundtrip");
  const std::string path = dir.file("in.pcap");
  const auto packets = sample_packets(version, udp);
  {
    auto opened = PcapWriter::open(path, link);
    ASSERT_TRUE(std::holds_alternative<PcapWriter>(opened));
    auto& writer = std::get<PcapWriter>(opened);
    for (const auto& p : packets) ASSERT_TRUE(writer.write(p.meta, p.sctp));
    ASSERT_FALSE(writer.close());
  }
  const auto result = read_file(path);
  const CaptureStats stats = stats_of(result);
  EXPECT_EQ(stats.packets_read, 3u);
  EXPECT_EQ(stats.sctp_frames, 3u);
  EXPECT_EQ(stats.skipped, 0u);
  ASSERT_EQ(result.frames.size(), 3u);
  const bool v4 = version == IpVersion::V4;
  for (size_t i = 0; i < 3; ++i) {
    SCOPED_TRACE("frame " + std::to_string(i));
    const Written& w = packets[i];
    const Frame& f = result.frames[i].frame;
    const size_t transport = w.sctp.size() + (udp ? 8 : 0);
    EXPECT_EQ(f.number, i + 1);
    EXPECT_EQ(f.timestamp.seconds, w.meta.timestamp.seconds);
    EXPECT_EQ(f.timestamp.microseconds, w.meta.timestamp.microseconds);
    EXPECT_EQ(f.captured_length, f.wire_length);
    EXPECT_EQ(f.ip.version, version);
    EXPECT_EQ(f.ip.source, w.meta.source.bytes);
    EXPECT_EQ(f.ip.destination, w.meta.destination.bytes);
    EXPECT_EQ(f.ip.tos, w.meta.tos);
    EXPECT_EQ(f.ip.ttl, w.meta.ttl);
    EXPECT_EQ(f.ip.id, v4 ? w.meta.ip_id : 0);
    EXPECT_EQ(f.ip.dont_fragment, v4);
    EXPECT_FALSE(f.ip.more_fragments);
    EXPECT_EQ(f.ip.fragment_offset, 0);
    EXPECT_EQ(f.ip.flow_label, v4 ? 0u : w.meta.flow_label);
    EXPECT_EQ(f.ip.length, v4 ? 20 + transport : transport);
    EXPECT_EQ(f.ip.protocol, udp ? 17 : 132);
    EXPECT_EQ(result.frames[i].ip_header.size(), v4 ? 20u : 40u);
    EXPECT_EQ(f.udp.has_value(), udp);
    if (udp && f.udp) {
      EXPECT_EQ(f.udp->source_port, w.meta.udp->source);
      EXPECT_EQ(f.udp->destination_port, w.meta.udp->destination);
      EXPECT_EQ(f.udp->length, transport);
      EXPECT_NE(f.udp->checksum, 0);
    }
    EXPECT_EQ(f.sctp_length, w.sctp.size());
    EXPECT_EQ(result.frames[i].sctp, w.sctp);
  }
}

INSTANTIATE_TEST_SUITE_P(
    AllCombinations, CaptureRoundTrip,
    ::testing::Combine(::testing::Values(LinkType::Ethernet, LinkType::Raw, LinkType::Null, LinkType::LinuxSll,
                                         LinkType::LinuxSll2),
                       ::testing::Values(IpVersion::V4, IpVersion::V6), ::testing::Bool()),
    [](const auto& info) {
      return std::string(to_string(std::get<0>(info.param))) +
             (std::get<1>(info.param) == IpVersion::V4 ? "_v4" : "_v6") + (std::get<2>(info.param) ? "_udp" : "_direct");
    });

// A file of SCTP and other traffic: numbering counts every packet, skipped ones included.
std::string write_mixed_file(const ScratchDir& dir, const std::string& name) {
  const std::string path = dir.file(name);
  auto opened = PcapWriter::open(path, LinkType::Ethernet);
  auto& writer = std::get<PcapWriter>(opened);
  const auto v4 = sample_packets(IpVersion::V4, false);
  const auto v6udp = sample_packets(IpVersion::V6, true);
  std::vector<uint8_t> arp(42, 0);
  arp[12] = 0x08;
  arp[13] = 0x06;
  EXPECT_TRUE(writer.write(v4[0].meta, v4[0].sctp));       // 1
  writer.write_raw({1700000000, 500}, arp);                 // 2: skipped
  EXPECT_TRUE(writer.write(v6udp[1].meta, v6udp[1].sctp));  // 3
  PacketMeta other_udp = v4[2].meta;
  other_udp.udp = UdpPorts{53, 5353};
  EXPECT_TRUE(writer.write(other_udp, v4[2].sctp));         // 4: skipped, not an encapsulation port
  PacketMeta cut = v4[1].meta;
  cut.snaplen = 14 + 20 + 20;  // 20 of the SCTP bytes
  EXPECT_TRUE(writer.write(cut, v4[1].sctp));               // 5: truncated inside SCTP
  EXPECT_FALSE(writer.close());
  return path;
}

TEST(CaptureFile, CountsSkippedFramesAndDeliversTruncatedSctp) {
  ScratchDir dir("mixed");
  const auto result = read_file(write_mixed_file(dir, "mixed.pcap"));
  const CaptureStats stats = stats_of(result);
  EXPECT_EQ(stats.packets_read, 5u);
  EXPECT_EQ(stats.sctp_frames, 3u);
  EXPECT_EQ(stats.skipped, 2u);
  ASSERT_EQ(result.frames.size(), 3u);
  EXPECT_EQ(result.frames[0].frame.number, 1u);
  EXPECT_EQ(result.frames[1].frame.number, 3u);
  EXPECT_EQ(result.frames[2].frame.number, 5u);
  const Frame& cut = result.frames[2].frame;
  EXPECT_EQ(cut.captured_length, 54u);
  EXPECT_GT(cut.wire_length, cut.captured_length);
  EXPECT_EQ(result.frames[2].sctp.size(), 20u);
  EXPECT_EQ(cut.sctp_length, sample_packets(IpVersion::V4, false)[1].sctp.size());
}

TEST(CaptureFile, ReadsPcapngConvertedByEditcap) {
  if (!testing::have_program("editcap")) GTEST_SKIP() << "editcap (wireshark-common) not installed";
  ScratchDir dir("pcapng");
  const std::string pcap = write_mixed_file(dir, "mixed.pcap");
  const std::string pcapng = dir.file("mixed.pcapng");
  auto converted = testing::run_command("editcap -F pcapng " + pcap + " " + pcapng);
  ASSERT_EQ(converted.status, 0) << converted.output;
  std::ifstream in(pcapng, std::ios::binary);
  std::array<unsigned char, 4> magic{};
  in.read(reinterpret_cast<char*>(magic.data()), 4);
  EXPECT_EQ(magic, (std::array<unsigned char, 4>{0x0A, 0x0D, 0x0D, 0x0A}));  // a section header block

  const auto from_pcap = read_file(pcap);
  const auto from_pcapng = read_file(pcapng);
  EXPECT_EQ(stats_of(from_pcapng).packets_read, 5u);
  ASSERT_EQ(from_pcapng.frames.size(), from_pcap.frames.size());
  for (size_t i = 0; i < from_pcap.frames.size(); ++i) {
    EXPECT_EQ(from_pcapng.frames[i].sctp, from_pcap.frames[i].sctp);
    EXPECT_EQ(from_pcapng.frames[i].frame.number, from_pcap.frames[i].frame.number);
    EXPECT_EQ(from_pcapng.frames[i].frame.timestamp.microseconds, from_pcap.frames[i].frame.timestamp.microseconds);
    EXPECT_EQ(from_pcapng.frames[i].frame.wire_length, from_pcap.frames[i].frame.wire_length);
  }
}

TEST(CaptureFile, CountStopsAfterThatManySctpFrames) {
  ScratchDir dir("count");
  CaptureOptions options;
  options.count = 2;
  const auto result = read_file(write_mixed_file(dir, "mixed.pcap"), options);
  const CaptureStats stats = stats_of(result);
  EXPECT_EQ(stats.sctp_frames, 2u);
  EXPECT_EQ(stats.packets_read, 3u);  // the ARP frame between them was read and skipped
  ASSERT_EQ(result.frames.size(), 2u);
  EXPECT_EQ(result.frames[1].frame.number, 3u);
}

TEST(CaptureFile, StopFromTheCallbackEndsTheRun) {
  ScratchDir dir("stop");
  CaptureOptions options;
  options.read_file = write_mixed_file(dir, "mixed.pcap");
  auto source = open_or_fail(options);
  ASSERT_TRUE(source);
  int seen = 0;
  auto outcome = source->run([&](const Frame&) {
    ++seen;
    source->stop();
  });
  ASSERT_TRUE(std::holds_alternative<CaptureStats>(outcome));
  EXPECT_EQ(seen, 1);
  EXPECT_EQ(std::get<CaptureStats>(outcome).packets_read, 1u);
}

TEST(CaptureFile, CallbackExceptionsReachTheCaller) {
  ScratchDir dir("throw");
  CaptureOptions options;
  options.read_file = write_mixed_file(dir, "mixed.pcap");
  auto source = open_or_fail(options);
  ASSERT_TRUE(source);
  EXPECT_THROW(source->run([](const Frame&) { throw std::runtime_error("stdout closed"); }), std::runtime_error);
}

std::vector<std::pair<pcap_pkthdr, std::vector<uint8_t>>> records_of(const std::string& path) {
  std::array<char, PCAP_ERRBUF_SIZE> error{};
  std::vector<std::pair<pcap_pkthdr, std::vector<uint8_t>>> records;
  pcap_t* handle = pcap_open_offline(path.c_str(), error.data());
  EXPECT_NE(handle, nullptr) << error.data();
  if (handle == nullptr) return records;
  pcap_pkthdr* header = nullptr;
  const u_char* data = nullptr;
  while (pcap_next_ex(handle, &header, &data) == 1) records.emplace_back(*header, std::vector<uint8_t>(data, data + header->caplen));
  pcap_close(handle);
  return records;
}

TEST(CaptureFile, WriteFileKeepsEveryPacketUnchanged) {
  ScratchDir dir("write");
  const std::string in = write_mixed_file(dir, "mixed.pcap");
  CaptureOptions options;
  options.write_file = dir.file("copy.pcap");
  stats_of(read_file(in, options));
  const auto original = records_of(in);
  const auto copy = records_of(options.write_file);
  ASSERT_EQ(copy.size(), 5u);  // non-SCTP packets too
  for (size_t i = 0; i < copy.size(); ++i) {
    EXPECT_EQ(copy[i].second, original[i].second);
    EXPECT_EQ(copy[i].first.len, original[i].first.len);
    EXPECT_EQ(copy[i].first.ts.tv_sec, original[i].first.ts.tv_sec);
    EXPECT_EQ(copy[i].first.ts.tv_usec, original[i].first.ts.tv_usec);
  }
}

TEST(CaptureFile, UserFilterAppliesToFiles) {
  ScratchDir dir("filter");
  CaptureOptions options;
  options.filter = "ip6";
  const auto result = read_file(write_mixed_file(dir, "mixed.pcap"), options);
  EXPECT_EQ(stats_of(result).packets_read, 1u);
  ASSERT_EQ(result.frames.size(), 1u);
  EXPECT_EQ(result.frames[0].frame.ip.version, IpVersion::V6);
}

TEST(CaptureFile, ReportsLinkTypeAndSnapshotLength) {
  ScratchDir dir("banner");
  const std::string path = dir.file("sll2.pcap");
  ASSERT_FALSE(std::get<PcapWriter>(PcapWriter::open(path, LinkType::LinuxSll2, 1500)).close());
  CaptureOptions options;
  options.read_file = path;
  auto source = open_or_fail(options);
  ASSERT_TRUE(source);
  EXPECT_EQ(source->link_type_name(), "LINUX_SLL2");
  EXPECT_EQ(source->link_type_description(), "Linux cooked v2");
  EXPECT_EQ(source->snapshot_length(), 1500);
}

TEST(DefaultCaptureFilter, CoversSctpAndEveryEncapsulationPortAndCompiles) {
  EXPECT_EQ(default_capture_filter(std::vector<uint16_t>{9899}), "sctp or udp port 9899");
  EXPECT_EQ(default_capture_filter(std::vector<uint16_t>{5000, 9899, 5000}),
            "sctp or udp port 9899 or udp port 5000");
  pcap_t* dead = pcap_open_dead(DLT_EN10MB, 65535);
  bpf_program program{};
  EXPECT_EQ(pcap_compile(dead, &program, default_capture_filter(std::vector<uint16_t>{1, 2}).c_str(), 1,
                         PCAP_NETMASK_UNKNOWN),
            0)
      << pcap_geterr(dead);
  pcap_freecode(&program);
  pcap_close(dead);
}

CaptureError open_error(const CaptureOptions& options) {
  auto opened = CaptureSource::open(options);
  EXPECT_TRUE(std::holds_alternative<CaptureError>(opened)) << "open should have failed";
  return std::holds_alternative<CaptureError>(opened) ? std::get<CaptureError>(opened) : CaptureError{};
}

TEST(CaptureFileErrors, EachFailureHasItsKindAndOneLine) {
  ScratchDir dir("errors");
  CaptureOptions missing;
  missing.read_file = dir.file("absent.pcap");
  CaptureError error = open_error(missing);
  EXPECT_EQ(error.kind, CaptureError::Kind::Open);
  EXPECT_NE(error.message.find("absent.pcap"), std::string::npos) << error.message;

  const std::string junk = dir.file("junk.pcap");
  std::ofstream(junk) << "this is not a capture file at all";
  CaptureOptions not_pcap;
  not_pcap.read_file = junk;
  EXPECT_EQ(open_error(not_pcap).kind, CaptureError::Kind::Open);

  CaptureOptions bad_filter;
  bad_filter.read_file = write_mixed_file(dir, "mixed.pcap");
  bad_filter.filter = "sctp and frobnicate";
  error = open_error(bad_filter);
  EXPECT_EQ(error.kind, CaptureError::Kind::Filter);
  EXPECT_NE(error.message.find("frobnicate"), std::string::npos) << error.message;
  EXPECT_EQ(error.message.find('\n'), std::string::npos) << error.message;

  CaptureOptions bad_write;
  bad_write.read_file = bad_filter.read_file;
  bad_write.write_file = "/nonexistent-dir/out.pcap";
  EXPECT_EQ(open_error(bad_write).kind, CaptureError::Kind::Write);

  EXPECT_EQ(open_error(CaptureOptions{}).kind, CaptureError::Kind::Open);
  CaptureOptions both;
  both.read_file = bad_filter.read_file;
  both.interface = "lo";
  EXPECT_EQ(open_error(both).kind, CaptureError::Kind::Open);

  const std::string wifi = dir.file("wifi.pcap");
  pcap_t* dead = pcap_open_dead(DLT_IEEE802_11, 65535);
  pcap_dump_close(pcap_dump_open(dead, wifi.c_str()));
  pcap_close(dead);
  CaptureOptions unsupported;
  unsupported.read_file = wifi;
  error = open_error(unsupported);
  EXPECT_EQ(error.kind, CaptureError::Kind::LinkType);
  EXPECT_NE(error.message.find("IEEE802_11"), std::string::npos) << error.message;
}

TEST(CaptureFileErrors, ATruncatedFileDeliversWhatPrecedesTheCutThenFails) {
  ScratchDir dir("cut-file");
  const std::string path = write_mixed_file(dir, "mixed.pcap");
  std::filesystem::resize_file(path, std::filesystem::file_size(path) - 10);  // inside the last record
  const auto result = read_file(path);
  ASSERT_TRUE(std::holds_alternative<CaptureError>(result.outcome));
  EXPECT_EQ(std::get<CaptureError>(result.outcome).kind, CaptureError::Kind::Read);
  EXPECT_EQ(result.frames.size(), 2u);
}

}  // namespace
}  // namespace sctpkit::trace
