// The whole decoding path against tcpdump: PcapWriter writes the capture, decode_frame turns each
// recorded frame into a Frame, TcpdumpPrinter prints it; tcpdump reads the same file.
#include <gtest/gtest.h>

#include <cstdio>
#include <string>
#include <vector>

#include "printer_golden_support.h"
#include "trace/frame_decoder.h"
#include "trace/pcap_writer.h"
#include "trace/tcpdump_printer.h"

namespace sctpkit::trace {
namespace {

namespace pt = printer_testing;

struct Sent {
  PacketMeta meta;
  std::vector<uint8_t> sctp;
};

std::vector<Sent> association(IpVersion version, bool udp) {
  const auto client = version == IpVersion::V4 ? IpAddress::v4(10, 128, 0, 81) : *IpAddress::parse("fd00::81");
  const auto server = version == IpVersion::V4 ? IpAddress::v4(10, 128, 0, 79) : *IpAddress::parse("fd00::79");
  std::vector<Sent> out;
  int64_t micros = 0;
  auto add = [&](bool from_client, std::vector<pt::ChunkSpec> chunks, uint32_t snaplen = 0) {
    Sent s;
    micros += 70123;
    s.meta.timestamp = Timestamp{1768488655 + micros / 1'000'000, static_cast<int32_t>(micros % 1'000'000)};
    s.meta.source = from_client ? client : server;
    s.meta.destination = from_client ? server : client;
    if (udp) s.meta.udp = UdpPorts{9899, static_cast<uint16_t>(from_client ? 9899 : 40001)};
    s.meta.ttl = 63;
    s.meta.tos = 0x02;
    s.meta.flow_label = version == IpVersion::V6 ? 0x1abcd : 0;
    s.meta.ip_id = static_cast<uint16_t>(out.size() * 7);
    s.meta.snaplen = snaplen;
    s.meta.outgoing = from_client;  // cooked headers: both directions
    s.sctp = pt::sctp_packet(chunks, from_client ? 60002 : 30102, from_client ? 30102 : 60002);
    out.push_back(std::move(s));
  };
  add(true, {{1, 0, pt::init_value(1008070933, 106496, 10, 65535, 2431437204)}});
  add(false, {{2, 0, pt::init_value(42, 106496, 10, 10, 17)}});
  add(true, {{10, 0, std::vector<uint8_t>(40, 9)}});
  add(false, {{11, 0, {}}});
  add(true, {{0, 3, pt::data_value(2431437204, 0, 0, 0, 14)}});
  add(false, {{3, 0, pt::sack_value(2431437204, 106491, {{2, 4}}, {2431437203})}});
  add(true, {{0, 3, pt::data_value(2431437205, 0, 1, 0, 300)}}, 120);  // cut by the snapshot length
  add(true, {{4, 0, std::vector<uint8_t>(12, 1)}});
  add(false, {{5, 0, std::vector<uint8_t>(12, 1)}});
  add(true, {{7, 0, {0, 0, 0, 17}}});
  add(false, {{8, 0, {}}});
  add(true, {{14, 0, {}}});
  return out;
}

std::vector<std::string> printed(LinkType link, const std::vector<Sent>& packets, PrinterOptions options) {
  TcpdumpPrinter printer(options);
  std::string text;
  const std::vector<uint16_t> ports{9899};
  std::vector<uint8_t> frame;
  uint64_t number = 0;
  for (const auto& p : packets) {
    EXPECT_TRUE(build_frame(link, p.meta, p.sctp, frame));
    const auto wire_length = static_cast<uint32_t>(frame.size());
    if (p.meta.snaplen != 0 && frame.size() > p.meta.snaplen) frame.resize(p.meta.snaplen);
    const RawPacket raw{++number, p.meta.timestamp, frame, wire_length};
    auto decoded = decode_frame(dlt_of(link), raw, ports);
    if (!std::holds_alternative<Frame>(decoded)) {
      ADD_FAILURE() << "not decoded: " << to_string(std::get<SkipReason>(decoded));
      continue;
    }
    printer.append(std::get<Frame>(decoded), text);
  }
  return pt::split_lines(text);
}

std::string write_capture(LinkType link, const std::vector<Sent>& packets, const std::string& name) {
  const std::string path = pt::temp_capture_path(name);
  auto opened = PcapWriter::open(path, link);
  EXPECT_TRUE(std::holds_alternative<PcapWriter>(opened));
  auto& writer = std::get<PcapWriter>(opened);
  for (const auto& p : packets) EXPECT_TRUE(writer.write(p.meta, p.sctp));
  EXPECT_FALSE(writer.close().has_value());
  return path;
}

TEST(PrinterPipeline, MatchesTcpdumpForEveryLinkTypeAndIpVersion) {
  setenv("TZ", "Europe/Berlin", 1);
  tzset();
  // LINUX_SLL2 is what `tcpdump -i any` writes: tcpdump prints its interface and direction too.
  for (auto link : {LinkType::Ethernet, LinkType::Raw, LinkType::Null, LinkType::LinuxSll, LinkType::LinuxSll2}) {
    for (auto version : {IpVersion::V4, IpVersion::V6}) {
      const auto packets = association(version, false);
      const std::string name = std::string(to_string(link)) + (version == IpVersion::V4 ? "4" : "6");
      const std::string path = write_capture(link, packets, name);
      for (bool verbose : {false, true}) {
        const auto expected = pt::run_tcpdump(path, verbose ? "-nn -v" : "-nn", "Europe/Berlin");
        const auto actual = printed(link, packets, {TimestampMode::TimeOfDay, verbose});
        ASSERT_EQ(expected.size(), actual.size()) << name;
        for (size_t i = 0; i < expected.size(); ++i) EXPECT_EQ(expected[i], actual[i]) << name << " line " << i + 1;
      }
      std::remove(path.c_str());
    }
  }
}

TEST(PrinterPipeline, UdpEncapsulatedMatchesDirectApartFromTheMarker) {
  setenv("TZ", "UTC", 1);
  tzset();
  for (auto version : {IpVersion::V4, IpVersion::V6}) {
    const auto direct = association(version, false);
    const std::string path = write_capture(LinkType::Ethernet, direct, "pipeline_udp");
    const auto expected = pt::run_tcpdump(path, "-nn -ttt");
    std::remove(path.c_str());
    const auto encapsulated = association(version, true);
    auto actual = printed(LinkType::Ethernet, encapsulated, {TimestampMode::DeltaPrevious, false});
    ASSERT_EQ(expected.size(), actual.size());
    size_t packet = 0;
    for (size_t i = 0; i < actual.size(); ++i) {
      if (actual[i].rfind("\t\t", 0) == 0) {  // a SACK continuation line
        EXPECT_EQ(expected[i], actual[i]);
        continue;
      }
      const auto& udp = encapsulated[packet++].meta.udp;
      const std::string marker = udp_encapsulation_marker({udp->source, udp->destination, 0, 0}) + " ";
      const size_t at = actual[i].find(marker);
      ASSERT_NE(at, std::string::npos) << actual[i];
      actual[i].erase(at, marker.size());
      EXPECT_EQ(expected[i], actual[i]);
    }
  }
}

// A large SCTP packet cut into IP fragments (an S1AP/Diameter message over a path with a small MTU):
// tcpdump prints every fragment, the later ones as "ip-proto-132" (IPv4) or their fragment header
// (IPv6); before, decode_frame dropped them and their lines were missing.
TEST(PrinterPipeline, IpFragmentsOfAnSctpPacketMatchTcpdump) {
  setenv("TZ", "UTC", 1);
  tzset();
  const auto sctp = pt::sctp_packet({pt::ChunkSpec{0, 3, pt::data_value(1000, 1, 0, 46, 600)}});
  std::vector<std::vector<uint8_t>> frames;
  for (auto version : {IpVersion::V4, IpVersion::V6}) {
    PacketMeta meta;
    meta.source = version == IpVersion::V4 ? IpAddress::v4(10, 0, 0, 1) : *IpAddress::parse("fd00::1");
    meta.destination = version == IpVersion::V4 ? IpAddress::v4(10, 0, 0, 2) : *IpAddress::parse("fd00::2");
    std::vector<uint8_t> whole;
    ASSERT_TRUE(build_frame(LinkType::Raw, meta, sctp, whole));
    const size_t header = version == IpVersion::V4 ? 20 : 40;
    const size_t cut = 304;  // a multiple of 8
    for (bool first : {true, false}) {
      std::vector<uint8_t> frame(whole.begin(), whole.begin() + static_cast<std::ptrdiff_t>(header));
      const auto part = first ? wire::Bytes(sctp).first(cut) : wire::Bytes(sctp).subspan(cut);
      if (version == IpVersion::V4) {
        wire::store_u16(frame, 2, static_cast<uint16_t>(header + part.size()));
        wire::store_u16(frame, 6, first ? 0x2000 : cut / 8);  // MF on the first
        wire::store_u16(frame, 10, 0);
        wire::store_u16(frame, 10, internet_checksum({wire::Bytes(frame)}));
      } else {
        // RFC 8200 4.5: a fragment header (next header SCTP, offset, M, identification 7).
        frame[6] = 44;
        const uint16_t offset_and_m = first ? 1 : cut;
        const std::vector<uint8_t> fragment{132, 0, static_cast<uint8_t>(offset_and_m >> 8),
                                            static_cast<uint8_t>(offset_and_m & 0xFF), 0, 0, 0, 7};
        frame.insert(frame.end(), fragment.begin(), fragment.end());
        wire::store_u16(frame, 4, static_cast<uint16_t>(fragment.size() + part.size()));
      }
      frame.insert(frame.end(), part.begin(), part.end());
      frames.push_back(std::move(frame));
    }
  }
  const std::string path = pt::temp_capture_path("pipeline_fragments");
  {
    // pcap file header (LINKTYPE_RAW), then one record per frame.
    std::FILE* file = std::fopen(path.c_str(), "wb");
    ASSERT_NE(file, nullptr);
    const uint32_t header[6] = {0xa1b2c3d4, 0x00040002, 0, 0, 65535, 101};
    std::fwrite(header, sizeof header, 1, file);
    for (size_t i = 0; i < frames.size(); ++i) {
      const uint32_t record[4] = {static_cast<uint32_t>(1700000000 + i), 0, static_cast<uint32_t>(frames[i].size()),
                                  static_cast<uint32_t>(frames[i].size())};
      std::fwrite(record, sizeof record, 1, file);
      std::fwrite(frames[i].data(), frames[i].size(), 1, file);
    }
    std::fclose(file);
  }
  for (bool verbose : {false, true}) {
    TcpdumpPrinter printer({TimestampMode::TimeOfDay, verbose});
    std::string text;
    const std::vector<uint16_t> ports{9899};
    for (size_t i = 0; i < frames.size(); ++i) {
      const RawPacket raw{i + 1, {static_cast<int64_t>(1700000000 + i), 0}, frames[i],
                          static_cast<uint32_t>(frames[i].size())};
      auto decoded = decode_frame(dlt::kRaw, raw, ports);
      ASSERT_TRUE(std::holds_alternative<Frame>(decoded)) << "frame " << i + 1;
      printer.append(std::get<Frame>(decoded), text);
    }
    pt::expect_lines_equal(pt::run_tcpdump(path, verbose ? "-nn -v" : "-nn"), pt::split_lines(text),
                           verbose ? "fragments -v" : "fragments");
  }
  std::remove(path.c_str());
}

}  // namespace
}  // namespace sctpkit::trace
