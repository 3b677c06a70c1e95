// Scripted impairments: exact, bounded faults chosen by what the packet carries.
#include <gtest/gtest.h>

#include <bit>

#include "sim/simulation.h"
#include "sim/test_nodes.h"
#include "wire/packet.h"

namespace sctpkit::sim {
namespace sim_script_test {

const auto kA = wire::IpAddress::v4(10, 0, 0, 1);
const auto kB = wire::IpAddress::v4(10, 0, 0, 2);

int64_t us(TimePoint t) { return micros_since_epoch(t); }

class ScriptTest : public ::testing::Test {
 protected:
  ScriptTest() {
    sim.add_node("A", {kA}, a);
    sim.add_node("B", {kB}, b);
    sim.network().connect(kA, kB, LinkConfig{.delay = 10ms});
  }
  // A sends packet `tag` with these chunks at tag milliseconds.
  void a_sends(uint32_t tag, std::initializer_list<uint8_t> chunks) {
    a.send_at(kEpoch + std::chrono::milliseconds(tag), kA, kB, make_packet(chunks, 4, tag));
  }
  Simulation sim{1};
  RecorderNode a, b;
};

TEST_F(ScriptTest, DropsTheFirstPacketContainingACookieAckOnly) {
  Script& s = sim.network().add_script(drop(match::has_chunk(chunk::kCookieAck), "lose-cookie-ack"));
  a_sends(1, {chunk::kInit});
  a_sends(2, {chunk::kCookieAck});
  a_sends(3, {chunk::kCookieAck, chunk::kData});
  sim.run_for(1s);
  EXPECT_EQ(b.received_tags(), (std::vector<uint32_t>{1, 3}));
  EXPECT_EQ(s.matched, 1u);  // exhausted scripts stop counting
  EXPECT_EQ(s.fired, 1u);
  EXPECT_EQ(sim.log().at(2).fate, Fate::Scripted);
  EXPECT_EQ(sim.log().at(2).scripts, "lose-cookie-ack");
  EXPECT_EQ(sim.network().link(kA, kB)->stats.script_drops, 1u);
}

TEST_F(ScriptTest, DropsTheSecondToFourthDataPacketsFromAToBOnly) {
  sim.network().add_script(drop(match::has_chunk(chunk::kData) && match::between(kA, kB)).nth(2, 4));
  for (uint32_t t = 1; t <= 6; ++t) {
    a_sends(t, {chunk::kData});
    b.send_at(kEpoch + std::chrono::milliseconds(t), kB, kA, make_packet({chunk::kData}, 4, 100 + t));
  }
  a_sends(7, {chunk::kSack});  // not DATA: neither counted nor dropped
  sim.run_for(1s);
  EXPECT_EQ(b.received_tags(), (std::vector<uint32_t>{1, 5, 6, 7}));
  EXPECT_EQ(a.received().size(), 6u);
}

TEST_F(ScriptTest, DelaysEverySackButNothingElse) {
  sim.network().add_script(delay(match::has_chunk(chunk::kSack), 300ms).always());
  a_sends(1, {chunk::kSack});
  a_sends(2, {chunk::kData});
  a_sends(3, {chunk::kData, chunk::kSack});  // a bundled SACK is still a SACK
  sim.run_for(1s);
  ASSERT_EQ(b.received().size(), 3u);
  EXPECT_EQ(b.received_tags(), (std::vector<uint32_t>{2, 1, 3}));
  EXPECT_EQ(us(b.received()[0].at), 12'000);
  EXPECT_EQ(us(b.received()[1].at), 311'000);
  EXPECT_EQ(us(b.received()[2].at), 313'000);
}

TEST_F(ScriptTest, DuplicatesTheNextInitOnce) {
  sim.network().add_script(duplicate(match::has_chunk(chunk::kInit)));
  a_sends(1, {chunk::kInit});
  a_sends(2, {chunk::kInit});
  sim.run_for(1s);
  EXPECT_EQ(b.received_tags(), (std::vector<uint32_t>{1, 1, 2}));
  EXPECT_EQ(sim.log().at(2).copy_of, 1u);
  EXPECT_EQ(sim.network().link(kA, kB)->stats.duplicated, 1u);
}

TEST_F(ScriptTest, CorruptsExactlyOneBitOfTheChosenPacket) {
  sim.network().add_script(corrupt(match::has_chunk(chunk::kCookieEcho)));
  a_sends(1, {chunk::kCookieEcho});
  a_sends(2, {chunk::kCookieEcho});
  sim.run_for(1s);
  ASSERT_EQ(b.received().size(), 2u);
  const auto sent = make_packet({chunk::kCookieEcho}, 4, 1);
  int bits = 0;
  for (size_t i = 0; i < sent.size(); ++i) bits += std::popcount(static_cast<uint8_t>(sent[i] ^ b.received()[0].packet[i]));
  EXPECT_EQ(bits, 1);
  EXPECT_FALSE(wire::verify_checksum(b.received()[0].packet));
  EXPECT_TRUE(wire::verify_checksum(b.received()[1].packet));
  EXPECT_TRUE(sim.log().at(1).corrupted);
}

TEST_F(ScriptTest, ScriptsRunBeforeRandomLoss) {
  // With certain random loss the script still sees, counts and drops the packet first.
  sim.network().link(kA, kB)->config.loss = 1.0;
  Script& s = sim.network().add_script(drop(match::has_chunk(chunk::kData)));
  a_sends(1, {chunk::kData});
  a_sends(2, {chunk::kData});
  sim.run_for(1s);
  EXPECT_EQ(s.fired, 1u);
  EXPECT_EQ(sim.log().at(1).fate, Fate::Scripted);
  EXPECT_EQ(sim.log().at(2).fate, Fate::Lost);
}

TEST_F(ScriptTest, ScriptsApplyInOrderAndCombine) {
  // Delayed and duplicated: both copies come 50 ms late.
  sim.network().add_script(delay(match::any(), 50ms, "slow"));
  sim.network().add_script(duplicate(match::any(), 1, "twice"));
  a_sends(1, {chunk::kData});
  sim.run_for(1s);
  ASSERT_EQ(b.received().size(), 2u);
  EXPECT_EQ(us(b.received()[0].at), 61'000);
  EXPECT_EQ(us(b.received()[1].at), 61'000);
  EXPECT_EQ(sim.log().at(1).scripts, "slow,twice");
}

TEST_F(ScriptTest, MalformedPacketsHaveNoChunksToMatch) {
  Script& s = sim.network().add_script(drop(match::has_chunk(chunk::kData)));
  auto bad = make_packet({chunk::kData}, 4, 1);
  wire::store_u16(bad, 12 + 2, 200);  // chunk length past the end
  a.send_at(kEpoch, kA, kB, bad);
  sim.run_for(1s);
  EXPECT_EQ(s.matched, 0u);
  EXPECT_EQ(b.received().size(), 1u);
  EXPECT_EQ(sim.log().at(1).chunks, "[malformed: chunk length past the end of the packet]");
}

TEST(ScriptCounting, NthAndTimesBoundTheFiring) {
  Script s = drop(match::any()).nth(3, 4);
  const PacketInfo p{};
  std::vector<bool> fired;
  for (int i = 0; i < 6; ++i) fired.push_back(s.consider(p));
  EXPECT_EQ(fired, (std::vector<bool>{false, false, true, true, false, false}));
  EXPECT_TRUE(s.exhausted());

  Script t = drop(match::any()).times(2);
  EXPECT_TRUE(t.consider(p));
  EXPECT_TRUE(t.consider(p));
  EXPECT_FALSE(t.consider(p));

  Script never = drop(!match::any() || !match::any());
  EXPECT_FALSE(never.consider(p));
  EXPECT_EQ(never.matched, 0u);
}

TEST(ChunkSummary, NamesChunksLikeTcpdump) {
  EXPECT_EQ(summarize_packet(make_packet({chunk::kCookieEcho, chunk::kData})), "[COOKIE ECHO] [DATA]");
  EXPECT_EQ(summarize_packet(make_packet({chunk::kInitAck, chunk::kHeartbeat, 0x2a})), "[INIT ACK] [HB REQ] [0x2a]");
  EXPECT_EQ(summarize_packet(make_packet({chunk::kError, chunk::kForwardTsn})), "[OP ERR] [FOR CUM TSN]");
  // Extensions tcpdump 4.99 does not name keep their RFC names.
  EXPECT_EQ(summarize_packet(make_packet({chunk::kIData, 130})), "[I-DATA] [RE-CONFIG]");
  EXPECT_EQ(summarize_packet(make_packet({})), "[no chunks]");
  const uint8_t short_packet[4] = {};
  EXPECT_EQ(summarize_packet(short_packet), "[malformed: packet shorter than the SCTP common header]");
}

}  // namespace sim_script_test
}  // namespace sctpkit::sim
