// The `kernel` transport (src/net/kernel_socket.*) where it can run: `sctpkit cat --kernel` inside
// the guest (the binary and its libraries appended to the initramfs) against sctpkit's userspace
// stack in the namespace, both directions, and auto selection picking the kernel there.
#include <gtest/gtest.h>

#include <poll.h>

#include <functional>
#include <optional>
#include <string>

#include "engine_peer.h"
#include "kernel/interop_support.h"
#include "net/raw_ip_transport.h"

namespace sctpkit::kernel_test {
namespace {

using std::chrono::seconds;

// Our stack connects (raw IPv4) to `sctpkit cat -l --kernel --echo` in the guest.
TEST(KernelBackend, GuestCatKernelEchoServesOurStack) {
  SCTPKIT_KERNEL_PEER(peer);
  SCTPKIT_GUEST_TOOL(peer);
  Options options = prepare_carrier(*peer, Carrier::RawIpv4);
  KernelView view(*peer);
  const uint16_t port = 6301;
  peer->start_program("kcat_echo", "sctpkit cat -l --kernel --echo --streams 16 -w 60 " + std::to_string(port) +
                                       "; echo exit=$?");
  // The listener shows in the kernel's endpoint table once it is up.
  bool listening = false;
  for (int i = 0; i < 100 && !listening; ++i) listening = peer->proc_sctp("eps").find(" 6301 ") != std::string::npos;
  ASSERT_TRUE(listening) << peer->program_log("kcat_echo");
  std::optional<Association> association;
  peer->in_namespace([&] {
    auto connected = Association::connect(kGuestIpv4, port, options);
    if (connected) association.emplace(std::move(*connected));
    else ADD_FAILURE() << connected.error().message;
  });
  ASSERT_TRUE(association) << peer->program_log("kcat_echo");
  auto status = association->status();
  ASSERT_TRUE(status);
  EXPECT_EQ(status->outbound_streams, 16);  // cat's --streams went into SCTP_INITMSG
  const struct {
    size_t size;
    uint16_t stream;
    bool unordered;
  } samples[] = {{1, 0, false}, {1000, 5, true}, {20000, 15, false}, {100000, 2, true}};
  for (size_t i = 0; i < std::size(samples); ++i) {
    const auto data = pattern(samples[i].size, static_cast<unsigned>(i));
    ASSERT_TRUE(association->send(data, {samples[i].stream, 70 + static_cast<uint32_t>(i), samples[i].unordered}));
    auto echo = association->receive(seconds(60));
    ASSERT_TRUE(echo) << echo.error().message << "\n" << peer->program_log("kcat_echo");
    EXPECT_EQ(echo->stream, samples[i].stream);
    EXPECT_EQ(echo->ppid, 70 + i);  // the kernel backend keeps the PPID (sinfo_ppid, network order)
    EXPECT_EQ(echo->unordered, samples[i].unordered);
    EXPECT_TRUE(echo->data == data) << i;
  }
  EXPECT_TRUE(association->shutdown());
  EXPECT_EQ(association->close_reason().rfind("shut down", 0), 0u) << association->close_reason();
  // Without -k the cat ends with its association: a graceful one is exit 0.
  EXPECT_TRUE(peer->wait_for_line("kcat_echo", "exit=0")) << peer->program_log("kcat_echo");
  view.expect_clean_after_close();
}

// `sctpkit cat --kernel` in the guest sends lines to our Listener (raw IPv6) on the stream and PPID
// it was given, then shuts down at the end of its input.
TEST(KernelBackend, GuestCatKernelClientSendsToOurListener) {
  SCTPKIT_KERNEL_PEER(peer);
  SCTPKIT_GUEST_TOOL(peer);
  Options options = prepare_carrier(*peer, Carrier::RawIpv6);
  KernelView view(*peer);
  const uint16_t port = 6302;
  std::optional<Listener> listener;
  peer->in_namespace([&] {
    auto listening = Listener::listen(port, options);
    if (listening) listener.emplace(std::move(*listening));
    else ADD_FAILURE() << listening.error().message;
  });
  ASSERT_TRUE(listener);
  peer->run("printf 'one\\ntwo\\nthree\\n' > /tmp/kcat_input");
  peer->start_program("kcat_client", "sctpkit cat --kernel --lines --stream 4 --ppid 99 --unordered -w 60 " +
                                         std::string(kHostIpv6) + " " + std::to_string(port) +
                                         " < /tmp/kcat_input; echo exit=$?");
  auto association = listener->accept(seconds(60));
  ASSERT_TRUE(association) << association.error().message << "\n" << peer->program_log("kcat_client");
  std::string received;
  for (;;) {
    auto message = association->receive(seconds(60));
    if (!message) {
      EXPECT_EQ(message.error().code, Error::Code::Closed) << message.error().message;
      break;
    }
    EXPECT_EQ(message->stream, 4);
    EXPECT_EQ(message->ppid, 99u);
    EXPECT_TRUE(message->unordered);
    received.append(message->data.begin(), message->data.end());
  }
  EXPECT_EQ(received, "one\ntwo\nthree\n");
  EXPECT_TRUE(peer->wait_for_line("kcat_client", "exit=0")) << peer->program_log("kcat_client");
  // receive() reports the peer's SHUTDOWN once everything was read; shutdown() completes our part.
  EXPECT_TRUE(association->shutdown());
  EXPECT_EQ(association->close_reason().rfind("shut down", 0), 0u) << association->close_reason();
  view.expect_clean_after_close();
}

// A bare engine of ours (raw IPv4 from the namespace) loses its state and sets the association up
// again from the same address and port: the kernel restarts it (RFC 9260 5.2.4 action A) and
// tells `sctpkit cat --kernel` with SCTP_RESTART (RFC 6458 6.1.1), which cat reports through
// Association::peer_restarts(); the association goes on. Both of cat's server loops: one peer, -k.
TEST(KernelBackend, GuestCatKernelReportsAPeerRestart) {
  SCTPKIT_KERNEL_PEER(peer);
  SCTPKIT_GUEST_TOOL(peer);
  prepare_carrier(*peer, Carrier::RawIpv4);
  for (const std::string mode : {"", "-k "}) {
    const uint16_t port = mode.empty() ? 6304 : 6306;
    const std::string name = mode.empty() ? "kcat_restart" : "kcat_restart_k";
    peer->start_program(name, "sctpkit cat -l --kernel --echo " + mode + "-w 60 " + std::to_string(port) +
                                  "; echo exit=$?");
    bool listening = false;
    for (int i = 0; i < 100 && !listening; ++i)
      listening = peer->proc_sctp("eps").find(" " + std::to_string(port) + " ") != std::string::npos;
    ASSERT_TRUE(listening) << peer->program_log(name);
    std::unique_ptr<net::RawIpTransport> transport;
    peer->in_namespace([&] {
      net::RawIpOptions raw;
      raw.local_addresses = {*wire::IpAddress::parse(kHostIpv4)};
      auto opened = net::RawIpTransport::open(raw);
      if (auto* t = std::get_if<std::unique_ptr<net::RawIpTransport>>(&opened)) transport = std::move(*t);
      else ADD_FAILURE() << std::get<net::TransportError>(opened).message;
    });
    ASSERT_TRUE(transport);
    test::EnginePeer engine(std::move(transport), static_cast<uint16_t>(port + 1), *wire::IpAddress::parse(kGuestIpv4));
    const auto pump_until = [&](const std::function<bool()>& done) {
      const auto deadline = std::chrono::steady_clock::now() + seconds(30);
      while (!done() && std::chrono::steady_clock::now() < deadline) {
        pollfd fd{engine.fds()[0], POLLIN, 0};
        ::poll(&fd, 1, 10);
        engine.pump();
      }
      return done();
    };
    engine.connect(port);
    ASSERT_TRUE(pump_until([&] { return engine.count<assoc::ConnectedEvent>() == 1; })) << peer->program_log(name);
    engine.restart();
    engine.connect(port);
    ASSERT_TRUE(pump_until([&] { return engine.count<assoc::ConnectedEvent>() == 2; })) << peer->program_log(name);
    // cat says so at once (the notification alone wakes it), and the association goes on: a
    // message after the restart comes back.
    EXPECT_TRUE(peer->wait_for_line(name, "sctpkit cat: the peer restarted")) << mode << peer->program_log(name);
    const auto ids = engine.endpoint().associations();
    ASSERT_EQ(ids.size(), 1u);
    const std::string text = "after the restart";
    engine.endpoint().send(ids.front(), wire::Bytes(reinterpret_cast<const uint8_t*>(text.data()), text.size()),
                           wire::StreamId{0}, wire::Ppid{0}, false, net::EventLoop::now());
    ASSERT_TRUE(pump_until([&] { return engine.count<assoc::MessageEvent>() == 1; })) << peer->program_log(name);
    engine.endpoint().abort(ids.front(), "done", net::EventLoop::now());
    engine.pump();
    peer->stop_program(name);
  }
}

// In the guest the module is loaded, so cat without a transport flag uses the kernel; its -z line
// names the transport and the streams the kernel negotiated with the guest's own echo server.
TEST(KernelBackend, AutoPicksTheKernelWhereTheModuleIsLoaded) {
  SCTPKIT_KERNEL_PEER(peer);
  SCTPKIT_GUEST_TOOL(peer);
  peer->start_program("kcat_auto_echo", "echo_stream 6303");
  ASSERT_TRUE(peer->wait_for_line("kcat_auto_echo", "ready")) << peer->program_log("kcat_auto_echo");
  const CommandResult probe = peer->run("sctpkit cat -z --streams 8 127.0.0.1 6303", seconds(60));
  EXPECT_EQ(probe.exit_code, 0) << probe.output;
  EXPECT_NE(probe.output.find("(kernel transport, streams 8 out / 16 in)"), std::string::npos) << probe.output;
  const CommandResult aborted = peer->run("sctpkit cat --kernel -w 20 127.0.0.1 6399 < /dev/null", seconds(60));
  EXPECT_EQ(aborted.exit_code, 5) << "RFC 9260 8.4: an INIT to a closed port gets an ABORT\n" << aborted.output;
  peer->stop_program("kcat_auto_echo");
}

}  // namespace
}  // namespace sctpkit::kernel_test
