#include "perf/swarm_ports.h"

#include <gtest/gtest.h>

#include <set>

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

}  // namespace
}  // namespace sctpkit::perf
