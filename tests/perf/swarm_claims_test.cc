// The raw swarm claims its SCTP ports in blocks (net::PortClaim::claim_block): raw IP has no
// bind(), and a raw listener beside it on a port it used would answer its INIT ACKs as out of the
// blue (RFC 9260 8.4). Packets never leave: the tests look at the ports and descriptors only.
#include <dirent.h>
#include <gtest/gtest.h>
#include <sys/resource.h>

#include <algorithm>
#include <variant>
#include <vector>

#include "net/netns.h"
#include "net/port_claim.h"
#include "perf/swarm.h"
#include "perf/swarm_ports.h"

namespace sctpkit::perf {
namespace {

using net::testing::InNetns;
using net::testing::NetnsPair;

Options raw() {
  Options options;
  options.transport = TransportKind::RawIp;
  options.timeout = std::chrono::milliseconds(2000);
  return options;
}

std::unique_ptr<Swarm> open_swarm() {
  auto opened = Swarm::open(raw(), NetnsPair::b_v4().to_string(), 7900, [](uint32_t, Swarm::Outcome, const std::string&) {});
  if (!opened) ADD_FAILURE() << opened.error().message;
  return opened ? std::move(*opened) : nullptr;
}

size_t open_descriptors() {
  size_t n = 0;
  if (DIR* d = ::opendir("/proc/self/fd")) {
    while (::readdir(d)) ++n;
    ::closedir(d);
  }
  return n;
}

TEST(SwarmClaims, NeverUsesABlockWithAPortARawListenerHolds) {
  NetnsPair pair("claims21");
  if (!pair.available()) GTEST_SKIP() << pair.reason();
  InNetns in(pair.a());
  auto listener = Listener::listen(7300, raw());  // block 7: 7168-8191
  ASSERT_TRUE(listener) << listener.error().message;
  {
    auto swarm = open_swarm();
    ASSERT_TRUE(swarm);
    SwarmPorts ports(6000);  // counts through block 5, the listener's block 7 and beyond
    for (int i = 0; i < 3000; ++i) {
      auto id = swarm->connect(ports);
      ASSERT_TRUE(id) << i << ": " << id.error().message;
    }
    // The swarm holds blocks 5, 6 and 8: a raw stack in them fails, naming its port.
    auto inside = Listener::listen(6500, raw());
    ASSERT_FALSE(inside);
    EXPECT_EQ(inside.error().code, Error::Code::AddressInUse);
    EXPECT_NE(inside.error().message.find("SCTP port 6500 is in use"), std::string::npos) << inside.error().message;
    EXPECT_FALSE(Listener::listen(8200, raw()));
    // Block 7 was skipped whole: its ports stay free for others.
    EXPECT_TRUE(Listener::listen(7301, raw()));
    // An explicit port in the listener's block is refused too.
    auto explicit_port = swarm->connect(uint16_t{7400});
    ASSERT_FALSE(explicit_port);
    EXPECT_EQ(explicit_port.error().code, Error::Code::AddressInUse);
  }
  EXPECT_TRUE(Listener::listen(6500, raw()));  // released with the swarm
}

// One descriptor per port ran out under the usual soft limit of 1,024 descriptors; a block of
// 1,024 ports takes one.
TEST(SwarmClaims, TenThousandAssociationsFitUnderAThousandDescriptors) {
  NetnsPair pair("claims21");
  if (!pair.available()) GTEST_SKIP() << pair.reason();
  struct SoftLimit {  // restored however the test ends
    rlimit saved{};
    SoftLimit() {
      ::getrlimit(RLIMIT_NOFILE, &saved);
      rlimit low = saved;
      low.rlim_cur = std::min<rlim_t>(saved.rlim_cur, 1024);
      ::setrlimit(RLIMIT_NOFILE, &low);
    }
    ~SoftLimit() { ::setrlimit(RLIMIT_NOFILE, &saved); }
  } limit;
  rlimit now{};
  ASSERT_EQ(::getrlimit(RLIMIT_NOFILE, &now), 0);
  ASSERT_LE(now.rlim_cur, 1024u);
  {
    InNetns in(pair.a());
    auto swarm = open_swarm();
    ASSERT_TRUE(swarm);
    const size_t before = open_descriptors();
    SwarmPorts ports(49152);
    for (int i = 0; i < 10'000; ++i) {
      auto id = swarm->connect(ports);
      ASSERT_TRUE(id) << i << ": " << id.error().message;
    }
    EXPECT_LE(open_descriptors() - before, 11u);  // 10,000 ports: 10 blocks, or 11 unaligned
  }
}

TEST(SwarmClaims, SaysWhatToDoWhenNoBlockCanBeClaimed) {
  NetnsPair pair("claims21");
  if (!pair.available()) GTEST_SKIP() << pair.reason();
  InNetns in(pair.a());
  std::vector<net::PortClaim> all;
  for (uint32_t block = 1; block < net::PortClaim::kBlocks; ++block) {
    auto held = net::PortClaim::claim_block(block);
    ASSERT_TRUE(std::holds_alternative<net::PortClaim>(held)) << block;
    all.push_back(std::move(std::get<net::PortClaim>(held)));
  }
  auto swarm = open_swarm();
  ASSERT_TRUE(swarm);
  SwarmPorts ports(49152);
  auto id = swarm->connect(ports);
  ASSERT_FALSE(id);
  EXPECT_EQ(id.error().code, Error::Code::AddressInUse);
  EXPECT_NE(id.error().message.find("no block of 1024 SCTP ports"), std::string::npos) << id.error().message;
  EXPECT_NE(id.error().message.find("or use --udp"), std::string::npos) << id.error().message;
}

}  // namespace
}  // namespace sctpkit::perf
