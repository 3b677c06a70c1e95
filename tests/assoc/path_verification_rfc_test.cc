// RFC 9260 5.4 (path verification) against a scripted multi-homed peer: what may be sent to an
// address the peer listed but has not yet proved it owns. The PathManager's own rules (probe rate,
// error counts, failover): path_manager_test.cc; over a simulated network: engine_multihome_test.cc.
#include <gtest/gtest.h>

#include <vector>

#include "assoc/endpoint.h"
#include "wire/control_chunks.h"
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

}  // namespace path_verification_rfc_test
}  // namespace sctpkit::assoc
