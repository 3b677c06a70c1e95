// What is left of an association once it ends: nothing. The endpoint forgets it (and its
// demultiplexing entries) once its last event is taken and its last packet sent, and the same
// ports can carry a new association. Each scenario names the RFC 9260 section it exercises.
#include <gtest/gtest.h>

#include <memory>
#include <vector>

#include "sim/endpoint_node.h"
#include "sim/engine_fixture.h"
#include "sim/simulation.h"

namespace sctpkit::sim {
namespace engine_lifecycle_test {

using namespace std::chrono_literals;

using engine_fixture::client_config;
using engine_fixture::kA;
using engine_fixture::kB1;
using engine_fixture::kServerPort;
using engine_fixture::server_config;

class EngineLifecycleTest : public engine_fixture::EnginePairTest {
 protected:
  EngineLifecycleTest() : EnginePairTest(11) {}
  void SetUp() override { build_pair({kA}, {kB1}, client_config(), server_config(), LinkConfig{.delay = 10ms}); }
  // Connects and waits until both sides report it.
  assoc::AssociationId connect() {
    const auto id = EnginePairTest::connect();
    EXPECT_TRUE(sim.run_until([&] { return connected_count(*a) > connected_before_a && connected_count(*b) > connected_before_b; }, 10s)
                    .satisfied());
    connected_before_a = connected_count(*a);
    connected_before_b = connected_count(*b);
    return id;
  }
  static size_t connected_count(const EndpointNode& n) { return n.count<assoc::ConnectedEvent>(); }
  // A new association on the same ports carries a message both ways.
  void expect_new_association_works() {
    a->clear_events();
    b->clear_events();
    connected_before_a = connected_before_b = 0;
    const auto id = connect();
    ASSERT_EQ(a->send(id, "again"), assoc::SendResult::Ok);
    ASSERT_TRUE(b->run_until_messages(1, 5s).satisfied());
    EXPECT_EQ(b->message_texts(), std::vector<std::string>{"again"});
    EXPECT_EQ(a->endpoint().associations().size(), 1u);
    EXPECT_EQ(b->endpoint().associations().size(), 1u);
  }

  size_t connected_before_a = 0;
  size_t connected_before_b = 0;
};

// RFC 9260 9.1: after ABORT neither side keeps anything (the aborting side used to keep the
// association because its ClosedEvent was taken before the ABORT went out).
TEST_F(EngineLifecycleTest, AbortFreesBothSides) {
  const auto id = connect();
  a->abort(id, "bye");
  ASSERT_TRUE(sim.run_until([&] { return a->has<assoc::ClosedEvent>() && b->has<assoc::ClosedEvent>(); }, 5s)
                  .satisfied());
  sim.run_for(1s);
  EXPECT_TRUE(a->endpoint().associations().empty());
  EXPECT_TRUE(b->endpoint().associations().empty());
  EXPECT_FALSE(a->endpoint().status(id).has_value());
  EXPECT_EQ(a->send(id, "late"), assoc::SendResult::NotConnected);
  expect_new_association_works();
}

// RFC 9260 9.2: after SHUTDOWN COMPLETE both sides are empty; the ports are free again.
TEST_F(EngineLifecycleTest, GracefulShutdownFreesBothSides) {
  const auto id = connect();
  ASSERT_EQ(a->send(id, "before"), assoc::SendResult::Ok);
  a->shutdown(id);
  ASSERT_TRUE(sim.run_until([&] { return a->has<assoc::ClosedEvent>() && b->has<assoc::ClosedEvent>(); }, 10s)
                  .satisfied());
  sim.run_for(1s);
  EXPECT_EQ(b->message_texts(), std::vector<std::string>{"before"});
  EXPECT_TRUE(a->endpoint().associations().empty());
  EXPECT_TRUE(b->endpoint().associations().empty());
  expect_new_association_works();
}

// RFC 9260 8.1: an association that failed (peer unreachable) is forgotten too, and connect() to
// the same peer is allowed again.
TEST_F(EngineLifecycleTest, PeerUnreachableFreesTheAssociation) {
  const auto id = connect();
  sim.network().set_path_up(kA, kB1, false);
  ASSERT_EQ(a->send(id, "lost"), assoc::SendResult::Ok);
  ASSERT_TRUE(a->run_until_closed(3600s).satisfied());
  EXPECT_EQ(a->first<assoc::ClosedEvent>()->reason, assoc::CloseReason::PeerUnreachable);
  sim.run_for(1s);
  EXPECT_TRUE(a->endpoint().associations().empty());
  EXPECT_TRUE(std::holds_alternative<assoc::AssociationId>(a->connect(kB1, kServerPort)));
}

}  // namespace engine_lifecycle_test
}  // namespace sctpkit::sim
