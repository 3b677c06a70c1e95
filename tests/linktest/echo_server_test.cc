#include "linktest/echo_server.h"

#include <gtest/gtest.h>

#include <thread>

namespace sctpkit::linktest {
namespace {

using namespace std::chrono_literals;

// An EchoServer on a thread over UDP on loopback, stopped and joined on every path.
class EchoServerTest : public ::testing::Test {
 protected:
  void start(ControlHandler handler) {
    Options options;
    options.udp_local_port = 0;
    options.local_addresses = {"127.0.0.1"};
    auto opened = EchoServer::open(30195, options);
    ASSERT_TRUE(opened.ok()) << opened.error().message;
    server_ = std::move(*opened);
    if (handler) server_->set_control_handler(std::move(handler));
    server_->set_event_handler([this](const ServerEvent& e) {
      if (e.kind == ServerEvent::Kind::Ended) ended_ = true;
    });
    thread_ = std::thread([this] { server_->run(stop_, 20ms); });
  }
  void TearDown() override {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
  }
  Expected<Association> connect() {
    Options options;
    options.udp_remote_port = server_->udp_port();
    options.timeout = 20s;
    return Association::connect("127.0.0.1", 30195, options);
  }

  std::unique_ptr<EchoServer> server_;
  std::atomic<bool> stop_{false};
  std::atomic<bool> ended_{false};
  std::thread thread_;
};

TEST_F(EchoServerTest, EchoesOnTheSameStreamWithPpidAndOrdering) {
  start(nullptr);
  auto a = connect();
  ASSERT_TRUE(a.ok()) << a.error().message;
  ASSERT_TRUE(a->send("hello", SendOptions{3, 42, true}).ok());
  auto echo = a->receive(20s);
  ASSERT_TRUE(echo.ok()) << echo.error().message;
  EXPECT_EQ(std::string(echo->data.begin(), echo->data.end()), "hello");
  EXPECT_EQ(echo->stream, 3);
  EXPECT_EQ(echo->ppid, 42u);
  EXPECT_TRUE(echo->unordered);
  // Without a handler a control message is echoed like any other.
  ASSERT_TRUE(a->send("ping", SendOptions{kControlStream, kControlPpid, false}).ok());
  echo = a->receive(20s);
  ASSERT_TRUE(echo.ok());
  EXPECT_EQ(std::string(echo->data.begin(), echo->data.end()), "ping");
  ASSERT_TRUE(a->shutdown().ok());
  EXPECT_EQ(a->close_reason().rfind("shut down", 0), 0u) << a->close_reason();
}

TEST_F(EchoServerTest, ControlRequestsGoToTheHandlerAndItsAnswerComesBack) {
  start([](std::string_view request) -> std::optional<std::string> {
    if (request == "quiet") return std::nullopt;
    return "answer to " + std::string(request);
  });
  auto a = connect();
  ASSERT_TRUE(a.ok()) << a.error().message;
  ASSERT_TRUE(a->send("quiet", SendOptions{kControlStream, kControlPpid, false}).ok());
  ASSERT_TRUE(a->send("status", SendOptions{kControlStream, kControlPpid, false}).ok());
  ASSERT_TRUE(a->send("data", SendOptions{1, kControlPpid, false}).ok()) << "only stream 0 carries control";
  auto reply = a->receive(20s);
  ASSERT_TRUE(reply.ok()) << reply.error().message;
  EXPECT_EQ(std::string(reply->data.begin(), reply->data.end()), "answer to status") << "no reply to 'quiet'";
  EXPECT_EQ(reply->stream, kControlStream);
  EXPECT_EQ(reply->ppid, kControlPpid);
  auto echo = a->receive(20s);
  ASSERT_TRUE(echo.ok());
  EXPECT_EQ(std::string(echo->data.begin(), echo->data.end()), "data");
  EXPECT_EQ(echo->stream, 1);
  a->abort("done");
  for (int i = 0; i < 200 && !ended_; ++i) std::this_thread::sleep_for(50ms);
  EXPECT_TRUE(ended_) << "the server reaps an aborted association";
  stop_ = true;
  thread_.join();
  EXPECT_EQ(server_->open_associations(), 0u);
}

}  // namespace
}  // namespace sctpkit::linktest
