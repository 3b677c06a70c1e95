// LadderPrinter and CaptureLadder: exact charts for small conversations.
#include <gtest/gtest.h>

#include "extras_test_util.h"
#include "trace/ladder.h"

namespace sctpkit::trace {
namespace {

using namespace extras_testing;

TEST(Ladder, HandshakeBundleAndAbortAsArrows) {
  Conversation c;
  c.add(0, true, 0, {init(100, 1000)});
  c.add(1, false, 100, {init(200, 5000, 2)});
  c.add(10, true, 200, {data(1000, 0x02), data(1001, 0x01)});
  c.add(12, false, 100, {sack(1001, {{2, 3}})});
  c.add(40, true, 200, {{6, 0, tlv(12, {'b', 'y', 'e'})}});
  CaptureLadder ladder;
  for (const Frame& f : c.frames()) ladder.on_frame(f, f.number == 4);
  const std::string expected =
      "association 1: 10.0.0.1.5000 <-> 10.0.0.2.30102\n"
      "time (s)    10.0.0.1.5000                                             10.0.0.2.30102\n"
      "            |                                                                      |\n"
      "  0.000000  |-- INIT tag 100 TSN 1000 OS 10 MIS 10 ------------------------------->|  #1\n"
      "  0.001000  |<--------------------------- INIT ACK tag 200 TSN 5000 OS 10 MIS 10 --|  #2\n";
  const std::string chart = ladder.format();
  EXPECT_EQ(chart.substr(0, chart.find("#2\n") + 3), expected);
  // Every arrow line is exactly as wide: bars in the same columns, within 100 columns.
  size_t lines = 0;
  for (size_t at = 0; (at = chart.find('|', at)) != std::string::npos; ++lines) {
    const size_t line_start = chart.rfind('\n', at) + 1;
    const size_t line_end = chart.find('\n', at);
    const std::string line = chart.substr(line_start, line_end - line_start);
    EXPECT_EQ(line.find('|'), 12u) << line;
    EXPECT_EQ(line.rfind('|'), 83u) << line;
    EXPECT_LE(line.size(), 100u) << line;
    at = line_end;
  }
  EXPECT_EQ(lines, 7u) << chart;  // the bar line and six arrows
  EXPECT_NE(chart.find("|-- DATA B TSN 1000 SID 0 SSN 0 len 4 -"), std::string::npos) << chart;
  EXPECT_NE(chart.find("\n            |-- DATA E TSN 1001 SID 0 SSN 0 len 4 -"), std::string::npos)
      << "the bundle's second chunk has no time\n" << chart;
  EXPECT_NE(chart.find(">|  #3 1/2\n"), std::string::npos) << chart;
  EXPECT_NE(chart.find(">|  #3 2/2\n"), std::string::npos) << chart;
  EXPECT_NE(chart.find("  0.012000  |<-"), std::string::npos) << chart;
  EXPECT_NE(chart.find(" SACK cum 1001 a_rwnd 65536 gaps 1 --|  #4 BAD CKSUM\n"), std::string::npos) << chart;
  EXPECT_NE(chart.find("|-- ABORT User-Initiated Abort \"bye\" -"), std::string::npos) << chart;
}

TEST(Ladder, LongLabelsAreCutAndLongNamesGoOnTwoLines) {
  LadderPrinter printer("2001:db8:1234:5678:9abc:def0:1234:5678.5000", "2001:db8:1234:5678:9abc:def0:1234:5679.30102");
  std::string out;
  printer.append_header(out);
  EXPECT_EQ(out,
            "time (s)    2001:db8:1234:5678:9abc:def0:1234:5678.5000\n"
            "                                        2001:db8:1234:5678:9abc:def0:1234:5679.30102\n"
            "            |                                                                      |\n");
  Conversation c;
  const Frame& f = c.add(0, true, 0, {{6, 0, tlv(12, std::vector<uint8_t>(39, 'x'))}});
  out.clear();
  printer.append_packet({f.timestamp, true, f.sctp, f.sctp_length, 1, false}, out);
  EXPECT_EQ(out.size(), 12u + 72u + 5u) << out;
  EXPECT_NE(out.find("... >|  #1\n"), std::string::npos) << out;
}

TEST(Ladder, MalformedAndCutPacketsGetAnArrowSayingSo) {
  Conversation c;
  c.add(0, true, 5, {{0, 3, {1, 2, 3}}});
  std::vector<uint8_t> cut = printer_testing::sctp_packet({data(1, 3, 100)});
  cut.resize(40);
  c.add_bytes(1, true, cut, 140);
  c.add_bytes(2, true, {1, 2, 3});
  LadderPrinter printer("a", "b");
  std::string out;
  for (const Frame& f : c.frames()) printer.append_packet({f.timestamp, false, f.sctp, f.sctp_length, f.number}, out);
  EXPECT_NE(out.find(" DATA (malformed: too short for its fixed fields) --|  #1\n"), std::string::npos) << out;
  // Cut by the snapshot length: the chunk is named, not called malformed (it was, and its name was
  // lost to the lane's width).
  EXPECT_NE(out.find("------ DATA (cut short in the capture) --|  #2\n"), std::string::npos) << out;
  EXPECT_NE(out.find(" (no common header captured) --|  #3"), std::string::npos) << out;
  // The first of several IP fragments ends inside its chunk too.
  std::vector<uint8_t> fragment = printer_testing::sctp_packet({data(2, 3, 100)});
  fragment.resize(40);
  out.clear();
  printer.append_packet({c.frames()[0].timestamp, true, fragment, 40, 4, false, true}, out);
  EXPECT_NE(out.find("|-- DATA (cut short in the capture) ---"), std::string::npos) << out;
}

}  // namespace
}  // namespace sctpkit::trace
