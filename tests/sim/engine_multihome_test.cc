// Multi-homed associations over the simulated network: which addresses packets leave from and go
// to, path failure and failover. Each scenario names the RFC 9260 section it exercises.
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "sim/endpoint_node.h"
#include "sim/engine_fixture.h"
#include "sim/simulation.h"

namespace sctpkit::sim {
namespace engine_multihome_test {

using namespace std::chrono_literals;

using engine_fixture::kA;
using engine_fixture::kA2;
using engine_fixture::kB1;
using engine_fixture::kB2;

assoc::EndpointConfig client_config() {
  auto c = engine_fixture::client_config();
  c.heartbeat_interval = 1s;
  c.path_max_retransmits = 2;
  return c;
}
assoc::EndpointConfig server_config() {
  auto c = engine_fixture::server_config();
  c.local_addresses = {kB1, kB2};
  return c;
}

size_t packets_with(const PacketLog& log, const std::string& chunk) {
  size_t n = 0;
  for (const auto& e : log.entries()) n += e.chunks.find(chunk) != std::string::npos ? 1 : 0;
  return n;
}

bool saw_path_event(const EndpointNode& node, const wire::IpAddress& address, assoc::PathEvent::State state) {
  for (const auto& e : node.events_of<assoc::PathEvent>()) {
    if (e.address == address && e.state == state) return true;
  }
  return false;
}

// Two hosts with two addresses each, a1-b1 and a2-b2 linked; both list their addresses.
class EngineMultihomeTest : public engine_fixture::EnginePairTest {
 protected:
  EngineMultihomeTest() : EnginePairTest(7) {}
  void build(assoc::EndpointConfig client = client_config()) {
    build_pair({kA, kA2}, {kB1, kB2}, client, server_config(), LinkConfig{.delay = 10ms});
    id = connect();
    ASSERT_TRUE(a->run_until_connected(5s).satisfied());
  }

  assoc::AssociationId id{};
};

// RFC 9260 8.3 / 6.4: heartbeats reach both peer addresses and each HEARTBEAT ACK leaves from the
// address its HEARTBEAT reached, so the second path is confirmed too. (It used to leave from the
// address the association was set up on, which has no route to the other path's peer address.)
TEST_F(EngineMultihomeTest, HeartbeatAcksComeBackOnEveryPath) {
  auto client = client_config();
  client.local_addresses = {kA, kA2};
  build(client);
  sim.run_for(20s);
  const auto status = *a->endpoint().status(id);
  ASSERT_EQ(status.paths.size(), 2u);
  for (const auto& p : status.paths) {
    EXPECT_TRUE(p.active) << p.address.to_string();
    EXPECT_EQ(p.error_count, 0u) << p.address.to_string();
  }
  EXPECT_GE(a->endpoint().status(id)->counters.heartbeat_acks_received, 4u);
  EXPECT_FALSE(saw_path_event(*a, kB2, assoc::PathEvent::State::Down)) << sim.log().format();
  EXPECT_EQ(sim.log().count(Fate::NoRoute), 0u) << sim.log().format();
}

// RFC 9260 8.2 / 8.3 / 6.4.1: heartbeats to the primary go unanswered, the primary goes down after
// Path.Max.Retrans, and data fails over to the other address; the peer's SACKs from that address
// are accepted (the endpoint learned it from the INIT ACK, 5.1.2), so the data is acknowledged.
TEST_F(EngineMultihomeTest, HeartbeatsLostPathDownAndFailover) {
  auto client = client_config();
  client.local_addresses = {kA, kA2};
  build(client);
  ASSERT_EQ(a->endpoint().status(id)->paths.size(), 2u);
  sim.network().set_path_up(kA, kB1, false);
  ASSERT_TRUE(sim.run_until([&] { return saw_path_event(*a, kB1, assoc::PathEvent::State::Down); }, 120s)
                  .satisfied())
      << sim.log().format();
  EXPECT_TRUE(saw_path_event(*a, kB2, assoc::PathEvent::State::NewPrimary));
  ASSERT_EQ(a->send(id, "via the second path"), assoc::SendResult::Ok);
  ASSERT_TRUE(b->run_until_messages(1, 10s).satisfied()) << sim.log().format();
  EXPECT_EQ(b->message_texts(), std::vector<std::string>{"via the second path"});
  ASSERT_TRUE(sim.run_until([&] { return a->endpoint().status(id)->unacked_chunks == 0; }, 10s).satisfied());
  EXPECT_FALSE(a->has<assoc::ClosedEvent>());
  EXPECT_FALSE(b->has<assoc::ClosedEvent>());
  EXPECT_EQ(packets_with(sim.log(), "ABORT"), 0u) << sim.log().format();
  EXPECT_EQ(a->endpoint().counters().out_of_the_blue, 0u);
}

// RFC 9260 5.1.2 / 8.4: a host with two addresses whose INIT listed none is single-homed to its
// peer, known only by its INIT's source. Its packets must all leave from that address: one from the
// other address (which routing picks towards the peer's second address) is out of the blue to the
// peer and draws an ABORT.
TEST_F(EngineMultihomeTest, UnlistedLocalAddressIsNeverUsedAsSource) {
  build(client_config());  // local_addresses empty: nothing listed in INIT
  sim.run_for(30s);
  for (const auto& e : sim.log().entries()) EXPECT_NE(e.source, kA2) << PacketLog::format(e);
  EXPECT_EQ(packets_with(sim.log(), "ABORT"), 0u) << sim.log().format();
  EXPECT_EQ(b->endpoint().counters().out_of_the_blue, 0u);
  EXPECT_FALSE(a->has<assoc::ClosedEvent>());
  // The primary still carries data.
  ASSERT_EQ(a->send(id, "still here"), assoc::SendResult::Ok);
  ASSERT_TRUE(b->run_until_messages(1, 5s).satisfied());
}

size_t packets_to(const PacketLog& log, const wire::IpAddress& to, const std::string& chunk) {
  size_t n = 0;
  for (const auto& e : log.entries()) n += e.destination == to && e.chunks.find(chunk) != std::string::npos ? 1 : 0;
  return n;
}

// RFC 9260 5.4: kB2, learned from the INIT ACK, is UNCONFIRMED; its HEARTBEAT probe goes out at once
// (every RTO until answered, not HB.interval = 60 s) and its answer confirms it.
TEST_F(EngineMultihomeTest, LearnedAddressIsProbedAtOnceAndConfirmed) {
  auto client = client_config();
  client.local_addresses = {kA, kA2};
  client.heartbeat_interval = 60s;
  build(client);
  sim.run_for(3s);
  EXPECT_GE(packets_to(sim.log(), kB2, "HB REQ"), 1u) << sim.log().format();
  const auto status = *a->endpoint().status(id);
  for (const auto& p : status.paths) EXPECT_TRUE(p.confirmed) << p.address.to_string();
}

// RFC 9260 5.4: the peer lists kB2 but nothing answers there. It stays UNCONFIRMED: when the primary
// fails no DATA goes to it (6.4.1 failover only to a confirmed address), and its unanswered probes
// take it down without counting against the association (Association.Max.Retrans = 2 < 3 probes).
TEST_F(EngineMultihomeTest, UnansweringListedAddressGetsNoDataAndDoesNotFailTheAssociation) {
  auto client = client_config();
  client.local_addresses = {kA, kA2};
  client.association_max_retransmits = 2;
  client.heartbeat_interval = 60s;  // no HEARTBEAT ACK on kB1 resets the association's count
  build_pair({kA, kA2}, {kB1, kB2}, client, server_config(), LinkConfig{.delay = 10ms});
  sim.network().set_path_up(kA2, kB2, false);
  id = connect();
  ASSERT_TRUE(a->run_until_connected(5s).satisfied());
  sim.run_for(25s);
  EXPECT_FALSE(a->has<assoc::ClosedEvent>()) << sim.log().format();
  const auto status = *a->endpoint().status(id);
  for (const auto& p : status.paths) {
    if (p.address != kB2) continue;
    EXPECT_FALSE(p.confirmed);
    EXPECT_FALSE(p.active);
  }
  sim.network().set_path_up(kA, kB1, false);
  ASSERT_EQ(a->send(id, "nowhere confirmed to go"), assoc::SendResult::Ok);
  sim.run_for(10s);
  EXPECT_EQ(packets_to(sim.log(), kB2, "DATA"), 0u) << sim.log().format();
  EXPECT_FALSE(saw_path_event(*a, kB2, assoc::PathEvent::State::NewPrimary));
}

}  // namespace engine_multihome_test
}  // namespace sctpkit::sim
