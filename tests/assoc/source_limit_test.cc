// EndpointConfig::max_associations_per_source: one source (an IPv4 address, an IPv6 /64) cannot take
// all of max_associations (RFC 9260 14). The global limit is in hostile_control_test.cc.
#include <gtest/gtest.h>

#include <vector>

#include "scripted_peer.h"
#include "wire/error_causes.h"

namespace sctpkit::assoc::testing {
namespace {

// A peer host's association: its address and SCTP port (one host opens several from its ports).
struct Source {
  wire::IpAddress address;
  uint16_t port;
};

template <typename Chunk>
std::vector<SentPacket> send_as(ScriptedPeer& p, const Source& from, uint32_t tag, const Chunk& chunk) {
  std::vector<uint8_t> buffer(4096);
  wire::PacketBuilder builder(buffer, buffer.size(),
                              {from.port, ScriptedPeer::kEndpointPort, wire::VerificationTag(tag), 0});
  EXPECT_TRUE(builder.add(chunk));
  p.endpoint().handle_packet(builder.finish(), from.address, p.us, p.now);
  return p.take();
}

struct Handshake {
  std::vector<SentPacket> init_answer;
  std::vector<uint8_t> cookie;
  uint32_t peer_tag = 0;
  uint32_t local_tag = 0;
  uint32_t local_tsn = 0;  // the endpoint's Initial TSN
};
Handshake init_from(ScriptedPeer& p, const Source& from, uint32_t tag, wire::Bytes parameters = {}) {
  Handshake h;
  h.peer_tag = tag;
  h.init_answer = send_as(p, from, 0, ScriptedPeer::init_chunk(tag, 1000, parameters));
  if (h.init_answer.size() == 1 && h.init_answer[0].has(wire::InitAckChunk::kType)) {
    const auto ack = h.init_answer[0].parse<wire::InitAckChunk>();
    h.local_tag = ack.initiate_tag.value();
    h.local_tsn = ack.initial_tsn.value();
    h.cookie = ScriptedPeer::state_cookie(ack);
  }
  return h;
}
std::vector<SentPacket> echo_from(ScriptedPeer& p, const Source& from, const Handshake& h) {
  return send_as(p, from, h.local_tag, wire::CookieEchoChunk{h.cookie});
}
// The whole setup; local_tag 0 when refused.
Handshake establish(ScriptedPeer& p, const Source& from, uint32_t tag, wire::Bytes parameters = {}) {
  Handshake h = init_from(p, from, tag, parameters);
  if (h.cookie.empty()) return {};
  const auto answer = echo_from(p, from, h);
  if (answer.empty() || !answer[0].has(wire::CookieAckChunk::kType)) return {};
  return h;
}

// An ABORT with Out of Resource, T clear, carrying the peer's tag (RFC 9260 3.3.10.4, 8.4 rule 3).
void expect_out_of_resource(const std::vector<SentPacket>& answer, uint32_t peer_tag) {
  ASSERT_EQ(answer.size(), 1u);
  const auto abort = answer[0].chunk(wire::AbortChunk::kType);
  ASSERT_TRUE(abort);
  EXPECT_EQ(answer[0].tag(), peer_tag);
  EXPECT_EQ(abort->flags & 1, 0);
  EXPECT_EQ(first_cause(*abort), wire::OutOfResource::kType);
}

EndpointConfig limited(size_t per_source) {
  EndpointConfig config = ScriptedPeer::server_config();
  config.max_associations_per_source = per_source;
  return config;
}

const wire::IpAddress kHostA = wire::IpAddress::v4(10, 0, 0, 2), kHostB = wire::IpAddress::v4(10, 0, 0, 3);

TEST(SourceLimit, OneSourceBeyondItsLimitIsRefusedAtCookieEchoAndInitWhileAnotherGetsIn) {
  ScriptedPeer p(limited(2));
  // A cookie fetched while the source had room: the COOKIE ECHO check is the one that counts.
  const Handshake early = init_from(p, {kHostA, 5003}, 0xA3);
  ASSERT_FALSE(early.cookie.empty());
  ASSERT_NE(establish(p, {kHostA, 5001}, 0xA1).local_tag, 0u);
  ASSERT_NE(establish(p, {kHostA, 5002}, 0xA2).local_tag, 0u);

  expect_out_of_resource(echo_from(p, {kHostA, 5003}, early), 0xA3);
  EXPECT_EQ(p.endpoint().counters().associations_refused_per_source, 1u);
  // An INIT from the full source: the same answer at once, no cookie.
  const Handshake late = init_from(p, {kHostA, 5004}, 0xA4);
  expect_out_of_resource(late.init_answer, 0xA4);
  EXPECT_EQ(p.endpoint().counters().associations_refused_per_source, 2u);
  EXPECT_EQ(p.endpoint().counters().associations_refused, 0u);  // the global limit was not reached
  EXPECT_EQ(p.endpoint().associations().size(), 2u);

  // Another source is not held back by A's count.
  EXPECT_NE(establish(p, {kHostB, 5001}, 0xB1).local_tag, 0u);
  EXPECT_EQ(p.endpoint().associations().size(), 3u);
}

TEST(SourceLimit, AnAssociationThatEndsGivesItsSourceRoomAgain) {
  ScriptedPeer p(limited(1));
  const uint32_t tag = establish(p, {kHostA, 5001}, 0xA1).local_tag;
  ASSERT_NE(tag, 0u);
  expect_out_of_resource(init_from(p, {kHostA, 5002}, 0xA2).init_answer, 0xA2);

  // Aborted by the peer.
  send_as(p, {kHostA, 5001}, tag, wire::AbortChunk{false, {}});
  ASSERT_TRUE(p.endpoint().associations().empty());
  const Handshake second = establish(p, {kHostA, 5002}, 0xA2);
  ASSERT_NE(second.local_tag, 0u);
  expect_out_of_resource(init_from(p, {kHostA, 5003}, 0xA3).init_answer, 0xA3);

  // Closed by the peer (SHUTDOWN, then our SHUTDOWN ACK is answered with SHUTDOWN COMPLETE).
  const auto ack = send_as(p, {kHostA, 5002}, second.local_tag, wire::ShutdownChunk{wire::Tsn(second.local_tsn - 1)});
  ASSERT_FALSE(ack.empty());
  ASSERT_TRUE(ack[0].has(wire::ShutdownAckChunk::kType));
  send_as(p, {kHostA, 5002}, second.local_tag, wire::ShutdownCompleteChunk{false});
  ASSERT_TRUE(p.endpoint().associations().empty());
  ASSERT_NE(establish(p, {kHostA, 5003}, 0xA3).local_tag, 0u);

  // Timed out: the peer stops answering, heartbeats go unanswered until the association fails.
  p.advance(std::chrono::hours(1), std::chrono::seconds(1));
  ASSERT_TRUE(p.endpoint().associations().empty());
  EXPECT_NE(establish(p, {kHostA, 5004}, 0xA4).local_tag, 0u);
}

TEST(SourceLimit, ARestartReplacesItsAssociationWithoutCountingTwice) {
  ScriptedPeer p(limited(1));
  ASSERT_NE(establish(p, {kHostA, 5001}, 0xA1).local_tag, 0u);
  // RFC 9260 5.2.4 case A: the peer restarts (a new INIT, new tag, same address and port). The
  // cookie belongs to the existing association, which the source already has.
  const Handshake restart = init_from(p, {kHostA, 5001}, 0xA9);
  ASSERT_FALSE(restart.cookie.empty());
  const auto answer = echo_from(p, {kHostA, 5001}, restart);
  ASSERT_FALSE(answer.empty());
  EXPECT_TRUE(answer[0].has(wire::CookieAckChunk::kType));
  EXPECT_EQ(p.endpoint().associations().size(), 1u);
  EXPECT_EQ(p.endpoint().counters().associations_refused_per_source, 0u);
}

TEST(SourceLimit, IPv6SourcesAreGroupedByTheir64) {
  ScriptedPeer p(limited(1));
  p.us = *wire::IpAddress::parse("2001:db8::1");
  const auto one = *wire::IpAddress::parse("2001:db8:0:5::1");
  const auto same_64 = *wire::IpAddress::parse("2001:db8:0:5:ffff::9");
  const auto other_64 = *wire::IpAddress::parse("2001:db8:0:6::1");
  ASSERT_NE(establish(p, {one, 5001}, 0x61).local_tag, 0u);
  expect_out_of_resource(init_from(p, {same_64, 5002}, 0x62).init_answer, 0x62);
  EXPECT_NE(establish(p, {other_64, 5003}, 0x63).local_tag, 0u);
  EXPECT_EQ(p.endpoint().associations().size(), 2u);
  EXPECT_EQ(p.endpoint().counters().associations_refused_per_source, 1u);
}

TEST(SourceLimit, AMultiHomedPeerCountsOnceByTheAddressItSetUpFrom) {
  ScriptedPeer p(limited(1));
  // The INIT from A lists B as a second address of the peer (RFC 9260 3.3.2.1, IPv4 Address).
  const std::vector<uint8_t> lists_b = {0, 5, 0, 8, 10, 0, 0, 3};
  ASSERT_NE(establish(p, {kHostA, 5001}, 0xA1, lists_b).local_tag, 0u);
  // B, a host of its own too, still has its quota (other port: another association).
  EXPECT_NE(establish(p, {kHostB, 6001}, 0xB1).local_tag, 0u);
  expect_out_of_resource(init_from(p, {kHostA, 5002}, 0xA2).init_answer, 0xA2);
}

TEST(SourceLimit, ZeroMeansNoLimit) {
  ScriptedPeer p(limited(0));
  for (uint16_t port = 5001; port <= 5010; ++port) ASSERT_NE(establish(p, {kHostA, port}, port).local_tag, 0u);
  EXPECT_EQ(p.endpoint().associations().size(), 10u);
}

TEST(SourceLimit, TheDefaultIs256PerSource) {
  ScriptedPeer p;  // server_config(): the default limits
  ASSERT_EQ(p.endpoint().config().max_associations_per_source, 256u);
  for (uint16_t port = 1; port <= 256; ++port) ASSERT_NE(establish(p, {kHostA, port}, port).local_tag, 0u) << port;
  expect_out_of_resource(init_from(p, {kHostA, 257}, 257).init_answer, 257);
  EXPECT_NE(establish(p, {kHostB, 1}, 1).local_tag, 0u);
}

}  // namespace
}  // namespace sctpkit::assoc::testing
