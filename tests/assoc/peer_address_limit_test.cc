// EndpointConfig::max_peer_addresses against a hostile peer listing thousands of addresses in its
// INIT or INIT ACK (RFC 9260 12: self-protection; 5.1.2: which addresses become paths), and the
// 5.2.2 new-address rule for a restart of such a peer.
#include <gtest/gtest.h>

#include <algorithm>
#include <vector>

#include "assoc/config.h"
#include "assoc/endpoint.h"
#include "assoc/path_manager.h"
#include "wire/control_chunks.h"
#include "wire/handshake_chunks.h"
#include "scripted_peer.h"

namespace sctpkit::assoc {
namespace peer_address_limit_test {

using testing::ScriptedPeer;
using testing::SentPacket;

constexpr size_t kListed = 5000;  // ~40 KB of IPv4 Address parameters: fits one INIT

// 10.1.0.0 onwards: none of them the scripted peer's 10.0.0.2 or the endpoint's 10.0.0.1.
wire::IpAddress listed_address(size_t i) {
  return wire::IpAddress::v4(10, static_cast<uint8_t>(1 + i / 256), static_cast<uint8_t>(i % 256), 1);
}

std::vector<uint8_t> address_parameters(size_t count, size_t first = 0) {
  std::vector<uint8_t> out;
  for (size_t i = first; i < first + count; ++i) {
    const auto a = listed_address(i);
    out.insert(out.end(), {0, 5, 0, 8});
    out.insert(out.end(), a.bytes().begin(), a.bytes().begin() + 4);
  }
  return out;
}

bool has_path(const AssociationStatus& status, const wire::IpAddress& address) {
  return std::any_of(status.paths.begin(), status.paths.end(),
                     [&](const PathStatus& p) { return p.address == address; });
}

// The heap the association's paths take, from sizeof: bounded by the limit, not by the INIT.
void expect_bounded(const AssociationStatus& status, size_t limit) {
  EXPECT_EQ(status.paths.size(), limit);
  EXPECT_LE(status.paths.size() * sizeof(Path), limit * sizeof(Path));
}

TEST(PeerAddressLimit, ZeroIsRefusedByValidate) {
  EndpointConfig config;
  EXPECT_EQ(config.max_peer_addresses, 16u);
  config.max_peer_addresses = 0;
  const auto problem = validate(config);
  ASSERT_TRUE(problem.has_value());
  EXPECT_NE(problem->find("max_peer_addresses"), std::string::npos);
  config.max_peer_addresses = 1;
  EXPECT_EQ(validate(config), std::nullopt);
}

// An INIT listing 5,000 addresses: the association comes up over the source and the first 15
// listed; the other 4,985 are ignored and counted.
TEST(PeerAddressLimit, AnInitListingThousandsKeepsTheLimit) {
  ScriptedPeer p;
  const size_t limit = p.endpoint().config().max_peer_addresses;
  const auto listed = address_parameters(kListed);
  const auto cookie = p.cookie_for(p.peer_tag, p.peer_tsn, listed);
  ASSERT_FALSE(cookie.empty());
  p.send(p.local_tag, wire::CookieEchoChunk{cookie});
  const auto sent = p.take();
  ASSERT_FALSE(sent.empty());
  EXPECT_TRUE(sent[0].has(wire::CookieAckChunk::kType));
  EXPECT_EQ(p.state(), AssociationState::Established);
  const AssociationStatus status = *p.endpoint().status(p.only_association());
  expect_bounded(status, limit);
  EXPECT_TRUE(has_path(status, p.peer));  // the source (primary) is always kept
  EXPECT_TRUE(has_path(status, listed_address(limit - 2)));
  EXPECT_FALSE(has_path(status, listed_address(limit - 1)));
  EXPECT_EQ(p.endpoint().counters().peer_addresses_ignored, kListed - (limit - 1));
}

TEST(PeerAddressLimit, TheLimitIsConfigurable) {
  EndpointConfig config = ScriptedPeer::server_config();
  config.max_peer_addresses = 1;  // single-homed use of a multi-homed peer
  ScriptedPeer p(config);
  const auto cookie = p.cookie_for(p.peer_tag, p.peer_tsn, address_parameters(3));
  p.send(p.local_tag, wire::CookieEchoChunk{cookie});
  p.take();
  EXPECT_EQ(p.state(), AssociationState::Established);
  const AssociationStatus status = *p.endpoint().status(p.only_association());
  ASSERT_EQ(status.paths.size(), 1u);
  EXPECT_EQ(status.paths[0].address, p.peer);
  EXPECT_EQ(p.endpoint().counters().peer_addresses_ignored, 3u);
}

// The same from the INIT ACK, to an endpoint that connected: the address it connected to stays
// primary and the association comes up.
TEST(PeerAddressLimit, AnInitAckListingThousandsKeepsTheLimit) {
  ScriptedPeer p = testing::client_endpoint();
  const size_t limit = p.endpoint().config().max_peer_addresses;
  std::vector<SentPacket> sent;
  const auto init = testing::connect_to_peer(p, sent);
  std::vector<uint8_t> parameters = {0, 7, 0, 8, 'c', 'o', 'o', 'k'};
  const auto listed = address_parameters(kListed);
  parameters.insert(parameters.end(), listed.begin(), listed.end());
  const auto ack = ScriptedPeer::init_chunk(0x5151, 500, parameters);
  p.send(init.initiate_tag.value(), static_cast<const wire::InitAckChunk&>(static_cast<const wire::InitFields&>(ack)));
  sent = p.take();
  ASSERT_FALSE(sent.empty());
  EXPECT_TRUE(sent[0].has(wire::CookieEchoChunk::kType));
  p.send(init.initiate_tag.value(), wire::CookieAckChunk{});
  p.take();
  EXPECT_EQ(p.state(), AssociationState::Established);
  const AssociationStatus status = *p.endpoint().status(p.only_association());
  expect_bounded(status, limit);
  EXPECT_TRUE(has_path(status, p.peer));
  EXPECT_EQ(status.paths.front().address, p.peer);
  EXPECT_EQ(p.endpoint().counters().peer_addresses_ignored, kListed - (limit - 1));
}

// RFC 9260 5.2.2: a peer that restarts with the INIT it set up with adds no address, however many
// it lists: those past the limit never became paths and still do not. (Before the limit applied to
// this rule, the 4,985 ignored addresses read as new ones and every restart was ABORTed.)
TEST(PeerAddressLimit, ARestartListingTheSameThousandsIsARestart) {
  ScriptedPeer p;
  const size_t limit = p.endpoint().config().max_peer_addresses;
  const auto listed = address_parameters(kListed);
  p.send(p.local_tag, wire::CookieEchoChunk{p.cookie_for(p.peer_tag, p.peer_tsn, listed)});
  p.take();
  ASSERT_EQ(p.state(), AssociationState::Established);
  p.send(0, ScriptedPeer::init_chunk(0x4242, 9000, listed));
  auto sent = p.take();
  ASSERT_EQ(sent.size(), 1u);
  ASSERT_TRUE(sent[0].has(wire::InitAckChunk::kType));
  const auto ack = sent[0].parse<wire::InitAckChunk>();
  p.send(ack.initiate_tag.value(), wire::CookieEchoChunk{ScriptedPeer::state_cookie(ack)});
  sent = p.take();
  ASSERT_FALSE(sent.empty());
  EXPECT_TRUE(sent[0].has(wire::CookieAckChunk::kType));
  EXPECT_EQ(p.events_of<RestartEvent>().size(), 1u);
  expect_bounded(*p.endpoint().status(p.only_association()), limit);
}

// ... while one that adds an address among those it would keep is refused as before, the ABORT
// listing that address alone (not the thousands past the limit).
TEST(PeerAddressLimit, ARestartAddingAKeptAddressIsAborted) {
  ScriptedPeer p;
  const auto listed = address_parameters(kListed);
  p.send(p.local_tag, wire::CookieEchoChunk{p.cookie_for(p.peer_tag, p.peer_tsn, listed)});
  p.take();
  ASSERT_EQ(p.state(), AssociationState::Established);
  auto restart = address_parameters(1, kListed);  // a new address first
  restart.insert(restart.end(), listed.begin(), listed.end());
  p.send(0, ScriptedPeer::init_chunk(0x4242, 9000, restart));
  const auto sent = p.take();
  ASSERT_EQ(sent.size(), 1u);
  const auto abort = sent[0].chunk(wire::AbortChunk::kType);
  ASSERT_TRUE(abort);
  EXPECT_EQ(testing::first_cause(*abort), 11);  // Restart of an Association with New Addresses
  // Cause header (4) and one IPv4 Address parameter (8).
  EXPECT_EQ(abort->value.size(), 12u);
  EXPECT_TRUE(std::equal(restart.begin(), restart.begin() + 8, abort->value.begin() + 4));
  EXPECT_EQ(p.state(), AssociationState::Established);
  EXPECT_TRUE(p.events_of<RestartEvent>().empty());
}

}  // namespace peer_address_limit_test
}  // namespace sctpkit::assoc
