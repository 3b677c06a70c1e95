// End-to-end: the public socket-style API over the real engine, UDP on loopback and raw IPv4/IPv6
// across two namespaces.
#include <gtest/gtest.h>

#include <poll.h>

#include <algorithm>
#include <atomic>
#include <functional>
#include <optional>
#include <thread>

#include "net/netns.h"
#include "net/stack.h"
#include "sctpkit/sctpkit.h"

namespace sctpkit {

namespace detail {
// The stack behind a handle, for what the public API does not show.
struct TestAccess {
  static size_t stack_entries(const Listener& l) { return l.stack_->association_count(); }
};
}  // namespace detail

namespace {

using namespace std::chrono_literals;

Options base_options() {
  Options o;
  o.timeout = 20s;
  o.udp_local_port = 0;
  o.rto_initial = 200ms;
  o.rto_min = 100ms;
  return o;
}

// Echoes every message of one association until it closes; records how it ended.
struct EchoServer {
  std::thread thread;
  std::string end;
  size_t echoed = 0;
  void start(Listener& listener) {
    thread = std::thread([this, &listener] {
      auto association = listener.accept();
      if (!association) {
        end = "accept: " + association.error().message;
        return;
      }
      for (;;) {
        auto message = association->receive();
        if (!message) {
          end = message.error().message;
          return;
        }
        if (!association->send(message->data, {message->stream, message->ppid, message->unordered})) return;
        ++echoed;
      }
    });
  }
  void join() {
    if (thread.joinable()) thread.join();
  }
  ~EchoServer() { join(); }
};

// Sizes from 1 B to 1 MiB on several streams, ordered and unordered; each echo must match.
void echo_many(Association& client) {
  const size_t sizes[] = {1, 2, 100, 1452, 1453, 4000, 65536, 300000, 1 << 20};
  uint16_t stream = 0;
  bool unordered = false;
  for (size_t size : sizes) {
    std::vector<uint8_t> data(size);
    for (size_t i = 0; i < size; ++i) data[i] = static_cast<uint8_t>(i * 7 + size);
    const SendOptions how{stream, static_cast<uint32_t>(size), unordered};
    ASSERT_TRUE(client.send(data, how)) << "size " << size;
    auto echo = client.receive();
    ASSERT_TRUE(echo) << "size " << size << ": " << echo.error().message;
    EXPECT_EQ(echo->stream, stream);
    EXPECT_EQ(echo->ppid, size);
    EXPECT_EQ(echo->unordered, unordered);
    EXPECT_TRUE(echo->data == data) << "size " << size;
    stream = static_cast<uint16_t>((stream + 1) % 4);
    unordered = !unordered;
  }
}

TEST(Api, UdpLoopbackEchoThenShutdown) {
  auto listener = Listener::listen(5000, base_options());
  ASSERT_TRUE(listener) << listener.error().message;
  EchoServer server;
  server.start(*listener);
  auto options = base_options();
  options.udp_remote_port = listener->udp_port();
  auto client = Association::connect("127.0.0.1", 5000, options);
  ASSERT_TRUE(client) << client.error().message;
  auto status = client->status();
  ASSERT_TRUE(status);
  EXPECT_EQ(status->state, "ESTABLISHED");
  EXPECT_EQ(status->peer_port, 5000);
  echo_many(*client);
  ASSERT_TRUE(client->shutdown()) << client->shutdown().error().message;
  EXPECT_FALSE(client->is_open());
  server.join();
  EXPECT_NE(server.end.find("shut down"), std::string::npos) << server.end;
}

// The chunk types of a packet (RFC 9260 3.2), in order.
std::vector<uint8_t> chunk_types(std::span<const uint8_t> packet) {
  std::vector<uint8_t> types;
  for (size_t at = 12; at + 4 <= packet.size();) {
    types.push_back(packet[at]);
    const size_t length = (size_t{packet[at + 2]} << 8) | packet[at + 3];
    if (length < 4) break;
    at += (length + 3) & ~size_t{3};
  }
  return types;
}

TEST(Api, AReplyCarriesTheSackAndShutdownCompleteLeavesBeforeShutdownReturns) {
  auto listener = Listener::listen(5004, base_options());
  ASSERT_TRUE(listener) << listener.error().message;
  EchoServer server;
  server.start(*listener);
  auto options = base_options();
  options.udp_remote_port = listener->udp_port();
  std::vector<std::vector<uint8_t>> sent;
  options.packet_trace = [&](const PacketTrace& t) {
    if (t.sent) sent.push_back(chunk_types(t.packet));
  };
  auto client = Association::connect("127.0.0.1", 5004, options);
  ASSERT_TRUE(client) << client.error().message;
  sent.clear();
  constexpr int kRounds = 20;
  for (int i = 0; i < kRounds; ++i) {
    ASSERT_TRUE(client->send(std::string_view("ping")));
    ASSERT_TRUE(client->receive());
  }
  // RFC 9260 6.2 wants a SACK for every second packet: without the answers staying owed until
  // the application's reply, every second round trip sent a SACK of its own (10 of 20). Only a
  // 200 ms SACK.Delay expiring between an echo and the next send (a stalled machine) sends one now.
  const auto sack_alone = std::count(sent.begin(), sent.end(), std::vector<uint8_t>{3});
  EXPECT_LT(sack_alone, kRounds / 4) << "SACKs sent in packets of their own";
  ASSERT_TRUE(client->shutdown());
  // RFC 9260 9.2: the SHUTDOWN COMPLETE answering the peer's SHUTDOWN ACK left before shutdown()
  // returned (a program that exits next would otherwise leave the peer retransmitting).
  ASSERT_FALSE(sent.empty());
  EXPECT_EQ(sent.back(), std::vector<uint8_t>{14}) << ::testing::PrintToString(sent);
  server.join();
  EXPECT_NE(server.end.find("shut down"), std::string::npos) << server.end;
}

// RFC 9260 11.1 sack-immediately: the I bit goes on the DATA chunk of the message sent with the
// flag (it is marked before send() flushes, so even a message that leaves at once carries it).
TEST(Api, SackImmediatelySetsTheIBitOnThatMessageOnly) {
  auto listener = Listener::listen(5006, base_options());
  ASSERT_TRUE(listener) << listener.error().message;
  EchoServer server;
  server.start(*listener);
  auto options = base_options();
  options.udp_remote_port = listener->udp_port();
  std::vector<uint8_t> data_flags;  // of each DATA chunk we sent (first chunk of its packet)
  options.packet_trace = [&](const PacketTrace& t) {
    if (t.sent && t.packet.size() > 16 && t.packet[12] == 0) data_flags.push_back(t.packet[13]);
  };
  auto client = Association::connect("127.0.0.1", 5006, options);
  ASSERT_TRUE(client) << client.error().message;
  ASSERT_TRUE(client->send(std::string_view("plain")));
  ASSERT_TRUE(client->receive());
  SendOptions immediately;
  immediately.sack_immediately = true;
  ASSERT_TRUE(client->send(std::string_view("ack me at once"), immediately));
  ASSERT_TRUE(client->receive());
  ASSERT_EQ(data_flags.size(), 2u);
  EXPECT_EQ(data_flags[0] & 0x08, 0);  // 0x08: the I bit (RFC 9260 3.3.1)
  EXPECT_EQ(data_flags[1] & 0x08, 0x08);
  ASSERT_TRUE(client->shutdown());
}

TEST(Api, UdpLoopbackAbortReachesThePeer) {
  auto listener = Listener::listen(5001, base_options());
  ASSERT_TRUE(listener);
  EchoServer server;
  server.start(*listener);
  auto options = base_options();
  options.udp_remote_port = listener->udp_port();
  auto client = Association::connect("127.0.0.1", 5001, options);
  ASSERT_TRUE(client) << client.error().message;
  ASSERT_TRUE(client->send(std::string_view("x")));
  ASSERT_TRUE(client->receive());
  // A handle moved from refers to no association: every call says so, none touches the stack.
  Association moved = std::move(*client);
  EXPECT_EQ(client->send(std::string_view("x")).error().code, Error::Code::Closed);
  EXPECT_EQ(client->receive(10ms).error().code, Error::Code::Closed);
  EXPECT_EQ(client->status().error().code, Error::Code::Closed);
  EXPECT_EQ(client->shutdown().error().code, Error::Code::Closed);
  EXPECT_FALSE(client->is_open());
  EXPECT_TRUE(client->readable()) << "receive() returns at once";
  EXPECT_TRUE(client->take_send_failures().empty());
  client->abort("nothing to abort");
  ASSERT_TRUE(moved.is_open());
  moved.abort("test over");
  EXPECT_FALSE(moved.is_open());
  server.join();
  EXPECT_NE(server.end.find("aborted by the peer"), std::string::npos) << server.end;
}

// Assigning over a handle aborts its association and forgets it: the stack it shares with the
// Listener keeps no entry for it (one leaked per assignment before). The handle moved from has
// no descriptor and nothing to run.
TEST(Api, AssigningOverAnAcceptedHandleForgetsItsAssociation) {
  auto listener = Listener::listen(5007, base_options());
  ASSERT_TRUE(listener);
  auto options = base_options();
  options.udp_remote_port = listener->udp_port();
  std::optional<Expected<Association>> clients[2];
  std::atomic<bool> connected{false};
  std::thread connector([&] {
    for (auto& c : clients) c.emplace(Association::connect("127.0.0.1", 5007, options));
    connected = true;
  });
  auto first = listener->accept();
  auto second = listener->accept();
  // The last COOKIE ACK leaves when the listener's stack runs again.
  for (int i = 0; i < 2000 && !connected; ++i) listener->process(10ms);
  connector.join();
  ASSERT_TRUE(first) << first.error().message;
  ASSERT_TRUE(second) << second.error().message;
  for (auto& c : clients) ASSERT_TRUE(*c) << c->error().message;
  ASSERT_EQ(detail::TestAccess::stack_entries(*listener), 2u);
  *first = std::move(*second);
  EXPECT_EQ(detail::TestAccess::stack_entries(*listener), 1u);
  EXPECT_TRUE(first->is_open());
  EXPECT_EQ(second->fd(), -1);
  second->process();  // nothing to run, and no crash
  EXPECT_GE(first->fd(), 0);
  first->abort("test over");
}

TEST(Api, AMovedFromListenerListensOnNothingAndSaysSo) {
  auto listener = Listener::listen(5008, base_options());
  ASSERT_TRUE(listener);
  Listener moved_to = std::move(*listener);
  EXPECT_GE(moved_to.fd(), 0);
  // The moved-from handle: no descriptor, no port, nothing to run, and accept() says why.
  EXPECT_EQ(listener->fd(), -1);
  EXPECT_EQ(listener->udp_port(), 0);
  listener->process();
  listener->process(1ms);
  EXPECT_FALSE(listener->try_accept());
  auto accepted = listener->accept();
  ASSERT_FALSE(accepted);
  EXPECT_EQ(accepted.error().code, Error::Code::Closed);
  EXPECT_NE(accepted.error().message.find("moved from"), std::string::npos) << accepted.error().message;
  EXPECT_FALSE(listener->accept(1ms));
}

// milliseconds::max() is "forever" (association.h), not the options' timeout: `sctpkit cat -l`
// accepts with it and gave up after -w seconds ("accept timed out") until the stack's wait learnt it.
TEST(Api, AcceptAndReceiveWithMaxWaitPastTheOptionsTimeout) {
  auto options = base_options();
  options.timeout = 100ms;
  auto listener = Listener::listen(5017, options);
  ASSERT_TRUE(listener) << listener.error().message;
  std::string outcome;
  std::thread server([&] {
    auto accepted = listener->accept(std::chrono::milliseconds::max());
    if (!accepted) {
      outcome = "accept: " + accepted.error().message;
      return;
    }
    auto message = accepted->receive(std::chrono::milliseconds::max());
    outcome = message ? std::string(message->data.begin(), message->data.end()) : "receive: " + message.error().message;
  });
  std::this_thread::sleep_for(400ms);  // four times the options' timeout before the client comes
  auto client_options = base_options();
  client_options.udp_remote_port = listener->udp_port();
  auto client = Association::connect("127.0.0.1", 5017, client_options);
  ASSERT_TRUE(client) << client.error().message;
  std::this_thread::sleep_for(400ms);  // and again before its message
  ASSERT_TRUE(client->send(std::string_view("late")));
  server.join();
  EXPECT_EQ(outcome, "late");
}

// RFC 9260 6.2: a message larger than the receive window can never be reassembled (the window
// closes before its last fragment), so the stack refuses such options up front and says which.
TEST(Api, AReceiveBufferSmallerThanTheLargestMessageIsRefused) {
  Options options = base_options();
  options.receive_buffer = 64 * 1024;
  options.max_message_size = 1 << 20;
  auto says_both = [](const Error& error) {
    EXPECT_EQ(error.code, Error::Code::InvalidArgument);
    for (const char* part : {"receive_buffer (65536 bytes)", "max_message_size (1048576 bytes)", "raise receive_buffer"})
      EXPECT_NE(error.message.find(part), std::string::npos) << error.message;
  };
  auto listener = Listener::listen(5013, options);
  ASSERT_FALSE(listener);
  says_both(listener.error());
  auto client = Association::connect("127.0.0.1", 5013, options);
  ASSERT_FALSE(client);
  says_both(client.error());
  options.max_message_size = options.receive_buffer;  // equal: a message of either size fits
  EXPECT_TRUE(Listener::listen(5013, options));
}

TEST(Api, NonBlockingClientDrivenThroughItsFd) {
  auto listener = Listener::listen(5003, base_options());
  ASSERT_TRUE(listener);
  EchoServer server;
  server.start(*listener);
  auto options = base_options();
  options.udp_remote_port = listener->udp_port();
  options.non_blocking = true;
  auto client = Association::connect("127.0.0.1", 5003, options);
  ASSERT_TRUE(client) << client.error().message;
  // An embedder's own loop: wait on fd(), then process().
  auto run_until = [&](const std::function<bool()>& done) {
    for (int i = 0; i < 500 && !done(); ++i) {
      pollfd p{client->fd(), POLLIN, 0};
      ::poll(&p, 1, 20);
      client->process();
    }
    return done();
  };
  ASSERT_TRUE(run_until([&] { return client->is_open(); }));
  auto nothing = client->receive();
  ASSERT_FALSE(nothing);
  EXPECT_EQ(nothing.error().code, Error::Code::WouldBlock);
  ASSERT_TRUE(client->send(std::string_view("ping"), {.stream = 1, .ppid = 42, .unordered = true}));
  std::optional<Message> echo;
  ASSERT_TRUE(run_until([&] {
    auto m = client->receive();
    if (m) echo = std::move(*m);
    return echo.has_value();
  }));
  EXPECT_EQ(std::string(echo->data.begin(), echo->data.end()), "ping");
  EXPECT_EQ(echo->stream, 1);
  EXPECT_EQ(echo->ppid, 42u);
  EXPECT_TRUE(echo->unordered);
  client->abort();
  server.join();
}

TEST(Api, NonBlockingListenerWaitsInProcessWithATimeout) {
  auto options = base_options();
  options.non_blocking = true;
  auto listener = Listener::listen(5005, options);
  ASSERT_TRUE(listener);
  // Nothing to do: it waits out the timeout (a plain process() would return at once).
  const auto start = std::chrono::steady_clock::now();
  listener->process(30ms);
  EXPECT_GE(std::chrono::steady_clock::now() - start, 25ms);
  auto none = listener->accept(0ms);
  ASSERT_FALSE(none);
  EXPECT_EQ(none.error().code, Error::Code::WouldBlock);
  EXPECT_FALSE(listener->try_accept());
  auto client_options = base_options();
  client_options.udp_remote_port = listener->udp_port();
  std::string echoed;
  std::thread client([&] {
    auto a = Association::connect("127.0.0.1", 5005, client_options);
    if (!a || !a->send(std::string_view("ping"))) return;
    if (auto m = a->receive()) echoed.assign(m->data.begin(), m->data.end());
    (void)a->shutdown();
  });
  // A server whose only wait is process(timeout): no poll of its own.
  std::optional<Association> server;
  bool replied = false;
  for (int i = 0; i < 1000 && !replied; ++i) {
    listener->process(20ms);
    if (!server)
      server = listener->try_accept();  // nullopt until the handshake is done
    if (server && server->readable())
      if (auto m = server->receive(0ms)) replied = static_cast<bool>(server->send(m->data));
  }
  EXPECT_TRUE(replied);
  // The client's SHUTDOWN is answered from the same loop.
  for (int i = 0; i < 1000 && server && server->is_open(); ++i) {
    listener->process(20ms);
    while (server->readable() && server->receive(0ms)) {
    }
  }
  client.join();
  EXPECT_EQ(echoed, "ping");
}

TEST(Api, MultiHomedListenerListsItsAddressesInTheHandshake) {
  auto options = base_options();
  // All of 127/8 is local: two addresses of one host stand in for two interfaces.
  options.local_addresses = {"127.0.0.1", "127.0.0.2"};
  auto listener = Listener::listen(5004, options);
  ASSERT_TRUE(listener) << listener.error().message;
  EchoServer server;
  server.start(*listener);
  auto client_options = base_options();
  client_options.udp_remote_port = listener->udp_port();
  auto client = Association::connect("127.0.0.1", 5004, client_options);
  ASSERT_TRUE(client) << client.error().message;
  auto status = client->status();
  ASSERT_TRUE(status);
  std::vector<std::string> paths;
  for (const auto& p : status->paths) paths.push_back(p.address);
  // Only the client's own calls run its engine: no HEARTBEAT ACK can have been read yet.
  for (const auto& p : status->paths) EXPECT_EQ(p.confirmed, p.address == "127.0.0.1") << p.address;
  std::sort(paths.begin(), paths.end());
  EXPECT_EQ(paths, (std::vector<std::string>{"127.0.0.1", "127.0.0.2"}));
  ASSERT_TRUE(client->send(std::string_view("m")));
  ASSERT_TRUE(client->receive());
  // RFC 9260 5.4: the address connected to is confirmed by the handshake; the other one the
  // listener listed only once its HEARTBEAT (sent at once) is answered, which status() reports.
  const auto confirmed = [&](const std::string& address) {
    auto s = client->status();
    for (const auto& p : s ? s->paths : std::vector<PathInfo>{})
      if (p.address == address) return p.confirmed;
    return false;
  };
  EXPECT_TRUE(confirmed("127.0.0.1"));
  for (int i = 0; i < 100 && !confirmed("127.0.0.2"); ++i) (void)client->receive(std::chrono::milliseconds(50));
  EXPECT_TRUE(confirmed("127.0.0.2"));
  ASSERT_TRUE(client->shutdown());
  server.join();
}

// Options::max_peer_addresses reaches the engine: a client keeping one address of a listener that
// lists two has one path, the one it connected to.
TEST(Api, MaxPeerAddressesBoundsThePathsAnAssociationKeeps) {
  auto options = base_options();
  options.local_addresses = {"127.0.0.1", "127.0.0.2"};
  auto listener = Listener::listen(5006, options);
  ASSERT_TRUE(listener) << listener.error().message;
  EchoServer server;
  server.start(*listener);
  auto client_options = base_options();
  client_options.udp_remote_port = listener->udp_port();
  client_options.max_peer_addresses = 1;
  auto client = Association::connect("127.0.0.1", 5006, client_options);
  ASSERT_TRUE(client) << client.error().message;
  auto status = client->status();
  ASSERT_TRUE(status);
  ASSERT_EQ(status->paths.size(), 1u);
  EXPECT_EQ(status->paths[0].address, "127.0.0.1");
  ASSERT_TRUE(client->send(std::string_view("m")));
  ASSERT_TRUE(client->receive());
  ASSERT_TRUE(client->shutdown());
  server.join();
}

TEST(Api, ConnectToNobodyTimesOutOrFails) {
  auto options = base_options();
  options.timeout = 1s;
  options.udp_remote_port = 1;  // nothing listens there
  auto client = Association::connect("127.0.0.1", 5002, options);
  ASSERT_FALSE(client);
  EXPECT_TRUE(client.error().code == Error::Code::Timeout || client.error().code == Error::Code::ConnectFailed);
}

// Raw IP across two namespaces (or within one), each end with raw sockets or packet I/O (AF_PACKET):
// handshake, messages up to 1 MiB both ways (SCTP fragments them to the MTU), shutdown.
void raw_echo(const std::string& server_address, RawIo server_io = RawIo::Socket, RawIo client_io = RawIo::Socket,
              bool same_namespace = false) {
  net::testing::NetnsPair pair;
  if (!pair.available()) GTEST_SKIP() << pair.reason();
  auto options = base_options();
  options.transport = TransportKind::RawIp;
  std::optional<Listener> listener;
  {
    net::testing::InNetns in(pair.a());
    options.raw_io = server_io;
    auto l = Listener::listen(7000, options);
    ASSERT_TRUE(l) << l.error().message;
    listener.emplace(std::move(*l));
  }
  EchoServer server;
  server.start(*listener);
  std::optional<Association> client;
  {
    net::testing::InNetns in(same_namespace ? pair.a() : pair.b());
    options.raw_io = client_io;
    auto c = Association::connect(server_address, 7000, options);
    ASSERT_TRUE(c) << c.error().message;
    client.emplace(std::move(*c));
  }
  echo_many(*client);
  ASSERT_TRUE(client->shutdown());
  server.join();
  EXPECT_GT(server.echoed, 0u);
}

TEST(Api, PacketIoServerWithRawSocketClient) {
  raw_echo("10.201.0.1", RawIo::Packet, RawIo::Socket);
}
TEST(Api, PacketIoClientWithRawSocketServer) {
  raw_echo("10.201.0.1", RawIo::Socket, RawIo::Packet);
}
// Loopback is not Ethernet: both ends send through their raw sockets and receive from their rings.
TEST(Api, PacketIoOverLoopback) { raw_echo("127.0.0.1", RawIo::Packet, RawIo::Packet, true); }

TEST(Api, RawIpv4AcrossNamespaces) { raw_echo(net::testing::NetnsPair::a_v4().to_string()); }
TEST(Api, RawIpv6AcrossNamespaces) { raw_echo(net::testing::NetnsPair::a_v6().to_string()); }

}  // namespace
}  // namespace sctpkit
