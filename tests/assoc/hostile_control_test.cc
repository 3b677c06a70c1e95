// A peer that floods or lies with control chunks: what the endpoint keeps for it and what it sends
// back. Verification tags, OOTB answers and cookies are in handshake_rfc_test.cc,
// packet_disposition_test.cc and handshake_cookie_test.cc.
#include <gtest/gtest.h>

#include <algorithm>
#include <vector>

#include "assoc/cookie.h"
#include "assoc/handshake.h"
#include "scripted_peer.h"
#include "wire/error_causes.h"

namespace sctpkit::assoc::testing {
namespace {

// RFC 9260 3.3.6: a HEARTBEAT's Heartbeat Info parameter, 4 bytes of the sender's data.
const std::vector<uint8_t> kHeartbeatInfo = {0, 1, 0, 8, 'p', 'i', 'n', 'g'};

// The peer's whole handshake from `from`: the INIT answer, and the COOKIE ECHO answer when the
// INIT got an INIT ACK.
struct Handshake {
  std::vector<SentPacket> init_answer;
  std::vector<uint8_t> cookie;
  uint32_t local_tag = 0;
};
Handshake init_from(ScriptedPeer& p, const wire::IpAddress& from, uint32_t tag) {
  Handshake h;
  p.send_from(from, 0, ScriptedPeer::init_chunk(tag, 1000));
  h.init_answer = p.take();
  if (h.init_answer.size() == 1 && h.init_answer[0].has(wire::InitAckChunk::kType)) {
    const auto ack = h.init_answer[0].parse<wire::InitAckChunk>();
    h.local_tag = ack.initiate_tag.value();
    h.cookie = ScriptedPeer::state_cookie(ack);
  }
  return h;
}
std::vector<SentPacket> echo_from(ScriptedPeer& p, const wire::IpAddress& from, const Handshake& h) {
  p.send_from(from, h.local_tag, wire::CookieEchoChunk{h.cookie});
  return p.take();
}

TEST(HostileControl, AssociationsBeyondTheLimitGetOutOfResourceAtInitOrCookieEchoAndNoState) {
  // RFC 9260 14 (resource exhaustion): EndpointConfig::max_associations bounds what peers can make
  // an endpoint hold, across all sources (the per-source limit is in source_limit_test.cc). INIT
  // ACK keeps no state (5.1), so the limit is checked both at INIT and when the COOKIE ECHO would
  // create one.
  EndpointConfig config = ScriptedPeer::server_config();
  config.max_associations = 2;
  ScriptedPeer p(config);
  const auto a = wire::IpAddress::v4(10, 0, 0, 2), b = wire::IpAddress::v4(10, 0, 0, 3),
             c = wire::IpAddress::v4(10, 0, 0, 4), d = wire::IpAddress::v4(10, 0, 0, 5);
  const Handshake ha = init_from(p, a, 0xA);
  const Handshake hb = init_from(p, b, 0xB);
  const Handshake hc = init_from(p, c, 0xC);
  ASSERT_FALSE(hc.cookie.empty());  // two INIT ACKs out, no association yet: all answered
  ASSERT_TRUE(echo_from(p, a, ha).at(0).has(wire::CookieAckChunk::kType));
  ASSERT_TRUE(echo_from(p, b, hb).at(0).has(wire::CookieAckChunk::kType));
  EXPECT_EQ(p.endpoint().associations().size(), 2u);

  // A valid cookie beyond the limit: ABORT, Out of Resource, the peer's tag, T bit clear.
  const auto refused = echo_from(p, c, hc);
  ASSERT_EQ(refused.size(), 1u);
  const auto abort = refused[0].chunk(wire::AbortChunk::kType);
  ASSERT_TRUE(abort);
  EXPECT_EQ(refused[0].tag(), 0xCu);
  EXPECT_EQ(abort->flags & 1, 0);
  EXPECT_EQ(first_cause(*abort), wire::OutOfResource::kType);
  // An INIT beyond the limit: the same answer at once, no cookie.
  const Handshake hd = init_from(p, d, 0xD);
  ASSERT_EQ(hd.init_answer.size(), 1u);
  ASSERT_TRUE(hd.init_answer[0].has(wire::AbortChunk::kType));
  EXPECT_EQ(first_cause(*hd.init_answer[0].chunk(wire::AbortChunk::kType)), wire::OutOfResource::kType);
  EXPECT_EQ(p.endpoint().associations().size(), 2u);
  EXPECT_EQ(p.endpoint().counters().associations_refused, 2u);
}

TEST(HostileControl, AHeartbeatFloodIsAnsweredUpToABoundAndKeepsNoOtherState) {
  // RFC 9260 8.3: each HEARTBEAT is answered with its info unchanged. A packet of 200 of them
  // would queue 200 answers before the embedder sends any; the queue keeps the latest few.
  ScriptedPeer p;
  ASSERT_TRUE(p.establish());
  const size_t heartbeats = p.send_packed(
      [](wire::PacketBuilder& packet, size_t) { return packet.add(wire::HeartbeatChunk{kHeartbeatInfo}); });
  ASSERT_GT(heartbeats, 200u);
  size_t answers = 0;
  for (const SentPacket& sent : p.take()) {
    for (const wire::RawChunk& chunk : sent.view()) {
      if (chunk.type != wire::HeartbeatAckChunk::kType) continue;
      ++answers;
      EXPECT_TRUE(std::equal(chunk.value.begin(), chunk.value.end(), kHeartbeatInfo.begin(), kHeartbeatInfo.end()));
    }
  }
  EXPECT_GE(answers, 1u);
  EXPECT_LE(answers, 8u);  // Association::kMaxQueuedHeartbeatAcks
  // The association is unharmed: data still flows.
  p.send(p.local_tag, ScriptedPeer::data(p.peer_tsn, text("after")));
  p.take();
  EXPECT_EQ(p.events_of<MessageEvent>().size(), 1u);
}


TEST(HostileControl, AnInitOfReportedUnknownParametersDrawsAnInitAckBarelyLargerThanItself) {
  // RFC 9260 14: the INIT ACK SHOULD be as small as possible (byte amplification toward a source
  // that may be spoofed); Unrecognized Parameters MAY be omitted. The cookie holds a copy of the
  // INIT, so each reported parameter would come back twice.
  ScriptedPeer p;
  std::vector<uint8_t> parameters;
  for (uint16_t i = 0; i < 100; ++i) {
    // RFC 9260 3.2.1: upper bits 11, skip and report. 32 bytes each, 3,200 in all.
    const uint16_t type = 0xC100 | i;
    parameters.insert(parameters.end(), {static_cast<uint8_t>(type >> 8), static_cast<uint8_t>(type), 0, 32});
    parameters.insert(parameters.end(), 28, static_cast<uint8_t>(i));
  }
  const wire::InitChunk init = ScriptedPeer::init_chunk(0xABCD, 1000, parameters);
  const size_t init_size = wire::kCommonHeaderSize + wire::kChunkHeaderSize + init.value_size();
  p.send(0, init);
  const auto sent = p.take();
  ASSERT_EQ(sent.size(), 1u);
  const auto ack = sent[0].parse<wire::InitAckChunk>();
  size_t reported = 0, reported_bytes = 0;
  wire::TlvReader reader(ack.parameters);
  while (auto item = reader.next()) {
    ASSERT_TRUE(*item);
    if ((**item).type != wire::UnrecognizedParameter::kType) continue;
    ++reported;
    reported_bytes += wire::padded4((**item).value.size());
  }
  // The first ones are still reported, up to kMaxUnrecognizedReport bytes (was all 100: 3,600).
  EXPECT_GE(reported, 1u);
  EXPECT_LE(reported_bytes, kMaxUnrecognizedReport);
  // The INIT (in the cookie), the cookie's own fields and MAC, the report: 3,644 bytes, was 6,956
  // against the INIT's 3,232.
  EXPECT_LE(sent[0].bytes.size(), init_size + CookieAuthority::size_for(0) + kMaxUnrecognizedReport + 64);
  // The cookie still makes the association.
  p.send(ack.initiate_tag.value(), wire::CookieEchoChunk{ScriptedPeer::state_cookie(ack)});
  const auto answer = p.take();
  ASSERT_EQ(answer.size(), 1u);
  EXPECT_TRUE(answer[0].has(wire::CookieAckChunk::kType));
}


TEST(HostileControl, ErrorCauseFloodsQueueBoundedEventsAndAbortDetailStaysShort) {
  // RFC 9260 14: an ERROR chunk's causes each became a PeerErrorEvent with a string, so three
  // packets of 1,000 4-byte causes queued 3,000 events before the user read one; now at most
  // Association::kMaxQueuedPeerErrors wait, and more are reported once the user has read them.
  ScriptedPeer p;
  ASSERT_TRUE(p.establish());
  std::vector<uint8_t> causes;
  for (int i = 0; i < 1000; ++i) causes.insert(causes.end(), {0, 4, 0, 4});  // Out of Resource (3.3.10.4)
  for (int packet = 0; packet < 3; ++packet) p.send(p.local_tag, wire::ErrorChunk{causes});
  p.take();
  EXPECT_EQ(p.events_of<PeerErrorEvent>().size(), 16u);
  p.send(p.local_tag, wire::ErrorChunk{wire::Bytes(causes.data(), 4)});
  p.take();
  EXPECT_EQ(p.events_of<PeerErrorEvent>().size(), 17u);
  // The association is unharmed: data still flows.
  p.send(p.local_tag, ScriptedPeer::data(p.peer_tsn, text("after")));
  p.take();
  EXPECT_EQ(p.events_of<MessageEvent>().size(), 1u);
  // An ABORT of 1,000 causes: the first named, the detail a line, not 1,000 names (~18 KB).
  p.send(p.local_tag, wire::AbortChunk{false, causes});
  p.take();
  const auto closed = p.events_of<ClosedEvent>();
  ASSERT_EQ(closed.size(), 1u);
  EXPECT_EQ(closed[0].cause_code, std::optional<uint16_t>(4));
  EXPECT_LT(closed[0].detail.size(), 300u);
}


TEST(HostileControl, AFloodOfUnknownChunksToReportBuildsAtMostTheReportsThatGoOut) {
  // RFC 9260 3.2: a chunk type we do not know with upper bits 11 is skipped and reported in an
  // ERROR (Unrecognized Chunk Type, the chunk whole). Reports wait in a queue of
  // Association::kMaxQueuedErrors; a packet of a thousand such chunks built a thousand and kept the
  // last eight. Now the first eight are kept and no more are built while the queue is full.
  ScriptedPeer p;
  ASSERT_TRUE(p.establish());
  // Chunks of type 255 (upper bits 11), each numbered in its flags, no value: over 1,000.
  const size_t chunks = p.send_packed(
      [](wire::PacketBuilder& packet, size_t i) { return packet.add_value(0xFF, static_cast<uint8_t>(i), {}); });
  ASSERT_GT(chunks, 1000u);
  std::vector<uint8_t> reported_flags;
  for (const SentPacket& sent : p.take()) {
    for (const wire::RawChunk& chunk : sent.view()) {
      if (chunk.type != wire::ErrorChunk::kType) continue;
      // Cause header (4 bytes), then the unrecognized chunk: type, flags, ...
      ASSERT_GE(chunk.value.size(), 6u);
      EXPECT_EQ(wire::load_u16(chunk.value, 0), wire::UnrecognizedChunkType::kType);
      reported_flags.push_back(chunk.value[5]);
    }
  }
  EXPECT_EQ(reported_flags, (std::vector<uint8_t>{0, 1, 2, 3, 4, 5, 6, 7}));
  // The association is unharmed: data still flows.
  p.send(p.local_tag, ScriptedPeer::data(p.peer_tsn, text("after")));
  p.take();
  EXPECT_EQ(p.events_of<MessageEvent>().size(), 1u);
}

}  // namespace
}  // namespace sctpkit::assoc::testing
