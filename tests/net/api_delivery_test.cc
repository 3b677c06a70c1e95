// The public API's buffer hand-offs over UDP on loopback: a message queued before setup on a
// stream the peer does not grant comes back to the user (RFC 9260 5.1.1), as do those not
// acknowledged when the peer aborts or restarts (11.2.2, 5.2.4), and a restart is counted;
// messages in the inbox stay readable after the peer aborts (9.1); received messages' buffers can
// be handed back for the next message (recycle(), or receive_many()'s next call), and a slow reader's inbox
// stays within the receive buffer (RFC 9260 6.2: the window covers what the application has not
// taken).
#include <gtest/gtest.h>

#include <poll.h>

#include <algorithm>
#include <cstring>
#include <functional>
#include <optional>
#include <string>

#include "engine_peer.h"
#include "sctpkit/sctpkit.h"

namespace sctpkit {
namespace {

// Non-blocking: one thread drives both ends. Ephemeral UDP ports: tests run side by side.
Options loopback_options() {
  Options o;
  o.udp_local_port = 0;
  o.non_blocking = true;
  return o;
}

std::string text_of(const std::vector<uint8_t>& data) { return {data.begin(), data.end()}; }

// A non-blocking listener and client driven in one loop, bounded in time.
struct Ends {
  std::optional<Listener> listener;
  std::optional<Association> client;
  std::optional<Association> server;

  bool run_until(const std::function<bool()>& done) {
    for (int i = 0; i < 1000 && !done(); ++i) {  // 1000 x at most 10 ms
      pollfd fds[2] = {{listener->fd(), POLLIN, 0}, {client->fd(), POLLIN, 0}};
      ::poll(fds, 2, 10);
      listener->process();
      client->process();
      if (!server) {
        if (auto accepted = listener->accept(); accepted) server.emplace(std::move(*accepted));
      }
    }
    return done();
  }
  std::optional<Message> receive(Association& at) {
    std::optional<Message> got;
    run_until([&] {
      if (auto m = at.receive()) got = std::move(*m);
      return got.has_value();
    });
    return got;
  }
};

TEST(ApiDelivery, MessageQueuedOnAStreamThePeerDoesNotGrantComesBack) {
  Ends ends;
  Options server_options = loopback_options();
  server_options.max_inbound_streams = 2;
  auto listener = Listener::listen(5010, server_options);
  ASSERT_TRUE(listener) << listener.error().message;
  ends.listener.emplace(std::move(*listener));
  Options client_options = loopback_options();
  client_options.udp_remote_port = ends.listener->udp_port();
  client_options.outbound_streams = 10;
  auto client = Association::connect("127.0.0.1", 5010, client_options);
  ASSERT_TRUE(client) << client.error().message;
  ends.client.emplace(std::move(*client));
  // COOKIE-WAIT: both are taken against the 10 streams we asked for (RFC 9260 5.1).
  ASSERT_TRUE(ends.client->send(std::string_view("lost"), {.stream = 5, .ppid = 9}));
  ASSERT_TRUE(ends.client->send(std::string_view("kept"), {.stream = 1}));
  EXPECT_TRUE(ends.client->take_send_failures().empty());

  ASSERT_TRUE(ends.run_until([&] { return ends.client->is_open() && ends.server; }));
  std::vector<SendFailure> failures;
  ASSERT_TRUE(ends.run_until([&] {
    for (auto& f : ends.client->take_send_failures()) failures.push_back(std::move(f));
    return !failures.empty();
  }));
  ASSERT_EQ(failures.size(), 1u);
  EXPECT_EQ(failures[0].options.stream, 5);
  EXPECT_EQ(failures[0].options.ppid, 9u);
  EXPECT_EQ(text_of(failures[0].data), "lost");
  EXPECT_NE(failures[0].reason.find("5.1.1"), std::string::npos) << failures[0].reason;
  EXPECT_TRUE(ends.client->take_send_failures().empty());  // each once

  auto kept = ends.receive(*ends.server);
  ASSERT_TRUE(kept);
  EXPECT_EQ(text_of(kept->data), "kept");
  EXPECT_EQ(kept->stream, 1);
  ends.client->abort();
}

TEST(ApiDelivery, MessagesNotAcknowledgedWhenThePeerAbortsComeBack) {
  Ends ends;
  auto listener = Listener::listen(5014, loopback_options());
  ASSERT_TRUE(listener) << listener.error().message;
  ends.listener.emplace(std::move(*listener));
  Options client_options = loopback_options();
  client_options.udp_remote_port = ends.listener->udp_port();
  auto client = Association::connect("127.0.0.1", 5014, client_options);
  ASSERT_TRUE(client) << client.error().message;
  ends.client.emplace(std::move(*client));
  ASSERT_TRUE(ends.run_until([&] { return ends.client->is_open() && ends.server; }));
  // More than the first window (RFC 9260 7.2.1): the first messages leave, the rest wait queued.
  // The server aborts before it has read any of them.
  const auto message = [](int i) { return std::string(1000, static_cast<char>('a' + i)); };
  for (int i = 0; i < 20; ++i) ASSERT_TRUE(ends.client->send(message(i), {.ppid = static_cast<uint32_t>(i)}));
  ends.server->abort("enough");
  ASSERT_TRUE(ends.run_until([&] { return !ends.client->is_open(); }));
  // RFC 9260 11.2.2: all come back in the order sent, those in flight first and flagged (the
  // peer may have them; they vanished before), then those that never left.
  const auto failures = ends.client->take_send_failures();
  ASSERT_EQ(failures.size(), 20u);
  size_t sent = 0;
  while (sent < failures.size() && failures[sent].may_have_arrived) ++sent;
  EXPECT_GT(sent, 0u);
  EXPECT_LT(sent, 20u);
  for (size_t k = 0; k < failures.size(); ++k) {
    EXPECT_EQ(failures[k].options.ppid, k);
    EXPECT_EQ(text_of(failures[k].data), message(static_cast<int>(k)));
    EXPECT_EQ(failures[k].may_have_arrived, k < sent) << k;
    EXPECT_NE(failures[k].reason.find("ABORT received"), std::string::npos) << failures[k].reason;
  }
}

TEST(ApiDelivery, APeerRestartIsCountedAndWhatItHadNotAcknowledgedComesBack) {
  auto listener = Listener::listen(5016, loopback_options());
  ASSERT_TRUE(listener) << listener.error().message;
  test::EnginePeer peer(5017, listener->udp_port());
  std::optional<Association> server;
  const auto run_until = [&](const std::function<bool()>& done, bool deaf = false) {
    for (int i = 0; i < 500 && !done(); ++i) {  // 500 x at most 10 ms
      pollfd fds[2] = {{listener->fd(), POLLIN, 0}, {peer.fds()[0], POLLIN, 0}};
      ::poll(fds, 2, 10);
      listener->process();
      peer.pump(deaf);
      if (!server) server = listener->try_accept();
    }
    return done();
  };
  peer.connect(5016);
  ASSERT_TRUE(run_until([&] { return server && peer.count<assoc::ConnectedEvent>() == 1; }));
  EXPECT_EQ(server->peer_restarts(), 0u);
  // Three messages reach a peer that never acknowledges them: it is about to crash.
  for (const char* text : {"one", "two", "three"}) ASSERT_TRUE(server->send(std::string_view(text), {.ppid = 7}));
  ASSERT_TRUE(run_until([&] { return peer.unread > 0; }, /*deaf=*/true));  // the DATA arrived, unread
  // RFC 9260 5.2.4: the peer comes back on the same ports with a new engine, and sets up again.
  peer.restart();
  peer.connect(5016);
  ASSERT_TRUE(run_until([&] { return server->peer_restarts() == 1; }));
  EXPECT_TRUE(server->is_open());
  const auto failures = server->take_send_failures();
  ASSERT_EQ(failures.size(), 3u);
  const char* texts[] = {"one", "two", "three"};
  for (size_t k = 0; k < failures.size(); ++k) {
    EXPECT_EQ(text_of(failures[k].data), texts[k]);
    EXPECT_EQ(failures[k].options.ppid, 7u);
    EXPECT_TRUE(failures[k].may_have_arrived);
    EXPECT_NE(failures[k].reason.find("restarted"), std::string::npos) << failures[k].reason;
  }
  // The association goes on with the restarted peer.
  ASSERT_TRUE(server->send(std::string_view("again")));
  ASSERT_TRUE(run_until([&] { return peer.count<assoc::MessageEvent>() == 1; }));
  EXPECT_EQ(server->peer_restarts(), 1u);
}

TEST(ApiDelivery, MessagesInTheInboxWhenThePeerAbortsAreReadAfterTheClose) {
  Ends ends;
  auto listener = Listener::listen(5015, loopback_options());
  ASSERT_TRUE(listener) << listener.error().message;
  ends.listener.emplace(std::move(*listener));
  Options client_options = loopback_options();
  client_options.udp_remote_port = ends.listener->udp_port();
  auto client = Association::connect("127.0.0.1", 5015, client_options);
  ASSERT_TRUE(client) << client.error().message;
  ends.client.emplace(std::move(*client));
  ASSERT_TRUE(ends.run_until([&] { return ends.client->is_open() && ends.server; }));
  for (const char* text : {"one", "two", "three"}) ASSERT_TRUE(ends.client->send(std::string_view(text)));
  ends.client->abort("bye");
  ASSERT_TRUE(ends.run_until([&] { return !ends.server->is_open(); }));
  // RFC 9260 9.1: the association is gone, but what arrived whole is the user's to read, then the end.
  for (const char* text : {"one", "two", "three"}) {
    auto m = ends.server->receive();
    ASSERT_TRUE(m) << m.error().message;
    EXPECT_EQ(text_of(m->data), text);
  }
  auto end = ends.server->receive();
  ASSERT_FALSE(end);
  EXPECT_EQ(end.error().code, Error::Code::Closed);
  EXPECT_NE(end.error().message.find("aborted by the peer"), std::string::npos) << end.error().message;
}

TEST(ApiDelivery, RecycledMessageBufferReceivesTheNextMessage) {
  Ends ends;
  auto listener = Listener::listen(5011, loopback_options());
  ASSERT_TRUE(listener) << listener.error().message;
  ends.listener.emplace(std::move(*listener));
  Options client_options = loopback_options();
  client_options.udp_remote_port = ends.listener->udp_port();
  auto client = Association::connect("127.0.0.1", 5011, client_options);
  ASSERT_TRUE(client) << client.error().message;
  ends.client.emplace(std::move(*client));
  ASSERT_TRUE(ends.run_until([&] { return ends.client->is_open() && ends.server; }));

  ASSERT_TRUE(ends.client->send(std::string_view("first message")));
  auto first = ends.receive(*ends.server);
  ASSERT_TRUE(first);
  const uint8_t* storage = first->data.data();
  ends.server->recycle(std::move(*first));
  ASSERT_TRUE(ends.client->send(std::string_view("second")));
  auto second = ends.receive(*ends.server);
  ASSERT_TRUE(second);
  EXPECT_EQ(text_of(second->data), "second");
  EXPECT_EQ(second->data.data(), storage);
  ends.client->abort();
}

// Messages the engine delivered that receive() has not returned: the stack's inbox.
uint64_t inbox_bytes(Association& at, uint64_t taken) {
  auto info = at.status();
  return info ? info->bytes_received - taken : 0;
}

TEST(ApiDelivery, SlowReadersInboxStaysWithinTheReceiveBuffer) {
  constexpr uint32_t kBuffer = 64 * 1024;
  constexpr size_t kMessage = 1024;
  constexpr uint32_t kMessages = 1024;  // 1 MiB: 16 receive buffers
  // A message may overshoot a closed window by one chunk (a zero window probe, RFC 9260 6.1 A).
  constexpr uint64_t kBound = kBuffer + 2 * kMessage;
  Ends ends;
  Options server_options = loopback_options();
  server_options.receive_buffer = kBuffer;
  server_options.max_message_size = 16 * 1024;
  auto listener = Listener::listen(5012, server_options);
  ASSERT_TRUE(listener) << listener.error().message;
  ends.listener.emplace(std::move(*listener));
  Options client_options = loopback_options();
  client_options.udp_remote_port = ends.listener->udp_port();
  client_options.send_buffer = 2 << 20;
  auto client = Association::connect("127.0.0.1", 5012, client_options);
  ASSERT_TRUE(client) << client.error().message;
  ends.client.emplace(std::move(*client));
  ASSERT_TRUE(ends.run_until([&] { return ends.client->is_open() && ends.server; }));

  // The whole megabyte fits in the sender's queue: it sends as fast as the window lets it.
  std::vector<uint8_t> message(kMessage);
  for (uint32_t i = 0; i < kMessages; ++i) {
    std::memcpy(message.data(), &i, sizeof i);
    ASSERT_TRUE(ends.client->send(message));
  }
  // The reader does not read: the window closes with at most the receive buffer in its inbox.
  ASSERT_TRUE(ends.run_until([&] { return inbox_bytes(*ends.server, 0) >= kBuffer - kMessage; }));
  int turns = 0;
  ends.run_until([&] { return ++turns == 20; });  // the sender gets its chance to overrun it
  EXPECT_LE(inbox_bytes(*ends.server, 0), kBound);
  EXPECT_LT(ends.client->status()->peer_rwnd, kMessage);

  // A slow reader, a few messages per turn of the loop: everything arrives, in order, and the
  // inbox never holds more than the receive buffer.
  uint64_t taken = 0;
  uint32_t next = 0;
  uint64_t most = 0;
  ASSERT_TRUE(ends.run_until([&] {
    most = std::max(most, inbox_bytes(*ends.server, taken));
    for (int i = 0; i < 8; ++i) {
      auto m = ends.server->receive();
      if (!m) break;
      uint32_t index = 0;
      std::memcpy(&index, m->data.data(), sizeof index);
      EXPECT_EQ(index, next);
      ++next;
      taken += m->data.size();
    }
    return next == kMessages;
  })) << next << " of " << kMessages << " messages read";
  EXPECT_LE(most, kBound);
  EXPECT_EQ(taken, uint64_t{kMessages} * kMessage);
  ends.client->abort();
}

// A non-blocking listener and client over loopback, set up, with the server's receive buffer.
void connect_ends(Ends& ends, uint16_t port, uint32_t receive_buffer = 0) {
  Options server_options = loopback_options();
  if (receive_buffer != 0) {
    server_options.receive_buffer = receive_buffer;
    server_options.max_message_size = receive_buffer;
  }
  auto listener = Listener::listen(port, server_options);
  ASSERT_TRUE(listener) << listener.error().message;
  ends.listener.emplace(std::move(*listener));
  Options client_options = loopback_options();
  client_options.udp_remote_port = ends.listener->udp_port();
  client_options.send_buffer = 1 << 20;
  auto client = Association::connect("127.0.0.1", port, client_options);
  ASSERT_TRUE(client) << client.error().message;
  ends.client.emplace(std::move(*client));
  ASSERT_TRUE(ends.run_until([&] { return ends.client->is_open() && ends.server; }));
}

bool holds(const std::vector<const uint8_t*>& storage, const uint8_t* p) {
  return std::find(storage.begin(), storage.end(), p) != storage.end();
}

// receive_many(): what waits, oldest first, up to max; the batch it replaces goes back, so its
// buffers hold later messages, whether messages were waiting or not.
TEST(ApiDelivery, ReceiveManyTakesWhatWaitsAndHandsBackTheLastBatch) {
  Ends ends;
  connect_ends(ends, 5020);
  for (const char* text : {"m0", "m1", "m2", "m3", "m4"}) ASSERT_TRUE(ends.client->send(std::string_view(text)));
  ASSERT_TRUE(ends.run_until([&] { return ends.server->status()->messages_received == 5; }));

  std::vector<Message> batch;
  auto taken = ends.server->receive_many(batch, 3, std::chrono::milliseconds(0));
  ASSERT_TRUE(taken) << taken.error().message;
  ASSERT_EQ(*taken, 3u);
  ASSERT_EQ(batch.size(), 3u);
  std::vector<const uint8_t*> first_batch;
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(text_of(batch[i].data), "m" + std::to_string(i));
    first_batch.push_back(batch[i].data.data());
  }
  taken = ends.server->receive_many(batch, 10, std::chrono::milliseconds(0));
  ASSERT_TRUE(taken) << taken.error().message;
  ASSERT_EQ(*taken, 2u);
  ASSERT_EQ(batch.size(), 2u);
  EXPECT_EQ(text_of(batch[0].data), "m3");
  EXPECT_EQ(text_of(batch[1].data), "m4");
  const std::vector<const uint8_t*> second_batch{batch[0].data.data(), batch[1].data.data()};
  ASSERT_TRUE(ends.client->send(std::string_view("m5")));
  auto m5 = ends.receive(*ends.server);
  ASSERT_TRUE(m5);
  EXPECT_TRUE(holds(first_batch, m5->data.data()));

  // Nothing waits: receive()'s answer, and the batch goes back all the same.
  taken = ends.server->receive_many(batch, 10, std::chrono::milliseconds(0));
  ASSERT_FALSE(taken);
  EXPECT_EQ(taken.error().code, Error::Code::WouldBlock);
  EXPECT_TRUE(batch.empty());
  ASSERT_TRUE(ends.client->send(std::string_view("m6")));
  auto m6 = ends.receive(*ends.server);
  ASSERT_TRUE(m6);
  EXPECT_EQ(text_of(m6->data), "m6");
  EXPECT_TRUE(holds(second_batch, m6->data.data()));
  ends.client->abort();
}

// RFC 9260 6.2: a batch leaves the receive window, and the window update it makes due leaves
// before receive_many() returns: the peer sees the window open with the server's stack not run again.
TEST(ApiDelivery, ReceiveManyOpensTheWindowAndTheUpdateLeavesBeforeItReturns) {
  constexpr uint32_t kBuffer = 16 * 1024;
  constexpr size_t kMessage = 1024;
  constexpr uint32_t kMessages = 256;  // 16 receive buffers
  Ends ends;
  connect_ends(ends, 5021, kBuffer);
  std::vector<uint8_t> message(kMessage);
  for (uint32_t i = 0; i < kMessages; ++i) {
    std::memcpy(message.data(), &i, sizeof i);
    ASSERT_TRUE(ends.client->send(message));
  }
  // Nobody reads: the window closes, the peer sees it closed.
  ASSERT_TRUE(ends.run_until([&] { return inbox_bytes(*ends.server, 0) >= kBuffer - 2 * kMessage; }));
  int turns = 0;
  ends.run_until([&] { return ++turns == 20; });
  ASSERT_LT(ends.client->status()->peer_rwnd, kMessage);
  // At most a zero window probe outstanding (RFC 9260 6.1 A).
  ASSERT_LE(ends.client->status()->bytes_in_flight, kMessage + 16);

  std::vector<Message> batch;
  auto taken = ends.server->receive_many(batch, kMessages, std::chrono::milliseconds(0));
  ASSERT_TRUE(taken) << taken.error().message;
  uint32_t next = 0;
  for (const Message& m : batch) {
    uint32_t index = 0;
    std::memcpy(&index, m.data.data(), sizeof index);
    EXPECT_EQ(index, next++);
  }
  // Only the client runs now: what it hears was sent within receive_many().
  bool opened = false;
  for (int i = 0; i < 100 && !opened; ++i) {
    pollfd fd{ends.client->fd(), POLLIN, 0};
    ::poll(&fd, 1, 10);
    ends.client->process();
    opened = ends.client->status()->bytes_in_flight > 2 * kMessage;  // the reopened window let more go
  }
  EXPECT_TRUE(opened);

  // The rest, read in batches only: every message arrives, in order.
  ASSERT_TRUE(ends.run_until([&] {
    for (;;) {
      auto more = ends.server->receive_many(batch, 16, std::chrono::milliseconds(0));
      if (!more) break;
      for (const Message& m : batch) {
        uint32_t index = 0;
        std::memcpy(&index, m.data.data(), sizeof index);
        EXPECT_EQ(index, next++);
      }
    }
    return next == kMessages;
  })) << next << " of " << kMessages << " messages read";
  ends.client->abort();
}

}  // namespace
}  // namespace sctpkit
