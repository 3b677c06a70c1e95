// A run written as pcap reads back, through the capture layer and tcpdump, as what was sent.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>

#include "sim/pcap_recorder.h"
#include "sim/simulation.h"
#include "sim/test_nodes.h"
#include "trace/capture_source.h"
#include "wire/packet.h"

namespace sctpkit::sim {
namespace sim_pcap_test {

const auto kA = wire::IpAddress::v4(10, 0, 0, 1);
const auto kB = wire::IpAddress::v4(10, 0, 0, 2);

std::string temp_path(const std::string& name) {
  return (std::filesystem::path(::testing::TempDir()) / ("sctpkit_sim_" + name + ".pcap")).string();
}

struct Captured {
  int64_t seconds;
  int32_t micros;
  std::array<uint8_t, 16> source;
  std::vector<uint8_t> sctp;
};

std::vector<Captured> read_back(const std::string& path) {
  trace::CaptureOptions options;
  options.read_file = path;
  auto source = trace::CaptureSource::open(options);
  EXPECT_TRUE(std::holds_alternative<std::unique_ptr<trace::CaptureSource>>(source));
  std::vector<Captured> out;
  if (!std::holds_alternative<std::unique_ptr<trace::CaptureSource>>(source)) return out;
  auto stats = std::get<std::unique_ptr<trace::CaptureSource>>(source)->run([&](const trace::Frame& f) {
    out.push_back(Captured{f.timestamp.seconds, f.timestamp.microseconds, f.ip.source, {f.sctp.begin(), f.sctp.end()}});
  });
  EXPECT_TRUE(std::holds_alternative<trace::CaptureStats>(stats));
  return out;
}

TEST(PcapRecorder, RecordsEverySentPacketWithSimulatedTimestamps) {
  const std::string path = temp_path("sent");
  Simulation sim(1);
  RecorderNode a, b;
  sim.add_node("A", {kA}, a);
  sim.add_node("B", {kB}, b);
  sim.network().connect(kA, kB, LinkConfig{.delay = 10ms});
  sim.network().add_script(drop(match::has_chunk(chunk::kSack)));  // lost, but still captured as sent
  b.echo_after(1ms);
  a.send_at(kEpoch + 1500us, kA, kB, make_packet({chunk::kInit}, 8, 1));
  a.send_at(kEpoch + 2s, kA, kB, make_packet({chunk::kSack}, 8, 2));
  {
    auto opened = PcapRecorder::open(path, sim.network());
    ASSERT_TRUE(std::holds_alternative<std::unique_ptr<PcapRecorder>>(opened));
    auto& recorder = *std::get<std::unique_ptr<PcapRecorder>>(opened);
    sim.run_for(5s);
    EXPECT_EQ(recorder.packets(), 3u);
    EXPECT_FALSE(recorder.close().has_value());
  }
  const auto frames = read_back(path);
  ASSERT_EQ(frames.size(), 3u);
  EXPECT_EQ(frames[0].seconds, PcapRecorder::kEpochUnixSeconds);
  EXPECT_EQ(frames[0].micros, 1'500);
  EXPECT_EQ(frames[0].sctp, make_packet({chunk::kInit}, 8, 1));
  EXPECT_EQ(frames[1].micros, 12'500);  // the echo: 10 ms over, 1 ms in B
  EXPECT_EQ(frames[1].source[3], 2);
  EXPECT_EQ(frames[2].seconds, PcapRecorder::kEpochUnixSeconds + 2);
  EXPECT_EQ(frames[2].sctp, make_packet({chunk::kSack}, 8, 2));

  // tcpdump, the oracle of the trace format, reads the file too.
  if (std::system("command -v tcpdump >/dev/null 2>&1") == 0) {
    FILE* tcpdump = ::popen(("TZ=UTC tcpdump -nn -r " + path + " 2>/dev/null").c_str(), "r");
    ASSERT_NE(tcpdump, nullptr);
    std::string text;
    char buffer[512];
    while (std::fgets(buffer, sizeof buffer, tcpdump) != nullptr) text += buffer;
    ::pclose(tcpdump);
    EXPECT_NE(text.find("00:00:00.001500 IP 10.0.0.1.5000 > 10.0.0.2.5001: sctp (1) [INIT]"), std::string::npos)
        << text;
    EXPECT_NE(text.find("10.0.0.2.5000 > 10.0.0.1.5001: sctp (1) [INIT]"), std::string::npos) << text;
    EXPECT_NE(text.find("[SACK]"), std::string::npos) << text;
  }
  std::filesystem::remove(path);
}

TEST(PcapRecorder, AtDeliveryRecordsWhatArrivedCorruptionIncluded) {
  const std::string path = temp_path("delivered");
  Simulation sim(2);
  RecorderNode a, b;
  sim.add_node("A", {kA}, a);
  sim.add_node("B", {kB}, b);
  sim.network().connect(kA, kB, LinkConfig{.delay = 10ms});
  sim.network().add_script(corrupt(match::any()));
  sim.network().add_script(drop(match::any()).nth(2, 2));
  for (uint32_t i = 1; i <= 3; ++i) a.send_at(kEpoch, kA, kB, make_packet({chunk::kData}, 4, i));
  auto opened = PcapRecorder::open(path, sim.network(), Network::TapPoint::Delivered);
  ASSERT_TRUE(std::holds_alternative<std::unique_ptr<PcapRecorder>>(opened));
  sim.run_for(1s);
  std::get<std::unique_ptr<PcapRecorder>>(opened).reset();  // the destructor closes the file
  const auto frames = read_back(path);
  ASSERT_EQ(frames.size(), 2u);
  EXPECT_EQ(frames[0].micros, 10'000);
  EXPECT_EQ(frames[0].sctp, b.received()[0].packet);
  EXPECT_FALSE(wire::verify_checksum(frames[0].sctp));
  EXPECT_EQ(frames[1].sctp, make_packet({chunk::kData}, 4, 3));
  std::filesystem::remove(path);
}

TEST(PcapRecorder, OpeningAnUnwritablePathIsAnError) {
  Simulation sim(1);
  auto opened = PcapRecorder::open("/nonexistent-dir/x.pcap", sim.network());
  EXPECT_TRUE(std::holds_alternative<trace::CaptureError>(opened));
}

TEST(PcapRecorder, TimestampsBeforeTheEpochKeepMicrosecondsPositive) {
  const auto t = PcapRecorder::timestamp(kEpoch - 1500us);
  EXPECT_EQ(t.seconds, PcapRecorder::kEpochUnixSeconds - 1);
  EXPECT_EQ(t.microseconds, 998'500);
}

}  // namespace sim_pcap_test
}  // namespace sctpkit::sim
