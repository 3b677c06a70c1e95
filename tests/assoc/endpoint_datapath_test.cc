// Whole associations between two Endpoints over an in-memory link: the data path end to end.
#include <gtest/gtest.h>

#include <algorithm>
#include <numeric>

#include "assoc/endpoint.h"
#include "endpoint_pair.h"
#include "scripted_peer.h"
#include "wire/chunk_types.h"
#include "wire/packet.h"

namespace sctpkit::assoc {
namespace {

using testing::EndpointPair;

std::vector<uint8_t> pattern(size_t size, uint32_t seed) {
  std::vector<uint8_t> v(size);
  for (size_t i = 0; i < size; ++i) v[i] = static_cast<uint8_t>((i * 31 + seed * 7) & 0xFF);
  return v;
}

// RFC 9260 5.1: the four-way handshake, then a message each way (an echo).
TEST(EndpointDatapathTest, HandshakeAndEcho) {
  EndpointPair pair;
  const AssociationId id = pair.connect();
  ASSERT_TRUE(pair.run_until([&] { return pair.has<ConnectedEvent>(0) && pair.has<ConnectedEvent>(1); }));
  const auto msg = pattern(100, 1);
  ASSERT_EQ(pair.client().send(id, msg, wire::StreamId(0), wire::Ppid(51), false, pair.now), SendResult::Ok);
  ASSERT_TRUE(pair.run_until([&] { return pair.has<MessageEvent>(1); }));
  const MessageEvent got = pair.events_of<MessageEvent>(1).front();
  EXPECT_EQ(got.data, msg);
  EXPECT_EQ(got.ppid, wire::Ppid(51));
  ASSERT_EQ(pair.server().send(got.id, got.data, got.stream, got.ppid, false, pair.now), SendResult::Ok);
  ASSERT_TRUE(pair.run_until([&] { return pair.has<MessageEvent>(0); }));
  EXPECT_EQ(pair.events_of<MessageEvent>(0).front().data, msg);
  // RFC 9260 6.2: the receiver acknowledged; nothing stays outstanding.
  ASSERT_TRUE(pair.run_until([&] { return pair.client().status(id)->unacked_chunks == 0; }, 2s));
  const auto status = *pair.client().status(id);
  EXPECT_EQ(status.counters.messages_sent, 1u);
  EXPECT_EQ(status.counters.messages_received, 1u);
  EXPECT_GE(status.counters.sacks_received, 1u);
}

// RFC 9260 6.9: a 1 MiB message is fragmented, sent within cwnd and reassembled whole.
TEST(EndpointDatapathTest, OneMebibyteMessage) {
  EndpointPair pair;
  const AssociationId id = pair.connect();
  ASSERT_TRUE(pair.run_until([&] { return pair.has<ConnectedEvent>(0); }));
  const auto msg = pattern(1 << 20, 2);
  ASSERT_EQ(pair.client().send(id, msg, wire::StreamId(1), wire::Ppid(0), false, pair.now), SendResult::Ok);
  ASSERT_TRUE(pair.run_until([&] { return pair.has<MessageEvent>(1); }, 60s));
  EXPECT_EQ(pair.events_of<MessageEvent>(1).front().data, msg);
  const auto status = *pair.client().status(id);
  EXPECT_GT(status.counters.data_chunks_sent, 700u);
  EXPECT_EQ(status.counters.retransmitted_chunks, 0u);
}

// RFC 9260 6.5 / 6.6: ordered messages arrive in order per stream; unordered ones all arrive.
TEST(EndpointDatapathTest, ManyStreamsOrderedAndUnordered) {
  EndpointPair pair;
  const AssociationId id = pair.connect();
  ASSERT_TRUE(pair.run_until([&] { return pair.has<ConnectedEvent>(0); }));
  constexpr int kPerStream = 20;
  for (int i = 0; i < kPerStream; ++i) {
    for (uint16_t s = 0; s < 10; ++s) {
      std::vector<uint8_t> m = {static_cast<uint8_t>(s), static_cast<uint8_t>(i)};
      ASSERT_EQ(pair.client().send(id, m, wire::StreamId(s), wire::Ppid(0), s % 2 == 1, pair.now), SendResult::Ok);
    }
  }
  ASSERT_TRUE(pair.run_until([&] { return pair.events_of<MessageEvent>(1).size() == 10 * kPerStream; }, 30s));
  int next[10] = {};
  for (const MessageEvent& m : pair.events_of<MessageEvent>(1)) {
    const uint16_t s = m.stream.value();
    EXPECT_EQ(m.data[0], s);
    EXPECT_EQ(m.unordered, s % 2 == 1);
    if (s % 2 == 0) {
      EXPECT_EQ(m.data[1], next[s]++);
    }
  }
}

// RFC 9260 6.3 / 7.2: with 10% loss both ways every byte arrives once, in order.
TEST(EndpointDatapathTest, TenPercentLossDeliversEverythingInOrder) {
  EndpointPair pair;
  pair.loss_percent = 10;
  const AssociationId id = pair.connect();
  ASSERT_TRUE(pair.run_until([&] { return pair.has<ConnectedEvent>(0) && pair.has<ConnectedEvent>(1); }, 60s));
  constexpr int kMessages = 300;
  int sent = 0;
  ASSERT_TRUE(pair.run_until(
      [&] {
        while (sent < kMessages &&
               pair.client().send(id, pattern(700, static_cast<uint32_t>(sent)), wire::StreamId(0), wire::Ppid(0),
                                  false, pair.now) == SendResult::Ok) {
          ++sent;
        }
        return pair.events_of<MessageEvent>(1).size() == kMessages;
      },
      600s));
  const auto got = pair.events_of<MessageEvent>(1);
  for (int i = 0; i < kMessages; ++i) EXPECT_EQ(got[i].data, pattern(700, static_cast<uint32_t>(i))) << i;
  const auto status = *pair.client().status(id);
  EXPECT_GT(status.counters.retransmitted_chunks, 0u);
}

// RFC 9260 9.2: shutdown waits for outstanding data, then closes both ends gracefully.
TEST(EndpointDatapathTest, ShutdownWithDataInFlight) {
  EndpointPair pair;
  const AssociationId id = pair.connect();
  ASSERT_TRUE(pair.run_until([&] { return pair.has<ConnectedEvent>(0); }));
  const auto msg = pattern(50'000, 3);
  ASSERT_EQ(pair.client().send(id, msg, wire::StreamId(0), wire::Ppid(0), false, pair.now), SendResult::Ok);
  pair.drain();
  pair.client().shutdown(id, pair.now);
  EXPECT_EQ(pair.client().send(id, msg, wire::StreamId(0), wire::Ppid(0), false, pair.now),
            SendResult::NotConnected);
  ASSERT_TRUE(pair.run_until([&] { return pair.has<ClosedEvent>(0) && pair.has<ClosedEvent>(1); }));
  EXPECT_EQ(pair.events_of<MessageEvent>(1).front().data, msg);
  EXPECT_EQ(pair.events_of<ClosedEvent>(0).front().reason, CloseReason::Graceful);
  EXPECT_EQ(pair.events_of<ClosedEvent>(1).front().reason, CloseReason::Graceful);
  EXPECT_TRUE(pair.has<PeerShutdownEvent>(1));
}

// RFC 9260 5.1: INIT unanswered Max.Init.Retransmits times: the connect fails.
TEST(EndpointDatapathTest, InitRetransmittedTooOftenFails) {
  EndpointPair pair;
  pair.drop_filter = [](int from, const Transmit&) { return from == 0; };
  pair.connect();
  ASSERT_TRUE(pair.run_until([&] { return pair.has<ClosedEvent>(0); }, 600s));
  EXPECT_EQ(pair.events_of<ClosedEvent>(0).front().reason, CloseReason::InitFailed);
  // The first INIT and 8 retransmissions.
  EXPECT_EQ(pair.packets_sent[0], 9u);
}

// RFC 9260 5.1 / 5.2.4: a lost COOKIE ACK: the COOKIE ECHO is resent and answered again.
TEST(EndpointDatapathTest, LostCookieAckIsRecovered) {
  EndpointPair pair;
  int cookie_acks_dropped = 0;
  pair.drop_filter = [&](int from, const Transmit& t) {
    // The server's first packet after the INIT ACK carries the COOKIE ACK (chunk type 11).
    if (from == 1 && t.packet.size() > 12 && t.packet[12] == 11 && cookie_acks_dropped == 0) {
      ++cookie_acks_dropped;
      return true;
    }
    return false;
  };
  const AssociationId id = pair.connect();
  ASSERT_TRUE(pair.run_until([&] { return pair.has<ConnectedEvent>(0) && pair.has<ConnectedEvent>(1); }));
  EXPECT_EQ(cookie_acks_dropped, 1);
  ASSERT_EQ(pair.client().send(id, pattern(10, 4), wire::StreamId(0), wire::Ppid(0), false, pair.now), SendResult::Ok);
  ASSERT_TRUE(pair.run_until([&] { return pair.has<MessageEvent>(1); }));
  EXPECT_EQ(pair.events_of<ConnectedEvent>(1).size(), 1u);
}

// RFC 9260 8.1: the peer goes silent: T3-rtx expiries exhaust Association.Max.Retrans.
TEST(EndpointDatapathTest, TooManyRetransmissionsFailTheAssociation) {
  EndpointPair pair;
  const AssociationId id = pair.connect();
  ASSERT_TRUE(pair.run_until([&] { return pair.has<ConnectedEvent>(0) && pair.has<ConnectedEvent>(1); }));
  pair.drop_filter = [](int, const Transmit&) { return true; };
  ASSERT_EQ(pair.client().send(id, pattern(10, 5), wire::StreamId(0), wire::Ppid(0), false, pair.now), SendResult::Ok);
  ASSERT_TRUE(pair.run_until([&] { return pair.has<ClosedEvent>(0); }, 3600s));
  EXPECT_EQ(pair.events_of<ClosedEvent>(0).front().reason, CloseReason::PeerUnreachable);
}

// RFC 9260 6.1 A / 6.2: a full receive window stops the sender; reading opens it again.
TEST(EndpointDatapathTest, ZeroWindowThenUpdate) {
  EndpointConfig server = EndpointPair::default_config(7, true);
  server.receive_buffer = 8'000;
  server.max_message_size = 8'000;
  EndpointPair pair(EndpointPair::default_config(5000, false), server);
  const AssociationId id = pair.connect();
  ASSERT_TRUE(pair.run_until([&] { return pair.has<ConnectedEvent>(0) && pair.has<ConnectedEvent>(1); }));
  // The pair hands every message to the test at once, so the window closes only in flight; still
  // the sender must stay within it and all data must arrive.
  for (int i = 0; i < 20; ++i) {
    ASSERT_EQ(pair.client().send(id, pattern(4'000, static_cast<uint32_t>(i)), wire::StreamId(0), wire::Ppid(0), false,
                                 pair.now),
              SendResult::Ok);
  }
  ASSERT_TRUE(pair.run_until([&] { return pair.events_of<MessageEvent>(1).size() == 20; }, 120s));
  const auto got = pair.events_of<MessageEvent>(1);
  for (int i = 0; i < 20; ++i) EXPECT_EQ(got[i].data, pattern(4'000, static_cast<uint32_t>(i)));
}


// RFC 9260 6.2: the window must hold the largest message, or its last fragment never gets in.
TEST(EndpointDatapathTest, ValidateRefusesAReceiveBufferSmallerThanTheLargestMessage) {
  EndpointConfig config;
  EXPECT_EQ(validate(config), std::nullopt);  // the defaults
  config.receive_buffer = 8'000;
  config.max_message_size = 8'001;
  const auto problem = validate(config);
  ASSERT_TRUE(problem);
  EXPECT_NE(problem->find("receive_buffer (8000 bytes) is smaller than max_message_size (8001 bytes)"),
            std::string::npos) << *problem;
  config.max_message_size = 8'000;
  EXPECT_EQ(validate(config), std::nullopt);
}

// What no association could work with is refused up front, each with what to change.
TEST(EndpointDatapathTest, ValidateRefusesNonsenseValues) {
  const std::vector<std::pair<std::function<void(EndpointConfig&)>, std::string>> cases = {
      {[](EndpointConfig& c) { c.send_buffer = 1000; }, "send_buffer (1000 bytes) is smaller than max_message_size"},
      {[](EndpointConfig& c) { c.max_message_size = 0; }, "max_message_size is 0"},
      {[](EndpointConfig& c) { c.outbound_streams = 0; }, "outbound_streams is 0"},
      {[](EndpointConfig& c) { c.max_inbound_streams = 0; }, "max_inbound_streams is 0"},
      {[](EndpointConfig& c) { c.max_packet_size = kMaxTransmitSize + 1; }, "max_packet_size (65537 bytes) is above 65536"},
      {[](EndpointConfig& c) { c.rto_min = Duration::zero(); }, "rto_initial and rto_min must be above 0"},
      {[](EndpointConfig& c) { c.rto_max = 500ms; }, "rto_max is below rto_min"},
      {[](EndpointConfig& c) { c.path_max_retransmits = -1; }, "retransmission limit is negative"},
      {[](EndpointConfig& c) { c.heartbeat_interval = -1s; }, "heartbeat_interval is negative"},
  };
  for (const auto& [set, says] : cases) {
    EndpointConfig config;
    set(config);
    const auto problem = validate(config);
    ASSERT_TRUE(problem) << says;
    EXPECT_NE(problem->find(says), std::string::npos) << *problem;
  }
  EndpointConfig edge;
  edge.max_packet_size = kMaxTransmitSize;
  edge.max_init_retransmits = 0;
  edge.heartbeat_interval = Duration::zero();
  EXPECT_EQ(validate(edge), std::nullopt);
}

// Connects and runs until both ends are established, their events taken.
AssociationId established(EndpointPair& pair) {
  const AssociationId id = pair.connect();
  EXPECT_TRUE(pair.run_until([&] { return pair.has<ConnectedEvent>(0) && pair.has<ConnectedEvent>(1); }));
  pair.drain();
  return id;
}

// Sends `count` 1000-byte messages on stream 0, polling every packet out after each (as an
// embedder that flushes after every call does); returns the packets polled.
size_t send_polling(Endpoint& client, AssociationId id, TimePoint now, int count) {
  size_t packets = 0;
  for (int i = 0; i < count; ++i) {
    EXPECT_EQ(client.send(id, pattern(1000, static_cast<uint32_t>(i)), wire::StreamId(0), wire::Ppid(0), false, now),
              SendResult::Ok);
    while (client.poll_transmit(now)) ++packets;
  }
  return packets;
}

// A busy association is touched several times per packet; asking it for its next timeout walks
// every timer it holds, so the endpoint does that once per wake-up (next_timeout() or
// handle_timeout()), for the associations touched since, and still sees every new deadline.
TEST(EndpointDatapathTest, DeadlinesAreRefreshedOncePerWakeUpNotPerPacket) {
  EndpointPair pair;
  const AssociationId id = established(pair);
  ASSERT_TRUE(pair.run_until([&] { return pair.client().status(id)->bytes_in_flight == 0; }));
  Endpoint& client = pair.client();
  const std::optional<TimePoint> idle_deadline = client.next_timeout();
  const uint64_t before = client.counters().deadline_refreshes;
  const size_t packets = send_polling(client, id, pair.now, 20);
  ASSERT_GT(packets, 3u);
  EXPECT_EQ(client.counters().deadline_refreshes, before);
  // RFC 9260 6.3.2 R1: the DATA just sent started T3-rtx, due within one RTO.
  const std::optional<TimePoint> deadline = client.next_timeout();
  EXPECT_EQ(client.counters().deadline_refreshes, before + 1);
  ASSERT_TRUE(deadline);
  EXPECT_LE(*deadline, pair.now + client.config().rto_initial);
  if (idle_deadline) {
    EXPECT_LT(*deadline, *idle_deadline);
  }
  // Nothing touched since: asking again recomputes nothing.
  EXPECT_EQ(client.next_timeout(), deadline);
  EXPECT_EQ(client.counters().deadline_refreshes, before + 1);
}

// send() only queues: with T3-rtx already running (RFC 9260 6.3.2 R1 starts it with the first
// DATA), neither it nor a poll that finds the congestion window full moves a timer, so the endpoint
// does not recompute the association's deadline for them (nor polls it while the window is full);
// a packet that leaves does.
TEST(EndpointDatapathTest, SendWithT3RunningLeavesTheDeadlineAlone) {
  EndpointPair pair;
  const AssociationId id = established(pair);
  Endpoint& client = pair.client();
  // Fill the congestion window: DATA in flight, T3-rtx running, and more queued behind it.
  const size_t packets = send_polling(client, id, pair.now, 20);
  ASSERT_GT(packets, 0u);
  ASSERT_GT(client.status(id)->queued_bytes, 0u) << "the window should be full, with messages waiting";
  const std::optional<TimePoint> deadline = client.next_timeout();
  ASSERT_TRUE(deadline);
  const uint64_t before = client.counters().deadline_refreshes;
  const uint64_t visits = client.counters().association_visits;
  for (int i = 0; i < 5; ++i) {
    ASSERT_EQ(client.send(id, pattern(64, static_cast<uint32_t>(i)), wire::StreamId(0), wire::Ppid(0), false, pair.now),
              SendResult::Ok);
    EXPECT_FALSE(client.poll_transmit(pair.now)) << "cwnd is full: nothing may leave";
    EXPECT_EQ(client.next_timeout(), deadline);
  }
  EXPECT_EQ(client.counters().deadline_refreshes, before);
  // Nor is the association polled for a packet it cannot send (RFC 9260 6.1 B).
  EXPECT_EQ(client.counters().association_visits, visits);
  // The peer's SACKs move T3-rtx (6.3.2 R3) and let the rest out: refreshed then.
  ASSERT_TRUE(pair.run_until([&] { return pair.events_of<MessageEvent>(1).size() == 25; }));
  EXPECT_GT(client.counters().deadline_refreshes, before);
}

// Handing received messages to the application moves no timer: the receiver's deadline (the
// delayed SACK, RFC 9260 6.2) is not recomputed once per message taken.
TEST(EndpointDatapathTest, TakingMessagesLeavesTheDeadlineAlone) {
  EndpointPair pair;
  const AssociationId id = established(pair);
  Endpoint& client = pair.client();
  Endpoint& server = pair.server();
  for (int i = 0; i < 10; ++i) {
    ASSERT_EQ(client.send(id, pattern(64, static_cast<uint32_t>(i)), wire::StreamId(0), wire::Ppid(0), false, pair.now),
              SendResult::Ok);
  }
  // By hand, so that nobody takes the server's events yet.
  while (auto t = client.poll_transmit(pair.now)) {
    const std::vector<uint8_t> packet(t->packet.begin(), t->packet.end());
    server.handle_packet(packet, t->source, t->destination, pair.now);
  }
  const std::optional<TimePoint> deadline = server.next_timeout();
  const uint64_t before = server.counters().deadline_refreshes;
  size_t messages = 0;
  while (auto e = server.poll_event()) messages += std::holds_alternative<MessageEvent>(*e) ? 1 : 0;
  EXPECT_EQ(messages, 10u);
  EXPECT_EQ(server.next_timeout(), deadline);
  EXPECT_EQ(server.counters().deadline_refreshes, before);
}

// Endpoint::send(&&) keeps the caller's buffer instead of copying it, queued before setup (RFC
// 9260 5.1) or after; a refused message stays with the caller, whole.
TEST(EndpointDatapathTest, OwnedSendsTakeTheBufferOnlyWhenAccepted) {
  EndpointPair pair;
  const AssociationId id = pair.connect();
  std::vector<uint8_t> early = pattern(3000, 1);
  const uint8_t* early_storage = early.data();
  ASSERT_EQ(pair.client().send(id, std::move(early), wire::StreamId(0), wire::Ppid(3), false, pair.now), SendResult::Ok);
  ASSERT_TRUE(pair.run_until([&] { return pair.has<ConnectedEvent>(0) && pair.has<MessageEvent>(1); }));
  EXPECT_EQ(pair.events_of<MessageEvent>(1).front().data, pattern(3000, 1));

  std::vector<uint8_t> refused = pattern(100, 2);
  const uint16_t streams = pair.client().status(id)->outbound_streams;
  EXPECT_EQ(pair.client().send(id, std::move(refused), wire::StreamId(streams), wire::Ppid(0), false, pair.now),
            SendResult::InvalidStream);
  EXPECT_EQ(refused, pattern(100, 2));
  EXPECT_EQ(pair.client().send(AssociationId{999}, std::move(refused), wire::StreamId(0), wire::Ppid(0), false, pair.now),
            SendResult::NotConnected);
  EXPECT_EQ(refused, pattern(100, 2));

  // Once acknowledged, the first message's buffer comes back for the next one.
  ASSERT_TRUE(pair.run_until([&] { return pair.client().status(id)->bytes_in_flight == 0; }));
  std::vector<uint8_t> next = pair.client().take_send_buffer(id);
  EXPECT_EQ(next.data(), early_storage);
  EXPECT_GE(next.capacity(), 3000u);
  const std::vector<uint8_t> content = pattern(2000, 3);
  next.assign(content.begin(), content.end());
  ASSERT_EQ(pair.client().send(id, std::move(next), wire::StreamId(1), wire::Ppid(0), false, pair.now), SendResult::Ok);
  ASSERT_TRUE(pair.run_until([&] { return pair.events_of<MessageEvent>(1).size() == 2; }));
  EXPECT_EQ(pair.events_of<MessageEvent>(1).back().data, pattern(2000, 3));
  EXPECT_EQ(pair.client().take_send_buffer(AssociationId{999}).capacity(), 0u);
}

// poll_transmit(now, buffer) builds in the caller's buffer (the event loop's send slab), both what an
// association sends (the INIT, RFC 9260 5.1) and a stateless reply (the INIT ACK): whole packets
// with a valid checksum, one after another at the same place.
TEST(EndpointDatapathTest, PollTransmitBuildsInTheCallersBuffer) {
  EndpointPair pair;
  pair.connect();
  std::vector<uint8_t> slab(kMaxTransmitSize + 100);
  const wire::MutableBytes at(slab.data() + 100, kMaxTransmitSize);
  auto built_at = [&](const std::optional<Transmit>& t, wire::ChunkType type) {
    ASSERT_TRUE(t);
    EXPECT_EQ(t->packet.data(), at.data());
    ASSERT_GT(t->packet.size(), 12u);
    EXPECT_EQ(t->packet[12], static_cast<uint8_t>(type));
    EXPECT_TRUE(wire::verify_checksum(t->packet));
  };
  auto init = pair.client().poll_transmit(pair.now, at);
  built_at(init, wire::ChunkType::Init);
  ASSERT_TRUE(init);
  const std::vector<uint8_t> init_bytes(init->packet.begin(), init->packet.end());
  pair.server().handle_packet(init_bytes, pair.address[0], pair.address[1], pair.now);
  auto init_ack = pair.server().poll_transmit(pair.now, at);
  built_at(init_ack, wire::ChunkType::InitAck);
  ASSERT_TRUE(init_ack);
  EXPECT_EQ(init_ack->destination, pair.address[0]);
  EXPECT_FALSE(pair.server().poll_transmit(pair.now, at));
}

// RFC 9260 7.2.1: an idle sender's window halves once per RTO, applied when it is next polled.
// A poll that builds nothing (after a DATA chunk whose SACK waits for the delayed-ack timer,
// 6.2) skips the full packet assembly, and must still apply it.
TEST(EndpointDatapathTest, APollThatSendsNothingStillDecaysAnIdleWindow) {
  EndpointPair pair;
  const AssociationId id = established(pair);
  const AssociationId server_id = pair.events_of<ConnectedEvent>(1).at(0).id;
  // Messages cut into full-size fragments, so that the window is used and grows (7.2.1).
  for (int i = 0; i < 30; ++i) {
    ASSERT_EQ(pair.client().send(id, pattern(10000, static_cast<uint32_t>(i)), wire::StreamId(0), wire::Ppid(0),
                                 false, pair.now),
              SendResult::Ok);
  }
  ASSERT_TRUE(pair.run_until([&] { return pair.client().status(id)->bytes_in_flight == 0; }));
  const PathStatus grown = pair.client().status(id)->paths.at(0);
  pair.now += 3 * grown.rto + 1ms;
  ASSERT_EQ(pair.server().send(server_id, pattern(100, 1), wire::StreamId(0), wire::Ppid(0), false, pair.now),
            SendResult::Ok);
  const auto data = pair.server().poll_transmit(pair.now);
  ASSERT_TRUE(data);
  const std::vector<uint8_t> bytes(data->packet.begin(), data->packet.end());
  pair.client().handle_packet(bytes, pair.address[1], pair.address[0], pair.now);
  EXPECT_FALSE(pair.client().poll_transmit(pair.now)) << "the SACK waits for the delayed-ack timer";
  EXPECT_LT(pair.client().status(id)->paths.at(0).cwnd, grown.cwnd);
}

// ---- RFC 9260 data-path rules against a scripted peer (scripted_peer.h): what a hostile or odd
// peer's DATA, SACK and ERROR chunks get.

using testing::first_cause;
using testing::ScriptedPeer;
using testing::text;

constexpr uint8_t kAbort = wire::AbortChunk::kType;
constexpr uint8_t kError = wire::ErrorChunk::kType;

void expect_protocol_violation_abort(ScriptedPeer& p) {
  auto sent = p.take();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].tag(), p.peer_tag);
  ASSERT_TRUE(sent[0].has(kAbort));
  EXPECT_EQ(first_cause(*sent[0].chunk(kAbort)), 13);
  ASSERT_EQ(p.events_of<ClosedEvent>().size(), 1u);
  EXPECT_EQ(p.events_of<ClosedEvent>()[0].reason, CloseReason::AbortedLocally);
}

TEST(Rfc9260Data, SackForTsnsNeverSentAbortsWithProtocolViolation) {
  // RFC 9260 12 (Section 6.2.1 has no rule for it): "An SCTP implementation MUST abort the
  // association if it receives a SACK chunk acknowledging a TSN that has not been sent."
  ScriptedPeer p;
  p.establish_with_data(2);
  p.send(p.local_tag, ScriptedPeer::sack(p.local_tsn + 5));  // Cumulative TSN Ack ahead
  expect_protocol_violation_abort(p);
  ScriptedPeer q;
  q.establish_with_data(2);
  const wire::GapAckBlock past[] = {{2, 4}};  // TSNs local+1 .. local+3: only local+1 was sent
  q.send(q.local_tag, ScriptedPeer::sack(q.local_tsn - 1, past));
  expect_protocol_violation_abort(q);
}

TEST(Rfc9260Data, SackOlderThanTheCumulativeTsnAckPointIsDropped) {
  ScriptedPeer p;
  const AssociationId id = p.establish_with_data(2);
  p.send(p.local_tag, ScriptedPeer::sack(p.local_tsn + 1, {}, 50000));
  EXPECT_EQ(p.endpoint().status(id)->peer_rwnd, 50000u);
  // RFC 9260 6.2.1 rule 4.1: "If Cumulative TSN Ack is less than the Cumulative TSN Ack Point,
  // then drop the SACK chunk": its a_rwnd of 0 is not believed.
  p.send(p.local_tag, ScriptedPeer::sack(p.local_tsn, {}, 0));
  EXPECT_EQ(p.endpoint().status(id)->peer_rwnd, 50000u);
  EXPECT_TRUE(p.events_of<ClosedEvent>().empty());
}

TEST(Rfc9260Data, DataWithoutUserDataAbortsWithNoUserData) {
  ScriptedPeer p;
  ASSERT_TRUE(p.establish());
  // RFC 9260 6.2: "it SHOULD send an ABORT chunk with a 'No User Data' error cause".
  p.send(p.local_tag, ScriptedPeer::data(p.peer_tsn, {}));
  auto sent = p.take();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].tag(), p.peer_tag);
  ASSERT_TRUE(sent[0].has(kAbort));
  const auto abort = *sent[0].chunk(kAbort);
  EXPECT_EQ(first_cause(abort), 9);
  ASSERT_GE(abort.value.size(), 8u);
  EXPECT_EQ(wire::load_u32(abort.value, 4), p.peer_tsn);  // the TSN of the empty chunk
  EXPECT_EQ(p.events_of<ClosedEvent>().size(), 1u);
}

TEST(Rfc9260Data, DataOnAStreamNotNegotiatedIsReportedAndStillAcknowledged) {
  ScriptedPeer p;  // the peer offers 10 outbound streams: ours inbound are 0..9
  ASSERT_TRUE(p.establish());
  // RFC 9260 6.5: "it SHOULD acknowledge the reception of the DATA chunk following the
  // normal procedure, immediately send an ERROR chunk with cause set to 'Invalid Stream
  // Identifier' ... and discard the DATA chunk".
  p.send(p.local_tag, ScriptedPeer::data(p.peer_tsn, text("x"), 10));
  auto sent = p.advance(1s);
  bool error = false, acked = false;
  for (const auto& packet : sent) {
    if (auto e = packet.chunk(kError)) error |= first_cause(*e) == 1 && wire::load_u16(e->value, 4) == 10;
    if (packet.has(wire::SackChunk::kType)) {
      acked |= packet.parse<wire::SackChunk>().cumulative_tsn_ack.value() == p.peer_tsn;
    }
  }
  EXPECT_TRUE(error);
  EXPECT_TRUE(acked);
  EXPECT_TRUE(p.events_of<MessageEvent>().empty());
  EXPECT_EQ(p.state(), AssociationState::Established);
}

TEST(Rfc9260Data, ErrorChunkWithUnknownOrBrokenCausesIsReportedAndHarmless) {
  ScriptedPeer p;
  ASSERT_TRUE(p.establish());
  // RFC 9260 3.3.10: an unknown cause code (0x7777) and a cause whose length runs past the chunk.
  const std::vector<uint8_t> causes = {0x77, 0x77, 0, 6, 0xAB, 0xCD, 0, 0, 0x00, 0x01, 0x00, 0x40};
  EXPECT_EQ(p.send(p.local_tag, wire::ErrorChunk{causes}), PacketDisposition::Accepted);
  EXPECT_TRUE(p.take().empty());
  ASSERT_EQ(p.events_of<PeerErrorEvent>().size(), 1u);
  EXPECT_EQ(p.events_of<PeerErrorEvent>()[0].cause_code, 0x7777);
  p.send(p.local_tag, ScriptedPeer::data(p.peer_tsn, text("still here")));
  p.advance(1s);
  EXPECT_EQ(p.events_of<MessageEvent>().size(), 1u);
}

// The client connects: its INIT, copied out of the engine's buffer.
std::vector<uint8_t> client_init(EndpointPair& pair) {
  pair.connect();
  auto init = pair.client().poll_transmit(pair.now);
  EXPECT_TRUE(init);
  return init ? std::vector<uint8_t>(init->packet.begin(), init->packet.end()) : std::vector<uint8_t>{};
}

// `server`'s next packet, an INIT ACK, is not lost to a buffer too small for it: the next call
// with room gets it, and nothing else is queued.
void expect_init_ack_waits_for_room(Endpoint& server, TimePoint now) {
  std::vector<uint8_t> slab(kMaxTransmitSize);
  EXPECT_FALSE(server.poll_transmit(now, wire::MutableBytes(slab.data(), 64)));
  auto init_ack = server.poll_transmit(now, slab);
  ASSERT_TRUE(init_ack) << "the INIT ACK was dropped";
  EXPECT_EQ(init_ack->packet[12], static_cast<uint8_t>(wire::ChunkType::InitAck));
  EXPECT_TRUE(wire::verify_checksum(init_ack->packet));
  EXPECT_FALSE(server.poll_transmit(now, slab));
}

// A buffer too small for a stateless answer (the INIT ACK) does not lose it: it waits for a call
// with room, and is the next packet then.
TEST(EndpointDatapathTest, AStatelessAnswerThatDoesNotFitTheBufferStaysQueued) {
  EndpointPair pair;
  const std::vector<uint8_t> init_bytes = client_init(pair);
  ASSERT_EQ(pair.server().handle_packet(init_bytes, pair.address[0], pair.address[1], pair.now),
            PacketDisposition::AnsweredStateless);
  expect_init_ack_waits_for_room(pair.server(), pair.now);
}

// The same for an association's own prebuilt answers: the INIT ACK it gives a restarting peer
// (RFC 9260 5.2.2) waits for a buffer with room instead of being lost.
TEST(EndpointDatapathTest, AnAssociationsPrebuiltAnswerThatDoesNotFitTheBufferStaysQueued) {
  EndpointPair pair;
  const AssociationId id = pair.connect();
  ASSERT_TRUE(pair.run_until([&] {
    return pair.server().associations().size() == 1 && pair.client().status(id)->state == AssociationState::Established;
  }));
  // The peer restarts: a new endpoint on the client's address and port sends a new INIT.
  const std::vector<uint8_t> init_bytes = testing::restart_init(pair);
  ASSERT_FALSE(init_bytes.empty());
  ASSERT_EQ(pair.server().handle_packet(init_bytes, pair.address[0], pair.address[1], pair.now),
            PacketDisposition::AnsweredStateless);
  expect_init_ack_waits_for_room(pair.server(), pair.now);
}

// An INIT whose INIT ACK could be no IP datagram (its cookie repeats the INIT, RFC 9260 5.1.3) is
// not answered, and not counted as answered. Near the longest chunk, the cookie does not even fit
// its parameter's 16-bit length: no INIT ACK without its State Cookie goes out (3.3.3: mandatory).
TEST(EndpointDatapathTest, AnAnswerLargerThanAnyDatagramIsNotQueued) {
  EndpointPair pair;
  const std::vector<uint8_t> init_bytes = client_init(pair);
  ASSERT_FALSE(init_bytes.empty());
  std::vector<uint8_t> big = init_bytes;
  // Parameters of an unknown type whose upper bits say "skip and report" (RFC 9260 3.2.1: 11), up
  // to the longest INIT chunk (a 16-bit length): the cookie's own fields and MAC then take the
  // INIT ACK past 65,536 bytes. (Only the first few are reported: kMaxUnrecognizedReport.)
  constexpr size_t kLongestInit = 65532;
  for (int i = 0; big.size() - 12 < kLongestInit; ++i) {
    const auto length = static_cast<uint16_t>(std::min<size_t>(1004, kLongestInit - (big.size() - 12)));
    ASSERT_GE(length, 4);
    const uint16_t type = 0xC000 | static_cast<uint16_t>(0x100 + i);
    big.insert(big.end(), {static_cast<uint8_t>(type >> 8), static_cast<uint8_t>(type), static_cast<uint8_t>(length >> 8),
                           static_cast<uint8_t>(length & 0xff)});
    big.insert(big.end(), length - 4u, static_cast<uint8_t>(i));
  }
  const size_t chunk_length = big.size() - 12;
  big[14] = static_cast<uint8_t>(chunk_length >> 8);
  big[15] = static_cast<uint8_t>(chunk_length);
  big[8] = big[9] = big[10] = big[11] = 0;
  const uint32_t crc = wire::compute_checksum(big);
  for (int k = 0; k < 4; ++k) big[8 + k] = static_cast<uint8_t>(crc >> (8 * k));
  EXPECT_EQ(pair.server().handle_packet(big, pair.address[0], pair.address[1], pair.now), PacketDisposition::Dropped);
  EXPECT_FALSE(pair.server().poll_transmit(pair.now));
  EXPECT_EQ(pair.server().counters().inits_answered, 0u);
  // The INIT as sent is answered as ever.
  EXPECT_EQ(pair.server().handle_packet(init_bytes, pair.address[0], pair.address[1], pair.now),
            PacketDisposition::AnsweredStateless);
  EXPECT_TRUE(pair.server().poll_transmit(pair.now));
}

}  // namespace
}  // namespace sctpkit::assoc
