// Deterministic link behaviour: delay, serialisation, queue, MTU, cuts, address selection.
#include <gtest/gtest.h>

#include "sim/simulation.h"
#include "sim/test_nodes.h"
#include "wire/packet.h"

namespace sctpkit::sim {
namespace sim_link_test {

const auto kA = wire::IpAddress::v4(10, 0, 0, 1);
const auto kB = wire::IpAddress::v4(10, 0, 0, 2);

int64_t us(TimePoint t) { return micros_since_epoch(t); }

class LinkTest : public ::testing::Test {
 protected:
  LinkTest() {
    sim.add_node("A", {kA}, a);
    sim.add_node("B", {kB}, b);
  }
  Simulation sim{1};
  RecorderNode a, b;
};

TEST(EventQueue, SimultaneousEventsComeOutInInsertionOrder) {
  EventQueue<int> q;
  q.push(kEpoch + 2ms, 10);
  q.push(kEpoch + 1ms, 20);
  q.push(kEpoch + 2ms, 30);
  q.push(kEpoch + 1ms, 40);
  q.push(kEpoch + 2ms, 50);
  std::vector<int> order;
  while (!q.empty()) order.push_back(q.pop().payload);
  EXPECT_EQ(order, (std::vector<int>{20, 40, 10, 30, 50}));
}

TEST_F(LinkTest, ClockStartsAtTheFixedEpoch) { EXPECT_EQ(sim.now(), kEpoch); }

TEST_F(LinkTest, DelayIsExactToTheMicrosecond) {
  sim.network().connect(kA, kB, LinkConfig{.delay = 50ms + 123us});
  a.send_at(kEpoch + 1ms, kA, kB, make_packet({chunk::kData}, 4));
  sim.run_for(1s);
  ASSERT_EQ(b.received().size(), 1u);
  EXPECT_EQ(us(b.received()[0].at), 51'123);
  EXPECT_EQ(b.received()[0].source, kA);
  EXPECT_EQ(b.received()[0].destination, kB);
}

TEST_F(LinkTest, BandwidthSerialisesBackToBackPacketsIncludingTheIpHeader) {
  // 12 header + 4 chunk header + 96 value = 112 SCTP bytes, + 20 IPv4 = 132 bytes = 1056 bits:
  // 1056 us at 1 Mbit/s.
  sim.network().connect(kA, kB, LinkConfig{.delay = 10ms, .bandwidth_bps = 1'000'000});
  for (uint32_t i = 1; i <= 3; ++i) a.send_at(kEpoch, kA, kB, make_packet({chunk::kData}, 96, i));
  sim.run_for(1s);
  ASSERT_EQ(b.received().size(), 3u);
  EXPECT_EQ(b.received()[0].packet.size(), 112u);
  EXPECT_EQ(us(b.received()[0].at), 10'000 + 1056);
  EXPECT_EQ(us(b.received()[1].at), 10'000 + 2 * 1056);
  EXPECT_EQ(us(b.received()[2].at), 10'000 + 3 * 1056);
  EXPECT_EQ(b.received_tags(), (std::vector<uint32_t>{1, 2, 3}));
}

TEST_F(LinkTest, IdleLinkDoesNotBankTransmitTime) {
  sim.network().connect(kA, kB, LinkConfig{.bandwidth_bps = 1'000'000});
  a.send_at(kEpoch, kA, kB, make_packet({chunk::kData}, 96, 1));
  a.send_at(kEpoch + 5ms, kA, kB, make_packet({chunk::kData}, 96, 2));
  sim.run_for(1s);
  ASSERT_EQ(b.received().size(), 2u);
  EXPECT_EQ(us(b.received()[1].at), 5'000 + 1056);
}

TEST_F(LinkTest, BoundedQueueDropsTailAndAcceptsAgainOnceDrained) {
  sim.network().connect(kA, kB, LinkConfig{.bandwidth_bps = 1'000'000, .queue_packets = 2});
  for (uint32_t i = 1; i <= 5; ++i) a.send_at(kEpoch, kA, kB, make_packet({chunk::kData}, 96, i));
  // The first leaves the queue at 1056 us: one place frees.
  a.send_at(kEpoch + 1056us, kA, kB, make_packet({chunk::kData}, 96, 6));
  sim.run_for(1s);
  EXPECT_EQ(b.received_tags(), (std::vector<uint32_t>{1, 2, 6}));
  EXPECT_EQ(us(b.received()[2].at), 3 * 1056);
  EXPECT_EQ(sim.network().link(kA, kB)->stats.queue_drops, 3u);
  EXPECT_EQ(sim.log().count(Fate::QueueFull), 3u);
}

TEST_F(LinkTest, MtuCountsTheIpHeaderAndDropsLargerPackets) {
  sim.network().connect(kA, kB, LinkConfig{.mtu = 200});
  a.send_at(kEpoch, kA, kB, make_packet({chunk::kData}, 164, 1));  // 180 + 20 = 200: fits
  a.send_at(kEpoch, kA, kB, make_packet({chunk::kData}, 168, 2));  // 184 + 20: too big
  sim.run_for(1s);
  EXPECT_EQ(b.received_tags(), (std::vector<uint32_t>{1}));
  EXPECT_EQ(sim.network().link(kA, kB)->stats.mtu_drops, 1u);
  EXPECT_EQ(sim.log().at(2).fate, Fate::TooBig);
}

TEST(LinkIpv6, MtuCountsTheFortyByteIpv6Header) {
  const auto a6 = *wire::IpAddress::parse("fd00::1");
  const auto b6 = *wire::IpAddress::parse("fd00::2");
  Simulation sim(1);
  RecorderNode a, b;
  sim.add_node("A", {a6}, a);
  sim.add_node("B", {b6}, b);
  sim.network().connect(a6, b6, LinkConfig{.mtu = 1280});
  a.send_at(kEpoch, a6, b6, make_packet({chunk::kData}, 1224, 1));  // 1240 + 40 = 1280
  a.send_at(kEpoch, a6, b6, make_packet({chunk::kData}, 1228, 2));
  sim.run_for(1s);
  EXPECT_EQ(b.received_tags(), (std::vector<uint32_t>{1}));
}

TEST_F(LinkTest, CutLinkDropsWhatIsSentAndWhatIsInFlightUntilRestored) {
  sim.network().connect(kA, kB, LinkConfig{.delay = 15ms});
  sim.schedule(kEpoch + 100ms, [&] { sim.network().set_path_up(kA, kB, false); });
  sim.schedule(kEpoch + 200ms, [&] { sim.network().set_path_up(kA, kB, true); });
  a.send_every(kEpoch, 10ms, 30, kA, kB, 4, 0);  // tag = send time in units of 10 ms
  sim.run_for(1s);
  std::vector<uint32_t> expected;
  // Sent at 90 ms, due at 105 ms: in flight at the cut. At 200 ms the restore (scheduled earlier)
  // runs before the node's timeout of the same instant.
  for (uint32_t t = 0; t < 30; ++t) {
    if (t < 9 || t >= 20) expected.push_back(t);
  }
  EXPECT_EQ(b.received_tags(), expected);
  EXPECT_EQ(sim.network().link(kA, kB)->stats.down_drops, 11u);
}

TEST_F(LinkTest, CutAndRestoreWhileAPacketIsInFlightStillLosesIt) {
  sim.network().connect(kA, kB, LinkConfig{.delay = 50ms});
  a.send_at(kEpoch, kA, kB, make_packet({chunk::kData}, 4, 1));
  sim.schedule(kEpoch + 10ms, [&] { sim.network().set_up(kA, kB, false); });
  sim.schedule(kEpoch + 20ms, [&] { sim.network().set_up(kA, kB, true); });
  a.send_at(kEpoch + 30ms, kA, kB, make_packet({chunk::kData}, 4, 2));
  sim.run_for(1s);
  EXPECT_EQ(b.received_tags(), (std::vector<uint32_t>{2}));
  EXPECT_EQ(sim.log().at(1).fate, Fate::LinkDown);
  EXPECT_EQ(us(sim.log().at(1).settled), 50'000);
}

TEST_F(LinkTest, OneDirectionCanBeCutAlone) {
  sim.network().connect(kA, kB, LinkConfig{.delay = 1ms});
  sim.network().set_up(kA, kB, false);
  a.send_at(kEpoch, kA, kB, make_packet({chunk::kData}, 4, 1));
  b.send_at(kEpoch, kB, kA, make_packet({chunk::kData}, 4, 2));
  sim.run_for(1s);
  EXPECT_TRUE(b.received().empty());
  EXPECT_EQ(a.received_tags(), (std::vector<uint32_t>{2}));
}

TEST_F(LinkTest, NoLinkOrUnknownDestinationIsNoRoute) {
  const auto nowhere = wire::IpAddress::v4(192, 0, 2, 1);
  sim.network().add_link(kA, nowhere, LinkConfig{});
  a.send_at(kEpoch, kA, kB, make_packet({chunk::kData}));        // no link A -> B
  a.send_at(kEpoch, kA, nowhere, make_packet({chunk::kData}));   // link, but no such host
  sim.run_for(1s);
  EXPECT_EQ(sim.log().count(Fate::NoRoute), 2u);
}

TEST(LinkMultihoming, AnySourcePicksTheHostsAddressOfTheDestinationFamilyAndPathsAreIndependent) {
  const auto a4 = wire::IpAddress::v4(10, 0, 0, 1);
  const auto a6 = *wire::IpAddress::parse("fd00::1");
  const auto b4 = wire::IpAddress::v4(10, 0, 0, 2);
  const auto b4_2 = wire::IpAddress::v4(10, 1, 0, 2);
  const auto b6 = *wire::IpAddress::parse("fd00::2");
  Simulation sim(1);
  RecorderNode a, b;
  sim.add_node("A", {a4, a6}, a);
  sim.add_node("B", {b4, b4_2, b6}, b);
  sim.network().connect(a6, b6, LinkConfig{.delay = 1ms});
  sim.network().connect(a4, b4, LinkConfig{.delay = 2ms});
  sim.network().connect(a4, b4_2, LinkConfig{.delay = 3ms});
  sim.network().set_path_up(a4, b4, false);  // the primary path fails; the second one still works
  a.send_at(kEpoch, wire::IpAddress{}, b6, make_packet({chunk::kData}, 0, 1));
  a.send_at(kEpoch, wire::IpAddress{}, b4, make_packet({chunk::kData}, 0, 2));
  a.send_at(kEpoch, wire::IpAddress{}, b4_2, make_packet({chunk::kData}, 0, 3));
  sim.run_for(1s);
  ASSERT_EQ(b.received().size(), 2u);
  EXPECT_EQ(b.received()[0].source, a6);
  EXPECT_EQ(b.received()[0].destination, b6);
  EXPECT_EQ(b.received()[1].source, a4);
  EXPECT_EQ(b.received()[1].destination, b4_2);
  EXPECT_EQ(us(b.received()[1].at), 3'000);
  EXPECT_EQ(sim.log().at(2).fate, Fate::LinkDown);
}

TEST(LinkMultihoming, AnySourceFollowsTheLinksOfADisjointSecondPath) {
  const auto a1 = wire::IpAddress::v4(10, 0, 0, 1);
  const auto a2 = wire::IpAddress::v4(10, 1, 0, 1);
  const auto b1 = wire::IpAddress::v4(10, 0, 0, 2);
  const auto b2 = wire::IpAddress::v4(10, 1, 0, 2);
  Simulation sim(1);
  RecorderNode a, b;
  sim.add_node("A", {a1, a2}, a);
  sim.add_node("B", {b1, b2}, b);
  sim.network().connect(a1, b1, LinkConfig{.delay = 1ms});
  sim.network().connect(a2, b2, LinkConfig{.delay = 2ms});
  a.send_at(kEpoch, wire::IpAddress{}, b1, make_packet({chunk::kData}, 0, 1));
  a.send_at(kEpoch, wire::IpAddress{}, b2, make_packet({chunk::kData}, 0, 2));
  sim.run_for(1s);
  ASSERT_EQ(b.received().size(), 2u);
  EXPECT_EQ(b.received()[0].source, a1);
  EXPECT_EQ(b.received()[1].source, a2);
  EXPECT_EQ(b.received()[1].destination, b2);
}

}  // namespace sim_link_test
}  // namespace sctpkit::sim
