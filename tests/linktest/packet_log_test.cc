#include "linktest/packet_log.h"

#include <gtest/gtest.h>

#include "wire/byte_io.h"

namespace sctpkit::linktest {
namespace {

using wire::ChunkType;

// A packet with one chunk: common header (RFC 9260 3.1) then the chunk (3.2), padded to 4 bytes.
std::vector<uint8_t> packet(uint16_t from, uint16_t to, ChunkType type, std::vector<uint8_t> value = {}) {
  std::vector<uint8_t> p(12 + 4 + wire::padded4(value.size()), 0);
  wire::store_u16(p, 0, from);
  wire::store_u16(p, 2, to);
  p[12] = static_cast<uint8_t>(type);
  wire::store_u16(p, 14, static_cast<uint16_t>(4 + value.size()));
  std::copy(value.begin(), value.end(), p.begin() + 16);
  return p;
}

std::vector<uint8_t> init_value(uint32_t tag, uint32_t rwnd) {
  std::vector<uint8_t> v(16, 0);
  wire::store_u32(v, 0, tag);
  wire::store_u32(v, 4, rwnd);
  wire::store_u16(v, 8, 10);
  wire::store_u16(v, 10, 10);
  wire::store_u32(v, 12, 1);
  return v;
}

class PacketLogTest : public ::testing::Test {
 protected:
  void add(bool sent, const std::vector<uint8_t>& sctp, int ms) {
    static const uint8_t zero[4] = {0, 0, 0, 0};
    static const uint8_t server[4] = {10, 0, 0, 2};
    static const uint8_t client[4] = {10, 0, 0, 1};
    PacketTrace t;
    t.sent = sent;
    t.source_ip = sent ? std::span<const uint8_t>(zero) : std::span<const uint8_t>(server);
    t.destination_ip = sent ? std::span<const uint8_t>(server) : std::span<const uint8_t>(client);
    t.packet = sctp;
    t.time = std::chrono::system_clock::time_point(std::chrono::milliseconds(1'700'000'000'000 + ms));
    log.record(t);
  }
  PacketLog log;
};

TEST_F(PacketLogTest, CountsChunksPerDirectionAndSinceAMark) {
  add(true, packet(5000, 30102, ChunkType::Init, init_value(0x1111, 1000)), 0);
  add(true, packet(5000, 30102, ChunkType::Init, init_value(0x1111, 1000)), 1000);
  const size_t mark = log.mark();
  add(false, packet(30102, 5000, ChunkType::InitAck, init_value(0x2222, 2000)), 1010);
  EXPECT_EQ(log.chunks(ChunkType::Init, true).count, 2u);
  EXPECT_EQ(log.chunks(ChunkType::Init, false).count, 0u);
  EXPECT_EQ(log.chunks(ChunkType::Init, true, mark).count, 0u);
  const auto ack = log.chunks(ChunkType::InitAck, false, mark);
  EXPECT_EQ(ack.count, 1u);
  ASSERT_TRUE(ack.first.has_value());
  EXPECT_EQ(*ack.first - *log.chunks(ChunkType::Init, true).first, std::chrono::milliseconds(1010));
  auto value = log.first_chunk_value(ChunkType::InitAck, false);
  ASSERT_TRUE(value.has_value());
  EXPECT_EQ(wire::load_u32(wire::Bytes(*value), 0), 0x2222u);
}

TEST_F(PacketLogTest, PrintsTcpdumpLinesWithOurAddressInsteadOfTheWildcard) {
  log.set_local_address(wire::IpAddress::v4(10, 0, 0, 1));
  add(true, packet(5000, 30102, ChunkType::Init, init_value(0x1111, 1000)), 0);
  add(false, packet(30102, 5000, ChunkType::InitAck, init_value(0x2222, 2000)), 5);
  const std::string text = log.tcpdump_lines();
  EXPECT_NE(text.find("IP 10.0.0.1.5000 > 10.0.0.2.30102: sctp (1) [INIT] [init tag: 4369] [rwnd: 1000]"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("IP 10.0.0.2.30102 > 10.0.0.1.5000: sctp (1) [INIT ACK] [init tag: 8738]"), std::string::npos)
      << text;
  EXPECT_EQ(text.find("0.0.0.0"), std::string::npos);
}

TEST_F(PacketLogTest, LadderPutsUsLeftAndDrawsOneChartPerAssociation) {
  log.set_local_address(wire::IpAddress::v4(10, 0, 0, 1));
  add(true, packet(5000, 30102, ChunkType::Init, init_value(0x1111, 1000)), 0);
  add(false, packet(30102, 5000, ChunkType::InitAck, init_value(0x2222, 2000)), 5);
  log.set_association(1);
  add(true, packet(5001, 30102, ChunkType::Abort), 100);
  const std::string ladder = log.ladder();
  EXPECT_NE(ladder.find("10.0.0.1.5000"), std::string::npos) << ladder;
  EXPECT_LT(ladder.find("10.0.0.1.5000"), ladder.find("10.0.0.2.30102"));
  EXPECT_NE(ladder.find("|-- INIT tag 4369"), std::string::npos) << ladder;
  EXPECT_NE(ladder.find("INIT ACK tag 8738"), std::string::npos) << ladder;
  EXPECT_NE(ladder.find("association 2:"), std::string::npos) << ladder;
  EXPECT_NE(ladder.find("10.0.0.1.5001"), std::string::npos) << ladder;
  EXPECT_NE(ladder.find("  0.100000  |-- ABORT"), std::string::npos) << "times count from the run's first packet";
}

TEST_F(PacketLogTest, ElidedPacketsAreCountedButPrintedAsOneLine) {
  add(true, packet(5000, 30102, ChunkType::Init, init_value(0x1111, 1000)), 0);
  log.set_elide(true);
  for (int i = 0; i < 5; ++i) add(true, packet(5000, 30102, ChunkType::Heartbeat, {0, 1, 0, 4}), 10 + i);
  log.set_elide(false);
  add(true, packet(5000, 30102, ChunkType::Shutdown, {0, 0, 0, 0}), 20);
  EXPECT_EQ(log.chunks(ChunkType::Heartbeat, true).count, 5u);
  const std::string text = log.tcpdump_lines();
  EXPECT_NE(text.find("[... 5 packets of the bulk burst left out ...]"), std::string::npos) << text;
  EXPECT_EQ(text.find("HEARTBEAT"), std::string::npos) << text;
  EXPECT_NE(text.find("[SHUTDOWN]"), std::string::npos) << text;
  const std::string ladder = log.ladder();
  EXPECT_NE(ladder.find("[... 5 packets of the bulk burst left out ...]"), std::string::npos) << ladder;
  EXPECT_NE(ladder.find("SHUTDOWN"), std::string::npos) << ladder;
}

}  // namespace
}  // namespace sctpkit::linktest
