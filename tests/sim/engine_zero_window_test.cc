// A receiving application that stops reading (RFC 9260 6.1 rule A, 6.2): the window closes, the
// sender probes it, and the window update after the reader resumes restarts the flow; a peer that
// dies behind its closed window is still found dead (8.1, 8.2).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "assoc/scripted_peer.h"
#include "sim/endpoint_node.h"
#include "sim/simulation.h"

namespace sctpkit::sim {
namespace engine_zero_window_test {

using namespace std::chrono_literals;

const auto kA = wire::IpAddress::v4(10, 0, 0, 1);
const auto kB = wire::IpAddress::v4(10, 0, 1, 1);

std::vector<uint8_t> pattern(size_t size, uint32_t seed) {
  std::vector<uint8_t> v(size);
  for (size_t i = 0; i < size; ++i) v[i] = static_cast<uint8_t>((i * 5 + seed * 57) & 0xFF);
  return v;
}

// A client sending to a server whose reader has stopped: 100 messages of 1000 bytes fill its
// 16,000-byte receive buffer and the window closes (RFC 9260 6.2).
struct StalledReader {
  static assoc::EndpointConfig client_config(bool heartbeats) {
    assoc::EndpointConfig c;
    c.local_port = 5000;
    c.heartbeat_enabled = heartbeats;
    return c;
  }
  static assoc::EndpointConfig server_config() {
    assoc::EndpointConfig c;
    c.local_port = 7;
    c.listen = true;
    c.receive_buffer = 16'000;
    c.max_message_size = 16'000;
    return c;
  }
  StalledReader(uint64_t seed, bool heartbeats)
      : sim{seed}, client(client_config(heartbeats)), a(sim, "A", {kA}, client, sim.random()),
        b(sim, "B", {kB}, server_config(), sim.random()) {
    sim.network().connect(kA, kB, LinkConfig{.delay = 10ms});
    id = std::get<assoc::AssociationId>(a.connect(kB, 7));
  }
  // Connects, stalls the reader and sends until the peer's window is closed.
  [[nodiscard]] bool close_window() {
    if (!a.run_until_connected(5s).satisfied() || !b.run_until_connected(1s).satisfied()) return false;
    b.pause_reading();
    for (uint32_t i = 0; i < kMessages; ++i) {
      if (a.send(id, pattern(1000, i)) != assoc::SendResult::Ok) return false;
    }
    return sim.run_until([&] { return a.endpoint().status(id)->peer_rwnd == 0; }, 10s).satisfied();
  }

  static constexpr uint32_t kMessages = 100;
  Simulation sim;
  assoc::EndpointConfig client;
  EndpointNode a;
  EndpointNode b;
  assoc::AssociationId id{};
};

// RFC 9260 6.1 A: with the reader stalled for ten minutes the sender keeps probing the closed
// window at growing intervals; the unanswered probes do not count against the association while
// SACKs come back (more probes go out than Association.Max.Retrans allows timeouts). 6.2: once the
// reader resumes, the window update SACK restarts the flow and every byte arrives, in order.
TEST(EngineZeroWindowTest, StalledReaderThenResumeDeliversEverything) {
  StalledReader t(29, /*heartbeats=*/true);
  ASSERT_TRUE(t.close_window());
  auto& [sim, client, a, b, id] = t;
  constexpr uint32_t kMessages = StalledReader::kMessages;
  const size_t packets_before = sim.log().size();
  sim.run_for(600s);
  size_t probes = 0;
  for (size_t i = packets_before; i < sim.log().size(); ++i) {
    const auto& e = sim.log().entries()[i];
    probes += e.source == kA && e.chunks.find("DATA") != std::string::npos ? 1 : 0;
  }
  EXPECT_GT(probes, static_cast<size_t>(client.association_max_retransmits));
  EXPECT_LT(probes, 40u);  // the interval grows (exponentially, capped at RTO.Max)
  ASSERT_FALSE(a.has<assoc::ClosedEvent>()) << a.first<assoc::ClosedEvent>()->detail << "\n"
                                            << sim.log().format();
  ASSERT_TRUE(a.endpoint().status(id).has_value());
  EXPECT_LT(a.endpoint().status(id)->counters.messages_sent, kMessages);

  const TimePoint resumed = sim.now();
  b.resume_reading();
  ASSERT_TRUE(b.run_until_messages(kMessages, 60s).satisfied());
  // The window update, not the next probe (RTO.Max away by now), restarted the flow.
  EXPECT_LT(sim.now() - resumed, 10s);
  const auto got = b.events_of<assoc::MessageEvent>();
  ASSERT_EQ(got.size(), kMessages);
  for (uint32_t i = 0; i < kMessages; ++i) EXPECT_EQ(got[i].data, pattern(1000, i)) << i;
  EXPECT_FALSE(b.has<assoc::ClosedEvent>());
}

// RFC 9260 6.2 with EndpointConfig::hold_window_until_consumed: messages the user took but did not
// say it consumed keep the window closed (an embedder's inbox is bounded by the receive buffer);
// nothing is lost, and consuming reopens the window with an update SACK, not the probe timer.
TEST(EngineZeroWindowTest, TakenButUnconsumedMessagesKeepTheWindowClosed) {
  Simulation sim{37};
  assoc::EndpointConfig server = StalledReader::server_config();
  server.hold_window_until_consumed = true;
  EndpointNode a(sim, "A", {kA}, StalledReader::client_config(true), sim.random());
  EndpointNode b(sim, "B", {kB}, server, sim.random());
  sim.network().connect(kA, kB, LinkConfig{.delay = 10ms});
  const auto id = std::get<assoc::AssociationId>(a.connect(kB, 7));
  ASSERT_TRUE(a.run_until_connected(5s).satisfied());
  ASSERT_TRUE(b.run_until_connected(1s).satisfied());
  const auto server_id = b.first<assoc::ConnectedEvent>()->id;
  constexpr uint32_t kMessages = 100;
  for (uint32_t i = 0; i < kMessages; ++i) ASSERT_EQ(a.send(id, pattern(1000, i)), assoc::SendResult::Ok);

  // B takes every message the engine hands out (it keeps reading) but consumes none.
  ASSERT_TRUE(sim.run_until([&] { return a.endpoint().status(id)->peer_rwnd == 0; }, 10s).satisfied());
  sim.run_for(30s);  // probes come and are refused; the window stays closed
  const size_t held = b.count<assoc::MessageEvent>();
  EXPECT_LE(held * 1000, server.receive_buffer + 1000u) << "delivered past the receive buffer";
  EXPECT_GE(held, 15u);
  EXPECT_EQ(b.endpoint().status(server_id)->local_rwnd, 0u);
  EXPECT_LT(a.endpoint().status(id)->counters.messages_sent, kMessages);
  EXPECT_FALSE(a.has<assoc::ClosedEvent>());

  // B consumes what it took, message by message: the window update restarts the flow at once.
  const TimePoint resumed = sim.now();
  size_t consumed = 0;
  for (int step = 0; step < 2000 && b.count<assoc::MessageEvent>() < kMessages; ++step) {
    const size_t taken = b.count<assoc::MessageEvent>();
    EXPECT_LE((taken - consumed) * 1000, server.receive_buffer + 1000u) << "step " << step;
    for (; consumed < taken; ++consumed) b.consumed(server_id, 1000);
    sim.run_for(5ms);
  }
  ASSERT_EQ(b.count<assoc::MessageEvent>(), kMessages);
  EXPECT_LT(sim.now() - resumed, 5s);  // window updates, not the probe timer (RTO.Max away by now)
  const auto got = b.events_of<assoc::MessageEvent>();
  for (uint32_t i = 0; i < kMessages; ++i) EXPECT_EQ(got[i].data, pattern(1000, i)) << i;
  EXPECT_FALSE(b.has<assoc::ClosedEvent>());
}

// RFC 9260 6.1 A spares unanswered zero window probes the error counters only "if the sender
// continues to receive SACK chunks from the peer": when the peer dies behind its closed window
// (here: the link goes down for good, heartbeats off so that only the probes can tell), each
// unanswered probe counts as a retransmission timeout (8.2 path, 8.1 association) and the
// association fails after Association.Max.Retrans of them instead of probing forever.
TEST(EngineZeroWindowTest, DeadPeerBehindClosedWindowIsDetected) {
  StalledReader t(31, /*heartbeats=*/false);
  ASSERT_TRUE(t.close_window());
  auto& [sim, client, a, b, id] = t;
  // Let a few probes be answered first: the peer is alive behind its closed window.
  sim.run_for(20s);
  ASSERT_FALSE(a.has<assoc::ClosedEvent>());
  const TimePoint died = sim.now();
  sim.network().set_path_up(kA, kB, false);
  ASSERT_TRUE(sim.run_until([&] { return a.has<assoc::ClosedEvent>(); }, 1800s).satisfied())
      << "probes into a dead peer's closed window never failed the association\n"
      << sim.log().format();
  EXPECT_EQ(a.first<assoc::ClosedEvent>()->reason, assoc::CloseReason::PeerUnreachable);
  // Max.Retrans + 1 backed-off probe intervals, each at most RTO.Max (8.1): bounded.
  EXPECT_LT(sim.now() - died, (client.association_max_retransmits + 2) * client.rto_max);
}

// ---- RFC 9260 14 against a scripted peer (tests/assoc/scripted_peer.h): resources a hostile peer
// can make us hold stay bounded.

using assoc::testing::ScriptedPeer;

// A peer that starts a message and never ends it: the fragments fill the receive buffer, the window
// closes, and what comes after is neither kept nor acknowledged (the peer must hold it).
TEST(EngineReceiveBoundsTest, AMessageThatNeverEndsFillsTheReceiveBufferAndNoMore) {
  assoc::EndpointConfig c = ScriptedPeer::server_config();
  c.receive_buffer = 16384;
  ScriptedPeer p(c);
  ASSERT_TRUE(p.establish());
  const std::vector<uint8_t> fragment(1000, 'x');
  std::optional<wire::SackChunk> last;
  std::vector<std::vector<uint8_t>> sacks;  // the SACKs' bytes: `last` views into them
  for (uint32_t i = 0; i < 40; ++i) {
    auto d = ScriptedPeer::data(p.peer_tsn + i, fragment);
    d.data_flags = {.beginning = i == 0, .ending = false};
    p.send(p.local_tag, d);
    for (auto& s : p.advance(250ms)) {
      if (s.has(wire::SackChunk::kType)) {
        sacks.push_back(s.bytes);
        last = assoc::testing::SentPacket{s.source, s.destination, sacks.back()}.parse<wire::SackChunk>();
      }
    }
  }
  ASSERT_TRUE(last);
  EXPECT_EQ(last->a_rwnd, 0u);
  const uint32_t held = last->cumulative_tsn_ack.value() - p.peer_tsn + 1;
  // RFC 9260 6.2: a chunk is taken while the window is open at all, so one may overrun it; with it
  // at 0, "the receiver MUST drop any new incoming DATA chunk with a TSN larger than the largest
  // TSN received so far".
  EXPECT_LE(held * fragment.size(), c.receive_buffer + fragment.size());
  EXPECT_LT(held, 40u);
  EXPECT_EQ(last->gap_ack_blocks.size(), 0u);
  EXPECT_TRUE(p.events_of<assoc::MessageEvent>().empty());
  EXPECT_EQ(p.state(), assoc::AssociationState::Established);
  EXPECT_EQ(p.endpoint().status(p.only_association())->local_rwnd, 0u);
}

// Gap Ack Blocks we report: a peer sending every other TSN makes a gap per TSN. RFC 9260 6.2: "The
// SCTP endpoint MUST report as many Gap Ack Blocks as can fit in a single SACK chunk such that the
// size of the SCTP packet does not exceed the current PMTU": the lowest ones, however many gaps.
TEST(EngineReceiveBoundsTest, GapAckBlocksReportedAreBoundedByThePacketSize) {
  ScriptedPeer p;
  ASSERT_TRUE(p.establish());
  const std::vector<uint8_t> one(1, 'y');
  std::vector<assoc::testing::SentPacket> sent;
  for (uint32_t i = 1; i <= 1200; i += 2) {
    p.send(p.local_tag, ScriptedPeer::data(p.peer_tsn + i, one, 0, static_cast<uint16_t>(i)));
    for (auto& s : p.take()) sent.push_back(std::move(s));
  }
  for (auto& s : p.advance(1s)) sent.push_back(std::move(s));
  ASSERT_FALSE(sent.empty());
  size_t most = 0;
  for (const auto& s : sent) {
    EXPECT_LE(s.bytes.size(), p.endpoint().config().max_packet_size);
    if (!s.has(wire::SackChunk::kType)) continue;
    const auto sack = s.parse<wire::SackChunk>();
    EXPECT_EQ(sack.cumulative_tsn_ack.value(), p.peer_tsn - 1);
    if (sack.gap_ack_blocks.size() > 0) {
      EXPECT_EQ(sack.gap_ack_blocks[0].start, 2);
    }
    most = std::max(most, sack.gap_ack_blocks.size());
  }
  EXPECT_GT(most, 300u);  // as many as fit
  EXPECT_LT(most, 600u);  // not all 600
  EXPECT_EQ(p.state(), assoc::AssociationState::Established);
}

// RFC 9260 6.1 A against a peer that advertises a_rwnd 0 forever (and acknowledges what it gets):
// "A zero window probe SHOULD only be sent when all outstanding DATA chunks have been cumulatively
// acknowledged and no DATA chunks are in flight": one at a time, and the association neither fails
// nor floods.
TEST(EngineReceiveBoundsTest, APeerWhoseWindowStaysClosedGetsOneProbeAtATime) {
  ScriptedPeer p;
  ASSERT_TRUE(p.establish());
  const assoc::AssociationId id = p.only_association();
  p.send(p.local_tag, ScriptedPeer::sack(p.local_tsn - 1, {}, 0));
  for (int i = 0; i < 20; ++i) {
    EXPECT_EQ(p.endpoint().send(id, assoc::testing::text("queued"), wire::StreamId(0), wire::Ppid(0), false, p.now),
              assoc::SendResult::Ok);
  }
  uint32_t acked = p.local_tsn - 1;
  size_t probes = 0;
  for (int round = 0; round < 120; ++round) {
    size_t in_flight = 0;
    for (const auto& s : p.advance(500ms)) {
      for (const wire::RawChunk& c : s.view()) {
        if (c.type != wire::DataChunk::kType) continue;
        ++in_flight;
        acked = std::max(acked, wire::load_u32(c.value, 0));
      }
    }
    EXPECT_LE(in_flight, 1u) << "round " << round;
    probes += in_flight;
    if (in_flight > 0) p.send(p.local_tag, ScriptedPeer::sack(acked, {}, 0));
  }
  EXPECT_GE(probes, 3u);   // it keeps probing...
  EXPECT_LT(probes, 20u);  // ... at intervals that grow, so the 20 messages are not all out in 60 s
  EXPECT_EQ(p.state(), assoc::AssociationState::Established);
  EXPECT_TRUE(p.events_of<assoc::ClosedEvent>().empty());
}

}  // namespace engine_zero_window_test
}  // namespace sctpkit::sim
