#include "linktest/path_check.h"

#include <gtest/gtest.h>

#include "wire/byte_io.h"

namespace sctpkit::linktest {
namespace path_check_test {

using namespace std::chrono_literals;
using wire::ChunkType;
using wire::IpAddress;

const IpAddress kL1 = IpAddress::v4(10, 1, 0, 1), kP1 = IpAddress::v4(10, 1, 0, 2);
const IpAddress kL2 = IpAddress::v4(10, 2, 0, 1), kP2 = IpAddress::v4(10, 2, 0, 2);

// A packet with one chunk (RFC 9260 3.1, 3.2) whose value is a Heartbeat Info parameter (3.3.5)
// carrying `info`: a HEARTBEAT ACK echoes it.
LoggedPacket heartbeat(bool sent, IpAddress from, IpAddress to, ChunkType type, uint8_t info) {
  LoggedPacket p;
  p.sent = sent;
  p.source = from;
  p.destination = to;
  p.sctp.assign(12 + 4 + 8, 0);
  p.sctp[12] = static_cast<uint8_t>(type);
  wire::store_u16(p.sctp, 14, 4 + 8);
  wire::store_u16(p.sctp, 16, 1);  // Heartbeat Info
  wire::store_u16(p.sctp, 18, 8);
  p.sctp[20] = info;
  p.chunk_types = {static_cast<uint8_t>(type)};  // as PacketLog::record() notes them
  return p;
}

// Our HEARTBEAT from `local` to `peer` and its answer; the peer's HEARTBEAT to `local` and ours.
void both_ways(std::vector<LoggedPacket>& log, IpAddress local, IpAddress peer, uint8_t info) {
  log.push_back(heartbeat(true, local, peer, ChunkType::Heartbeat, info));
  log.push_back(heartbeat(false, peer, local, ChunkType::HeartbeatAck, info));
  log.push_back(heartbeat(false, peer, local, ChunkType::Heartbeat, info + 100));
  log.push_back(heartbeat(true, local, peer, ChunkType::HeartbeatAck, info + 100));
}

PathCheckInput two_by_two(bool peer_is_ours = true) {
  PathCheckInput in;
  in.peer_paths = {PathInfo{"10.1.0.2", true, true, 300us, 1s, 4380}, PathInfo{"10.2.0.2", false, false, 0us, 1s, 4380}};
  in.local_addresses = {kL1, kL2};
  in.peer_heartbeats_required = peer_is_ours;
  return in;
}

TEST(PathCheck, EveryPathAnsweredBothWaysPasses) {
  std::vector<LoggedPacket> log;
  both_ways(log, kL1, kP1, 1);
  both_ways(log, kL2, kP2, 2);
  auto paths = tally_paths(log, 0, two_by_two());
  ASSERT_EQ(paths.size(), 2u);
  EXPECT_TRUE(all_paths_pass(paths));
  EXPECT_EQ(path_name(paths[0]), "10.1.0.1 -> 10.1.0.2");
  EXPECT_EQ(path_name(paths[1]), "10.2.0.1 -> 10.2.0.2");
  EXPECT_EQ(paths[0].state, "active");
  EXPECT_EQ(paths[1].state, "inactive");
  ASSERT_TRUE(paths[0].srtt_ms);
  EXPECT_DOUBLE_EQ(*paths[0].srtt_ms, 0.3);
  EXPECT_FALSE(paths[1].srtt_ms) << "no measurement yet";
  for (const auto& p : paths) {
    EXPECT_EQ(p.hb_sent, 1u);
    EXPECT_EQ(p.hb_ack_received, 1u);
    EXPECT_EQ(p.hb_received, 1u);
    EXPECT_EQ(p.hb_ack_sent, 1u);
  }
  EXPECT_EQ(judge_paths(paths, 5s), 0u);
  EXPECT_EQ(paths[1].seen, "");
}

TEST(PathCheck, ASilentPathFailsWithWhatWasExpectedAndWhatToCheck) {
  std::vector<LoggedPacket> log;
  both_ways(log, kL1, kP1, 1);
  log.push_back(heartbeat(true, kL2, kP2, ChunkType::Heartbeat, 2));
  log.push_back(heartbeat(true, kL2, kP2, ChunkType::Heartbeat, 3));
  auto paths = tally_paths(log, 0, two_by_two());
  ASSERT_EQ(paths.size(), 2u);
  EXPECT_EQ(paths[0].result, Outcome::Pass);
  EXPECT_EQ(paths[1].result, Outcome::Fail);
  EXPECT_EQ(paths[1].hb_sent, 2u);
  EXPECT_EQ(judge_paths(paths, 5s), 1u);
  EXPECT_EQ(paths[1].seen,
            "no HEARTBEAT ACK from 10.2.0.2 in 5 s over path 10.2.0.1 -> 10.2.0.2, and no HEARTBEAT from the peer to "
            "10.2.0.1 in 5 s");
  EXPECT_EQ(paths[1].hint, "is that network routed and SCTP allowed on it?");
}

// RFC 9260 8.3 sends the HEARTBEAT ACK to the HEARTBEAT's source but says nothing of the ACK's own
// source: the peer may answer from another of its addresses. The echoed information tells.
TEST(PathCheck, AnAnswerCountsOnThePathOfTheHeartbeatItEchoes) {
  std::vector<LoggedPacket> log;
  log.push_back(heartbeat(true, kL1, kP2, ChunkType::Heartbeat, 7));
  log.push_back(heartbeat(false, kP1, kL1, ChunkType::HeartbeatAck, 7));
  log.push_back(heartbeat(false, kP1, kL1, ChunkType::HeartbeatAck, 99));  // answers nothing we sent
  auto in = two_by_two(false);
  in.peer_paths.resize(1);
  in.peer_paths[0].address = "10.2.0.2";
  const auto paths = tally_paths(log, 0, in);
  ASSERT_EQ(paths.size(), 1u);
  EXPECT_EQ(path_name(paths[0]), "10.1.0.1 -> 10.2.0.2");
  EXPECT_EQ(paths[0].hb_ack_received, 1u);
  EXPECT_EQ(paths[0].result, Outcome::Pass);
}

TEST(PathCheck, AnotherServersHeartbeatsAreShownNotRequired) {
  std::vector<LoggedPacket> log;
  log.push_back(heartbeat(true, kL1, kP1, ChunkType::Heartbeat, 1));
  log.push_back(heartbeat(false, kP1, kL1, ChunkType::HeartbeatAck, 1));
  log.push_back(heartbeat(true, kL2, kP2, ChunkType::Heartbeat, 2));
  log.push_back(heartbeat(false, kP2, kL2, ChunkType::HeartbeatAck, 2));
  auto paths = tally_paths(log, 0, two_by_two(false));
  EXPECT_TRUE(all_paths_pass(paths));
  paths = tally_paths(log, 0, two_by_two(true));
  ASSERT_EQ(paths.size(), 2u);
  EXPECT_FALSE(all_paths_pass(paths)) << "our own server must heartbeat both of our addresses";
  judge_paths(paths, 2500ms);
  EXPECT_EQ(paths[0].seen, "no HEARTBEAT from the peer to 10.1.0.1 in 2.5 s");
}

TEST(PathCheck, APeerAddressNeverHeartbeatedIsAFailedPathOfItsOwn) {
  std::vector<LoggedPacket> log;
  both_ways(log, kL1, kP1, 1);
  log.push_back(heartbeat(true, kL2, kP2, ChunkType::Data, 0));  // data went there, no heartbeat
  both_ways(log, kL2, kP1, 2);  // the peer heartbeats our second address from its first
  auto paths = tally_paths(log, 0, two_by_two());
  ASSERT_EQ(paths.size(), 3u);
  EXPECT_EQ(path_name(paths[2]), "10.2.0.1 -> 10.2.0.2");
  EXPECT_EQ(paths[2].result, Outcome::Fail);
  judge_paths(paths, 10s);
  EXPECT_EQ(paths[2].seen, "we sent no HEARTBEAT to 10.2.0.2 in 10 s");
  EXPECT_EQ(paths[2].hint, "raise --timeout above the heartbeat interval (--hb-interval)");
  EXPECT_EQ(paths[0].result, Outcome::Pass);
  EXPECT_EQ(paths[1].result, Outcome::Pass);
}

TEST(PathCheck, OnlyTheMainAssociationAfterTheMarkCounts) {
  std::vector<LoggedPacket> log;
  both_ways(log, kL1, kP1, 1);
  const size_t mark = log.size();
  both_ways(log, kL2, kP2, 2);
  for (auto& p : log) p.association = &p - log.data() >= static_cast<std::ptrdiff_t>(mark) + 2 ? 1 : 0;
  const auto paths = tally_paths(log, mark, two_by_two());
  ASSERT_EQ(paths.size(), 2u);
  EXPECT_EQ(paths[0].hb_sent, 0u);
  EXPECT_EQ(paths[1].hb_sent, 1u);
  EXPECT_EQ(paths[1].hb_received, 0u) << "the abort association's heartbeats are not the main one's";
}

}  // namespace path_check_test
}  // namespace sctpkit::linktest
