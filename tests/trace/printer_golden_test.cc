// Golden tests: the same capture through real tcpdump 4.99 and through TcpdumpPrinter, line for line.
#include <gtest/gtest.h>

#include <cstdio>
#include <string>
#include <vector>

#include "printer_golden_support.h"
#include "trace/tcpdump_printer.h"

namespace sctpkit::trace {
namespace printer_golden_test {

using printer_testing::ChunkSpec;
using printer_testing::GoldenCapture;
using printer_testing::LinkType;
using printer_testing::PacketSpec;

using printer_testing::expect_lines_equal;
using printer_testing::expect_matches_tcpdump;

std::vector<std::string> ours(const std::vector<Frame>& frames, PrinterOptions options) {
  return printer_testing::print_frames(frames, options);
}

Timestamp at(int64_t seconds, int32_t micros) { return Timestamp{seconds, micros}; }

PacketSpec packet(std::vector<uint8_t> sctp, int index = 0) {
  PacketSpec p;
  p.timestamp = at(1700000000 + index, 123456 + index);
  p.sctp = std::move(sctp);
  return p;
}

ChunkSpec data_chunk(uint8_t flags, uint32_t tsn, uint32_t ppid = 0, size_t payload = 5) {
  return ChunkSpec{0, flags, printer_testing::data_value(tsn, 1, 2, ppid, payload)};
}

TEST(PrinterGolden, EveryChunkType) {
  GoldenCapture capture;
  int i = 0;
  capture.add(packet(printer_testing::sctp_packet({data_chunk(3, 2431437204)}), i++));
  capture.add(packet(printer_testing::sctp_packet({{1, 0, printer_testing::init_value(1008070933, 106496, 10, 65535, 2431437204)}}), i++));
  capture.add(packet(printer_testing::sctp_packet({{2, 0, printer_testing::init_value(77, 65536, 5, 5, 99)}}), i++));
  capture.add(packet(printer_testing::sctp_packet({{3, 0, printer_testing::sack_value(2431437204, 106491, {}, {})}}), i++));
  std::vector<int> types{4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 64, 128, 130, 132, 192, 193, 194, 200, 255};
  for (int type : types) {
    capture.add(packet(printer_testing::sctp_packet({{static_cast<uint8_t>(type), 0, {0, 1, 0, 8, 1, 2, 3, 4}}}), i++));
  }
  // Chunks without a value, as SHUTDOWN ACK, COOKIE ACK and SHUTDOWN COMPLETE (with the T bit) are.
  capture.add(packet(printer_testing::sctp_packet({{8, 0, {}}}), i++));
  capture.add(packet(printer_testing::sctp_packet({{11, 0, {}}}), i++));
  capture.add(packet(printer_testing::sctp_packet({{14, 1, {}}}), i++));
  expect_matches_tcpdump(capture, "chunks");
}

TEST(PrinterGolden, EveryDataFlagCombinationAndPpids) {
  GoldenCapture capture;
  // M3UA (3) is left to the -v capture below: at -vv tcpdump decodes M3UA, which sctpkit does not.
  const std::vector<uint32_t> ppids{0, 1, 18, 20, 24, 25, 26, 27, 28, 46, 51, 0x80000000, 0xffffffff};
  int i = 0;
  for (uint8_t flags = 0; flags < 16; ++flags) capture.add(packet(printer_testing::sctp_packet({data_chunk(flags, flags)}), i++));
  capture.add(packet(printer_testing::sctp_packet({data_chunk(0xff, 1)}), i++));
  for (uint32_t ppid : ppids) capture.add(packet(printer_testing::sctp_packet({data_chunk(3, ppid, ppid)}), i++));
  // Payload lengths that need 0..3 bytes of padding.
  for (size_t payload = 1; payload <= 4; ++payload) {
    capture.add(packet(printer_testing::sctp_packet({data_chunk(3, 9, 0, payload), data_chunk(3, 10, 0, payload)}), i++));
  }
  expect_matches_tcpdump(capture, "data");
  GoldenCapture m3ua;
  m3ua.add(packet(printer_testing::sctp_packet({data_chunk(3, 3, 3)})));
  expect_matches_tcpdump(m3ua, "data-m3ua", LinkType::Ethernet, TimestampMode::TimeOfDay, "", "UTC", 1);
  // docs/dump.md: at -vv an M3UA payload is dumped like any other.
  const std::string path = printer_testing::temp_capture_path("data-m3ua-vv");
  const auto lines = ours(m3ua.write(path, LinkType::Ethernet), {TimestampMode::TimeOfDay, 2});
  std::remove(path.c_str());
  ASSERT_EQ(lines.size(), 4u);
  EXPECT_EQ(lines[2], "\t1) [DATA] (B)(E) [TSN: 3] [SID: 1] [SSEQ 2] [PPID M3UA] [Payload:");
  EXPECT_EQ(lines[3], "\t0x0000:  6162 6364 65                             abcde]");
}

TEST(PrinterGolden, SackGapBlocksAndDuplicates) {
  GoldenCapture capture;
  int i = 0;
  capture.add(packet(printer_testing::sctp_packet({{3, 0, printer_testing::sack_value(100, 5000, {{2, 3}, {5, 9}}, {})}}), i++));
  capture.add(packet(printer_testing::sctp_packet({{3, 0, printer_testing::sack_value(100, 5000, {}, {97, 98, 99})}}), i++));
  capture.add(packet(printer_testing::sctp_packet({{3, 0, printer_testing::sack_value(100, 0, {{1, 1}}, {42})}}), i++));
  // Offsets wrap modulo 2^32 around the cumulative TSN ack.
  capture.add(packet(printer_testing::sctp_packet({{3, 0, printer_testing::sack_value(0xfffffffe, 1, {{1, 4}}, {0xffffffff})}}), i++));
  // Counts larger than the blocks present: tcpdump prints what is there and stops quietly.
  auto short_sack = printer_testing::sack_value(7, 8, {{1, 2}}, {5});
  short_sack[9] = 3;   // #gap acks 3
  short_sack[11] = 4;  // #dup tsns 4
  capture.add(packet(printer_testing::sctp_packet({{3, 0, short_sack}}), i++));
  // A duplicate TSN cut in the middle: tcpdump calls the chunk length bogus and ends the line.
  auto ragged = printer_testing::sack_value(7, 8, {{1, 2}}, {5});
  ragged.pop_back();
  capture.add(packet(printer_testing::sctp_packet({{3, 0, ragged}}), i++));
  // A gap block cut in the middle.
  auto ragged_gap = printer_testing::sack_value(7, 8, {{1, 2}, {4, 5}}, {});
  ragged_gap.resize(ragged_gap.size() - 2);
  capture.add(packet(printer_testing::sctp_packet({{3, 0, ragged_gap}}), i++));
  expect_matches_tcpdump(capture, "sack");
}

TEST(PrinterGolden, BundledChunks) {
  GoldenCapture capture;
  int i = 0;
  capture.add(packet(printer_testing::sctp_packet({{10, 0, std::vector<uint8_t>(37, 0xab)}, data_chunk(3, 1)}), i++));
  capture.add(packet(printer_testing::sctp_packet({{11, 0, {}}, data_chunk(3, 1), {3, 0, printer_testing::sack_value(5, 6, {{2, 2}}, {3})},
                                           data_chunk(4, 2, 27)}), i++));
  capture.add(packet(printer_testing::sctp_packet({{3, 0, printer_testing::sack_value(5, 6, {{2, 2}}, {})}, {4, 0, std::vector<uint8_t>(20, 1)},
                                           {12, 0, {0, 0, 0, 9}}, {13, 0, {0, 0, 0, 9}}}), i++));
  std::vector<ChunkSpec> many;
  for (uint32_t n = 0; n < 12; ++n) many.push_back(data_chunk(3, n, 0, n + 1));
  capture.add(packet(printer_testing::sctp_packet(many), i++));
  capture.add(packet(printer_testing::sctp_packet({}), i++));  // a common header alone
  expect_matches_tcpdump(capture, "bundle");
}

TEST(PrinterGolden, MalformedChunks) {
  GoldenCapture capture;
  int i = 0;
  auto add = [&](std::vector<ChunkSpec> chunks, std::vector<uint8_t> tail = {}) {
    auto sctp = printer_testing::sctp_packet(chunks);
    sctp.insert(sctp.end(), tail.begin(), tail.end());
    capture.add(packet(sctp, i++));
  };
  add({data_chunk(3, 1, 0, 0)});                                        // DATA without user data
  add({{0, 3, std::vector<uint8_t>(8, 0)}});                             // DATA shorter than its header
  add({{1, 0, std::vector<uint8_t>(8, 0)}});                             // INIT shorter than its fields
  add({{2, 0, std::vector<uint8_t>(15, 0)}});                            // INIT ACK one byte short
  add({{3, 0, std::vector<uint8_t>(8, 0)}});                             // SACK shorter than its fields
  add({{4, 0, {}, 2}});                                                  // chunk length under 4
  add({{11, 0, {}}, {4, 0, {}, 0}});                                     // second chunk with length 0
  add({{4, 0, {1, 2, 3, 4}, 40}});                                       // chunk length past the end
  add({{11, 0, {}}}, {0, 0});                                            // 2 bytes left after a chunk
  add({{11, 0, {}}}, {0xc0});                                            // 1 byte left
  add({{0, 3, printer_testing::data_value(1, 1, 1, 0, 1), std::nullopt, false}});  // last chunk without padding
  add({data_chunk(3, 1), {1, 0, std::vector<uint8_t>(4, 0)}, data_chunk(3, 2)});  // bogus in the middle
  expect_matches_tcpdump(capture, "malformed");
}

TEST(PrinterGolden, LengthsFromTheIpHeader) {
  GoldenCapture capture;
  int i = 0;
  auto sctp = printer_testing::sctp_packet({data_chunk(3, 1, 0, 9)});
  // The IP datagram ends inside the DATA chunk although the frame carries all of it.
  PacketSpec p = packet(sctp, i++);
  p.ip_length = static_cast<uint16_t>(20 + 12 + 10);
  capture.add(p);
  // The IP datagram leaves under 12 bytes for SCTP.
  p = packet(sctp, i++);
  p.ip_length = static_cast<uint16_t>(20 + 8);
  capture.add(p);
  // The IP datagram ends right after a chunk's padding: trailing bytes of the frame are not SCTP.
  auto two = printer_testing::sctp_packet({data_chunk(3, 1, 0, 3), data_chunk(3, 2, 0, 3)});
  p = packet(two, i++);
  p.ip_length = static_cast<uint16_t>(20 + 12 + 20);
  capture.add(p);
  expect_matches_tcpdump(capture, "iplength");
}

// print-ip.c: an IPv4 total length beyond what the link layer carried is reported before the
// addresses; the SCTP line is then cut where the frame ends.
TEST(PrinterGolden, IpLengthBeyondTheFrame) {
  GoldenCapture capture;
  int i = 0;
  const auto sctp = printer_testing::sctp_packet({data_chunk(3, 1, 0, 9)});
  for (uint16_t extra : {1, 20, 400}) {
    PacketSpec p = packet(sctp, i++);
    p.ip_length = static_cast<uint16_t>(20 + sctp.size() + extra);
    capture.add(p);
    p.version = IpVersion::V6;
    p.ip_length = static_cast<uint16_t>(sctp.size() + extra);
    capture.add(p);
  }
  expect_matches_tcpdump(capture, "iplength-beyond");
}

TEST(PrinterGolden, TruncatedBySnapshotLength) {
  GoldenCapture capture;
  const auto sctp = printer_testing::sctp_packet({data_chunk(3, 1, 0, 50), data_chunk(3, 2, 0, 1)});
  // Ethernet 14 + IP 20 = 34 bytes before SCTP; cut in the common header, a chunk header, a chunk
  // body, the padding, and the second chunk.
  int i = 0;
  for (uint32_t sctp_bytes : {12u, 14u, 16u, 30u, 65u, 66u, 68u, 70u, 82u, 84u}) {
    PacketSpec p = packet(sctp, i++);
    p.snaplen = 34 + sctp_bytes;
    capture.add(p);
  }
  expect_matches_tcpdump(capture, "snaplen");
}

TEST(PrinterGolden, Ipv6) {
  GoldenCapture capture;
  int i = 0;
  for (auto [tc, flow] : {std::pair<uint8_t, uint32_t>{0, 0}, {0xb8, 0x12345}, {1, 0}, {0, 0xfffff}}) {
    PacketSpec p = packet(printer_testing::sctp_packet({data_chunk(3, 5), {3, 0, printer_testing::sack_value(4, 100, {{2, 3}}, {1})}}), i++);
    p.version = IpVersion::V6;
    p.tos = tc;
    p.flow_label = flow;
    p.ttl = static_cast<uint8_t>(i * 60);
    capture.add(p);
  }
  PacketSpec p = packet(printer_testing::sctp_packet({{1, 0, printer_testing::init_value(1, 2, 3, 4, 5)}}), i++);
  p.version = IpVersion::V6;
  p.snaplen = 14 + 40 + 20;
  capture.add(p);
  expect_matches_tcpdump(capture, "ipv6");
}

// Each call adds to `capture` a DATA packet over IPv6 with extension headers: `first` is the IPv6
// header's Next Header, `extensions` the headers themselves (the last one's Next Header is SCTP).
auto ipv6_extension_adder(GoldenCapture& capture) {
  return [&capture, i = 0](uint8_t first, std::vector<uint8_t> extensions) mutable {
    PacketSpec p = packet(printer_testing::sctp_packet({data_chunk(3, 5)}), i++);
    p.version = IpVersion::V6;
    p.ipv6_first_header = first;
    p.ipv6_extensions = std::move(extensions);
    capture.add(p);
  };
}

// RFC 8200 4: tcpdump shows Hop-by-Hop, Destination Options and Fragment headers between the
// addresses and the SCTP line, and their options with -v.
TEST(PrinterGolden, Ipv6ExtensionHeaders) {
  GoldenCapture capture;
  auto add = ipv6_extension_adder(capture);
  add(0, {132, 0, 1, 4, 0, 0, 0, 0});                              // HBH with PadN
  add(0, {132, 0, 5, 2, 0, 0, 0, 0});                              // HBH with a router alert
  add(0, {132, 0, 0, 0, 1, 2, 0, 0});                              // Pad1, Pad1, PadN
  add(60, {132, 0, 0x1e, 2, 0xaa, 0xbb, 0, 0});                    // DSTOPT with an unknown option
  add(44, {132, 0, 0, 1, 0x12, 0x34, 0x56, 0x78});                 // first fragment
  add(0, {60, 0, 1, 4, 0, 0, 0, 0, 44, 0, 1, 4, 0, 0, 0, 0, 132, 0, 0, 0, 0, 0, 0, 9});  // a chain
  expect_matches_tcpdump(capture, "ipv6ext");
}

TEST(PrinterGolden, Ipv4HeaderDetailsWithVerbose) {
  GoldenCapture capture;
  int i = 0;
  for (uint8_t tos : {0x00, 0x01, 0x02, 0x03, 0xb8, 0x10}) {
    PacketSpec p = packet(printer_testing::sctp_packet({{11, 0, {}}}), i++);
    p.tos = tos;
    p.id = static_cast<uint16_t>(1000 + i);
    capture.add(p);
  }
  PacketSpec p = packet(printer_testing::sctp_packet({{11, 0, {}}}), i++);
  p.ttl = 0;
  p.dont_fragment = false;
  capture.add(p);
  p = packet(printer_testing::sctp_packet({{11, 0, {}}}), i++);
  p.more_fragments = true;
  capture.add(p);
  p = packet(printer_testing::sctp_packet({{11, 0, {}}}), i++);
  p.bad_ip_checksum = true;
  capture.add(p);
  // RFC 791: a later fragment has no SCTP header; tcpdump names the protocol instead.
  p = packet(printer_testing::sctp_packet({data_chunk(3, 1, 0, 40)}), i++);
  p.dont_fragment = false;
  p.more_fragments = true;
  p.fragment_offset = 1480;
  capture.add(p);
  for (std::vector<uint8_t> options : std::vector<std::vector<uint8_t>>{
           {1, 1, 1, 0},                                   // NOP, NOP, NOP, EOL
           {148, 4, 0, 0},                                 // router alert
           {148, 4, 0, 7},                                 // router alert with a value
           {7, 7, 4, 0, 0, 0, 0, 0},                       // record route, empty
           {7, 11, 8, 10, 0, 0, 9, 0, 0, 0, 0, 0, 0, 0, 0, 0},  // record route, one address recorded
           {131, 7, 4, 192, 0, 2, 1, 0},                   // loose source route
           {130, 4, 0, 0},                                 // security
           {99, 4, 0, 0},                                  // unknown
           {1, 7, 1, 0},                                   // a length under 2
           {1, 7, 9, 4, 0, 0, 0, 0},                       // a length past the options
           // RFC 791 timestamps: only, with addresses, prespecified; empty, partly and fully recorded.
           {68, 12, 5, 0, 0, 0, 0, 1, 0, 0, 0, 2},
           {68, 12, 9, 0, 0, 0, 3, 232, 0, 0, 0, 2},
           {68, 12, 13, 0x30, 0, 0, 3, 232, 0, 0, 7, 208},  // full, 3 hops not recorded
           {68, 20, 13, 1, 10, 0, 0, 9, 0, 0, 0, 77, 10, 0, 0, 10, 0, 0, 0, 78},
           {68, 12, 5, 3, 10, 0, 0, 9, 0, 0, 0, 77},
           {68, 8, 5, 2, 0, 0, 0, 0},                      // unknown flag
           {68, 3, 5, 1},                                  // too short for its fields
           {68, 10, 5, 1, 0, 0, 0, 0, 0, 0, 0, 0},         // a length that splits an entry
           {68, 8, 7, 0, 0, 0, 0, 1},                      // a pointer between entries
           {68, 8, 0, 0, 0, 0, 0, 1},                      // a pointer of 0
           {1, 68, 11, 5, 0, 0, 0, 0, 3, 0, 0, 0, 4, 0, 0, 0},  // NOP, then an entry cut by the length
       }) {
    p = packet(printer_testing::sctp_packet({{11, 0, {}}}), i++);
    p.ipv4_options = options;
    capture.add(p);
  }
  p = packet(printer_testing::sctp_packet({{11, 0, {}}}), i++);
  p.ttl = 255;
  p.id = 65535;
  capture.add(p);
  expect_matches_tcpdump(capture, "ipv4");
}

TEST(PrinterGolden, ForcesPortsAreMarked) {
  GoldenCapture capture;
  capture.add(packet(printer_testing::sctp_packet({{1, 0, printer_testing::init_value(1, 2, 3, 4, 5)}}, 6704, 40000)));
  capture.add(packet(printer_testing::sctp_packet({{11, 0, {}}}, 40000, 6706), 1));
  capture.add(packet(printer_testing::sctp_packet({{11, 0, {}}}, 6705, 6705), 2));
  expect_matches_tcpdump(capture, "forces");
}

// RFC 8200 4.4 and RFC 4302: tcpdump prints Routing and AH headers between the addresses and SCTP.
TEST(PrinterGolden, Ipv6RoutingAndAuthenticationHeaders) {
  GoldenCapture capture;
  auto add = ipv6_extension_adder(capture);
  std::vector<uint8_t> type0{132, 2, 0, 1, 0, 0, 0, 0};  // one address, one segment left
  for (int b = 0; b < 16; ++b) type0.push_back(static_cast<uint8_t>(0x20 + b));
  add(43, type0);
  std::vector<uint8_t> type2{132, 2, 2, 1, 0, 0, 0, 0};  // Mobile IPv6 home address
  for (int b = 0; b < 16; ++b) type2.push_back(static_cast<uint8_t>(0xfd - b));
  add(43, type2);
  std::vector<uint8_t> srh{132, 2, 4, 0, 0, 0, 0, 0};  // segment routing, last entry 0, no segments left
  for (int b = 0; b < 16; ++b) srh.push_back(static_cast<uint8_t>(b));
  add(43, srh);
  add(43, {132, 0, 9, 0, 0, 0, 0, 0});  // an unknown routing type
  // AH: payload length 4 (in 4-octet units minus 2) = 24 bytes with a 12-byte ICV.
  add(51, {132, 4, 0, 0, 0, 0, 0x10, 0x01, 0, 0, 0, 7, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12});
  add(0, {51, 0, 1, 4, 0, 0, 0, 0, 132, 4, 0, 0, 0xde, 0xad, 0xbe, 0xef, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0});
  expect_matches_tcpdump(capture, "ipv6-rh-ah");
}

GoldenCapture association(bool v6) {
  GoldenCapture capture;
  int i = 0;
  auto add = [&](std::vector<ChunkSpec> chunks, bool reverse) {
    PacketSpec p = packet(printer_testing::sctp_packet(chunks, reverse ? 30102 : 60002, reverse ? 60002 : 30102), i++);
    if (v6) p.version = IpVersion::V6;
    capture.add(p);
  };
  add({{1, 0, printer_testing::init_value(1008070933, 106496, 10, 65535, 2431437204)}}, false);
  add({{2, 0, printer_testing::init_value(55, 106496, 10, 10, 7)}}, true);
  add({{10, 0, std::vector<uint8_t>(32, 7)}}, false);
  add({{11, 0, {}}}, true);
  add({data_chunk(3, 2431437204)}, false);
  add({{3, 0, printer_testing::sack_value(2431437204, 106491, {}, {})}}, true);
  return capture;
}

TEST(PrinterGolden, LinkTypes) {
  for (auto link : {LinkType::Ethernet, LinkType::Raw, LinkType::LinuxSll, LinkType::Null}) {
    for (bool v6 : {false, true}) {
      GoldenCapture capture = association(v6);
      expect_matches_tcpdump(capture, "link" + std::to_string(static_cast<int>(link)) + (v6 ? "v6" : "v4"), link);
    }
  }
}

// RFC 6951: tcpdump shows SCTP in UDP only as "UDP, length N"; we decode it. Compared with the same
// packets sent directly over IP, the lines differ by the documented marker alone.
TEST(PrinterGolden, UdpEncapsulationDiffersOnlyByTheMarker) {
  for (bool v6 : {false, true}) {
    GoldenCapture encapsulated;
    GoldenCapture reference = association(v6);
    const std::string path = printer_testing::temp_capture_path(v6 ? "udp6" : "udp4");
    // Rebuild the association with the same packets inside UDP.
    int i = 0;
    for (const auto& frame : reference.write(path, LinkType::Ethernet)) {
      PacketSpec p = packet(std::vector<uint8_t>(frame.sctp.begin(), frame.sctp.end()), i++);
      if (v6) p.version = IpVersion::V6;
      p.udp = std::pair<uint16_t, uint16_t>{9899, static_cast<uint16_t>(i % 2 ? 9899 : 40000)};
      encapsulated.add(p);
    }
    const auto expected = printer_testing::run_tcpdump(path, "-nn");
    const auto udp_frames = encapsulated.write(path, LinkType::Ethernet);
    setenv("TZ", "UTC", 1);
    tzset();
    auto actual = ours(udp_frames, {});
    ASSERT_EQ(actual.size(), udp_frames.size());
    for (size_t n = 0; n < actual.size(); ++n) {
      const std::string marker = udp_encapsulation_marker(*udp_frames[n].udp) + " ";
      const size_t at = actual[n].find(marker);
      ASSERT_NE(at, std::string::npos) << actual[n];
      EXPECT_EQ(at, actual[n].find(v6 ? "IP6 " : "IP ") + (v6 ? 4 : 3)) << "marker right before the addresses";
      actual[n].erase(at, marker.size());
    }
    expect_lines_equal(expected, actual, v6 ? "udp over IPv6" : "udp over IPv4");
    // With -v the IP header tells UDP, as tcpdump would; the SCTP line below it is the same.
    const auto verbose = ours(udp_frames, {TimestampMode::TimeOfDay, true});
    ASSERT_FALSE(verbose.empty());
    EXPECT_NE(verbose[0].find(v6 ? "next-header UDP (17)" : "proto UDP (17)"), std::string::npos) << verbose[0];
    std::remove(path.c_str());
  }
}

TEST(PrinterGolden, TimestampModes) {
  GoldenCapture capture;
  const std::vector<Timestamp> times{at(1700000000, 500000), at(1700000000, 500001), at(1700090000, 250000),
                                     at(1700080000, 750000), at(1700080000, 750000), at(1719792000, 0),
                                     at(946684799, 999999)};
  int i = 0;
  for (const auto& ts : times) {
    PacketSpec p = packet(printer_testing::sctp_packet({{11, 0, {}}}), i++);
    p.timestamp = ts;
    capture.add(p);
  }
  const std::vector<std::pair<TimestampMode, std::string>> modes{
      {TimestampMode::TimeOfDay, ""},        {TimestampMode::None, "-t"},  {TimestampMode::Epoch, "-tt"},
      {TimestampMode::DeltaPrevious, "-ttt"}, {TimestampMode::Date, "-tttt"}, {TimestampMode::DeltaFirst, "-ttttt"}};
  for (const auto& tz : {"UTC", "America/New_York", "Asia/Kolkata", "Australia/Lord_Howe"}) {
    for (const auto& [mode, flag] : modes) {
      expect_matches_tcpdump(capture, "ts", LinkType::Ethernet, mode, flag, tz, 1);  // -vv adds nothing here
    }
  }
}

}  // namespace printer_golden_test
}  // namespace sctpkit::trace
