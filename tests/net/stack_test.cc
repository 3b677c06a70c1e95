// What stands behind the public handles (net/stack.h), over UDP on loopback: a send() into a full
// window only queues until an input can have opened it, the inbox is a FIFO that keeps its slots,
// and an association's state stays small (an idle association pays for it).
#include "net/stack.h"

#include <gtest/gtest.h>
#include <poll.h>

#include <functional>
#include <memory>

namespace sctpkit::detail {
namespace stack_test {

using namespace std::chrono_literals;
const wire::IpAddress kLoopback = wire::IpAddress::v4(127, 0, 0, 1);

Options loopback_options() {
  Options o;
  o.udp_local_port = 0;  // ephemeral: tests run side by side
  o.non_blocking = true;
  return o;
}

// A listener stack and a client stack with one association between them, driven in one thread.
struct Pair {
  std::shared_ptr<Stack> server;
  std::shared_ptr<Stack> client;
  uint32_t client_id = 0;
  uint32_t server_id = 0;

  // Runs both stacks until `done` holds, bounded (1000 x at most 10 ms).
  bool run_until(const std::function<bool()>& done) {
    for (int i = 0; i < 1000 && !done(); ++i) {
      pollfd fds[2] = {{client->fd(), POLLIN, 0}, {server->fd(), POLLIN, 0}};
      ::poll(fds, 2, 10);
      client->process();
      server->process();
    }
    return done();
  }
};

void connect(Pair& p, uint16_t port) {
  auto server = Stack::open(loopback_options(), port, true);
  ASSERT_TRUE(server) << server.error().message;
  p.server = std::move(*server);
  Options client_options = loopback_options();
  client_options.udp_remote_port = p.server->udp_port();
  auto client = Stack::open(client_options, std::nullopt, true);
  ASSERT_TRUE(client) << client.error().message;
  p.client = std::move(*client);
  assoc::ConnectRequest request;
  request.remote_addresses = {kLoopback};
  request.remote_port = port;
  auto id = p.client->endpoint().connect(request, Stack::now());
  ASSERT_TRUE(std::holds_alternative<assoc::AssociationId>(id));
  p.client_id = std::get<assoc::AssociationId>(id).value;
  std::optional<uint32_t> accepted;
  ASSERT_TRUE(p.run_until([&] {
    if (!accepted) accepted = p.server->pop_accept();
    return accepted && p.client->state(p.client_id).connected;
  }));
  p.server_id = *accepted;
}

// What Association::send does (src/net/api.cc), returning whether it only queued.
bool send_like_the_api(Stack& stack, uint32_t id, wire::Bytes message) {
  auto& state = stack.state(id);
  const bool queue_only = stack.window_full(state);
  const auto now = queue_only ? stack.last_now() : Stack::now();
  EXPECT_EQ(stack.endpoint().send(assoc::AssociationId{id}, message, wire::StreamId(0), wire::Ppid(0), false, now),
            assoc::SendResult::Ok);
  if (!queue_only) stack.flush_after_send(state, now);
  return queue_only;
}

TEST(Stack, ASendIntoAFullWindowOnlyQueuesUntilAnInputCanHaveOpenedIt) {
  Pair p;
  ASSERT_NO_FATAL_FAILURE(connect(p, 5020));
  auto& state = p.client->state(p.client_id);
  EXPECT_FALSE(p.client->window_full(state));
  // The server does not run: no SACK comes, and the initial cwnd (RFC 9260 7.2.1: a few MTUs)
  // fills after a few packets' worth of 1 KiB messages.
  const std::vector<uint8_t> message(1024, 7);
  int sent = 0;
  while (!p.client->window_full(state) && sent < 200) {
    EXPECT_FALSE(send_like_the_api(*p.client, p.client_id, message));
    ++sent;
  }
  ASSERT_TRUE(p.client->window_full(state)) << "the window never filled in " << sent << " messages";
  const size_t queued_before = p.client->endpoint().status(assoc::AssociationId{p.client_id})->queued_bytes;
  for (int i = 0; i < 10; ++i) EXPECT_TRUE(send_like_the_api(*p.client, p.client_id, message));
  EXPECT_EQ(p.client->endpoint().status(assoc::AssociationId{p.client_id})->queued_bytes,
            queued_before + 10 * message.size());

  // The server reads and acknowledges; the SACK is an input: the next send() flushes again (and
  // with it anything the input made owed), and every message arrives.
  const int total = sent + 10;
  int received = 0;
  ASSERT_TRUE(p.run_until([&] {
    auto& inbox = p.server->state(p.server_id).inbox;
    while (!inbox.empty()) {
      p.server->consumed(p.server_id, inbox.pop_front().data.size());
      ++received;
    }
    return received == total;
  })) << received << " of " << total;
  EXPECT_FALSE(p.client->window_full(state));
  EXPECT_FALSE(send_like_the_api(*p.client, p.client_id, message));
}

TEST(Inbox, IsAFifoThatKeepsItsSlots) {
  Inbox inbox;
  EXPECT_TRUE(inbox.empty());
  for (uint32_t round = 0; round < 3; ++round) {
    for (uint32_t i = 0; i < 5; ++i) inbox.push_back(Message{0, round * 10 + i, false, std::vector<uint8_t>(8)});
    EXPECT_EQ(inbox.size(), 5u);
    for (uint32_t i = 0; i < 5; ++i) EXPECT_EQ(inbox.pop_front().ppid, round * 10 + i);
    EXPECT_TRUE(inbox.empty());
  }
  // One pointer while unused: an idle association's state holds no buffer.
  EXPECT_EQ(sizeof(Inbox), sizeof(void*));
}

TEST(Stack, AnAssociationsStateStaysWithin64Bytes) {
  // std::map's node (32 bytes of links, the key padded to 8) and glibc's 8-byte chunk header:
  // up to 64 bytes of state it stays a 112-byte chunk; every idle association pays for it
  // (issue 5's target: 2 KiB per idle association, server RSS).
  EXPECT_LE(sizeof(Stack::AssociationState), 64u);
}

}  // namespace stack_test
}  // namespace sctpkit::detail
