// Endpoint::poll_event(MessageSink&): the same messages and events as poll_event(), in the same
// order, with the messages handed to the sink; none lost when the association closes; the receive
// window still bounds what a reader that does not consume holds.
#include <gtest/gtest.h>

#include <string>

#include "endpoint_pair.h"

namespace sctpkit::assoc::testing {
namespace {

// What an event says that the comparisons below need: its kind, and a message's contents.
std::string describe(const Event& event) {
  if (const auto* m = std::get_if<MessageEvent>(&event)) {
    return "message " + std::to_string(m->id.value) + " s" + std::to_string(m->stream.value()) + " p" +
           std::to_string(m->ppid.value()) + (m->unordered ? " u " : " o ") + std::to_string(m->data.size()) + " " +
           std::string(m->data.begin(), m->data.end());
  }
  return "event " + std::to_string(event.index());
}

std::vector<std::string> describe(const std::vector<Event>& events) {
  std::vector<std::string> out;
  for (const Event& e : events) out.push_back(describe(e));
  return out;
}

std::vector<uint8_t> payload(size_t i) {
  // Sizes from 1 B to past the path MTU (fragmented and reassembled), each message distinct.
  std::vector<uint8_t> data(1 + (i * 397) % 3000, static_cast<uint8_t>('a' + i % 26));
  data[0] = static_cast<uint8_t>(i);
  return data;
}

// Messages both ways on three streams, some unordered, over a lossy link (out-of-order arrival,
// retransmissions), then a graceful shutdown; returns each end's events.
void exchange_and_shut_down(EndpointPair& pair) {
  pair.loss_percent = 5;
  const AssociationId id = pair.connect();
  ASSERT_TRUE(pair.run_until([&] { return pair.has<ConnectedEvent>(0) && pair.has<ConnectedEvent>(1); }, 10s));
  const AssociationId server_id = pair.events_of<ConnectedEvent>(1).at(0).id;
  for (size_t i = 0; i < 60; ++i) {
    const auto data = payload(i);
    const bool unordered = i % 7 == 3;
    ASSERT_EQ(pair.client().send(id, data, wire::StreamId(i % 3), wire::Ppid(i), unordered, pair.now), SendResult::Ok);
    if (i % 4 == 0) {
      ASSERT_EQ(pair.server().send(server_id, data, wire::StreamId(1), wire::Ppid(i), false, pair.now), SendResult::Ok);
    }
    if (i % 10 == 9) pair.run_until([] { return false; }, 50ms);
  }
  pair.client().shutdown(id, pair.now);
  ASSERT_TRUE(pair.run_until([&] { return pair.has<ClosedEvent>(0) && pair.has<ClosedEvent>(1); }, 60s));
}

TEST(EndpointMessageSink, SameMessagesAndEventsInTheSameOrderAsPollEvent) {
  EndpointPair plain;
  exchange_and_shut_down(plain);
  EndpointPair sunk;
  sunk.message_sink = true;
  exchange_and_shut_down(sunk);
  for (int node = 0; node < 2; ++node) {
    SCOPED_TRACE(node);
    EXPECT_EQ(describe(sunk.events[node]), describe(plain.events[node]));
    // Taking messages through the sink changes nothing on the wire either.
    EXPECT_EQ(sunk.packets_sent[node], plain.packets_sent[node]);
  }
  EXPECT_EQ(sunk.events_of<MessageEvent>(1).size(), 60u);
  EXPECT_EQ(sunk.events_of<MessageEvent>(0).size(), 15u);
  EXPECT_TRUE(std::holds_alternative<ClosedEvent>(sunk.events[1].back()));
}

// Messages that arrived and were not taken yet when an ABORT came: all are handed over, before
// the ClosedEvent, and the association is then forgotten.
TEST(EndpointMessageSink, MessagesWaitingAtAnAbortAllComeBeforeClosed) {
  for (const bool sink : {false, true}) {
    SCOPED_TRACE(sink ? "sink" : "poll_event");
    EndpointPair pair;
    pair.message_sink = sink;
    const AssociationId id = pair.connect();
    ASSERT_TRUE(pair.run_until([&] { return pair.has<ConnectedEvent>(0) && pair.has<ConnectedEvent>(1); }, 10s));
    // Small: all ten leave in the first flight (the initial cwnd, RFC 9260 7.2.1).
    const auto small = [](size_t i) { return std::vector<uint8_t>(40, static_cast<uint8_t>('a' + i)); };
    for (size_t i = 0; i < 10; ++i) {
      ASSERT_EQ(pair.client().send(id, small(i), wire::StreamId(0), wire::Ppid(i), false, pair.now), SendResult::Ok);
    }
    // The DATA and then the ABORT reach the server before it is asked for any event.
    std::vector<std::vector<uint8_t>> packets;
    while (auto t = pair.client().poll_transmit(pair.now)) packets.emplace_back(t->packet.begin(), t->packet.end());
    pair.client().abort(id, "enough", pair.now);
    while (auto t = pair.client().poll_transmit(pair.now)) packets.emplace_back(t->packet.begin(), t->packet.end());
    for (const auto& p : packets) pair.server().handle_packet(p, pair.address[0], pair.address[1], pair.now);
    pair.events[1].clear();
    pair.drain();
    ASSERT_EQ(pair.events[1].size(), 11u);
    for (size_t i = 0; i < 10; ++i) {
      ASSERT_TRUE(std::holds_alternative<MessageEvent>(pair.events[1][i]));
      EXPECT_EQ(std::get<MessageEvent>(pair.events[1][i]).data, small(i));
    }
    ASSERT_TRUE(std::holds_alternative<ClosedEvent>(pair.events[1].back()));
    EXPECT_EQ(std::get<ClosedEvent>(pair.events[1].back()).reason, CloseReason::AbortedByPeer);
    EXPECT_TRUE(pair.server().associations().empty());
  }
}

// A sink keeps the message's buffer alone; given back by the association's id, the next message is
// built in it.
TEST(EndpointMessageSink, ABufferGivenBackByIdReceivesTheNextMessage) {
  EndpointPair pair;
  pair.message_sink = true;
  const AssociationId id = pair.connect();
  ASSERT_TRUE(pair.run_until([&] { return pair.has<ConnectedEvent>(1); }, 10s));
  const auto message = [](size_t i) { return std::vector<uint8_t>(100, static_cast<uint8_t>('a' + i)); };
  const auto send = [&](size_t i) {
    ASSERT_EQ(pair.client().send(id, message(i), wire::StreamId(0), wire::Ppid(0), false, pair.now), SendResult::Ok);
    ASSERT_TRUE(pair.run_until([&] { return pair.events_of<MessageEvent>(1).size() > i; }, 10s));
  };
  send(0);
  auto& first = std::get<MessageEvent>(pair.events[1].back());
  const uint8_t* storage = first.data.data();
  pair.server().recycle(first.id, std::move(first.data));
  send(1);
  const auto& second = std::get<MessageEvent>(pair.events[1].back());
  EXPECT_EQ(second.data, message(1));
  EXPECT_EQ(second.data.data(), storage);
}

// With hold_window_until_consumed, messages taken through a sink stay in the receive window until
// consumed() (RFC 9260 6.2), so a reader that never consumes holds about its receive buffer at most.
TEST(EndpointMessageSink, AReaderThatDoesNotConsumeHoldsAtMostItsReceiveBuffer) {
  EndpointConfig server = EndpointPair::default_config(7, true);
  server.receive_buffer = 16 * 1024;
  server.hold_window_until_consumed = true;
  EndpointConfig client = EndpointPair::default_config(5000, false);
  client.send_buffer = 1 << 20;
  EndpointPair pair(client, server);
  pair.message_sink = true;
  const AssociationId id = pair.connect();
  ASSERT_TRUE(pair.run_until([&] { return pair.has<ConnectedEvent>(1); }, 10s));
  const std::vector<uint8_t> data(1000, 'x');
  for (int i = 0; i < 200; ++i) {
    ASSERT_EQ(pair.client().send(id, data, wire::StreamId(0), wire::Ppid(0), false, pair.now), SendResult::Ok);
  }
  pair.run_until([] { return false; }, 30s);
  const auto taken = [&] { return pair.events_of<MessageEvent>(1).size(); };
  const size_t held = taken();
  EXPECT_GT(held, 0u);
  // A message may overshoot a closed window by one chunk (a zero window probe, RFC 9260 6.1 A).
  EXPECT_LE(held * data.size(), server.receive_buffer + 2 * data.size());
  // Consumed, they leave the window and the rest follows.
  const AssociationId server_id = pair.events_of<ConnectedEvent>(1).at(0).id;
  for (size_t consumed = 0; consumed < 200 && pair.run_until([&] { return taken() > consumed; }, 30s);) {
    for (; consumed < taken(); ++consumed) pair.server().consumed(server_id, data.size());
  }
  EXPECT_EQ(taken(), 200u);
}

}  // namespace
}  // namespace sctpkit::assoc::testing
