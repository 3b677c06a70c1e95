#include "perf/swarm_ports.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <vector>

namespace sctpkit::perf {
namespace {

TEST(SwarmPorts, CountsUpFromTheControlPort) {
  SwarmPorts ports(49153);
  EXPECT_EQ(ports.next(), 49154);
  EXPECT_EQ(ports.next(), 49155);
}

TEST(SwarmPorts, WrapsPastTheTopWithoutTheWellKnownPorts) {
  SwarmPorts ports(65534);
  EXPECT_EQ(ports.next(), 65535);
  EXPECT_EQ(ports.next(), 1024);
  EXPECT_EQ(ports.next(), 1025);
}

TEST(SwarmPorts, NeverHandsOutTheControlAssociationsPortAfterTheWrap) {
  SwarmPorts ports(5000);
  std::set<uint16_t> seen;
  for (uint32_t i = 0; i < 3 * SwarmPorts::kDistinct; ++i) {
    const uint16_t port = ports.next();
    ASSERT_NE(port, 5000) << "after " << i << " ports";
    ASSERT_GE(port, 1024);
    seen.insert(port);
  }
  EXPECT_EQ(seen.size(), SwarmPorts::kDistinct + 1);  // the server's port (0 here) is out of range
}

TEST(SwarmPorts, NeverHandsOutTheServersPort) {
  SwarmPorts ports(5000, 5002);
  EXPECT_EQ(ports.next(), 5001);
  EXPECT_EQ(ports.next(), 5003);
  std::set<uint16_t> seen;
  for (uint32_t i = 0; i < 2 * SwarmPorts::kDistinct; ++i) {
    const uint16_t port = ports.next();
    ASSERT_NE(port, 5002) << "after " << i << " ports";
    seen.insert(port);
  }
  EXPECT_EQ(seen.size(), SwarmPorts::kDistinct);
}

TEST(SwarmPorts, AControlPortBelowTheRangeIsSkippedAsWell) {
  SwarmPorts ports(80);  // kernel or raw control associations may sit on any port
  EXPECT_EQ(ports.next(), 1024);
}

// The raw swarm's form: ports of blocks its claims hold only (Swarm::connect).
TEST(SwarmPorts, SkipsTheRestOfABlockItsGateRefuses) {
  SwarmPorts ports(5000, 7170);  // block 4 (4096-5119), then 5 and 6; the server's port is in 7
  std::vector<uint32_t> asked;
  auto gate = [&](uint32_t block) {
    asked.push_back(block);
    return block != 5 && block != 6;
  };
  EXPECT_EQ(ports.next(gate), 5001);
  for (uint32_t port = 5002; port <= 5119; ++port) ASSERT_EQ(ports.next(gate), port);
  EXPECT_EQ(ports.next(gate), 7168);  // 5120-7167 refused, asked once each
  EXPECT_EQ(ports.next(gate), 7169);
  EXPECT_EQ(ports.next(gate), 7171);  // the server's port stays out
  EXPECT_EQ(std::set<uint32_t>(asked.begin(), asked.end()), (std::set<uint32_t>{4, 5, 6, 7}));
  EXPECT_EQ(std::count(asked.begin(), asked.end(), 5), 1);
  EXPECT_EQ(std::count(asked.begin(), asked.end(), 6), 1);
}

TEST(SwarmPorts, WrapsToTheFirstAcceptedBlockAndNeverBelow1024) {
  SwarmPorts ports(65000);
  auto only_block_1 = [](uint32_t block) { return block == 1; };
  EXPECT_EQ(ports.next(only_block_1), 1024);
  for (uint32_t i = 0; i < 5000; ++i) {
    const auto port = ports.next(only_block_1);
    ASSERT_TRUE(port);
    ASSERT_GE(*port, 1024);
    ASSERT_LT(*port, 2048);
  }
}

TEST(SwarmPorts, NothingWhenTheGateRefusesEveryBlock) {
  SwarmPorts ports(49152);
  size_t asked = 0;
  EXPECT_FALSE(ports.next([&](uint32_t) { return ++asked, false; }));
  EXPECT_LE(asked, 65u);  // one round of the 63 blocks of 1024-65535, not a port at a time
}

}  // namespace
}  // namespace sctpkit::perf
