// Interop with usrsctp (design.md 4 and 5): our stack against usrsctp's echo_server and client,
// both directions, over raw IPv4 and IPv6 across a veth pair of namespaces and over UDP
// encapsulation (RFC 6951), plus one cell with 5% loss. Every cell is captured with tcpdump and
// the capture must be clean for tshark and for `sctpkit dump --check`.
#include <signal.h>

#include <thread>

#include <fmt/format.h>

#include "interop/usrsctp_fixture.h"
#include "sctpkit/sctpkit.h"

namespace sctpkit::interop {
namespace {

using namespace std::chrono_literals;

constexpr uint16_t kEchoPort = 7;  // usrsctp's echo_server serves the echo port

struct Sent {
  std::string data;
  SendOptions options;
};

// Messages of several sizes: a tiny one, one that fills most of a packet, and ones that must be
// fragmented (RFC 9260 6.9) both ways; echo_server echoes up to 10240 bytes in one piece.
std::vector<Sent> echo_messages(size_t count_of_each) {
  std::vector<Sent> messages;
  const size_t sizes[] = {1, 100, 1200, 4000, 9000};
  for (size_t round = 0; round < count_of_each; ++round) {
    for (size_t i = 0; i < std::size(sizes); ++i) {
      std::string data(sizes[i], 'a');
      const std::string label = fmt::format("<{}:{}>", round, i);
      data.replace(0, std::min(label.size(), data.size()), label.substr(0, data.size()));
      for (size_t k = label.size(); k < data.size(); ++k) data[k] = static_cast<char>('a' + (k * 7 + i + round) % 26);
      messages.push_back({data, SendOptions{static_cast<uint16_t>(i % 3), static_cast<uint32_t>(40 + i), false}});
    }
  }
  return messages;
}

Options client_options(Path path) {
  Options options;
  options.transport = path == Path::Udp ? TransportKind::Udp : TransportKind::RawIp;
  options.udp_remote_port = 9899;
  // Short timers: a lost packet costs 300 ms, not the default second.
  options.rto_initial = 300ms;
  options.rto_min = 300ms;
  options.timeout = 20s;
  return options;
}

class WeConnectToEchoServer : public UsrsctpInterop, public ::testing::WithParamInterface<Path> {
 protected:
  // Starts echo_server in b: raw IP (UDP port 0) or UDP encapsulation on 9899.
  void start_echo_server(Path path) {
    server_.emplace(std::vector<std::string>{kUsrsctpDir + "/echo_server", path == Path::Udp ? "9899" : "0"}, b(),
                    "echo_server");
    ASSERT_TRUE(server_->started());
    const bool ready = path == Path::Udp ? wait_for_socket(server_->pid(), "udp6", 9899, 10s) ||
                                               wait_for_socket(server_->pid(), "udp", 9899, 1s)
                                         : wait_for_socket(server_->pid(), path == Path::RawV6 ? "raw6" : "raw", 132, 10s);
    ASSERT_TRUE(ready) << "echo_server did not open its socket: " << server_->err();
  }

  // Connects from namespace a, sends `messages`, and expects each echoed back once, on its stream
  // with its PPID; then shuts down gracefully.
  void echo_round_trip(Path path, const std::vector<Sent>& messages) {
    std::optional<Expected<Association>> connected;
    {
      net::testing::InNetns in(a());
      ASSERT_TRUE(in.ok());
      connected.emplace(Association::connect(b_address(path), kEchoPort, client_options(path)));
    }
    ASSERT_TRUE(*connected) << connected->error().message;
    Association& association = connected->value();
    for (const auto& m : messages) ASSERT_TRUE(association.send(m.data, m.options)) << "send failed";

    std::vector<Sent> echoed;
    while (echoed.size() < messages.size()) {
      auto message = association.receive(20s);
      ASSERT_TRUE(message) << "after " << echoed.size() << " echoes: " << message.error().message;
      echoed.push_back({std::string(message->data.begin(), message->data.end()),
                        SendOptions{message->stream, message->ppid, message->unordered}});
    }
    // Streams are independent (RFC 9260 6.5): per stream, the echoes come back in the order sent
    // (echo_server keeps stream and PPID).
    for (uint16_t stream = 0; stream < 3; ++stream) {
      std::vector<std::string> sent_order, echo_order;
      for (const auto& m : messages)
        if (m.options.stream == stream) sent_order.push_back(fmt::format("{}/{}", m.options.ppid, m.data));
      for (const auto& e : echoed)
        if (e.options.stream == stream) echo_order.push_back(fmt::format("{}/{}", e.options.ppid, e.data));
      EXPECT_TRUE(sent_order == echo_order) << "stream " << stream << ": echoes differ from what was sent";
    }
    ASSERT_TRUE(association.shutdown()) << association.close_reason();
    EXPECT_EQ(association.close_reason().rfind("shut down", 0), 0u) << association.close_reason();
  }

  std::optional<Child> server_;
};

TEST_P(WeConnectToEchoServer, EchoesEverySizeAndShutsDownCleanly) {
  const Path path = GetParam();
  start_echo_server(path);
  start_capture();
  echo_round_trip(path, echo_messages(1));
  EXPECT_TRUE(server_->running()) << "echo_server exited: " << server_->err();
  // Handshake 4 + shutdown 3 + data each way at the least: how many more depends on how DATA
  // and SACKs bundle (replies carry SACKs), so only the floor is asserted.
  expect_clean_capture(path, 9);
}

INSTANTIATE_TEST_SUITE_P(Paths, WeConnectToEchoServer, ::testing::Values(Path::RawV4, Path::RawV6, Path::Udp),
                         [](const auto& info) { return std::string(path_name(info.param)); });

TEST_F(WeConnectToEchoServer, EveryByteArrivesUnderFivePercentLoss) {
  start_echo_server(Path::RawV4);
  // Every 20th SCTP packet in and out of namespace a is dropped: 5%, the same in every run.
  NftLoss loss(a(), 20, false);
  if (!loss.ok()) GTEST_SKIP() << "nftables is not usable here (nft -f failed)";
  start_capture();
  echo_round_trip(Path::RawV4, echo_messages(2));
  EXPECT_GT(loss.dropped(), 0) << "the loss rule dropped nothing: the cell tested no loss";
  expect_clean_capture(Path::RawV4, 30);
}

class UsrsctpClientConnectsToUs : public UsrsctpInterop, public ::testing::WithParamInterface<Path> {};

TEST_P(UsrsctpClientConnectsToUs, CatEchoServesItAndBothCloseGracefully) {
  const Path path = GetParam();
  const uint16_t port = 5001;
  Child cat({std::string(SCTPKIT_BINARY_DIR) + "/sctpkit", "cat", "-l", "--echo",
             path == Path::Udp ? "--udp=9899" : "--raw", std::to_string(port)},
            b(), "sctpkit_cat");
  ASSERT_TRUE(cat.started());
  const bool ready = path == Path::Udp ? wait_for_socket(cat.pid(), "udp", 9899, 10s)
                                       : wait_for_socket(cat.pid(), path == Path::RawV6 ? "raw6" : "raw", 132, 10s);
  ASSERT_TRUE(ready) << "sctpkit cat did not open its socket: " << cat.err();
  start_capture();

  // The client: `client addr port local_port local_udp_port remote_udp_port`; UDP port 0 is raw IP.
  std::vector<std::string> args{kUsrsctpDir + "/client", b_address(path), std::to_string(port), "0"};
  if (path == Path::Udp) {
    args.insert(args.end(), {"9899", "9899"});
  } else {
    args.insert(args.end(), {"0"});
  }
  Child client(args, a(), "usrsctp_client");
  ASSERT_TRUE(client.started());
  // client sends each stdin line (fgets of 80 bytes: a longer line becomes several messages).
  const std::string text = "hello from usrsctp\nx\n" + std::string(200, 'L') + "\n" + std::string(79, 'm');
  client.write(text + "\n");
  const bool echoed = client.wait_for_out(text, 20s);
  client.close_stdin();  // EOF: the client shuts the association down
  EXPECT_TRUE(echoed) << "client stdout: " << client.out() << "\nclient stderr: " << client.err();
  EXPECT_EQ(client.wait(20s), 0) << client.err();
  EXPECT_NE(client.out().find("SCTP_SHUTDOWN_COMP"), std::string::npos) << client.out();
  EXPECT_EQ(cat.wait(20s), 0) << cat.err();
  expect_clean_capture(path, 12);
}

INSTANTIATE_TEST_SUITE_P(Paths, UsrsctpClientConnectsToUs, ::testing::Values(Path::RawV4, Path::RawV6, Path::Udp),
                         [](const auto& info) { return std::string(path_name(info.param)); });

}  // namespace
}  // namespace sctpkit::interop
