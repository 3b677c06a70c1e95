// Engine bugs found by the property test (engine_property_test.cc) and the stateful fuzzer
// (fuzz/engine_state_fuzz.cc), each reduced to the scenario that shows it.
#include <gtest/gtest.h>

#include <memory>
#include <vector>

#include "sim/chunk_summary.h"
#include "sim/endpoint_node.h"
#include "sim/impairment.h"
#include "sim/simulation.h"

namespace sctpkit::sim {
namespace {

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

}  // namespace
}  // namespace sctpkit::sim
