// `sctpkit dump --check / --json / --summary / --ladder` end to end on captures written with
// PcapWriter, and tshark confirming the CRC32c of every packet we build.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "../trace/capture_test_util.h"
#include "trace/pcap_writer.h"

namespace sctpkit::trace {
namespace {

using testing::run_command;

const std::string kSctpkit = std::string(SCTPKIT_BINARY_DIR) + "/sctpkit";
const std::string kSample = std::string(SCTPKIT_BINARY_DIR) + "/samples/association.pcap";

// Packets of one association with the given bytes; the second has a broken checksum when asked.
std::string write_capture(const testing::ScratchDir& dir, bool corrupt_second) {
  const std::string path = dir.file("extras.pcap");
  auto opened = PcapWriter::open(path, LinkType::Ethernet);
  EXPECT_TRUE(std::holds_alternative<PcapWriter>(opened));
  auto& writer = std::get<PcapWriter>(opened);
  PacketMeta meta;
  meta.source = IpAddress::v4(10, 0, 0, 1);
  meta.destination = IpAddress::v4(10, 0, 0, 2);
  for (uint32_t i = 0; i < 3; ++i) {
    auto sctp = testing::sample_sctp(5000, 30102, 7, 5, 1000 + i);
    if (corrupt_second && i == 1) sctp[8] ^= 0x5A;
    meta.timestamp = {1700000000, static_cast<int32_t>(i * 1000)};
    EXPECT_TRUE(writer.write(meta, sctp));
  }
  EXPECT_FALSE(writer.close().has_value());
  return path;
}

std::string stdout_of(const std::string& command) { return run_command("TZ=UTC " + command, false).output; }

TEST(DumpExtras, CheckMarksBadChecksumsAndFails) {
  testing::ScratchDir dir("dump-check");
  const std::string bad = write_capture(dir, true);
  const auto result = run_command("(TZ=UTC " + kSctpkit + " dump --check -r " + bad + " 2>" + dir.file("err") + ")", false);
  EXPECT_EQ(result.status, 1) << "kExitFailure when a checksum is bad";
  std::istringstream lines(result.output);
  std::string line;
  std::vector<std::string> all;
  while (std::getline(lines, line)) all.push_back(line);
  ASSERT_EQ(all.size(), 3u) << result.output;
  EXPECT_EQ(all[0].find("bad checksum"), std::string::npos);
  EXPECT_NE(all[1].find("[PPID 0x33] [bad checksum 0x"), std::string::npos) << all[1];
  EXPECT_NE(all[1].find(", correct 0x"), std::string::npos) << all[1];
  const auto err = run_command("cat " + dir.file("err")).output;
  EXPECT_NE(err.find("checksums: 2 good, 1 bad, 0 not checked"), std::string::npos) << err;

  const auto verbose = run_command("(TZ=UTC " + kSctpkit + " dump -v --check -r " + bad + ")", false).output;
  EXPECT_NE(verbose.find("length 56) [bad checksum 0x"), std::string::npos) << verbose;

  // Good lines are tcpdump's, byte for byte; a clean capture exits 0.
  const std::string good = write_capture(dir, false);
  EXPECT_EQ(run_command(kSctpkit + " dump --check -r " + good, false).status, 0);
  EXPECT_EQ(stdout_of(kSctpkit + " dump --check -r " + kSample), stdout_of(kSctpkit + " dump -r " + kSample));
}

TEST(DumpExtras, JsonIsOneObjectPerPacket) {
  const std::string out = stdout_of(kSctpkit + " dump --json --check -r " + kSample);
  std::istringstream lines(out);
  std::string line;
  size_t count = 0;
  while (std::getline(lines, line)) {
    ++count;
    ASSERT_TRUE(nlohmann::json::accept(line)) << line;
    const auto j = nlohmann::json::parse(line);
    EXPECT_EQ(j["frame"], count);
    EXPECT_EQ(j["sctp"]["checksum_verdict"], "good");
    EXPECT_FALSE(j["sctp"]["chunks"].empty());
  }
  EXPECT_EQ(count, 15u);
}

TEST(DumpExtras, SummaryAndLadderOfTheSample) {
  const std::string summary = stdout_of(kSctpkit + " dump --summary -r " + kSample);
  EXPECT_EQ(summary.rfind("association 1: 10.128.0.81.60002 (A) <-> 10.128.0.79.30102 (B)\n", 0), 0u) << summary;
  EXPECT_NE(summary.find("shutdown complete at +44.272011 s"), std::string::npos) << summary;
  const auto j = nlohmann::json::parse(stdout_of(kSctpkit + " dump --summary --json -r " + kSample));
  EXPECT_EQ(j["associations"][0]["a_to_b"]["packets"], 8);
  EXPECT_EQ(j["associations"][0]["end"]["kind"], "shutdown complete");
  const std::string ladder = stdout_of(kSctpkit + " dump --ladder -r " + kSample);
  EXPECT_NE(ladder.find("|-- INIT tag 1008070933"), std::string::npos) << ladder;
  EXPECT_NE(ladder.find("|-- SHUTDOWN COMPLETE -"), std::string::npos) << ladder;
  EXPECT_EQ(run_command(kSctpkit + " dump --ladder --summary -r " + kSample).status, 2);
  EXPECT_EQ(run_command(kSctpkit + " dump --ladder --json -r " + kSample).status, 2);
}

// tshark decodes every chunk type we build without a checksum or malformed-packet complaint.
TEST(DumpExtras, TsharkConfirmsTheChecksumsOfWhatWeBuild) {
  if (!testing::have_program("tshark")) GTEST_FAIL() << "tshark is the oracle here (apt-get install tshark)";
  testing::ScratchDir dir("dump-tshark");
  const std::string good = write_capture(dir, false);
  for (const std::string& capture : {good, kSample}) {
    const auto result = run_command(
        "tshark -n -r " + capture +
            " -o 'sctp.checksum:CRC 32c' -T fields -e frame.number "
            "-e sctp.checksum.status -e _ws.malformed -e _ws.expert.severity",
        false);
    ASSERT_EQ(result.status, 0) << result.output;
    std::istringstream lines(result.output);
    std::string line;
    size_t count = 0;
    while (std::getline(lines, line)) {
      ++count;
      // Field 2 is the checksum status: 1 is "Good" in tshark 4.0 (0 bad, 2 unverified).
      std::istringstream fields(line);
      std::string number, status, rest;
      std::getline(fields, number, '\t');
      std::getline(fields, status, '\t');
      std::getline(fields, rest);
      EXPECT_EQ(status, "1") << capture << ": " << line;
      EXPECT_EQ(rest.find_first_not_of('\t'), std::string::npos) << "malformed or expert info: " << line;
    }
    EXPECT_GT(count, 0u) << capture;
  }
}

}  // namespace
}  // namespace sctpkit::trace
