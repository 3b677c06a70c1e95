// RFC 9260 5.4 (path verification) against a scripted multi-homed peer: what may be sent to an
// address the peer listed but has not yet proved it owns; and the tag (8.5.1) and restart (5.2.2)
// rules for packets from the peer's second address. The PathManager's own rules (probe rate,
// error counts, failover): path_manager_test.cc; over a simulated network: engine_multihome_test.cc.
#include <gtest/gtest.h>

#include <vector>

#include "assoc/endpoint.h"
#include "wire/control_chunks.h"
#include "wire/error_causes.h"
#include "wire/handshake_chunks.h"
#include "wire/sack_chunks.h"
#include "scripted_peer.h"

namespace sctpkit::assoc {
namespace path_verification_rfc_test {

using testing::ScriptedPeer;
using testing::SentPacket;
using testing::ipv4_parameter;
using testing::text;

const wire::IpAddress kSecond = wire::IpAddress::v4(10, 0, 0, 3);  // ipv4_parameter(3)

// The peer's INIT lists kSecond; the endpoint's probe to it is returned with the first packet.
std::vector<SentPacket> establish_listing_second(ScriptedPeer& p) {
  const auto second = ipv4_parameter(3);
  const auto cookie = p.cookie_for(p.peer_tag, p.peer_tsn, second);
  p.send(p.local_tag, wire::CookieEchoChunk{cookie});
  return p.take();
}

// Sends one DATA chunk from `from`; the packets carrying a SACK for it.
std::vector<SentPacket> sacks_for_data_from(ScriptedPeer& p, const wire::IpAddress& from, uint32_t tsn) {
  p.send_from(from, p.local_tag, ScriptedPeer::data(tsn, text("x")));
  std::vector<SentPacket> sacks;
  for (auto& sent : p.advance(std::chrono::milliseconds(500))) {
    if (sent.has(wire::SackChunk::kType)) sacks.push_back(std::move(sent));
  }
  return sacks;
}

// RFC 9260 5.4: "An endpoint MUST NOT send any chunks to an UNCONFIRMED address" but a HEARTBEAT
// with a nonce (or a HEARTBEAT ACK, or a COOKIE ACK bundled with one). 6.4's "reply to the source
// of the DATA" gives way: the SACK goes to the confirmed primary. Once the nonce comes back, the
// address is the peer's and its DATA is acknowledged there.
TEST(Rfc9260PathVerification, DataFromAnUnconfirmedAddressIsAcknowledgedOnAConfirmedOne) {
  ScriptedPeer p;
  const auto first = establish_listing_second(p);
  ASSERT_GE(first.size(), 2u);
  EXPECT_TRUE(first[0].has(wire::CookieAckChunk::kType));  // before the probe
  EXPECT_EQ(first[0].destination, p.peer);
  const SentPacket& probe = first[1];
  ASSERT_TRUE(probe.has(wire::HeartbeatChunk::kType));
  EXPECT_EQ(probe.destination, kSecond);

  auto sacks = sacks_for_data_from(p, kSecond, p.peer_tsn);
  ASSERT_EQ(sacks.size(), 1u);
  EXPECT_EQ(sacks[0].destination, p.peer);

  // The peer answers the probe from kSecond: the nonce confirms it (5.4).
  const auto heartbeat = *probe.chunk(wire::HeartbeatChunk::kType);
  p.send_from(kSecond, p.local_tag, wire::HeartbeatAckChunk{heartbeat.value});
  sacks = sacks_for_data_from(p, kSecond, p.peer_tsn + 1);
  ASSERT_EQ(sacks.size(), 1u);
  EXPECT_EQ(sacks[0].destination, kSecond);  // 6.4: to the source of the DATA
}

// RFC 9260 8.5.1 B: from any of the peer's addresses, an ABORT with the T bit must carry the
// peer's tag (one with ours is discarded); with it, the association ends.
TEST(Rfc9260PathVerification, AbortFromTheSecondAddressMeetsTheTBitRule) {
  ScriptedPeer p;
  establish_listing_second(p);
  EXPECT_EQ(p.send_from(kSecond, p.local_tag, wire::AbortChunk{true, {}}), PacketDisposition::Dropped);
  EXPECT_EQ(p.state(), AssociationState::Established);
  p.send_from(kSecond, p.peer_tag, wire::AbortChunk{true, {}});
  p.take();
  ASSERT_EQ(p.events_of<ClosedEvent>().size(), 1u);
  EXPECT_EQ(p.events_of<ClosedEvent>()[0].reason, CloseReason::AbortedByPeer);
}

// RFC 9260 5.2.2 / 5.2.4: the peer restarts from its second address, listing its first: no new
// address, so an INIT ACK (to that source) and, on its COOKIE ECHO, a restart, not an ABORT.
TEST(Rfc9260PathVerification, ARestartFromTheSecondAddressIsARestart) {
  ScriptedPeer p;
  establish_listing_second(p);
  const auto first = ipv4_parameter(2);
  p.send_from(kSecond, 0, ScriptedPeer::init_chunk(0x4242, 9000, first));
  auto sent = p.take();
  ASSERT_EQ(sent.size(), 1u);
  ASSERT_TRUE(sent[0].has(wire::InitAckChunk::kType));
  EXPECT_EQ(sent[0].destination, kSecond);
  const auto ack = sent[0].parse<wire::InitAckChunk>();
  p.send_from(kSecond, ack.initiate_tag.value(), wire::CookieEchoChunk{ScriptedPeer::state_cookie(ack)});
  sent = p.take();
  ASSERT_FALSE(sent.empty());
  EXPECT_TRUE(sent[0].has(wire::CookieAckChunk::kType));
  EXPECT_EQ(sent[0].tag(), 0x4242u);
  EXPECT_EQ(p.events_of<RestartEvent>().size(), 1u);
  // 5.4 rule 2 for the restarted association: the INIT's source is CONFIRMED, the other is not.
  const AssociationStatus status = *p.endpoint().status(p.only_association());
  for (const PathStatus& path : status.paths) {
    EXPECT_EQ(path.confirmed, path.address == kSecond) << path.address.to_string();
  }
}

}  // namespace path_verification_rfc_test
}  // namespace sctpkit::assoc
