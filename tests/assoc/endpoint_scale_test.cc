// Many associations on one endpoint: each on its own client port (ConnectRequest::local_port),
// and an endpoint whose work per input follows the associations the input concerns, not all it
// holds (ready lists, a timer heap). Work is counted (EndpointCounters::association_visits),
// never timed.
#include <gtest/gtest.h>

#include <set>

#include "endpoint_pair.h"

namespace sctpkit::assoc::testing {
namespace endpoint_scale_test {

constexpr int kAssociations = 1000;
constexpr uint16_t kFirstPort = 20000;

class EndpointScale : public ::testing::Test {
 protected:
  std::vector<AssociationId> connect_all() {
    std::vector<AssociationId> ids;
    for (int i = 0; i < kAssociations; ++i) {
      // In batches: the link delivers a whole batch at once and the server keeps only 64
      // stateless replies (INIT ACKs) between polls.
      if (i % 50 == 0) pair.run_until([&] { return connected(0) == ids.size() && connected(1) == ids.size(); });
      ConnectRequest r;
      r.remote_addresses = {pair.address[1]};
      r.remote_port = pair.server().config().local_port;
      r.local_port = static_cast<uint16_t>(kFirstPort + i);
      auto result = pair.client().connect(r, pair.now);
      EXPECT_TRUE(std::holds_alternative<AssociationId>(result));
      if (auto* id = std::get_if<AssociationId>(&result)) ids.push_back(*id);
    }
    const bool up = pair.run_until([&] { return connected(0) == kAssociations && connected(1) == kAssociations; });
    EXPECT_TRUE(up) << connected(0) << " client and " << connected(1) << " server associations up";
    return ids;
  }
  size_t connected(int node) const { return pair.events_of<ConnectedEvent>(node).size(); }
  static EndpointConfig server_config() {
    EndpointConfig c = EndpointPair::default_config(7, true);
    c.max_associations_per_source = 0;  // all kAssociations come from the one client host
    return c;
  }

  EndpointPair pair{EndpointPair::default_config(5000, false), server_config()};
};

TEST_F(EndpointScale, EachClientPortIsItsOwnAssociationToTheSamePeer) {
  const auto ids = connect_all();
  ASSERT_EQ(pair.server().associations().size(), static_cast<size_t>(kAssociations));
  // The server told them apart by the client's port (RFC 9260 5.1.2).
  std::set<uint16_t> peer_ports;
  for (AssociationId id : pair.server().associations()) peer_ports.insert(pair.server().status(id)->peer_port);
  EXPECT_EQ(peer_ports.size(), static_cast<size_t>(kAssociations));
  EXPECT_EQ(pair.client().status(ids[7])->local_port, kFirstPort + 7);

  // A second association from a port already in use to the same peer is refused.
  ConnectRequest again;
  again.remote_addresses = {pair.address[1]};
  again.remote_port = pair.server().config().local_port;
  again.local_port = kFirstPort + 7;
  auto refused = pair.client().connect(again, pair.now);
  ASSERT_TRUE(std::holds_alternative<ConnectError>(refused));
  EXPECT_EQ(std::get<ConnectError>(refused), ConnectError::NotAllowed);

  // Data on one of them reaches the right association on the other side.
  const std::vector<uint8_t> hello = {'h', 'i'};
  ASSERT_EQ(pair.client().send(ids[500], hello, wire::StreamId(0), wire::Ppid(0), false, pair.now), SendResult::Ok);
  ASSERT_TRUE(pair.run_until([&] { return pair.has<MessageEvent>(1); }));
  const auto message = pair.events_of<MessageEvent>(1).front();
  EXPECT_EQ(pair.server().status(message.id)->peer_port, kFirstPort + 500);
}

TEST_F(EndpointScale, WorkPerInputFollowsTheAssociationsItConcerns) {
  const auto ids = connect_all();
  pair.drain();
  const uint64_t client_before = pair.client().counters().association_visits;
  const uint64_t server_before = pair.server().counters().association_visits;

  // One message and its SACK: polling, timers and events touch one association per side, while
  // 999 others sit idle (a walk over all of them per call was thousands of visits).
  const std::vector<uint8_t> data(100, 7);
  ASSERT_EQ(pair.client().send(ids[3], data, wire::StreamId(0), wire::Ppid(0), false, pair.now), SendResult::Ok);
  ASSERT_TRUE(pair.run_until([&] { return pair.has<MessageEvent>(1); }));
  ASSERT_TRUE(pair.run_until([&] { return pair.client().status(ids[3])->bytes_in_flight == 0; }));
  EXPECT_LT(pair.client().counters().association_visits - client_before, 40u);
  EXPECT_LT(pair.server().counters().association_visits - server_before, 40u);

  // Nothing due: a timeout call looks at no association.
  const uint64_t visits = pair.server().counters().association_visits;
  pair.server().handle_timeout(pair.now);
  EXPECT_EQ(pair.server().counters().association_visits, visits);
}

TEST_F(EndpointScale, TimersOfIdleAssociationsStillFire) {
  connect_all();
  const uint64_t visits = pair.server().counters().association_visits;
  // Heartbeats (RFC 9260 8.3, 30 s by default) keep every path confirmed; each association's
  // timer fires on its own.
  pair.run_until([] { return false; }, 70s);
  for (AssociationId id : pair.server().associations()) {
    const auto status = pair.server().status(id);
    ASSERT_TRUE(status);
    EXPECT_EQ(status->state, AssociationState::Established);
    EXPECT_GE(status->counters.heartbeats_sent, 1u) << "association " << id.value;
  }
  // A few visits per heartbeat and answer, not one per association per wake-up.
  EXPECT_LT(pair.server().counters().association_visits - visits, 40u * kAssociations);
}

TEST_F(EndpointScale, ShutDownAssociationsAreForgottenAndTheirPortsFree) {
  const auto ids = connect_all();
  for (AssociationId id : ids) pair.client().shutdown(id, pair.now);
  ASSERT_TRUE(pair.run_until([&] { return pair.client().associations().empty() && pair.server().associations().empty(); }));
  EXPECT_EQ(pair.events_of<ClosedEvent>(0).size(), static_cast<size_t>(kAssociations));
  // The demultiplexing entries went with them: the same ports set up new associations.
  ConnectRequest r;
  r.remote_addresses = {pair.address[1]};
  r.remote_port = pair.server().config().local_port;
  r.local_port = kFirstPort;
  auto result = pair.client().connect(r, pair.now);
  ASSERT_TRUE(std::holds_alternative<AssociationId>(result));
  ASSERT_TRUE(pair.run_until([&] { return connected(1) == kAssociations + 1; }));
}

}  // namespace endpoint_scale_test
}  // namespace sctpkit::assoc::testing
