// Raw IP stacks claim their SCTP port per network namespace (net/port_claim.h), as UDP's bind()
// does: a second raw listener or client on a port in use fails with AddressInUse.
#include "net/port_claim.h"

#include <gtest/gtest.h>

#include <sys/resource.h>

#include <optional>
#include <set>
#include <variant>
#include <vector>

#include "net/netns.h"
#include "sctpkit/sctpkit.h"

namespace sctpkit::net {
namespace {

using testing::InNetns;
using testing::NetnsPair;

std::optional<TransportError> claim_error(const std::variant<PortClaim, TransportError>& claimed) {
  if (auto* e = std::get_if<TransportError>(&claimed)) return *e;
  return std::nullopt;
}

TEST(PortClaim, APortIsClaimedOncePerNamespaceAndFreedWithItsHolder) {
  NetnsPair pair("qa19pc");
  if (!pair.available()) GTEST_SKIP() << pair.reason();
  std::optional<std::variant<PortClaim, TransportError>> first;
  {
    InNetns in(pair.a());
    first.emplace(PortClaim::claim(7100, {}));
    ASSERT_FALSE(claim_error(*first));
    const auto second = claim_error(PortClaim::claim(7100, {}));
    ASSERT_TRUE(second);
    EXPECT_EQ(second->code, TransportError::Code::AddressInUse);
    EXPECT_NE(second->message.find("SCTP port 7100 is in use"), std::string::npos) << second->message;
    EXPECT_FALSE(claim_error(PortClaim::claim(7101, {})));  // another port is free
  }
  {
    InNetns in(pair.b());  // another namespace has its own ports
    EXPECT_FALSE(claim_error(PortClaim::claim(7100, {})));
  }
  InNetns in(pair.a());
  first.reset();
  EXPECT_FALSE(claim_error(PortClaim::claim(7100, {})));
}

TEST(PortClaim, SpecificAddressesShareAPortButNotWithTheWildcard) {
  NetnsPair pair("qa19pc");
  if (!pair.available()) GTEST_SKIP() << pair.reason();
  InNetns in(pair.a());
  const std::vector<wire::IpAddress> v4{NetnsPair::a_v4()};
  const std::vector<wire::IpAddress> v6{NetnsPair::a_v6()};
  const std::vector<wire::IpAddress> twice{NetnsPair::a_v4(), NetnsPair::a_v4()};
  {
    auto a = PortClaim::claim(7200, v4);
    ASSERT_FALSE(claim_error(a));
    auto b = PortClaim::claim(7200, v6);  // another address: as bind() allows
    ASSERT_FALSE(claim_error(b));
    EXPECT_TRUE(claim_error(PortClaim::claim(7200, v4)));  // the same address twice
    EXPECT_TRUE(claim_error(PortClaim::claim(7200, {})));  // the wildcard covers both
    const std::vector<wire::IpAddress> unspecified{wire::IpAddress::v4(0, 0, 0, 0)};
    EXPECT_TRUE(claim_error(PortClaim::claim(7200, unspecified)));
  }
  {
    auto any = PortClaim::claim(7200, {});
    ASSERT_FALSE(claim_error(any));
    EXPECT_TRUE(claim_error(PortClaim::claim(7200, v4)));
    EXPECT_TRUE(claim_error(PortClaim::claim(7200, v6)));
  }
  EXPECT_FALSE(claim_error(PortClaim::claim(7200, twice)));  // one address listed twice is one
}

Options raw_options() {
  Options options;
  options.transport = TransportKind::RawIp;
  options.timeout = std::chrono::milliseconds(2000);
  return options;
}

TEST(PortClaim, ASecondRawListenerOnAPortFailsAsUdpDoes) {
  NetnsPair pair("qa19pc");
  if (!pair.available()) GTEST_SKIP() << pair.reason();
  InNetns in(pair.a());
  for (const RawIo io : {RawIo::Socket, RawIo::Packet}) {
    auto options = raw_options();
    options.raw_io = io;
    auto first = Listener::listen(7300, options);
    ASSERT_TRUE(first) << first.error().message;
    auto second = Listener::listen(7300, raw_options());
    ASSERT_FALSE(second);
    EXPECT_EQ(second.error().code, Error::Code::AddressInUse);
    EXPECT_NE(second.error().message.find("SCTP port 7300 is in use"), std::string::npos) << second.error().message;
    // A client cannot take the listener's port as its own either.
    auto client_options = raw_options();
    client_options.local_port = 7300;
    auto client = Association::connect(NetnsPair::b_v4().to_string(), 7301, client_options);
    ASSERT_FALSE(client);
    EXPECT_EQ(client.error().code, Error::Code::AddressInUse);
  }
  // Gone with its listener.
  EXPECT_TRUE(Listener::listen(7300, raw_options()));
}

// Block claims (perf's raw swarm: one descriptor per 1,024 ports) and claims of single ports
// exclude each other both ways, whichever came first.
TEST(PortClaim, ABlockClaimRefusesClaimsOfItsPortsAndNamesThePort) {
  NetnsPair pair("claims21");
  if (!pair.available()) GTEST_SKIP() << pair.reason();
  InNetns in(pair.a());
  const uint32_t block = 7200 / PortClaim::kBlockPorts;  // ports 7168-8191
  {
    auto held = PortClaim::claim_block(block);
    ASSERT_FALSE(claim_error(held)) << claim_error(held)->message;
    for (const std::vector<wire::IpAddress>& on : {std::vector<wire::IpAddress>{}, {NetnsPair::a_v4()}}) {
      const auto e = claim_error(PortClaim::claim(7200, on));
      ASSERT_TRUE(e);
      EXPECT_EQ(e->code, TransportError::Code::AddressInUse);
      EXPECT_NE(e->message.find("SCTP port 7200 is in use"), std::string::npos) << e->message;
      EXPECT_NE(e->message.find("7168-8191"), std::string::npos) << e->message;
    }
    EXPECT_FALSE(claim_error(PortClaim::claim(8192, {})));  // the next block is free
    const auto twice = claim_error(PortClaim::claim_block(block));
    ASSERT_TRUE(twice);
    EXPECT_EQ(twice->code, TransportError::Code::AddressInUse);
    EXPECT_NE(twice->message.find("SCTP ports 7168-8191 are claimed"), std::string::npos) << twice->message;
  }
  EXPECT_FALSE(claim_error(PortClaim::claim(7200, {})));  // gone with its holder
}

TEST(PortClaim, ABlockClaimFailsWhileAnyOfItsPortsIsClaimed) {
  NetnsPair pair("claims21");
  if (!pair.available()) GTEST_SKIP() << pair.reason();
  InNetns in(pair.a());
  const uint32_t block = 7200 / PortClaim::kBlockPorts;
  {
    auto any = PortClaim::claim(8191, {});  // the block's last port, on the wildcard
    ASSERT_FALSE(claim_error(any));
    const auto e = claim_error(PortClaim::claim_block(block));
    ASSERT_TRUE(e);
    EXPECT_EQ(e->code, TransportError::Code::AddressInUse);
    EXPECT_NE(e->message.find("SCTP port 8191 (of ports 7168-8191) is in use"), std::string::npos) << e->message;
  }
  {
    const std::vector<wire::IpAddress> v6{NetnsPair::a_v6()};
    auto specific = PortClaim::claim(7168, v6);  // the first port, on one address
    ASSERT_FALSE(claim_error(specific));
    const auto e = claim_error(PortClaim::claim_block(block));
    ASSERT_TRUE(e);
    EXPECT_NE(e->message.find("SCTP port 7168 "), std::string::npos) << e->message;
    EXPECT_FALSE(claim_error(PortClaim::claim_block(block + 1)));  // 8192-9215 holds none
    EXPECT_FALSE(claim_error(PortClaim::claim_block(block - 1)));  // nor 6144-7167
  }
  EXPECT_FALSE(claim_error(PortClaim::claim_block(block)));
}

// What a user meets: a raw listener on a port of a block perf's swarm holds.
TEST(PortClaim, ARawListenerInAHeldBlockFailsNamingItsPort) {
  NetnsPair pair("claims21");
  if (!pair.available()) GTEST_SKIP() << pair.reason();
  InNetns in(pair.a());
  {
    auto held = PortClaim::claim_block(7500 / PortClaim::kBlockPorts);
    ASSERT_FALSE(claim_error(held));
    auto listener = Listener::listen(7500, raw_options());
    ASSERT_FALSE(listener);
    EXPECT_EQ(listener.error().code, Error::Code::AddressInUse);
    EXPECT_NE(listener.error().message.find("SCTP port 7500 is in use"), std::string::npos) << listener.error().message;
  }
  EXPECT_TRUE(Listener::listen(7500, raw_options()));
}

// Raw clients pick ephemeral ports (RFC 6335 6: 49152-65535) at random; one another raw stack
// holds is skipped for the next pick. With every other port of the range held, 20 clients without
// the retry would all have found a free one with a chance of 1 in 2^20.
TEST(PortClaim, RawClientsSkipEphemeralPortsInUse) {
  rlimit files{};
  if (::getrlimit(RLIMIT_NOFILE, &files) != 0 || files.rlim_cur < 10'000) GTEST_SKIP() << "needs 10,000 descriptors";
  NetnsPair pair("qa19pc");
  if (!pair.available()) GTEST_SKIP() << pair.reason();
  InNetns in(pair.a());
  std::vector<PortClaim> held;
  std::set<uint16_t> held_ports;
  // Held on a specific address (a wildcard claim reads /proc's socket list, quadratic here); the
  // clients' wildcard claims see them all the same.
  const std::vector<wire::IpAddress> one{NetnsPair::a_v4()};
  for (uint32_t port = 49152; port <= 65535; port += 2) {
    auto claimed = PortClaim::claim(static_cast<uint16_t>(port), one);
    ASSERT_FALSE(claim_error(claimed)) << port;
    held.push_back(std::move(std::get<PortClaim>(claimed)));
    held_ports.insert(static_cast<uint16_t>(port));
  }
  auto options = raw_options();
  options.non_blocking = true;  // the INIT goes out; nobody needs to answer it
  std::vector<Association> clients;
  std::set<uint16_t> used;
  for (int i = 0; i < 20; ++i) {
    auto client = Association::connect(NetnsPair::b_v4().to_string(), 7400, options);
    ASSERT_TRUE(client) << i << ": " << client.error().message;
    auto status = client->status();
    ASSERT_TRUE(status) << status.error().message;
    EXPECT_EQ(held_ports.count(status->local_port), 0u) << status->local_port;
    EXPECT_TRUE(used.insert(status->local_port).second) << "two raw clients on port " << status->local_port;
    clients.push_back(std::move(*client));
  }
}

}  // namespace
}  // namespace sctpkit::net
