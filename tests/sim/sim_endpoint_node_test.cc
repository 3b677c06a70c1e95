// The Endpoint adapter, exercised with a fake endpoint of the same shape as assoc::Endpoint.
#include <gtest/gtest.h>

#include <deque>

#include "sim/endpoint_node.h"
#include "sim/test_nodes.h"

namespace sctpkit::sim {
namespace {

const auto kClient = wire::IpAddress::v4(10, 0, 0, 1);
const auto kServer = wire::IpAddress::v4(10, 0, 0, 2);

// Speaks no SCTP: a listener answers every packet with an ECHO of it and reports it as a message; a
// send() goes out at once and arms a 100 ms timer that sends a HEARTBEAT when it fires.
class FakeEndpoint {
 public:
  FakeEndpoint(const assoc::EndpointConfig& config, assoc::RandomSource& random, TimePoint now)
      : config_(config), created_(now), first_random_(random.next_u32()) {}

  void handle_packet(wire::Bytes packet, const wire::IpAddress& source, const wire::IpAddress& destination,
                     TimePoint) {
    events_.push_back(assoc::MessageEvent{{1}, wire::StreamId(0), wire::Ppid(0), false, {packet.begin(), packet.end()}});
    if (config_.listen) outbox_.push_back({destination, source, make_packet({chunk::kHeartbeatAck})});
  }
  void handle_timeout(TimePoint now) {
    timer_fired_at = now;
    timer_.reset();
    outbox_.push_back({wire::IpAddress{}, peer_, make_packet({chunk::kHeartbeat})});
  }
  std::variant<assoc::AssociationId, assoc::ConnectError> connect(const assoc::ConnectRequest& request, TimePoint) {
    if (request.remote_addresses.empty()) return assoc::ConnectError::NoAddress;
    peer_ = request.remote_addresses.front();
    outbox_.push_back({wire::IpAddress{}, peer_, make_packet({chunk::kInit})});
    events_.push_back(assoc::ConnectedEvent{assoc::AssociationId{7}});
    return assoc::AssociationId{7};
  }
  assoc::SendResult send(assoc::AssociationId, wire::Bytes message, wire::StreamId, wire::Ppid, bool, TimePoint now) {
    if (message.empty()) return assoc::SendResult::EmptyMessage;
    outbox_.push_back({wire::IpAddress{}, peer_, make_packet({chunk::kData}, message.size())});
    timer_ = now + 100ms;
    return assoc::SendResult::Ok;
  }
  void shutdown(assoc::AssociationId id, TimePoint) { events_.push_back(assoc::ClosedEvent{id}); }
  void abort(assoc::AssociationId id, std::string_view reason, TimePoint) {
    events_.push_back(assoc::ClosedEvent{id, assoc::CloseReason::AbortedLocally, std::nullopt, std::string(reason)});
  }
  std::optional<assoc::Transmit> poll_transmit(TimePoint) {
    if (outbox_.empty()) return std::nullopt;
    current_ = std::move(outbox_.front());
    outbox_.pop_front();
    return assoc::Transmit{current_.source, current_.destination, current_.packet};
  }
  std::optional<assoc::Event> poll_event() {
    if (events_.empty()) return std::nullopt;
    assoc::Event e = std::move(events_.front());
    events_.pop_front();
    return e;
  }
  std::optional<TimePoint> next_timeout() const { return timer_; }

  assoc::EndpointConfig config_;
  TimePoint created_;
  uint32_t first_random_;
  std::optional<TimePoint> timer_fired_at;

 private:
  struct Out {
    wire::IpAddress source, destination;
    std::vector<uint8_t> packet;
  };
  wire::IpAddress peer_;
  std::deque<Out> outbox_;
  Out current_;
  std::deque<assoc::Event> events_;
  std::optional<TimePoint> timer_;
};

using FakeNode = BasicEndpointNode<FakeEndpoint>;

class EndpointNodeTest : public ::testing::Test {
 protected:
  Simulation sim{99};
  FakeNode client{sim, "client", {kClient}, assoc::EndpointConfig{.local_port = 5000}, sim.random()};
  FakeNode server{sim, "server", {kServer}, assoc::EndpointConfig{.local_port = 5001, .listen = true}, sim.random()};
  void SetUp() override { sim.network().connect(kClient, kServer, LinkConfig{.delay = 20ms}); }
};

TEST_F(EndpointNodeTest, ConstructsTheEndpointAtTheSimulationsTimeWithItsRandomSource) {
  EXPECT_EQ(client.endpoint().created_, kEpoch);
  EXPECT_EQ(client.endpoint().config_.local_port, 5000);
  assoc::SeededRandom same_seed(99);
  EXPECT_EQ(client.endpoint().first_random_, same_seed.next_u32());
  EXPECT_EQ(sim.network().host(server.host()).name, "server");
}

TEST_F(EndpointNodeTest, UserCallsSendAtOnceAndEventsAreRecordedWithTheirTime) {
  sim.run_for(5ms);
  const auto id = client.connect(kServer, 5001);
  ASSERT_TRUE(std::holds_alternative<assoc::AssociationId>(id));
  // The INIT left during the call, from the client's address ("any" source resolved).
  ASSERT_EQ(sim.log().size(), 1u);
  EXPECT_EQ(sim.log().at(1).chunks, "[INIT]");
  EXPECT_EQ(sim.log().at(1).source, kClient);
  EXPECT_EQ(micros_since_epoch(sim.log().at(1).sent), 5'000);
  ASSERT_EQ(client.events().size(), 1u);
  EXPECT_EQ(client.events()[0].at, kEpoch + 5ms);

  const RunResult r = client.run_until_messages(1, 1s);
  EXPECT_TRUE(r.satisfied());
  EXPECT_EQ(r.at, kEpoch + 45ms);  // INIT over, answer back
  ASSERT_EQ(server.count<assoc::MessageEvent>(), 1u);
  EXPECT_EQ(server.events()[0].at, kEpoch + 25ms);
  EXPECT_EQ(server.first<assoc::MessageEvent>()->data, make_packet({chunk::kInit}));
  EXPECT_EQ(client.events_of<assoc::MessageEvent>()[0].data, make_packet({chunk::kHeartbeatAck}));
}

TEST_F(EndpointNodeTest, TimeoutsAreForwardedAtTheEnginesDeadline) {
  const auto id = std::get<assoc::AssociationId>(client.connect(kServer, 5001));
  sim.run_for(10ms);
  EXPECT_EQ(client.send(id, "hello"), assoc::SendResult::Ok);
  EXPECT_EQ(client.send(id, ""), assoc::SendResult::EmptyMessage);
  EXPECT_EQ(sim.log().at(2).size, 12u + 4 + 8);  // "hello" padded
  sim.run_for(1s);
  ASSERT_TRUE(client.endpoint().timer_fired_at.has_value());
  EXPECT_EQ(*client.endpoint().timer_fired_at, kEpoch + 110ms);
  EXPECT_EQ(sim.log().at(sim.log().size()).chunks, "[HB ACK]");  // the server answered the HEARTBEAT
  EXPECT_EQ(server.count<assoc::MessageEvent>(), 3u);            // INIT, DATA, HEARTBEAT
}

TEST_F(EndpointNodeTest, ShutdownAbortAndHelpersSeeTheEvents) {
  const auto id = std::get<assoc::AssociationId>(client.connect(kServer, 5001));
  EXPECT_TRUE(client.run_until_connected(1s).satisfied());  // already reported during connect
  client.abort(id, "bored");
  EXPECT_TRUE(client.run_until_closed(1s).satisfied());
  const auto closed = client.first<assoc::ClosedEvent>();
  ASSERT_TRUE(closed.has_value());
  EXPECT_EQ(closed->reason, assoc::CloseReason::AbortedLocally);
  EXPECT_EQ(closed->detail, "bored");
  sim.run_for(1s);
  EXPECT_EQ(client.message_texts().size(), 1u);
  client.clear_events();
  EXPECT_TRUE(client.events().empty());
  EXPECT_TRUE(std::holds_alternative<assoc::ConnectError>(client.connect(assoc::ConnectRequest{})));
}

}  // namespace
}  // namespace sctpkit::sim
