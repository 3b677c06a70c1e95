// The `kernel` transport (src/net/kernel_socket.*) where it can run: `sctpkit cat --kernel` inside
// the guest (the binary and its libraries appended to the initramfs) against sctpkit's userspace
// stack in the namespace, both directions, and auto selection picking the kernel there.
#include <gtest/gtest.h>

#include <optional>
#include <string>

#include "kernel/interop_support.h"

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
