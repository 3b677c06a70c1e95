// Two real Endpoints over the simulated network: the data path under loss, duplication, reordering
// and path failure. Each scenario names the RFC 9260 section it exercises.
#include <gtest/gtest.h>

#include <memory>
#include <vector>

#include "sim/chunk_summary.h"
#include "sim/endpoint_node.h"
#include "sim/engine_fixture.h"
#include "sim/impairment.h"
#include "sim/simulation.h"

namespace sctpkit::sim {
namespace engine_datapath_test {

using namespace std::chrono_literals;

using engine_fixture::client_config;
using engine_fixture::kA;
using engine_fixture::kB1;
using engine_fixture::server_config;

std::vector<uint8_t> pattern(size_t size, uint32_t seed) {
  std::vector<uint8_t> v(size);
  for (size_t i = 0; i < size; ++i) v[i] = static_cast<uint8_t>((i * 13 + seed * 101 + (i >> 8)) & 0xFF);
  return v;
}

class EngineDatapathTest : public engine_fixture::EnginePairTest {
 protected:
  EngineDatapathTest() : EnginePairTest(42) {}
  void build(LinkConfig link, assoc::EndpointConfig client = client_config(),
             assoc::EndpointConfig server = server_config()) {
    build_pair({kA}, {kB1}, client, server, link);
  }
};

// RFC 9260 5.1: handshake, then an echo of one message.
TEST_F(EngineDatapathTest, HandshakeAndEcho) {
  build(LinkConfig{.delay = 20ms});
  const auto id = connect();
  ASSERT_TRUE(a->run_until_connected(5s).satisfied());
  ASSERT_TRUE(b->run_until_connected(1s).satisfied());
  ASSERT_EQ(a->send(id, "hello"), assoc::SendResult::Ok);
  ASSERT_TRUE(b->run_until_messages(1, 5s).satisfied());
  const auto m = *b->first<assoc::MessageEvent>();
  ASSERT_EQ(b->send(m.id, m.data), assoc::SendResult::Ok);
  ASSERT_TRUE(a->run_until_messages(1, 5s).satisfied());
  EXPECT_EQ(a->message_texts(), std::vector<std::string>{"hello"});
}

// RFC 9260 6.3.2 / 6.9: 1 MiB over a lossy, reordering, duplicating link arrives whole.
TEST_F(EngineDatapathTest, OneMebibyteOverAnImpairedLink) {
  build(LinkConfig{.delay = 10ms, .jitter = 2ms, .loss = 0.02, .duplicate = 0.02, .reorder = 0.02});
  const auto id = connect();
  ASSERT_TRUE(a->run_until_connected(30s).satisfied());
  const auto msg = pattern(1 << 20, 9);
  ASSERT_EQ(a->send(id, msg), assoc::SendResult::Ok);
  ASSERT_TRUE(b->run_until_messages(1, 300s).satisfied());
  EXPECT_EQ(b->first<assoc::MessageEvent>()->data, msg);
}

// RFC 9260 6.3 / 7.2: 10% loss both ways; every byte delivered once, in order.
TEST_F(EngineDatapathTest, TenPercentLossDeliversEveryByteInOrder) {
  build(LinkConfig{.delay = 15ms, .loss = 0.10});
  const auto id = connect();
  ASSERT_TRUE(a->run_until_connected(60s).satisfied());
  constexpr size_t kMessages = 200;
  size_t sent = 0;
  auto feed = [&] {
    while (sent < kMessages && a->send(id, pattern(900, static_cast<uint32_t>(sent))) == assoc::SendResult::Ok) ++sent;
  };
  feed();
  ASSERT_TRUE(sim.run_until(
                     [&] {
                       feed();
                       return b->count<assoc::MessageEvent>() >= kMessages;
                     },
                     900s)
                  .satisfied());
  const auto got = b->events_of<assoc::MessageEvent>();
  ASSERT_EQ(got.size(), kMessages);
  for (size_t i = 0; i < kMessages; ++i) EXPECT_EQ(got[i].data, pattern(900, static_cast<uint32_t>(i))) << i;
  EXPECT_GT(a->endpoint().status(id)->counters.retransmitted_chunks, 0u);
}

// RFC 9260 5.1 step 5 / 5.2.4 D: a lost COOKIE ACK; T1-cookie resends COOKIE ECHO, answered again.
TEST_F(EngineDatapathTest, LostCookieAck) {
  build(LinkConfig{.delay = 10ms});
  sim.network().add_script(drop(match::has_chunk(chunk::kCookieAck)));
  const auto id = connect();
  ASSERT_TRUE(a->run_until_connected(10s).satisfied());
  EXPECT_GE(sim.now() - kEpoch, 1s);  // waited one T1 (RTO.Initial)
  ASSERT_EQ(a->send(id, "after"), assoc::SendResult::Ok);
  ASSERT_TRUE(b->run_until_messages(1, 5s).satisfied());
  EXPECT_EQ(b->count<assoc::ConnectedEvent>(), 1u);
}

// RFC 9260 5.1: INIT retransmitted Max.Init.Retransmits times without answer: InitFailed.
TEST_F(EngineDatapathTest, InitRetransmittedTooOften) {
  build(LinkConfig{.delay = 10ms});
  sim.network().add_script(drop(match::has_chunk(chunk::kInit)).always());
  connect();
  ASSERT_TRUE(a->run_until_closed(1000s).satisfied());
  EXPECT_EQ(a->first<assoc::ClosedEvent>()->reason, assoc::CloseReason::InitFailed);
}

// RFC 9260 9.2: SHUTDOWN waits until data in flight is acknowledged.
TEST_F(EngineDatapathTest, ShutdownWithDataInFlight) {
  build(LinkConfig{.delay = 30ms, .loss = 0.05});
  const auto id = connect();
  ASSERT_TRUE(a->run_until_connected(30s).satisfied());
  const auto msg = pattern(200'000, 3);
  ASSERT_EQ(a->send(id, msg), assoc::SendResult::Ok);
  a->shutdown(id);
  ASSERT_TRUE(sim.run_until([&] { return a->has<assoc::ClosedEvent>() && b->has<assoc::ClosedEvent>(); }, 300s)
                  .satisfied());
  EXPECT_EQ(b->first<assoc::MessageEvent>()->data, msg);
  EXPECT_EQ(a->first<assoc::ClosedEvent>()->reason, assoc::CloseReason::Graceful);
  EXPECT_EQ(b->first<assoc::ClosedEvent>()->reason, assoc::CloseReason::Graceful);
}

// RFC 9260 7.2.4: one lost DATA chunk is fast-retransmitted after three miss indications, long
// before T3-rtx (1 s) would fire.
TEST_F(EngineDatapathTest, FastRetransmitAfterThreeMissReports) {
  build(LinkConfig{.delay = 10ms});
  const auto id = connect();
  ASSERT_TRUE(a->run_until_connected(5s).satisfied());
  sim.network().add_script(drop(match::has_chunk(chunk::kData)));
  for (uint32_t i = 0; i < 8; ++i) ASSERT_EQ(a->send(id, pattern(1000, i)), assoc::SendResult::Ok);
  const TimePoint start = sim.now();
  ASSERT_TRUE(b->run_until_messages(8, 5s).satisfied());
  EXPECT_LT(sim.now() - start, 500ms);
  const auto status = *a->endpoint().status(id);
  EXPECT_EQ(status.counters.fast_retransmits, 1u);
  EXPECT_EQ(status.counters.t3_expirations, 0u);
}

// RFC 9260 6.1 A / 6.2: a receiver whose window is full stops the sender; a window update
// (SACK after the application reads) resumes it. The sim delivers every message to the node at once,
// so the window only closes in flight: a small buffer makes that happen.
TEST_F(EngineDatapathTest, SmallWindowKeepsSenderWithinIt) {
  assoc::EndpointConfig server = server_config();
  server.receive_buffer = 6'000;
  server.max_message_size = 6'000;
  build(LinkConfig{.delay = 10ms}, client_config(), server);
  const auto id = connect();
  ASSERT_TRUE(a->run_until_connected(5s).satisfied());
  for (uint32_t i = 0; i < 30; ++i) ASSERT_EQ(a->send(id, pattern(3'000, i)), assoc::SendResult::Ok);
  ASSERT_TRUE(b->run_until_messages(30, 120s).satisfied());
  const auto got = b->events_of<assoc::MessageEvent>();
  for (uint32_t i = 0; i < 30; ++i) EXPECT_EQ(got[i].data, pattern(3'000, i));
}

// RFC 9260 8.1: the peer vanishes; retransmissions exhaust Association.Max.Retrans.
TEST_F(EngineDatapathTest, TooManyRetransmissionsFailTheAssociation) {
  build(LinkConfig{.delay = 10ms});
  const auto id = connect();
  ASSERT_TRUE(a->run_until_connected(5s).satisfied());
  ASSERT_TRUE(b->run_until_connected(1s).satisfied());
  sim.network().set_path_up(kA, kB1, false);
  ASSERT_EQ(a->send(id, "lost"), assoc::SendResult::Ok);
  ASSERT_TRUE(a->run_until_closed(3600s).satisfied());
  EXPECT_EQ(a->first<assoc::ClosedEvent>()->reason, assoc::CloseReason::PeerUnreachable);
}

}  // namespace engine_datapath_test
}  // namespace sctpkit::sim
