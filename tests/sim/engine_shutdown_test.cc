// Shutdown scenarios (RFC 9260 9.2) beyond the data path's: what else runs while shutting down.
#include <gtest/gtest.h>

#include <string>

#include "assoc/scripted_peer.h"
#include "sim/chunk_summary.h"
#include "sim/endpoint_node.h"
#include "sim/impairment.h"
#include "sim/simulation.h"

namespace sctpkit::sim {
namespace engine_shutdown_test {

using namespace std::chrono_literals;

const auto kA = wire::IpAddress::v4(10, 0, 0, 1);
const auto kB = wire::IpAddress::v4(10, 0, 1, 1);

// RFC 9260 8.3: heartbeats are "discontinued after sending either a SHUTDOWN chunk or SHUTDOWN ACK
// chunk". With every SHUTDOWN ACK lost, A stays in SHUTDOWN-SENT and B in SHUTDOWN-ACK-SENT for a
// minute, both resending on T2-shutdown, and neither sends a HEARTBEAT (A used to).
TEST(EngineShutdownTest, NoHeartbeatsAfterShutdownOrShutdownAckSent) {
  Simulation sim{5};
  assoc::EndpointConfig client;
  client.local_port = 5000;
  client.heartbeat_interval = 1s;
  assoc::EndpointConfig server;
  server.local_port = 7;
  server.listen = true;
  server.heartbeat_interval = 1s;
  EndpointNode a(sim, "A", {kA}, client, sim.random());
  EndpointNode b(sim, "B", {kB}, server, sim.random());
  sim.network().connect(kA, kB, LinkConfig{.delay = 10ms});
  const auto id = std::get<assoc::AssociationId>(a.connect(kB, 7));
  ASSERT_TRUE(a.run_until_connected(5s).satisfied());
  sim.run_for(10s);
  auto heartbeats = [&] {
    size_t n = 0;
    for (const auto& e : sim.log().entries()) n += e.chunks.find("HB REQ") != std::string::npos ? 1 : 0;
    return n;
  };
  ASSERT_GT(heartbeats(), 0u);  // they were running while ESTABLISHED
  sim.network().add_script(drop(match::has_chunk(chunk::kShutdownAck)).always());
  a.shutdown(id);
  ASSERT_TRUE(sim.run_until([&] { return b.endpoint().status(b.first<assoc::ConnectedEvent>()->id)->state ==
                                         assoc::AssociationState::ShutdownAckSent; },
                            5s)
                  .satisfied());
  const size_t before = heartbeats();
  sim.run_for(60s);
  EXPECT_EQ(a.endpoint().status(id)->state, assoc::AssociationState::ShutdownSent);
  EXPECT_EQ(heartbeats(), before) << sim.log().format();
  size_t shutdowns = 0;  // T2-shutdown kept resending SHUTDOWN meanwhile
  for (const auto& e : sim.log().entries()) shutdowns += e.chunks == "[SHUTDOWN]" ? 1 : 0;
  EXPECT_GE(shutdowns, 3u);
}

// ---- against a scripted peer (tests/assoc/scripted_peer.h): what a peer that misbehaves sees

using assoc::testing::ScriptedPeer;
using assoc::testing::SentPacket;
using assoc::testing::text;

size_t count_with(const std::vector<SentPacket>& packets, uint8_t type) {
  size_t n = 0;
  for (const auto& p : packets) n += p.has(type) ? 1 : 0;
  return n;
}

TEST(EngineShutdownRfc, ShutdownsCumulativeTsnAckActsAsASackAndTheShutdownAckIsResentOnT2) {
  ScriptedPeer p;
  p.establish_with_data(1);
  // RFC 9260 9.2: the peer's SHUTDOWN without our TSN: SHUTDOWN-RECEIVED, data still outstanding,
  // no SHUTDOWN ACK yet (and the chunk is retransmitted on T3-rtx).
  p.send(p.local_tag, wire::ShutdownChunk{wire::Tsn(p.local_tsn - 1)});
  auto sent = p.take();
  EXPECT_EQ(count_with(sent, wire::ShutdownAckChunk::kType), 0u);
  EXPECT_EQ(p.events_of<assoc::PeerShutdownEvent>().size(), 1u);
  EXPECT_EQ(p.state(), assoc::AssociationState::ShutdownReceived);
  // "stop accepting new data from its SCTP user".
  EXPECT_EQ(p.endpoint().send(p.only_association(), text("late"), wire::StreamId(0), wire::Ppid(0), false, p.now),
            assoc::SendResult::NotConnected);
  sent = p.advance(1500ms);
  EXPECT_EQ(count_with(sent, wire::DataChunk::kType), 1u);
  // "Upon reception of the SHUTDOWN chunk, the peer endpoint does the following: ... verify, by
  // checking the Cumulative TSN Ack field of the chunk, that all its outstanding DATA chunks have
  // been received by the SHUTDOWN chunk sender": this one acknowledges our DATA.
  p.send(p.local_tag, wire::ShutdownChunk{wire::Tsn(p.local_tsn)});
  sent = p.take();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_TRUE(sent[0].has(wire::ShutdownAckChunk::kType));
  EXPECT_EQ(p.state(), assoc::AssociationState::ShutdownAckSent);
  // T2-shutdown: no SHUTDOWN COMPLETE, the SHUTDOWN ACK is sent again; no DATA.
  sent = p.advance(2500ms);
  EXPECT_GE(count_with(sent, wire::ShutdownAckChunk::kType), 1u);
  EXPECT_EQ(count_with(sent, wire::DataChunk::kType), 0u);
  p.send(p.peer_tag, wire::ShutdownCompleteChunk{true});
  p.take();
  ASSERT_EQ(p.events_of<assoc::ClosedEvent>().size(), 1u);
  EXPECT_EQ(p.events_of<assoc::ClosedEvent>()[0].reason, assoc::CloseReason::Graceful);
}

TEST(EngineShutdownRfc, ShutdownSentAnswersPacketsWithDataWithAShutdownAndNoOthers) {
  ScriptedPeer p;
  ASSERT_TRUE(p.establish());
  p.endpoint().shutdown(p.only_association(), p.now);
  auto sent = p.take();
  ASSERT_EQ(sent.size(), 1u);
  ASSERT_TRUE(sent[0].has(wire::ShutdownChunk::kType));
  EXPECT_EQ(sent[0].parse<wire::ShutdownChunk>().cumulative_tsn_ack.value(), p.peer_tsn - 1);
  // RFC 9260 9.2: "While in the SHUTDOWN-SENT state, the SHUTDOWN chunk sender MUST immediately
  // respond to each received packet containing one or more DATA chunks with a SHUTDOWN chunk".
  p.send(p.local_tag, ScriptedPeer::data(p.peer_tsn, text("late")));
  sent = p.take();
  ASSERT_EQ(sent.size(), 1u);
  ASSERT_TRUE(sent[0].has(wire::ShutdownChunk::kType));
  EXPECT_EQ(sent[0].parse<wire::ShutdownChunk>().cumulative_tsn_ack.value(), p.peer_tsn);
  EXPECT_EQ(p.events_of<assoc::MessageEvent>().size(), 1u);
  // A packet without DATA (a HEARTBEAT) gets its answer alone.
  const std::vector<uint8_t> info = {0, 1, 0, 8, 1, 2, 3, 4};
  p.send(p.local_tag, wire::HeartbeatChunk{info});
  sent = p.take();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_TRUE(sent[0].has(wire::HeartbeatAckChunk::kType));
  EXPECT_FALSE(sent[0].has(wire::ShutdownChunk::kType));
  // The SHUTDOWN ACK: 8.5.1 C, "if the receiver of the SHUTDOWN ACK chunk has a TCB, then the
  // destination endpoint's tag MUST be used and the T bit MUST NOT be set".
  p.send(p.local_tag, wire::ShutdownAckChunk{});
  sent = p.take();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].tag(), p.peer_tag);
  const auto complete = sent[0].chunk(wire::ShutdownCompleteChunk::kType);
  ASSERT_TRUE(complete);
  EXPECT_EQ(complete->flags & 1, 0);
  ASSERT_EQ(p.events_of<assoc::ClosedEvent>().size(), 1u);
  EXPECT_EQ(p.events_of<assoc::ClosedEvent>()[0].reason, assoc::CloseReason::Graceful);
}

TEST(EngineShutdownRfc, ShutdownGuardTimerAbortsAPeerThatKeepsSendingDataButNeverAcks) {
  assoc::EndpointConfig c = ScriptedPeer::server_config();
  c.rto_max = 1s;  // T5-shutdown-guard: 5 x RTO.Max
  ScriptedPeer p(c);
  ASSERT_TRUE(p.establish());
  p.endpoint().shutdown(p.only_association(), p.now);
  const TimePoint start = p.now;
  p.take();
  // Each DATA packet restarts T2-shutdown (9.2) and clears the error count, so only the guard
  // ends this: "At the expiration of this timer, the sender SHOULD abort the association by
  // sending an ABORT chunk".
  uint32_t tsn = p.peer_tsn;
  std::vector<SentPacket> sent;
  while (p.events_of<assoc::ClosedEvent>().empty() && p.now - start < 10s) {
    p.send(p.local_tag, ScriptedPeer::data(tsn++, text("more")));
    for (auto& s : p.advance(400ms)) sent.push_back(std::move(s));
  }
  ASSERT_EQ(p.events_of<assoc::ClosedEvent>().size(), 1u);
  EXPECT_EQ(p.events_of<assoc::ClosedEvent>()[0].reason, assoc::CloseReason::ShutdownTimedOut);
  EXPECT_GE(p.now - start, 5s);
  EXPECT_LT(p.now - start, 6s);
  ASSERT_FALSE(sent.empty());
  EXPECT_TRUE(sent.back().has(wire::AbortChunk::kType));
  EXPECT_EQ(sent.back().tag(), p.peer_tag);
}

TEST(EngineShutdownRfc, ShutdownAcknowledgingATsnNeverSentAbortsWithProtocolViolation) {
  ScriptedPeer p;
  p.establish_with_data(1);
  // RFC 9260 9.2 takes a SHUTDOWN's Cumulative TSN Ack as a SACK's, and 12: "An SCTP
  // implementation MUST abort the association if it receives a SACK chunk acknowledging a TSN that
  // has not been sent." (local_tsn was sent, local_tsn + 1 was not.)
  p.send(p.local_tag, wire::ShutdownChunk{wire::Tsn(p.local_tsn + 1)});
  auto sent = p.take();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].tag(), p.peer_tag);
  ASSERT_TRUE(sent[0].has(wire::AbortChunk::kType));
  EXPECT_EQ(assoc::testing::first_cause(*sent[0].chunk(wire::AbortChunk::kType)), 13);
  ASSERT_EQ(p.events_of<assoc::ClosedEvent>().size(), 1u);
  EXPECT_EQ(p.events_of<assoc::ClosedEvent>()[0].reason, assoc::CloseReason::AbortedLocally);
  // A SHUTDOWN older than the ack point is only out of order (6.2.1 rule 4.1), not a violation.
  ScriptedPeer q;
  q.establish_with_data(1);
  q.send(q.local_tag, wire::SackChunk{wire::Tsn(q.local_tsn), 65536, {}, {}});
  q.send(q.local_tag, wire::ShutdownChunk{wire::Tsn(q.local_tsn - 1)});
  sent = q.take();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_TRUE(sent[0].has(wire::ShutdownAckChunk::kType));
}

TEST(EngineShutdownRfc, ShutdownCollisionAndShutdownBeforeEstablished) {
  ScriptedPeer p;
  ASSERT_TRUE(p.establish());
  p.endpoint().shutdown(p.only_association(), p.now);
  p.take();
  // RFC 9260 9.2: "If an endpoint is in the SHUTDOWN-SENT state and receives a SHUTDOWN chunk from
  // its peer, the endpoint SHOULD respond immediately with a SHUTDOWN ACK chunk".
  p.send(p.local_tag, wire::ShutdownChunk{wire::Tsn(p.local_tsn - 1)});
  auto sent = p.take();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_TRUE(sent[0].has(wire::ShutdownAckChunk::kType));
  EXPECT_EQ(p.state(), assoc::AssociationState::ShutdownAckSent);
  // "If a SHUTDOWN chunk is received in the COOKIE-WAIT or COOKIE ECHOED state, the SHUTDOWN chunk
  // SHOULD be silently discarded."
  assoc::EndpointConfig c = ScriptedPeer::server_config();
  c.listen = false;
  ScriptedPeer q(c);
  assoc::ConnectRequest r;
  r.remote_addresses = {q.peer};
  r.remote_port = ScriptedPeer::kPeerPort;
  q.endpoint().connect(r, q.now);
  sent = q.take();
  ASSERT_EQ(sent.size(), 1u);
  const uint32_t ours = sent[0].parse<wire::InitChunk>().initiate_tag.value();
  q.send(ours, wire::ShutdownChunk{wire::Tsn(1)});
  EXPECT_TRUE(q.take().empty());
  EXPECT_EQ(q.state(), assoc::AssociationState::CookieWait);
}

TEST(EngineShutdownRfc, AnyPacketFromThePeerRestartsT2Shutdown) {
  ScriptedPeer p;
  ASSERT_TRUE(p.establish());
  p.endpoint().shutdown(p.only_association(), p.now);
  p.take();
  // RFC 9260 9.2: "The reception of any packet from its peer ... SHOULD clear the endpoint's
  // retransmission count and restart the T2-shutdown timer" (RTO: 1 s here). HEARTBEATs every
  // 0.8 s keep the SHUTDOWN from being resent; when they stop, T2 resends it.
  const std::vector<uint8_t> info = {0, 1, 0, 8, 1, 2, 3, 4};
  std::vector<SentPacket> sent;
  for (int i = 0; i < 5; ++i) {
    for (auto& s : p.advance(800ms)) sent.push_back(std::move(s));
    p.send(p.local_tag, wire::HeartbeatChunk{info});
    for (auto& s : p.take()) sent.push_back(std::move(s));
  }
  EXPECT_EQ(count_with(sent, wire::ShutdownChunk::kType), 0u);
  EXPECT_EQ(count_with(sent, wire::HeartbeatAckChunk::kType), 5u);
  EXPECT_EQ(count_with(p.advance(1100ms), wire::ShutdownChunk::kType), 1u);
}

TEST(EngineShutdownRfc, InitOrRestartInShutdownAckSentGetsTheShutdownAckAgain) {
  ScriptedPeer p;
  ASSERT_TRUE(p.establish());
  const uint32_t established_tag = p.local_tag;
  const auto restart_cookie = p.cookie_for(0x7777, 5000);  // 5.2.2: tie-tags = the current tags
  p.send(established_tag, wire::ShutdownChunk{wire::Tsn(p.local_tsn - 1)});
  ASSERT_EQ(count_with(p.take(), wire::ShutdownAckChunk::kType), 1u);
  ASSERT_EQ(p.state(), assoc::AssociationState::ShutdownAckSent);
  // RFC 9260 9.2: an INIT in SHUTDOWN-ACK-SENT (the SHUTDOWN COMPLETE was lost): "discard the INIT
  // chunk and retransmit the SHUTDOWN ACK chunk".
  p.send(0, ScriptedPeer::init_chunk(0x8888, 6000));
  auto sent = p.take();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_TRUE(sent[0].has(wire::ShutdownAckChunk::kType));
  EXPECT_FALSE(sent[0].has(wire::InitAckChunk::kType));
  // 5.2.4 action A in SHUTDOWN-ACK-SENT: "MUST NOT set up a new association but instead resend
  // the SHUTDOWN ACK chunk and send an ERROR chunk with a 'Cookie Received While Shutting Down'".
  p.send(p.local_tag, wire::CookieEchoChunk{restart_cookie});
  sent = p.take();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_TRUE(sent[0].has(wire::ShutdownAckChunk::kType));
  const auto error = sent[0].chunk(wire::ErrorChunk::kType);
  ASSERT_TRUE(error);
  EXPECT_EQ(assoc::testing::first_cause(*error), 10);
  EXPECT_TRUE(p.events_of<assoc::RestartEvent>().empty());
  EXPECT_EQ(p.state(), assoc::AssociationState::ShutdownAckSent);
  EXPECT_EQ(p.endpoint().status(p.only_association())->local_tag.value(), established_tag);
}

}  // namespace engine_shutdown_test
}  // namespace sctpkit::sim
