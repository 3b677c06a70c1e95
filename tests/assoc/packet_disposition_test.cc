// Endpoint::handle_packet says what became of each packet, so that an embedder learns from the
// network (RFC 6951 5.4: UDP encapsulation ports) only what the engine verified.
#include <gtest/gtest.h>

#include <initializer_list>
#include <map>
#include <string>
#include <string_view>
#include <utility>

#include "assoc/endpoint.h"
#include "assoc/random.h"
#include "wire/control_chunks.h"
#include "wire/error_causes.h"
#include "wire/handshake_chunks.h"
#include "wire/packet.h"
#include "wire/tlv.h"
#include "endpoint_pair.h"
#include "scripted_peer.h"

namespace sctpkit::assoc {
namespace packet_disposition_test {

using testing::EndpointPair;
using testing::restart_init;

std::vector<uint8_t> next_packet(Endpoint& e, TimePoint now) {
  auto t = e.poll_transmit(now);
  if (!t) return {};
  return {t->packet.begin(), t->packet.end()};
}

TEST(PacketDisposition, HandshakePacketsAreStatelessThenAcceptedAndForgeriesDropped) {
  EndpointPair pair;
  pair.connect();
  const auto client = pair.address[0], server = pair.address[1];
  const TimePoint now = pair.now;

  const auto init = next_packet(pair.client(), now);
  ASSERT_FALSE(init.empty());
  // RFC 9260 5.1.3: the INIT is answered without state.
  EXPECT_EQ(pair.server().handle_packet(init, client, server, now), PacketDisposition::AnsweredStateless);
  const auto init_ack = next_packet(pair.server(), now);
  ASSERT_FALSE(init_ack.empty());

  // A forged INIT ACK (its tag altered, checksum fixed up) is not the client's.
  auto forged = init_ack;
  forged[4] ^= 0xff;
  forged[8] = forged[9] = forged[10] = forged[11] = 0;
  const uint32_t crc = wire::compute_checksum(forged);
  for (int i = 0; i < 4; ++i) forged[8 + i] = static_cast<uint8_t>(crc >> (8 * i));
  EXPECT_EQ(pair.client().handle_packet(forged, server, client, now), PacketDisposition::Dropped);
  // RFC 9260 6.8: a bad checksum.
  auto corrupt = init_ack;
  corrupt.back() ^= 1;
  EXPECT_EQ(pair.client().handle_packet(corrupt, server, client, now), PacketDisposition::Dropped);
  // Truncated: not even a packet.
  EXPECT_EQ(pair.client().handle_packet(std::span(init_ack).first(10), server, client, now),
            PacketDisposition::Dropped);

  EXPECT_EQ(pair.client().handle_packet(init_ack, server, client, now), PacketDisposition::Accepted);
  const auto cookie_echo = next_packet(pair.client(), now);
  ASSERT_FALSE(cookie_echo.empty());
  // RFC 9260 5.1.5: a cookie that passes its MAC check creates the association.
  EXPECT_EQ(pair.server().handle_packet(cookie_echo, client, server, now), PacketDisposition::Accepted);
  EXPECT_EQ(pair.server().associations().size(), 1u);
}

TEST(PacketDisposition, OutOfTheBlueAnswersAreStatelessAndSilentDiscardsAreDropped) {
  EndpointPair pair;
  const auto client = pair.address[0], server = pair.address[1];
  // RFC 9260 8.4 (8): a HEARTBEAT out of the blue gets an ABORT.
  std::vector<uint8_t> heartbeat = {0x13, 0x88, 0x00, 0x07, 0x12, 0x34, 0x56, 0x78, 0, 0, 0, 0,
                                    4,    0,    0,    12,   0,    1,    0,    8,    1, 2, 3, 4};
  auto seal = [](std::vector<uint8_t>& p) {
    const uint32_t crc = wire::compute_checksum(p);
    for (int i = 0; i < 4; ++i) p[8 + i] = static_cast<uint8_t>(crc >> (8 * i));
  };
  seal(heartbeat);
  EXPECT_EQ(pair.server().handle_packet(heartbeat, client, server, pair.now), PacketDisposition::AnsweredStateless);
  // RFC 9260 8.4 (2): an ABORT out of the blue is discarded in silence.
  std::vector<uint8_t> abort = {0x13, 0x88, 0x00, 0x07, 0x12, 0x34, 0x56, 0x78, 0, 0, 0, 0, 6, 0, 0, 4};
  seal(abort);
  EXPECT_EQ(pair.server().handle_packet(abort, client, server, pair.now), PacketDisposition::Dropped);
}

// The UDP ports of SCTP over UDP (RFC 6951): the client's, then a NAT's rebinding of it.
constexpr uint16_t kClientUdpPort = 40001;
constexpr uint16_t kRebindPort = 40003;
constexpr uint16_t kServerUdpPort = 9899;

// Runs the handshake by hand, every packet from the client coming from `client_port`; the COOKIE
// ECHO it sent goes to `cookie_echo_out` when given.
AssociationId establish_over_udp(EndpointPair& pair, uint16_t client_port,
                                 std::vector<uint8_t>* cookie_echo_out = nullptr) {
  const AssociationId id = pair.connect();
  const auto client = pair.address[0], server = pair.address[1];
  const TimePoint now = pair.now;
  const auto init = next_packet(pair.client(), now);
  EXPECT_EQ(pair.server().handle_packet(init, client, server, now, client_port),
            PacketDisposition::AnsweredStateless);
  const auto init_ack = next_packet(pair.server(), now);
  EXPECT_EQ(pair.client().handle_packet(init_ack, server, client, now, kServerUdpPort), PacketDisposition::Accepted);
  const auto cookie_echo = next_packet(pair.client(), now);
  EXPECT_EQ(pair.server().handle_packet(cookie_echo, client, server, now, client_port), PacketDisposition::Accepted);
  if (cookie_echo_out) *cookie_echo_out = cookie_echo;
  const auto cookie_ack = next_packet(pair.server(), now);
  EXPECT_EQ(pair.client().handle_packet(cookie_ack, server, client, now, kServerUdpPort), PacketDisposition::Accepted);
  while (pair.server().poll_event() || pair.client().poll_event()) {
  }
  return id;
}

struct RefusedRestart {
  wire::VerificationTag tag;
  bool tag_reflected = true;
  std::optional<wire::RestartWithNewEncapsulationPort> cause;
};

RefusedRestart read_abort(const std::vector<uint8_t>& bytes) {
  RefusedRestart out;
  auto packet = wire::PacketView::parse(bytes);
  if (!packet || packet->chunk_count() != 1 || packet->begin()->type != wire::AbortChunk::kType) return out;
  out.tag = packet->header().verification_tag;
  auto abort = wire::AbortChunk::parse(*packet->begin());
  out.tag_reflected = abort->tag_reflected;
  wire::TlvReader causes(abort->causes);
  if (auto tlv = causes.next(); tlv && *tlv) {
    if (auto cause = wire::parse_error_cause(**tlv)) {
      if (auto* c = std::get_if<wire::RestartWithNewEncapsulationPort>(&*cause)) out.cause = *c;
    }
  }
  return out;
}

wire::VerificationTag initiate_tag(const std::vector<uint8_t>& init) {
  auto packet = wire::PacketView::parse(init);
  return wire::InitChunk::parse(*packet->begin())->initiate_tag;
}

TEST(PacketDisposition, AnInitFromAnotherEncapsulationPortIsRefusedAndTheAssociationKept) {
  EndpointPair pair;
  establish_over_udp(pair, kClientUdpPort);
  const auto client = pair.address[0], server = pair.address[1];
  ASSERT_EQ(pair.server().associations().size(), 1u);
  const AssociationId kept = pair.server().associations().front();

  // draft-tuexen-tsvwg-sctp-udp-encaps-cons 4: the peer's address and SCTP port, another UDP port.
  const auto init = restart_init(pair);
  ASSERT_FALSE(init.empty());
  EXPECT_EQ(pair.server().handle_packet(init, client, server, pair.now, 40002), PacketDisposition::AnsweredStateless);
  const RefusedRestart abort = read_abort(next_packet(pair.server(), pair.now));
  ASSERT_TRUE(abort.cause.has_value()) << "no ABORT with cause 14";
  EXPECT_EQ(abort.cause->current_port, kClientUdpPort);
  EXPECT_EQ(abort.cause->new_port, 40002);
  // RFC 9260 8.4 rule 3: tagged with the INIT's Initiate Tag, T bit clear.
  EXPECT_EQ(abort.tag, initiate_tag(init));
  EXPECT_FALSE(abort.tag_reflected);
  EXPECT_FALSE(pair.server().poll_transmit(pair.now)) << "the association answered the INIT too";
  ASSERT_TRUE(pair.server().status(kept));
  EXPECT_EQ(pair.server().status(kept)->state, AssociationState::Established);
  EXPECT_FALSE(pair.server().poll_event()) << "the association heard of the INIT";

  // An INIT the association would discard (RFC 9260 3.3.2: a zero Initiate Tag) gets no answer,
  // from any port, and the embedder is told so (nothing to send back to that port).
  auto zero_tag = init;
  zero_tag[16] = zero_tag[17] = zero_tag[18] = zero_tag[19] = 0;
  zero_tag[8] = zero_tag[9] = zero_tag[10] = zero_tag[11] = 0;
  const uint32_t crc = wire::compute_checksum(zero_tag);
  for (int i = 0; i < 4; ++i) zero_tag[8 + i] = static_cast<uint8_t>(crc >> (8 * i));
  EXPECT_EQ(pair.server().handle_packet(zero_tag, client, server, pair.now, 40002), PacketDisposition::Dropped);
  EXPECT_EQ(pair.server().handle_packet(zero_tag, client, server, pair.now, kClientUdpPort),
            PacketDisposition::Dropped);
  EXPECT_FALSE(pair.server().poll_transmit(pair.now));
}

// The server's next packet is an INIT ACK (RFC 9260 5.2.2: how a restart's INIT is answered).
void expect_init_ack_next(EndpointPair& pair) {
  const auto bytes = next_packet(pair.server(), pair.now);
  auto packet = wire::PacketView::parse(bytes);
  ASSERT_TRUE(packet);
  EXPECT_EQ(packet->begin()->type, wire::InitAckChunk::kType);
}

TEST(PacketDisposition, AnInitFromTheSamePortIsHandledButTeachesNothing) {
  EndpointPair pair;
  establish_over_udp(pair, kClientUdpPort);
  // RFC 9260 5.2.2: a restart is answered with an INIT ACK; RFC 6951 5.4: an INIT (tag 0) is not
  // verified, so the embedder must not learn its port (AnsweredStateless, not Accepted).
  const auto init = restart_init(pair);
  EXPECT_EQ(pair.server().handle_packet(init, pair.address[0], pair.address[1], pair.now, kClientUdpPort),
            PacketDisposition::AnsweredStateless);
  expect_init_ack_next(pair);
}

TEST(PacketDisposition, AVerifiedPacketFromANewPortMovesTheAssociationsEncapsulationPort) {
  EndpointPair pair;
  const AssociationId id = establish_over_udp(pair, kClientUdpPort);
  const auto client = pair.address[0], server = pair.address[1];
  // RFC 6951 5.4: a NAT rebinding; the DATA chunk's tag verifies it, so its port is stored.
  const std::vector<uint8_t> message{1, 2, 3};
  ASSERT_EQ(pair.client().send(id, message, wire::StreamId(0), wire::Ppid(0), false, pair.now), SendResult::Ok);
  const auto data = next_packet(pair.client(), pair.now);
  EXPECT_EQ(pair.server().handle_packet(data, client, server, pair.now, kRebindPort), PacketDisposition::Accepted);
  while (pair.server().poll_transmit(pair.now)) {
  }
  // The new port is the association's now: an INIT from the old one is the refused one.
  const auto init = restart_init(pair);
  EXPECT_EQ(pair.server().handle_packet(init, client, server, pair.now, kClientUdpPort),
            PacketDisposition::AnsweredStateless);
  const RefusedRestart abort = read_abort(next_packet(pair.server(), pair.now));
  ASSERT_TRUE(abort.cause.has_value());
  EXPECT_EQ(abort.cause->current_port, kRebindPort);
  EXPECT_EQ(abort.cause->new_port, kClientUdpPort);
  // A forged packet (a wrong tag) from yet another port teaches nothing.
  auto forged = data;
  forged[4] ^= 0xff;
  forged[8] = forged[9] = forged[10] = forged[11] = 0;
  const uint32_t crc = wire::compute_checksum(forged);
  for (int i = 0; i < 4; ++i) forged[8 + i] = static_cast<uint8_t>(crc >> (8 * i));
  EXPECT_EQ(pair.server().handle_packet(forged, client, server, pair.now, 40004), PacketDisposition::Dropped);
  EXPECT_EQ(pair.server().handle_packet(init, client, server, pair.now, 40004), PacketDisposition::AnsweredStateless);
  EXPECT_EQ(read_abort(next_packet(pair.server(), pair.now)).cause->current_port, kRebindPort);
}

TEST(PacketDisposition, ACookieEchoWhoseCookieFailsItsMacIsDroppedByAnAssociationAndTeachesNothing) {
  EndpointPair pair;
  std::vector<uint8_t> cookie_echo;
  establish_over_udp(pair, kClientUdpPort, &cookie_echo);
  ASSERT_GT(cookie_echo.size(), 40u);
  const auto client = pair.address[0], server = pair.address[1];
  // RFC 9260 5.1.5 step 2: a cookie altered in flight fails its MAC and is discarded; the existing
  // association must not vouch for the packet, so RFC 6951 5.4 learns no port from it.
  auto forged = cookie_echo;
  forged[12 + 4 + 20] ^= 0x5a;  // a byte inside the cookie (after the common and chunk headers)
  forged[8] = forged[9] = forged[10] = forged[11] = 0;
  const uint32_t crc = wire::compute_checksum(forged);
  for (int i = 0; i < 4; ++i) forged[8 + i] = static_cast<uint8_t>(crc >> (8 * i));
  EXPECT_EQ(pair.server().handle_packet(forged, client, server, pair.now, 40004), PacketDisposition::Dropped);
  EXPECT_FALSE(pair.server().poll_transmit(pair.now)) << "a forged cookie was answered";
  // The association's encapsulation port is still the handshake's.
  const auto init = restart_init(pair);
  EXPECT_EQ(pair.server().handle_packet(init, client, server, pair.now, 40005), PacketDisposition::AnsweredStateless);
  const RefusedRestart abort = read_abort(next_packet(pair.server(), pair.now));
  ASSERT_TRUE(abort.cause.has_value());
  EXPECT_EQ(abort.cause->current_port, kClientUdpPort);
  // The genuine COOKIE ECHO, retransmitted (RFC 9260 5.2.4 action D), is verified by its cookie.
  EXPECT_EQ(pair.server().handle_packet(cookie_echo, client, server, pair.now, kClientUdpPort),
            PacketDisposition::Accepted);
}

TEST(PacketDisposition, WithoutEncapsulationAnInitForAnAssociationIsARestartAsBefore) {
  EndpointPair pair;
  establish_over_udp(pair, 0);  // raw IP: every packet's port is 0
  const auto init = restart_init(pair);
  EXPECT_EQ(pair.server().handle_packet(init, pair.address[0], pair.address[1], pair.now),
            PacketDisposition::AnsweredStateless);
  expect_init_ack_next(pair);
}

TEST(PacketDisposition, APacketToAClosedAssociationIsDroppedAndCountedAsDiscardedNotAsABadTag) {
  using testing::ScriptedPeer;
  ScriptedPeer p;
  ASSERT_TRUE(p.establish());
  const EndpointCounters& counters = p.endpoint().counters();
  // RFC 9260 8.5: a wrong tag is counted as such.
  EXPECT_EQ(p.send(p.peer_tag, ScriptedPeer::data(p.peer_tsn, testing::text("x"))), PacketDisposition::Dropped);
  EXPECT_EQ(counters.bad_verification_tag, 1u);
  // RFC 9260 9.1: the peer aborts; the endpoint holds the association until its ClosedEvent is read.
  EXPECT_EQ(p.send(p.local_tag, wire::AbortChunk{false, {}}), PacketDisposition::Accepted);
  ASSERT_EQ(p.endpoint().associations().size(), 1u);
  // Its TCB is gone: a packet with its old tag verifies nothing (RFC 6951 5.4 must learn no port
  // from it), and it is no forgery either.
  EXPECT_EQ(p.send(p.local_tag, ScriptedPeer::data(p.peer_tsn, testing::text("late"))), PacketDisposition::Dropped);
  EXPECT_EQ(counters.silently_discarded, 1u);
  EXPECT_EQ(counters.bad_verification_tag, 1u);
  EXPECT_TRUE(p.take().empty());
  EXPECT_TRUE(p.events_of<MessageEvent>().empty());
  ASSERT_EQ(p.events_of<ClosedEvent>().size(), 1u);
}

TEST(PacketDisposition, CookieEchoesToAnAssociationAreCountedAsBadMacOrStaleNotAsBadTags) {
  using testing::ScriptedPeer;
  using namespace std::chrono_literals;
  EndpointConfig c = ScriptedPeer::server_config();
  c.valid_cookie_life = 1s;
  ScriptedPeer p(c);
  ASSERT_TRUE(p.establish());
  const uint32_t established_tag = p.local_tag;
  const EndpointCounters& counters = p.endpoint().counters();
  // An INIT while ESTABLISHED (RFC 9260 5.2.2) gets a cookie; altered, it fails its MAC (5.1.5
  // step 2) at the association, which counts it where the endpoint counts one with no association.
  auto cookie = p.cookie_for(0x4242, 9000);
  ASSERT_FALSE(cookie.empty());
  auto forged = cookie;
  forged[forged.size() / 2] ^= 0x5a;
  EXPECT_EQ(p.send(p.local_tag, wire::CookieEchoChunk{forged}), PacketDisposition::Dropped);
  EXPECT_EQ(counters.cookies_bad_mac, 1u);
  // Stale and not the association's own (5.2.4 step 3): an ERROR with a Stale Cookie cause.
  p.now += 1500ms;
  EXPECT_EQ(p.send(p.local_tag, wire::CookieEchoChunk{cookie}), PacketDisposition::AnsweredStateless);
  auto sent = p.take();
  ASSERT_EQ(sent.size(), 1u);
  ASSERT_TRUE(sent[0].has(wire::ErrorChunk::kType));
  EXPECT_EQ(testing::first_cause(*sent[0].chunk(wire::ErrorChunk::kType)), 3);
  EXPECT_EQ(counters.cookies_stale, 1u);
  EXPECT_EQ(counters.bad_verification_tag, 0u);
  EXPECT_EQ(p.endpoint().status(p.only_association())->local_tag.value(), established_tag);
}


// ---- RFC 9260 5.2.6: what becomes of our DATA when the peer answers the COOKIE ECHO it rode in
// with a Stale Cookie error (it discarded the packet, 5.2.4 step 3) and the retry sets up anew.

// Our endpoint opens to a scripted peer asking for 10 outbound streams; `early` messages go on the
// streams given, before the INIT ACK (they ride with the COOKIE ECHO, 5.1). Returns the INIT.
wire::InitChunk open_with_early_data(testing::ScriptedPeer& p, AssociationId& id,
                                     std::initializer_list<std::pair<uint16_t, std::string_view>> early) {
  ConnectRequest r;
  r.remote_addresses = {p.peer};
  r.remote_port = testing::ScriptedPeer::kPeerPort;
  id = std::get<AssociationId>(p.endpoint().connect(r, p.now));
  auto sent = p.take();
  EXPECT_EQ(sent.size(), 1u);
  for (const auto& [stream, message] : early) {
    EXPECT_EQ(p.endpoint().send(id, testing::text(message), wire::StreamId(stream), wire::Ppid(0), false, p.now),
              SendResult::Ok);
  }
  return sent.at(0).parse<wire::InitChunk>();
}

// The peer's INIT ACK granting `streams` inbound streams, answering INIT tag `ours`.
PacketDisposition stale_retry_init_ack(testing::ScriptedPeer& p, uint32_t ours, uint16_t streams,
                                       uint32_t a_rwnd = 65536) {
  static const std::vector<uint8_t> cookie_param = {0, 7, 0, 8, 'c', 'o', 'o', 'k'};
  auto ack = testing::ScriptedPeer::init_chunk(0x5151, 500, cookie_param, streams);
  ack.a_rwnd = a_rwnd;
  return p.send(ours, static_cast<const wire::InitAckChunk&>(static_cast<const wire::InitFields&>(ack)));
}

void answer_stale_cookie(testing::ScriptedPeer& p, uint32_t ours) {
  const std::vector<uint8_t> stale = {0, 3, 0, 8, 0, 0, 0x09, 0xC4};  // Measure of Staleness 2500 us
  p.send(ours, wire::ErrorChunk{stale});
  const auto sent = p.take();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_TRUE(sent[0].has(wire::InitChunk::kType));
}

// TSN -> payload of the DATA chunks in `packets`.
std::map<uint32_t, std::string> data_of(const std::vector<testing::SentPacket>& packets) {
  std::map<uint32_t, std::string> data;
  for (const auto& packet : packets) {
    for (const wire::RawChunk& c : packet.view()) {
      if (c.type != wire::DataChunk::kType) continue;
      const auto d = *wire::DataChunk::parse(c);
      data[d.tsn.value()] = std::string(d.user_data.begin(), d.user_data.end());
    }
  }
  return data;
}

TEST(StaleCookieData, DataDiscardedWithTheCookieRidesWithTheRetryAtOnceWithoutBackOff) {
  testing::ScriptedPeer p(testing::ScriptedPeer::server_config());
  AssociationId id;
  const auto init = open_with_early_data(p, id, {{0, "first"}});
  const uint32_t ours = init.initiate_tag.value(), tsn = init.initial_tsn.value();
  stale_retry_init_ack(p, ours, 10);
  ASSERT_EQ(data_of(p.take())[tsn], "first");  // with the COOKIE ECHO (5.1)
  const auto before = *p.endpoint().status(id);
  answer_stale_cookie(p, ours);
  p.now += std::chrono::milliseconds(5);  // far below the RTO (1 s)
  stale_retry_init_ack(p, ours, 10, /*a_rwnd=*/1000);
  const auto sent = p.take();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_TRUE(sent[0].has(wire::CookieEchoChunk::kType));
  // The peer discarded it (5.2.4 step 3): it goes again with the new COOKIE ECHO, not after T3-rtx,
  // and a discard is no loss: no T3 expiry, RTO and cwnd as they were (6.3.3 E1, E2 do not apply).
  EXPECT_EQ(data_of(sent)[tsn], "first");
  const auto after = *p.endpoint().status(id);
  EXPECT_EQ(after.counters.t3_expirations, 0u);
  ASSERT_FALSE(after.paths.empty());
  EXPECT_EQ(after.paths[0].rto, before.paths[0].rto);
  EXPECT_EQ(after.paths[0].cwnd, before.paths[0].cwnd);
  // RFC 9260 6.2.1 C1: the peer's window is the retry's INIT ACK's (1000), less "first" in flight.
  EXPECT_EQ(after.peer_rwnd, 1000u - 5u);
}

TEST(StaleCookieData, ARetryGrantingFewerStreamsHandsBackTheirMessagesAndRenumbersTheRest) {
  testing::ScriptedPeer p(testing::ScriptedPeer::server_config());
  AssociationId id;
  const auto init = open_with_early_data(p, id, {{0, "a"}, {7, "b"}, {1, "c"}});
  const uint32_t ours = init.initiate_tag.value(), tsn = init.initial_tsn.value();
  stale_retry_init_ack(p, ours, 10);
  const auto first = data_of(p.take());
  ASSERT_EQ(first.size(), 3u);  // a, b, c with the COOKIE ECHO
  // Queued in COOKIE-ECHOED, waiting for the COOKIE ACK.
  ASSERT_EQ(p.endpoint().send(id, testing::text("d"), wire::StreamId(8), wire::Ppid(9), true, p.now), SendResult::Ok);
  ASSERT_EQ(p.endpoint().send(id, testing::text("e"), wire::StreamId(2), wire::Ppid(0), false, p.now), SendResult::Ok);
  answer_stale_cookie(p, ours);
  // RFC 9260 5.1.1: the retry's INIT ACK grants 5 streams: min(our 10, its MIS 5).
  stale_retry_init_ack(p, ours, 5);
  auto sent = p.take();
  p.send(ours, wire::CookieAckChunk{});
  for (auto& s : p.advance(std::chrono::milliseconds(50))) sent.push_back(std::move(s));
  // b (sent, on stream 7) and d (queued, on stream 8) come back to the user, whole.
  const auto failed = p.events_of<SendFailedEvent>();
  ASSERT_EQ(failed.size(), 2u);
  EXPECT_EQ(failed[0].stream, wire::StreamId(7));
  EXPECT_EQ(std::string(failed[0].data.begin(), failed[0].data.end()), "b");
  EXPECT_EQ(failed[1].stream, wire::StreamId(8));
  EXPECT_EQ(failed[1].ppid, wire::Ppid(9));
  EXPECT_TRUE(failed[1].unordered);
  EXPECT_EQ(std::string(failed[1].data.begin(), failed[1].data.end()), "d");
  EXPECT_NE(failed[0].detail.find("5.2.6"), std::string::npos);
  // The rest keeps going with consecutive TSNs from our Initial TSN (the peer saw none of them).
  const std::map<uint32_t, std::string> expected = {{tsn, "a"}, {tsn + 1, "c"}, {tsn + 2, "e"}};
  EXPECT_EQ(data_of(sent), expected);
  EXPECT_EQ(p.endpoint().status(id)->outbound_streams, 5u);
  EXPECT_EQ(p.endpoint().send(id, testing::text("f"), wire::StreamId(5), wire::Ppid(0), false, p.now),
            SendResult::InvalidStream);
  // All acknowledged: three messages handed over, none counted for the dropped ones.
  p.send(ours, testing::ScriptedPeer::sack(tsn + 2));
  p.take();
  EXPECT_EQ(p.endpoint().status(id)->counters.messages_sent, 3u);
  EXPECT_EQ(p.endpoint().status(id)->counters.messages_failed, 2u);
}

TEST(StaleCookieData, ARetryGrantingMoreStreamsKeepsEveryMessage) {
  EndpointConfig c = testing::ScriptedPeer::server_config();
  c.outbound_streams = 20;
  testing::ScriptedPeer p(c);
  AssociationId id;
  const auto init = open_with_early_data(p, id, {{0, "a"}, {4, "b"}});
  const uint32_t ours = init.initiate_tag.value(), tsn = init.initial_tsn.value();
  stale_retry_init_ack(p, ours, 5);
  ASSERT_EQ(data_of(p.take()).size(), 2u);
  answer_stale_cookie(p, ours);
  stale_retry_init_ack(p, ours, 12);
  auto sent = p.take();
  p.send(ours, wire::CookieAckChunk{});
  EXPECT_TRUE(p.events_of<SendFailedEvent>().empty());
  EXPECT_EQ(p.endpoint().status(id)->outbound_streams, 12u);
  EXPECT_EQ(p.endpoint().send(id, testing::text("c"), wire::StreamId(11), wire::Ppid(0), false, p.now),
            SendResult::Ok);
  for (auto& s : p.advance(std::chrono::milliseconds(50))) sent.push_back(std::move(s));
  const std::map<uint32_t, std::string> expected = {{tsn, "a"}, {tsn + 1, "b"}, {tsn + 2, "c"}};
  EXPECT_EQ(data_of(sent), expected);
}

}  // namespace packet_disposition_test
}  // namespace sctpkit::assoc
