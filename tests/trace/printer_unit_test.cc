// Printer behaviour pinned to lines tcpdump 4.99.3 printed (recorded from the real binary), so that
// a regression shows without running tcpdump; the golden tests compare against it live.
#include <gtest/gtest.h>

#include <cstdlib>
#include <ctime>

#include "printer_golden_support.h"
#include "trace/tcpdump_printer.h"

namespace sctpkit::trace {
namespace {

namespace pt = printer_testing;

class UtcTest : public ::testing::Test {
 protected:
  void SetUp() override {
    setenv("TZ", "UTC", 1);
    tzset();
  }
};

using TimestampFormat = UtcTest;
using PrinterLines = UtcTest;

std::string stamp(TimestampFormatter& f, int64_t s, int32_t us) {
  std::string out;
  f.append(Timestamp{s, us}, out);
  return out;
}

TEST_F(TimestampFormat, DeltaModesCarryASignAndDropWholeDays) {
  TimestampFormatter previous(TimestampMode::DeltaPrevious);
  EXPECT_EQ(stamp(previous, 1700000000, 500000), " 00:00:00.000000 ");
  EXPECT_EQ(stamp(previous, 1700090000, 250000), " 00:59:59.750000 ");  // 24 h 59 min 59.75 s
  EXPECT_EQ(stamp(previous, 1700080000, 750000), "-02:46:39.500000 ");
  TimestampFormatter first(TimestampMode::DeltaFirst);
  EXPECT_EQ(stamp(first, 1700000000, 500000), " 00:00:00.000000 ");
  EXPECT_EQ(stamp(first, 1700090000, 250000), " 00:59:59.750000 ");
  EXPECT_EQ(stamp(first, 1700000001, 0), " 00:00:00.500000 ");
}

TEST_F(TimestampFormat, AbsoluteModes) {
  TimestampFormatter of_day(TimestampMode::TimeOfDay);
  EXPECT_EQ(stamp(of_day, 1700000000, 623456), "22:13:20.623456 ");
  TimestampFormatter date(TimestampMode::Date);
  EXPECT_EQ(stamp(date, 1700000000, 623456), "2023-11-14 22:13:20.623456 ");
  TimestampFormatter epoch(TimestampMode::Epoch);
  EXPECT_EQ(stamp(epoch, 1700000000, 623456), "1700000000.623456 ");
  TimestampFormatter none(TimestampMode::None);
  EXPECT_EQ(stamp(none, 1700000000, 623456), "");
}

TEST_F(TimestampFormat, LocalTimeFollowsTz) {
  setenv("TZ", "Europe/Paris", 1);
  tzset();
  TimestampFormatter date(TimestampMode::Date);
  EXPECT_EQ(stamp(date, 1700000000, 623456), "2023-11-14 23:13:20.623456 ");
}

std::string print_one(const pt::PacketSpec& spec, PrinterOptions options = {}) {
  pt::GoldenCapture capture;
  capture.add(spec);
  const std::string path = pt::temp_capture_path("unit");
  const auto frames = capture.write(path, pt::LinkType::Ethernet);
  std::remove(path.c_str());
  TcpdumpPrinter printer(options);
  return printer.format(frames.at(0));
}

pt::PacketSpec spec(std::vector<pt::ChunkSpec> chunks) {
  pt::PacketSpec p;
  p.timestamp = Timestamp{1768488655, 792111};
  p.sctp = pt::sctp_packet(chunks, 60002, 30102);
  return p;
}

TEST_F(PrinterLines, TheDesignDocumentExamples) {
  EXPECT_EQ(print_one(spec({{1, 0, pt::init_value(1008070933, 106496, 10, 65535, 2431437204)}})),
            "14:50:55.792111 IP 10.0.0.1.60002 > 10.0.0.2.30102: sctp (1) [INIT] [init tag: 1008070933] "
            "[rwnd: 106496] [OS: 10] [MIS: 65535] [init TSN: 2431437204] \n");
  EXPECT_EQ(print_one(spec({{0, 3, pt::data_value(2431437204, 0, 0, 0, 6)}})),
            "14:50:55.792111 IP 10.0.0.1.60002 > 10.0.0.2.30102: sctp (1) [DATA] (B)(E) [TSN: 2431437204] "
            "[SID: 0] [SSEQ 0] [PPID 0x0] \n");
  EXPECT_EQ(print_one(spec({{3, 0, pt::sack_value(2431437204, 106491, {{2, 3}}, {9})}})),
            "14:50:55.792111 IP 10.0.0.1.60002 > 10.0.0.2.30102: sctp (1) [SACK] [cum ack 2431437204] "
            "[a_rwnd 106491] [#gap acks 1] [#dup tsns 1] \n"
            "\t\t[gap ack block #1: start = 2431437206, end = 2431437207] \n"
            "\t\t[dup TSN #1: 9] \n");
}

TEST_F(PrinterLines, VerboseBreaksTheIpv4LineAndKeepsIpv6OnOne) {
  auto v4 = spec({{11, 0, {}}});
  EXPECT_EQ(print_one(v4, {TimestampMode::None, true}),
            "IP (tos 0x0, ttl 64, id 0, offset 0, flags [DF], proto SCTP (132), length 36)\n"
            "    10.0.0.1.60002 > 10.0.0.2.30102: sctp (1) [COOKIE ACK] \n");
  auto v6 = spec({{11, 0, {}}});
  v6.version = IpVersion::V6;
  v6.tos = 0xb8;
  v6.flow_label = 0x12345;
  EXPECT_EQ(print_one(v6, {TimestampMode::None, true}),
            "IP6 (class 0xb8, flowlabel 0x12345, hlim 64, next-header SCTP (132) payload length: 16) "
            "2001:db8::1.60002 > 2001:db8::2.30102: sctp (1) [COOKIE ACK] \n");
}

TEST_F(PrinterLines, UdpEncapsulationMarkerStandsBeforeTheAddresses) {
  auto p = spec({{11, 0, {}}});
  p.udp = std::pair<uint16_t, uint16_t>{9899, 9900};
  EXPECT_EQ(print_one(p, {TimestampMode::None, false}),
            "IP [udp-encap 9899 > 9900] 10.0.0.1.60002 > 10.0.0.2.30102: sctp (1) [COOKIE ACK] \n");
}

}  // namespace
}  // namespace sctpkit::trace
