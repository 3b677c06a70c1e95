// An embedder's mistakes meet clear Errors before any packet leaves, never a crash or an
// association that silently sends nothing (qa19's pass over the public API).
#include <gtest/gtest.h>

#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "sctpkit/sctpkit.h"

namespace sctpkit {
namespace {

using namespace std::chrono_literals;

struct Nonsense {
  const char* what;
  std::function<void(Options&)> set;
  const char* says;  // a part of the message
};

// Each was accepted before: OS or MIS 0 got the peer's ABORT, an MTU above 65535 left every DATA
// chunk too large to build (the association sent nothing and its shutdown timed out), a send
// buffer below max_message_size refused every message as "larger than max_message_size".
TEST(ApiMisuse, NonsenseOptionsAreRefusedWithInvalidArgument) {
  const std::vector<Nonsense> cases = {
      {"OS 0", [](Options& o) { o.outbound_streams = 0; }, "outbound_streams is 0"},
      {"MIS 0", [](Options& o) { o.max_inbound_streams = 0; }, "max_inbound_streams is 0"},
      {"MTU 1,000,000", [](Options& o) { o.mtu = 1'000'000; }, "MTU above 65535"},
      {"max_message_size 0", [](Options& o) { o.max_message_size = 0; }, "max_message_size is 0"},
      {"send_buffer 0", [](Options& o) { o.send_buffer = 0; }, "send_buffer (0 bytes) is smaller than max_message_size"},
      {"rto_initial -5 ms", [](Options& o) { o.rto_initial = -5ms; }, "rto_initial and rto_min must be above 0"},
      {"rto_min 0", [](Options& o) { o.rto_min = 0ms; }, "rto_initial and rto_min must be above 0"},
      {"max_init_retransmits -1", [](Options& o) { o.max_init_retransmits = -1; }, "retransmission limit is negative"},
      {"heartbeat_interval -1 ms", [](Options& o) { o.heartbeat_interval = -1ms; }, "heartbeat_interval is negative"},
      {"timeout -1 ms", [](Options& o) { o.timeout = -1ms; }, "timeout is negative"},
      {"busy_poll -1 us", [](Options& o) { o.busy_poll = -1us; }, "busy_poll is negative"},
      {"max_peer_addresses 0", [](Options& o) { o.max_peer_addresses = 0; }, "max_peer_addresses is 0"},
  };
  for (const auto& c : cases) {
    Options options;
    options.udp_local_port = 0;
    options.local_addresses = {"127.0.0.1"};
    c.set(options);
    auto listener = Listener::listen(5091, options);
    ASSERT_FALSE(listener) << c.what;
    EXPECT_EQ(listener.error().code, Error::Code::InvalidArgument) << c.what;
    EXPECT_NE(listener.error().message.find(c.says), std::string::npos) << c.what << ": " << listener.error().message;
    auto client = Association::connect("127.0.0.1", 5091, options);
    ASSERT_FALSE(client) << c.what;
    EXPECT_EQ(client.error().code, Error::Code::InvalidArgument) << c.what << ": " << client.error().message;
  }
}

// RFC 9260 3.1: no packet goes to port 0; connect() waited for its whole timeout, then "no answer".
TEST(ApiMisuse, ConnectingToPortZeroIsRefusedAtOnce) {
  Options options;
  options.timeout = 30s;
  auto client = Association::connect("127.0.0.1", 0, options);
  ASSERT_FALSE(client);
  EXPECT_EQ(client.error().code, Error::Code::InvalidArgument) << client.error().message;
  EXPECT_NE(client.error().message.find("port 0"), std::string::npos) << client.error().message;
}

// The kernel backend cast them into its socket options; now refused before any socket is made, so
// the answer is the same with or without the sctp module.
TEST(ApiMisuse, NonsenseTimersAreRefusedOnTheKernelTransportToo) {
  const std::vector<std::pair<std::function<void(Options&)>, const char*>> cases = {
      {[](Options& o) { o.rto_initial = -5ms; }, "rto_initial and rto_min must be above 0"},
      {[](Options& o) { o.max_init_retransmits = -1; }, "retransmission limit is negative"},
      {[](Options& o) { o.heartbeat_interval = -1ms; }, "heartbeat_interval is negative"},
      {[](Options& o) { o.timeout = -1ms; }, "timeout is negative"},
  };
  for (const auto& [set, says] : cases) {
    Options options;
    options.transport = TransportKind::Kernel;
    set(options);
    auto listener = Listener::listen(5094, options);
    ASSERT_FALSE(listener) << says;
    EXPECT_EQ(listener.error().code, Error::Code::InvalidArgument) << listener.error().message;
    EXPECT_NE(listener.error().message.find(says), std::string::npos) << listener.error().message;
    auto client = Association::connect("127.0.0.1", 5094, options);
    ASSERT_FALSE(client) << says;
    EXPECT_EQ(client.error().code, Error::Code::InvalidArgument) << client.error().message;
  }
}

TEST(ApiMisuse, TheLargestMtuStillWorks) {
  Options options;
  options.udp_local_port = 0;
  options.local_addresses = {"127.0.0.1"};
  options.mtu = 65535;
  EXPECT_TRUE(Listener::listen(5092, options));
}

}  // namespace
}  // namespace sctpkit
