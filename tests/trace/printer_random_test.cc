// Randomized differential test: seeded random packets, mostly well-formed chunk chains with
// malformed lengths and cut captures mixed in, printed by tcpdump and by us. Also run under ASan,
// where a read past a frame's exactly-sized buffer would fail the test.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <random>

#include "printer_golden_support.h"
#include "trace/tcpdump_printer.h"

namespace sctpkit::trace {
namespace {

namespace pt = printer_testing;

std::vector<uint8_t> random_chunk_chain(std::mt19937& rng, uint16_t source_port) {
  static constexpr uint8_t kTypes[] = {0, 0, 0, 1, 2, 3, 3, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 64, 192, 193, 77};
  std::uniform_int_distribution<int> byte(0, 255);
  std::vector<pt::ChunkSpec> chunks;
  const int count = std::uniform_int_distribution<int>(0, 4)(rng);
  for (int i = 0; i < count; ++i) {
    pt::ChunkSpec chunk;
    chunk.type = kTypes[std::uniform_int_distribution<size_t>(0, std::size(kTypes) - 1)(rng)];
    chunk.flags = static_cast<uint8_t>(byte(rng));
    const size_t size = std::uniform_int_distribution<size_t>(0, 40)(rng);
    for (size_t n = 0; n < size; ++n) chunk.value.push_back(static_cast<uint8_t>(byte(rng) % 8));
    switch (std::uniform_int_distribution<int>(0, 9)(rng)) {
      case 0: chunk.length = static_cast<uint16_t>(std::uniform_int_distribution<int>(0, 80)(rng)); break;
      case 1: chunk.pad = false; break;
      default: break;
    }
    chunks.push_back(chunk);
  }
  return pt::sctp_packet(chunks, source_port);
}

TEST(PrinterRandom, MatchesTcpdumpOnRandomPackets) {
  std::mt19937 rng(20260115);
  pt::GoldenCapture capture;
  for (int i = 0; i < 400; ++i) {
    pt::PacketSpec p;
    p.timestamp = Timestamp{1700000000 + i, i * 1000};
    // Every fifth packet on the ForCES port (RFC 5811), so DATA payloads go through that printer.
    p.sctp = random_chunk_chain(rng, i % 5 == 0 ? 6704 : 5000);
    p.version = i % 3 == 0 ? IpVersion::V6 : IpVersion::V4;
    if (i % 7 == 0) p.snaplen = 14 + 40 + std::uniform_int_distribution<uint32_t>(0, 60)(rng);
    if (i % 11 == 0) {
      const size_t header = p.version == IpVersion::V6 ? 0 : 20;
      p.ip_length = static_cast<uint16_t>(header + std::uniform_int_distribution<size_t>(0, p.sctp.size())(rng));
    }
    capture.add(p);
  }
  const std::string path = pt::temp_capture_path("random");
  const auto frames = capture.write(path, pt::LinkType::Ethernet);
  setenv("TZ", "UTC", 1);
  tzset();
  for (int verbose : {0, 1, 2}) {
    const auto expected = pt::run_tcpdump(path, verbose == 0 ? "-nn" : verbose == 1 ? "-nn -v" : "-nn -vv");
    TcpdumpPrinter printer({TimestampMode::TimeOfDay, verbose});
    std::string text;
    for (const auto& frame : frames) {
      // An exactly-sized copy, so that ASan sees any read past the captured bytes.
      std::vector<uint8_t> exact(frame.sctp.begin(), frame.sctp.end());
      Frame copy = frame;
      copy.sctp = exact;
      printer.append(copy, text);
    }
    const auto actual = pt::split_lines(text);
    // The seed must keep producing every kind of complaint, or this test checks less than it says.
    for (const char* kind : {"bogus chunk length", " [|sctp]", "< size of chunk descriptor", "cut off at end",
                             "[gap ack block", "truncated-sctp", "Invalid ForCES message type", "\tForCES "}) {
      EXPECT_TRUE(std::any_of(expected.begin(), expected.end(),
                              [&](const std::string& line) { return line.find(kind) != std::string::npos; }))
          << "no packet printed " << kind;
    }
    ASSERT_EQ(expected.size(), actual.size());
    for (size_t i = 0; i < expected.size(); ++i) EXPECT_EQ(expected[i], actual[i]) << "line " << i + 1;
  }
  std::remove(path.c_str());
}

}  // namespace
}  // namespace sctpkit::trace
