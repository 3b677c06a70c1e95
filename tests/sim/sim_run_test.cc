// The run loop: stopping conditions, ordering of simultaneous inputs, timeouts, the log and the tap.
#include <gtest/gtest.h>

#include "sim/simulation.h"
#include "sim/test_nodes.h"

namespace sctpkit::sim {
namespace sim_run_test {

const auto kA = wire::IpAddress::v4(10, 0, 0, 1);
const auto kB = wire::IpAddress::v4(10, 0, 0, 2);

int64_t us(TimePoint t) { return micros_since_epoch(t); }

class RunTest : public ::testing::Test {
 protected:
  RunTest() {
    sim.add_node("A", {kA}, a);
    sim.add_node("B", {kB}, b);
    sim.network().connect(kA, kB, LinkConfig{.delay = 10ms});
  }
  Simulation sim{1};
  RecorderNode a, b;
};

// Wants to be woken at a fixed instant and never moves its deadline: a buggy engine.
class StuckNode final : public SimNode {
 public:
  void handle_packet(wire::Bytes, const wire::IpAddress&, const wire::IpAddress&, TimePoint) override {}
  void handle_timeout(TimePoint) override { ++timeouts; }
  std::optional<Transmit> poll_transmit(TimePoint) override { return std::nullopt; }
  std::optional<TimePoint> next_timeout() const override { return kEpoch + 1s; }
  uint64_t timeouts = 0;
};

// Never stops producing packets.
class FloodNode final : public SimNode {
 public:
  void handle_packet(wire::Bytes, const wire::IpAddress&, const wire::IpAddress&, TimePoint) override {}
  void handle_timeout(TimePoint) override {}
  std::optional<Transmit> poll_transmit(TimePoint) override { return Transmit{kA, kB, packet}; }
  std::optional<TimePoint> next_timeout() const override { return std::nullopt; }
  std::vector<uint8_t> packet = make_packet({chunk::kData});
};

TEST_F(RunTest, EchoRoundTripIsTwoDelaysPlusTheEchoDelay) {
  b.echo_after(5ms);
  a.send_at(kEpoch + 1ms, kA, kB, make_packet({chunk::kHeartbeat}, 8, 7));
  const RunResult r = sim.run_until([&] { return !a.received().empty(); }, 1s);
  EXPECT_TRUE(r.satisfied());
  EXPECT_EQ(us(r.at), 1'000 + 10'000 + 5'000 + 10'000);
  EXPECT_EQ(us(sim.now()), us(r.at));  // stopped right at the step that satisfied it
  EXPECT_EQ(a.received()[0].source, kB);
  EXPECT_EQ(a.received_tags(), (std::vector<uint32_t>{7}));
}

TEST_F(RunTest, TimeLimitStopsARunThatNeverSatisfiesItsPredicate) {
  a.send_every(kEpoch, 100ms, 1000, kA, kB, 4);
  const RunResult r = sim.run_until([] { return false; }, 5s);
  EXPECT_EQ(r.reason, StopReason::TimeLimit);
  EXPECT_EQ(sim.now(), kEpoch + 5s);
  // Sent at 0, 100, ..., 4900 ms; each arrives 10 ms later; 5000 is sent but not yet arrived.
  EXPECT_EQ(b.received().size(), 50u);
  // The limit is relative to the current time.
  sim.run_until([] { return false; }, 1s);
  EXPECT_EQ(sim.now(), kEpoch + 6s);
}

TEST_F(RunTest, PredicateAlreadyTrueTakesNoStep) {
  a.send_at(kEpoch, kA, kB, make_packet({chunk::kData}));
  const RunResult r = sim.run_until([] { return true; }, 1s);
  EXPECT_TRUE(r.satisfied());
  EXPECT_EQ(r.steps, 0u);
  EXPECT_EQ(sim.now(), kEpoch);
}

TEST_F(RunTest, IdleWhenNothingCanHappen) {
  a.send_at(kEpoch, kA, kB, make_packet({chunk::kData}));
  const RunResult r = sim.run_until([] { return false; }, 1h);
  EXPECT_EQ(r.reason, StopReason::Idle);
  EXPECT_EQ(us(r.at), 10'000);
  EXPECT_EQ(b.received().size(), 1u);
}

TEST_F(RunTest, RunForEndsExactlyAtItsDeadlineEvenWhenIdle) {
  const RunResult r = sim.run_for(1234us);
  EXPECT_EQ(r.reason, StopReason::TimeLimit);
  EXPECT_EQ(r.steps, 0u);
  EXPECT_EQ(us(sim.now()), 1234);
}

TEST_F(RunTest, EventsAtTheDeadlineAreProcessed) {
  a.send_at(kEpoch, kA, kB, make_packet({chunk::kData}));
  sim.run_for(10ms);
  EXPECT_EQ(b.received().size(), 1u);
}

TEST(RunBudget, StepBudgetStopsANodeThatNeverAdvancesItsTimer) {
  Simulation sim(1);
  StuckNode stuck;
  sim.add_node("stuck", {kA}, stuck);
  sim.set_step_budget(500);
  const RunResult r = sim.run_until([] { return false; }, 10s);
  EXPECT_EQ(r.reason, StopReason::StepLimit);
  EXPECT_EQ(r.steps, 500u);
  EXPECT_EQ(stuck.timeouts, 500u);
  EXPECT_EQ(sim.now(), kEpoch + 1s);
}

TEST(RunBudget, ARunawayTransmitterIsCutShort) {
  Simulation sim(1);
  FloodNode flood;
  RecorderNode sink;
  sim.add_node("flood", {kA}, flood);
  sim.add_node("sink", {kB}, sink);
  sim.network().connect(kA, kB, LinkConfig{.delay = 1s});
  sim.drain_all();
  EXPECT_EQ(sim.runaway_drains(), 1u);
  EXPECT_EQ(sim.log().size(), Simulation::kMaxTransmitsPerDrain);
}

TEST_F(RunTest, TimeoutsFireAtTheirDeadlineAndScheduledActionsRunInOrder) {
  std::vector<std::string> order;
  sim.schedule(kEpoch + 3ms, [&] { order.push_back("x@" + std::to_string(us(sim.now()))); });
  sim.schedule(kEpoch + 1ms, [&] { order.push_back("y@" + std::to_string(us(sim.now()))); });
  sim.schedule(kEpoch + 3ms, [&] { order.push_back("z@" + std::to_string(us(sim.now()))); });
  a.send_at(kEpoch + 2ms, kA, kB, make_packet({chunk::kData}));
  sim.run_for(1s);
  EXPECT_EQ(order, (std::vector<std::string>{"y@1000", "x@3000", "z@3000"}));
  EXPECT_EQ(a.timeouts_handled(), 1u);
  EXPECT_EQ(us(sim.log().at(1).sent), 2'000);
}

TEST_F(RunTest, UserCallsBetweenRunsLeaveAtTheCurrentTime) {
  sim.run_for(7ms);
  // What a test does with an engine between runs: a user call, then drain.
  sim.schedule(sim.now(), [&] { a.send_at(sim.now(), kA, kB, make_packet({chunk::kData})); });
  sim.run_until([&] { return !b.received().empty(); }, 1s);
  EXPECT_EQ(us(sim.log().at(1).sent), 7'000);
  EXPECT_EQ(us(b.received()[0].at), 17'000);
}

TEST_F(RunTest, LogShowsEachPacketWithTimesFateAndChunks) {
  sim.network().add_script(drop(match::has_chunk(chunk::kCookieAck), "no-cookie-ack"));
  a.send_at(kEpoch + 1500us, kA, kB, make_packet({chunk::kCookieEcho, chunk::kData}, 4));
  a.send_at(kEpoch + 2ms, kA, kB, make_packet({chunk::kCookieAck}));
  sim.run_for(1s);
  EXPECT_EQ(sim.log().format(),
            "0.001500 #1 10.0.0.1 > 10.0.0.2 28B [COOKIE ECHO] [DATA] delivered 0.011500\n"
            "0.002000 #2 10.0.0.1 > 10.0.0.2 16B [COOKIE ACK] scripted-drop 0.002000 (scripts: no-cookie-ack)\n");
}

TEST_F(RunTest, TapSeesSentBytesAndDeliveredBytesAfterCorruption) {
  sim.network().add_script(corrupt(match::any()));
  std::vector<std::pair<Network::TapPoint, std::vector<uint8_t>>> seen;
  sim.network().set_tap([&](Network::TapPoint p, const LogEntry& e, wire::Bytes bytes) {
    EXPECT_EQ(e.id, 1u);
    seen.emplace_back(p, std::vector<uint8_t>(bytes.begin(), bytes.end()));
  });
  const auto packet = make_packet({chunk::kData});
  a.send_at(kEpoch, kA, kB, packet);
  sim.run_for(1s);
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[0].first, Network::TapPoint::Sent);
  EXPECT_EQ(seen[0].second, packet);
  EXPECT_EQ(seen[1].first, Network::TapPoint::Delivered);
  EXPECT_NE(seen[1].second, packet);
  EXPECT_EQ(seen[1].second, b.received()[0].packet);
}

}  // namespace sim_run_test
}  // namespace sctpkit::sim
