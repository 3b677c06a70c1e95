// User data sent before the association is up (RFC 9260 5.1): queued in COOKIE-WAIT and carried
// with the COOKIE ECHO where it fits.
#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "sim/endpoint_node.h"
#include "sim/engine_fixture.h"
#include "sim/simulation.h"

namespace sctpkit::sim {
namespace engine_early_data_test {

using namespace std::chrono_literals;

using engine_fixture::client_config;
using engine_fixture::kA;
using engine_fixture::kB1;
using engine_fixture::kServerPort;
using engine_fixture::server_config;

class EngineEarlyDataTest : public engine_fixture::EnginePairTest {
 protected:
  EngineEarlyDataTest() : EnginePairTest(17) {
    build_pair({kA}, {kB1}, client_config(), server_config(), LinkConfig{.delay = 10ms});
    id = connect();
  }
  assoc::AssociationId id{};
};

// RFC 9260 5.1: "The COOKIE ECHO chunk can be bundled with any pending outbound DATA chunks, but
// it MUST be the first chunk in the packet". A message sent in COOKIE-WAIT is accepted (it used to
// be refused with NotConnected) and reaches the peer with the COOKIE ECHO, one round trip earlier
// than it could after COOKIE ACK.
TEST_F(EngineEarlyDataTest, MessageSentInCookieWaitRidesWithTheCookieEcho) {
  ASSERT_EQ(a->endpoint().status(id)->state, assoc::AssociationState::CookieWait);
  ASSERT_EQ(a->send(id, "early"), assoc::SendResult::Ok);
  ASSERT_TRUE(b->run_until_messages(1, 5s).satisfied());
  EXPECT_EQ(b->message_texts(), std::vector<std::string>{"early"});
  EXPECT_LE(sim.now() - kEpoch, 30ms);  // INIT, INIT ACK, COOKIE ECHO: three one-way trips
  bool bundled = false;
  for (const auto& e : sim.log().entries()) bundled |= e.chunks == "[COOKIE ECHO] [DATA]";
  EXPECT_TRUE(bundled) << sim.log().format();
  ASSERT_TRUE(a->run_until_connected(1s).satisfied());
  ASSERT_TRUE(sim.run_until([&] { return a->endpoint().status(id)->unacked_chunks == 0; }, 5s).satisfied());
}

// RFC 9260 5.1 / 6.9: a queued message larger than one packet: what fits goes with the COOKIE
// ECHO, the rest once ESTABLISHED; several queued messages keep their order.
TEST_F(EngineEarlyDataTest, SeveralAndLargeMessagesQueuedBeforeSetupArriveInOrder) {
  std::vector<std::vector<uint8_t>> sent;
  for (uint32_t i = 0; i < 5; ++i) {
    sent.emplace_back(i == 2 ? 20'000 : 300, static_cast<uint8_t>(i + 1));
    ASSERT_EQ(a->send(id, wire::Bytes(sent.back())), assoc::SendResult::Ok);
  }
  ASSERT_TRUE(b->run_until_messages(5, 10s).satisfied());
  const auto got = b->events_of<assoc::MessageEvent>();
  for (size_t i = 0; i < sent.size(); ++i) EXPECT_EQ(got[i].data, sent[i]) << i;
}

// RFC 9260 5.1.1: before the peer answers, streams are checked against the number we asked for.
TEST_F(EngineEarlyDataTest, CookieWaitChecksStreamAndSize) {
  EXPECT_EQ(a->send(id, "x", /*stream=*/10), assoc::SendResult::InvalidStream);  // OS is 10: 0..9
  EXPECT_EQ(a->send(id, ""), assoc::SendResult::EmptyMessage);
  EXPECT_EQ(a->send(id, "ok", /*stream=*/9), assoc::SendResult::Ok);
  ASSERT_TRUE(b->run_until_messages(1, 5s).satisfied());
  EXPECT_EQ(b->first<assoc::MessageEvent>()->stream, wire::StreamId(9));
}

// RFC 9260 5.1.1: the outbound streams are min(our OS, the peer's MIS), learnt only from the INIT
// ACK. A message queued in COOKIE-WAIT on a stream the peer then does not grant cannot be sent: the
// sender gets it back in a SendFailedEvent saying why (it used to vanish without a word), and the
// messages on granted streams still go.
TEST(EngineEarlyDataStreamsTest, MessageQueuedOnStreamThePeerDoesNotGrantIsReported) {
  Simulation sim{19};
  const auto client = client_config();
  auto server = server_config();
  server.max_inbound_streams = 4;  // our OS of 10 is negotiated down to 4: streams 0..3
  EndpointNode a(sim, "A", {kA}, client, sim.random());
  EndpointNode b(sim, "B", {kB1}, server, sim.random());
  sim.network().connect(kA, kB1, LinkConfig{.delay = 10ms});
  const auto id = std::get<assoc::AssociationId>(a.connect(kB1, kServerPort));
  ASSERT_EQ(a.send(id, "kept", /*stream=*/3), assoc::SendResult::Ok);
  ASSERT_EQ(a.send(id, "refused", /*stream=*/7), assoc::SendResult::Ok);  // 7 < our OS: accepted for now
  ASSERT_EQ(a.send(id, "also kept", /*stream=*/0), assoc::SendResult::Ok);
  ASSERT_TRUE(b.run_until_messages(2, 5s).satisfied());
  auto texts = b.message_texts();
  std::sort(texts.begin(), texts.end());  // two streams: no order between them (RFC 9260 6.6)
  EXPECT_EQ(texts, (std::vector<std::string>{"also kept", "kept"}));
  ASSERT_TRUE(a.has<assoc::SendFailedEvent>());
  const auto failed = a.events_of<assoc::SendFailedEvent>();
  ASSERT_EQ(failed.size(), 1u);
  EXPECT_EQ(failed[0].id, id);
  EXPECT_EQ(failed[0].stream, wire::StreamId(7));
  EXPECT_EQ(std::string(failed[0].data.begin(), failed[0].data.end()), "refused");
  EXPECT_NE(failed[0].detail.find("4 outbound streams"), std::string::npos) << failed[0].detail;
  ASSERT_TRUE(a.run_until_connected(1s).satisfied());
  EXPECT_EQ(a.first<assoc::ConnectedEvent>()->outbound_streams, 4);
  EXPECT_FALSE(a.has<assoc::ClosedEvent>());
}

}  // namespace engine_early_data_test
}  // namespace sctpkit::sim
