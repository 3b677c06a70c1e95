// Engine bugs found by the property test (engine_property_test.cc) and the stateful fuzzer
// (fuzz/engine_state_fuzz.cc), each reduced to the scenario that shows it.
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "sim/chunk_summary.h"
#include "sim/endpoint_node.h"
#include "sim/impairment.h"
#include "sim/simulation.h"

namespace sctpkit::sim {
namespace engine_regression_test {

using namespace std::chrono_literals;

const auto kA = wire::IpAddress::v4(10, 0, 0, 1);
const auto kB = wire::IpAddress::v4(10, 0, 1, 1);

assoc::EndpointConfig config(uint16_t port, bool listen) {
  assoc::EndpointConfig c;
  c.local_port = port;
  c.listen = listen;
  return c;
}

// RFC 9260 5.1 step 3: the COOKIE ACK is lost, so A stays in COOKIE-ECHOED while B, established,
// sends DATA. A may send nothing but COOKIE ECHO, so it must not take DATA it cannot acknowledge:
// it did, and its SACK timer stayed due forever (every wake-up at the same instant: a busy loop
// the simulator stopped by its step budget). Property test seed 9.
TEST(EngineRegressionTest, DataBeforeCookieAckDoesNotSpinTheSackTimer) {
  Simulation sim{9};
  sim.set_step_budget(100'000);
  EndpointNode a(sim, "A", {kA}, config(4000, false), sim.random());
  EndpointNode b(sim, "B", {kB}, config(5000, true), sim.random());
  sim.network().connect(kA, kB, LinkConfig{.delay = 10ms});
  sim.network().add_script(drop(match::has_chunk(chunk::kCookieAck)));
  const auto id = std::get<assoc::AssociationId>(a.connect(kB, 5000));
  ASSERT_TRUE(b.run_until_connected(1s).satisfied());
  const auto b_id = b.first<assoc::ConnectedEvent>()->id;
  ASSERT_EQ(b.send(b_id, "early"), assoc::SendResult::Ok);
  const auto r = a.run_until_messages(1, 30s);
  ASSERT_TRUE(r.satisfied()) << "stopped by " << to_string(r.reason) << " after " << r.steps << " steps";
  EXPECT_LT(r.steps, 1'000u);
  EXPECT_EQ(a.message_texts(), std::vector<std::string>{"early"});
  EXPECT_EQ(a.endpoint().status(id)->state, assoc::AssociationState::Established);
}

// RFC 9260 9.2: B waits in SHUTDOWN-ACK-SENT while A's SHUTDOWN COMPLETEs are lost. B sends no
// heartbeats in that state, but it still reported the heartbeat deadline as its next timeout: once
// due, it stayed due, and the endpoint asked to be woken at the same instant forever. Property
// test seeds 12, 23, 54, 57, 69, 77.
TEST(EngineRegressionTest, ShutdownAckSentDoesNotSpinOnTheHeartbeatDeadline) {
  Simulation sim{12};
  sim.set_step_budget(100'000);
  assoc::EndpointConfig server = config(5000, true);
  server.heartbeat_interval = 1s;
  EndpointNode a(sim, "A", {kA}, config(4000, false), sim.random());
  EndpointNode b(sim, "B", {kB}, server, sim.random());
  sim.network().connect(kA, kB, LinkConfig{.delay = 10ms});
  const auto id = std::get<assoc::AssociationId>(a.connect(kB, 5000));
  ASSERT_TRUE(a.run_until_connected(1s).satisfied());
  sim.network().add_script(drop(match::has_chunk(chunk::kShutdownComplete)).times(4));
  a.shutdown(id);
  const auto r = b.run_until_closed(120s);
  ASSERT_TRUE(r.satisfied()) << "stopped by " << to_string(r.reason) << " after " << r.steps << " steps";
  EXPECT_LT(r.steps, 1'000u);
  EXPECT_GE(sim.now() - kEpoch, 5s);  // it really waited through lost SHUTDOWN COMPLETEs
  EXPECT_EQ(b.first<assoc::ClosedEvent>()->reason, assoc::CloseReason::Graceful) << sim.log().format();
}

// RFC 9260 6.1 rule 4 (Max.Burst) with 6.2 and 7.2.1: Max.Burst 1 counted every packet an input
// let out, so a SACK acknowledging two packets released one. The flight never grew past the one
// packet the send() emitted (slow start needs a fully used cwnd): one packet per delayed SACK, no
// fast retransmit possible, every loss a backed-off T3-rtx. Under 30% loss transfers crawled for
// the property test's four simulated hours without failing (seeds 69, 375, 584, 813, 914). The
// packets that replace what a SACK acknowledged are the ack clock, not a burst; Max.Burst still
// bounds what goes out beyond them.
TEST(EngineRegressionTest, MaxBurstOneStillLetsTheFlightGrow) {
  Simulation sim{914};
  assoc::EndpointConfig client = config(4000, false);
  client.max_burst = 1;
  EndpointNode a(sim, "A", {kA}, client, sim.random());
  EndpointNode b(sim, "B", {kB}, config(5000, true), sim.random());
  sim.network().connect(kA, kB, LinkConfig{.delay = 10ms});
  const auto id = std::get<assoc::AssociationId>(a.connect(kB, 5000));
  ASSERT_TRUE(a.run_until_connected(5s).satisfied());
  std::vector<uint8_t> message(256 << 10);
  for (size_t i = 0; i < message.size(); ++i) message[i] = static_cast<uint8_t>(i * 7 + 3);
  const TimePoint start = sim.now();
  ASSERT_EQ(a.send(id, message), assoc::SendResult::Ok);
  // About 180 full packets: at one packet per delayed SACK (200 ms) that took some 40 s; slow
  // start needs well under 3 s on a 20 ms round trip.
  const auto r = b.run_until_messages(1, 60s);
  ASSERT_TRUE(r.satisfied()) << "stopped by " << to_string(r.reason);
  EXPECT_EQ(b.first<assoc::MessageEvent>()->data, message);
  EXPECT_LT(sim.now() - start, 3s) << "the flight stayed at one packet";
  // Max.Burst still applies: the send(), an input that acknowledged nothing, let one packet go.
  size_t first_train = 0;
  for (const auto& e : sim.log().entries()) {
    first_train += e.source == kA && e.sent == start && e.chunks.find("DATA") != std::string::npos ? 1 : 0;
  }
  EXPECT_EQ(first_train, 1u);
}

}  // namespace engine_regression_test
}  // namespace sctpkit::sim
