// `sctpkit cat` when its peer restarts (RFC 9260 5.2.4): the association goes on, and cat says on
// stderr that what the peer had not acknowledged may be lost. The peer is a bare engine the test
// drives (tests/engine_peer.h), which can vanish without an ABORT and come back on the same ports.
#include <poll.h>
#include <unistd.h>

#include <chrono>
#include <functional>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "cat_process.h"
#include "engine_peer.h"
#include "free_port.h"

namespace sctpkit::tools {
namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;
using namespace testing;  // Process, the exit codes

TEST(CatRestart, APeerRestartIsReportedOnStderrAndTheAssociationGoesOn) {
  const uint16_t udp = test::free_udp_port();
  const auto sctp = static_cast<uint16_t>(20000 + ::getpid() % 20000);
  Process cat({"cat", "-l", "--udp=" + std::to_string(udp), std::to_string(sctp)});
  test::EnginePeer peer(static_cast<uint16_t>(sctp + 1), udp);
  const auto pump_until = [&](const std::function<bool()>& done, bool deaf = false) {
    const auto deadline = std::chrono::steady_clock::now() + 15s;
    while (!done() && std::chrono::steady_clock::now() < deadline) {
      pollfd fd{peer.fds()[0], POLLIN, 0};
      ::poll(&fd, 1, 10);
      peer.pump(deaf);
    }
    return done();
  };
  peer.connect(sctp);  // if cat is not listening yet, T1-init sends the INIT again (RFC 9260 5.1)
  ASSERT_TRUE(pump_until([&] { return peer.count<assoc::ConnectedEvent>() == 1; })) << cat.err();
  // A message reaches the peer, which never acknowledges it: it is about to crash.
  cat.write("lost");
  ASSERT_TRUE(pump_until([&] { return peer.unread > 0; }, /*deaf=*/true));
  peer.restart();
  peer.connect(sctp);
  ASSERT_TRUE(pump_until([&] { return peer.count<assoc::ConnectedEvent>() == 2; })) << cat.err();
  EXPECT_THAT(cat.read_stderr_until("restarted", 10s),
              HasSubstr("sctpkit cat: the peer restarted; 1 message it had not acknowledged may be lost\n"));
  // The association goes on: what cat reads next reaches the restarted peer.
  cat.write("again");
  ASSERT_TRUE(pump_until([&] { return peer.count<assoc::MessageEvent>() == 1; })) << cat.err();
  const auto ids = peer.endpoint().associations();
  ASSERT_EQ(ids.size(), 1u);
  peer.endpoint().abort(ids.front(), "done", net::EventLoop::now());
  peer.pump();
  EXPECT_EQ(cat.wait(10s), kExitAborted) << cat.err();
}

}  // namespace
}  // namespace sctpkit::tools
