// The sender's I bit (RFC 9260 6.1, 3.3.1): a SACK "sent back without delay" where the sender
// benefits, instead of after the receiver's delayed-SACK wait (6.2: up to 200 ms here).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "sim/endpoint_node.h"
#include "sim/simulation.h"
#include "wire/chunk_types.h"
#include "wire/data_chunks.h"
#include "wire/packet.h"

namespace sctpkit::sim {
namespace engine_sack_immediately_test {

using namespace std::chrono_literals;

const auto kA = wire::IpAddress::v4(10, 0, 0, 1);
const auto kB = wire::IpAddress::v4(10, 0, 1, 1);

struct Pair {
  Simulation sim{11};
  EndpointNode a, b;
  assoc::AssociationId id{};
  // The DATA chunks A sent, in order: whether each had the I bit, and when it left.
  struct SentData {
    bool immediate;
    TimePoint at;
  };
  std::vector<SentData> sent;

  static assoc::EndpointConfig config(uint16_t port, bool listen) {
    assoc::EndpointConfig c;
    c.local_port = port;
    c.listen = listen;
    return c;
  }
  Pair()
      : a(sim, "A", {kA}, config(5000, false), sim.random()), b(sim, "B", {kB}, config(7, true), sim.random()) {
    sim.network().connect(kA, kB, LinkConfig{.delay = 10ms});
    id = std::get<assoc::AssociationId>(a.connect(kB, 7));
    EXPECT_TRUE(a.run_until_connected(5s).satisfied());
    sim.network().set_tap([this](Network::TapPoint p, const LogEntry& e, wire::Bytes bytes) {
      if (p != Network::TapPoint::Sent || e.source != kA || bytes.size() < wire::kCommonHeaderSize) return;
      wire::ChunkReader reader(bytes.subspan(wire::kCommonHeaderSize));
      while (auto next = reader.next()) {
        if (!next->ok()) break;
        if (next->value().type == wire::to_u8(wire::ChunkType::Data))
          sent.push_back({(next->value().flags & wire::kDataFlagImmediate) != 0, sim.now()});
      }
    });
  }
  // Time from now until everything A sent is acknowledged.
  Duration time_to_acknowledged() {
    const auto start = sim.now();
    EXPECT_TRUE(sim.run_until([&] { return a.endpoint().status(id)->bytes_in_flight == 0; }, 2s).satisfied());
    return sim.now() - start;
  }
};

TEST(EngineSackImmediately, AMessageMarkedSoIsAcknowledgedWithinTheRoundTripNotTheDelayedSackWait) {
  Pair p;
  ASSERT_EQ(p.a.send(p.id, "one packet: B delays its SACK"), assoc::SendResult::Ok);
  const Duration delayed = p.time_to_acknowledged();
  EXPECT_GE(delayed, 150ms);  // RFC 9260 6.2: the delayed SACK (200 ms by default)
  ASSERT_EQ(p.sent.size(), 1u);
  EXPECT_FALSE(p.sent[0].immediate);

  ASSERT_TRUE(p.a.send_sack_immediately(p.id, "two"));
  const Duration immediate = p.time_to_acknowledged();
  EXPECT_LE(immediate, 30ms);  // one round trip: 2 x 10 ms
  ASSERT_EQ(p.sent.size(), 2u);
  EXPECT_TRUE(p.sent[1].immediate);
  // Its chunk has left: there is nothing left to mark.
  EXPECT_FALSE(p.a.endpoint().mark_last_sack_immediately(p.id));
}

TEST(EngineSackImmediately, EveryPacketSentInShutdownPendingAsksForAnImmediateSack) {
  Pair p;
  // More than the initial congestion window (RFC 9260 7.2.1: at most 4 MTUs): some of it leaves
  // only after shutdown() has put A in SHUTDOWN-PENDING.
  const std::string message(1000, 'x');
  for (int i = 0; i < 12; ++i) ASSERT_EQ(p.a.send(p.id, message), assoc::SendResult::Ok);
  const size_t before_shutdown = p.sent.size();
  ASSERT_GT(before_shutdown, 0u);
  ASSERT_LT(before_shutdown, 12u);
  for (const auto& d : p.sent) EXPECT_FALSE(d.immediate);
  p.a.shutdown(p.id);
  ASSERT_TRUE(p.sim.run_until([&] { return !p.a.endpoint().status(p.id).has_value() ||
                                           p.a.endpoint().status(p.id)->state == assoc::AssociationState::Closed; },
                              10s)
                  .satisfied());
  ASSERT_EQ(p.sent.size(), 12u);  // 1000-byte messages: one DATA chunk, one packet each
  for (size_t i = before_shutdown; i < p.sent.size(); ++i) EXPECT_TRUE(p.sent[i].immediate) << "chunk " << i;
}

}  // namespace engine_sack_immediately_test
}  // namespace sctpkit::sim
