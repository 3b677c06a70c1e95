#include "net/encap_port_map.h"

#include <gtest/gtest.h>

// The allocation counter (this file is the one of net_tests that replaces operator new).
#include "assoc/counting_new.h"

namespace sctpkit::net {
namespace {

const wire::IpAddress kA = wire::IpAddress::v4(10, 0, 0, 1);
const wire::IpAddress kB = wire::IpAddress::v4(10, 0, 0, 2);

TEST(EncapPortMap, LearnsPerPeerAddressAndSctpPortAndFollowsARebinding) {
  EncapPortMap map;
  map.learn(kA, 5000, 40000);
  EXPECT_EQ(map.learned(kA, 5000), 40000);
  EXPECT_EQ(map.learned(kA, 5001), std::nullopt);
  EXPECT_EQ(map.learned(kB, 5000), std::nullopt);
  map.learn(kA, 5000, 40001);  // RFC 6951 5.4: a verified packet from a new port moves it
  EXPECT_EQ(map.take(kA, 5000), 40001);
  EXPECT_EQ(map.size(), 1u);
}

TEST(EncapPortMap, IsBoundedAndDropsTheLeastRecentlyUsedPeer) {
  EncapPortMap map(3);
  map.learn(kA, 1, 101);
  map.learn(kA, 2, 102);
  map.learn(kA, 3, 103);
  EXPECT_EQ(map.take(kA, 1), 101);  // 1 is now the most recently used; 2 the least
  map.learn(kA, 4, 104);
  EXPECT_EQ(map.size(), 3u);
  EXPECT_EQ(map.learned(kA, 2), std::nullopt);
  EXPECT_EQ(map.learned(kA, 1), 101);
  EXPECT_EQ(map.learned(kA, 3), 103);
  EXPECT_EQ(map.learned(kA, 4), 104);
  for (uint16_t port = 10; port < 1000; ++port) map.learn(kB, port, port);
  EXPECT_EQ(map.size(), 3u);
}

TEST(EncapPortMap, ANewPeerAtCapacityTakesTheOldestEntryWithoutAllocating) {
  // A server past its capacity of peers learns a new key on every setup (each association comes
  // from a new client SCTP port): the oldest entry's nodes are reused.
  EncapPortMap map(3);
  for (uint16_t port = 1; port <= 3; ++port) map.learn(kA, port, port);
  const uint64_t before = assoc::allocations_so_far();
  for (uint16_t port = 4; port < 1000; ++port) map.learn(kA, port, static_cast<uint16_t>(port + 1));
  EXPECT_EQ(assoc::allocations_so_far() - before, 0u);
  EXPECT_EQ(map.size(), 3u);
  EXPECT_EQ(map.learned(kA, 996), std::nullopt);
  EXPECT_EQ(map.learned(kA, 997), 998);
  EXPECT_EQ(map.take(kA, 999), 1000);
  EXPECT_EQ(map.learned(kA, 998), 999);
}

TEST(EncapPortMap, AOneShotReplyOverridesOnceAndIsNeverLearned) {
  EncapPortMap map;
  map.learn(kA, 5000, 40000);
  map.reply_once(kA, 5000, 50000);  // e.g. an INIT from another port (RFC 6951 5.4)
  EXPECT_EQ(map.take(kA, 5000), 50000);
  EXPECT_EQ(map.take(kA, 5000), 40000);
  map.reply_once(kB, 6000, 50001);
  EXPECT_EQ(map.learned(kB, 6000), std::nullopt);
  EXPECT_EQ(map.take(kB, 6000), 50001);
  EXPECT_EQ(map.take(kB, 6000), std::nullopt);
  EXPECT_EQ(map.size(), 1u);
}

TEST(EncapPortMap, PendingRepliesAreBoundedToo) {
  EncapPortMap map;
  for (uint16_t i = 0; i < 10 * EncapPortMap::kMaxPendingReplies; ++i) map.reply_once(kA, i, i);
  size_t answered = 0;
  for (uint16_t i = 0; i < 10 * EncapPortMap::kMaxPendingReplies; ++i) answered += map.take(kA, i).has_value();
  EXPECT_EQ(answered, EncapPortMap::kMaxPendingReplies);
  EXPECT_EQ(map.size(), 0u);
}

}  // namespace
}  // namespace sctpkit::net
