// Shutdown scenarios (RFC 9260 9.2) beyond the data path's: what else runs while shutting down.
#include <gtest/gtest.h>

#include <string>

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

}  // namespace engine_shutdown_test
}  // namespace sctpkit::sim
