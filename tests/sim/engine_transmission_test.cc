// Where and how much DATA goes out: retransmissions to an alternate address (RFC 9260 6.4) and
// the Max.Burst limit (6.1 rule 4). Each scenario names the RFC 9260 section it exercises.
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "sim/chunk_summary.h"
#include "sim/endpoint_node.h"
#include "sim/engine_fixture.h"
#include "sim/impairment.h"
#include "sim/simulation.h"

namespace sctpkit::sim {
namespace engine_transmission_test {

using namespace std::chrono_literals;

using engine_fixture::client_config;
using engine_fixture::kA;
using engine_fixture::kA2;
using engine_fixture::kB1;
using engine_fixture::kB2;
using engine_fixture::server_config;

std::vector<uint8_t> pattern(size_t size, uint32_t seed) {
  std::vector<uint8_t> v(size);
  for (size_t i = 0; i < size; ++i) v[i] = static_cast<uint8_t>((i * 7 + seed * 31) & 0xFF);
  return v;
}

// RFC 9260 6.4: "an endpoint SHOULD try to retransmit a chunk that timed out to an active
// destination transport address that is different from the last destination address to which the
// chunk was sent". The primary is cut but still active (one timeout is far from Path.Max.Retrans):
// the retransmission after the first T3-rtx goes to the second address and arrives, while new
// data stays on the primary. (It used to go to the primary again, until the path failed.)
TEST(EngineRetransmitTest, TimedOutChunkGoesToTheAlternateAddress) {
  Simulation sim{3};
  auto client = client_config();
  client.local_addresses = {kA, kA2};
  auto server = server_config();
  server.local_addresses = {kB1, kB2};
  EndpointNode a(sim, "A", {kA, kA2}, client, sim.random());
  EndpointNode b(sim, "B", {kB1, kB2}, server, sim.random());
  sim.network().connect(kA, kB1, LinkConfig{.delay = 10ms});
  sim.network().connect(kA2, kB2, LinkConfig{.delay = 10ms});
  const auto id = std::get<assoc::AssociationId>(a.connect(kB1, 7));
  ASSERT_TRUE(a.run_until_connected(5s).satisfied());
  sim.network().set_path_up(kA, kB1, false);
  const TimePoint sent = sim.now();
  ASSERT_EQ(a.send(id, "retransmitted elsewhere"), assoc::SendResult::Ok);
  ASSERT_TRUE(b.run_until_messages(1, 60s).satisfied());
  // One RTO (1 s, RTO.Initial with the handshake's sample clamped to RTO.Min) and one trip.
  EXPECT_LT(sim.now() - sent, 1500ms) << sim.log().format();
  const auto status = *a.endpoint().status(id);
  for (const auto& p : status.paths) {
    if (p.address == kB1) {
      EXPECT_TRUE(p.primary);
      EXPECT_TRUE(p.active);
    }
  }
  size_t data_to_b2 = 0;
  for (const auto& e : sim.log().entries()) {
    data_to_b2 += e.destination == kB2 && e.chunks.find("DATA") != std::string::npos ? 1 : 0;
  }
  EXPECT_EQ(data_to_b2, 1u) << sim.log().format();
  // The peer's SACK for it came back (from the second address) and was taken.
  ASSERT_TRUE(sim.run_until([&] { return a.endpoint().status(id)->unacked_chunks == 0; }, 5s).satisfied());
}

// RFC 9260 6.1 rule 4: Max.Burst bounds the packets sent in one go. One send() of a message of
// many packets is one input; the initial cwnd (7.2.1: 4380 bytes here) lets four full packets go at
// once. Returns how many packets with DATA left at that instant, and checks the message arrives.
size_t first_train(int max_burst) {
  Simulation sim{21};
  auto client = client_config();
  client.max_burst = max_burst;
  EndpointNode a(sim, "A", {kA}, client, sim.random());
  EndpointNode b(sim, "B", {kB1}, server_config(), sim.random());
  sim.network().connect(kA, kB1, LinkConfig{.delay = 20ms});
  const auto id = std::get<assoc::AssociationId>(a.connect(kB1, 7));
  EXPECT_TRUE(a.run_until_connected(5s).satisfied());
  const TimePoint at = sim.now();
  const auto message = pattern(30'000, 1);
  EXPECT_EQ(a.send(id, message), assoc::SendResult::Ok);
  EXPECT_TRUE(b.run_until_messages(1, 30s).satisfied());
  EXPECT_EQ(b.first<assoc::MessageEvent>()->data, message);
  size_t train = 0;
  for (const auto& e : sim.log().entries()) {
    train += e.source == kA && e.sent == at && e.chunks.find("DATA") != std::string::npos ? 1 : 0;
  }
  return train;
}

// RFC 9260 6.1 rule 4: at most Max.Burst packets per input (see first_train()).
TEST(EngineBurstTest, NoMoreThanMaxBurstPacketsPerInput) {
  EXPECT_EQ(first_train(2), 2u);
  // The same input without the limit (0: off) sends what cwnd allows: the scenario tests the rule.
  EXPECT_GE(first_train(0), 3u);
  EXPECT_LE(first_train(4), 4u);  // RFC 9260 16: Max.Burst 4, the default
}

}  // namespace engine_transmission_test
}  // namespace sctpkit::sim
