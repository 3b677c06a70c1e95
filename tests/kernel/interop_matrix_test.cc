// The interop matrix: sctpkit's stack (public API, `sctpkit cat`) in the namespace against the
// kernel's SCTP in the guest, both directions, over raw IPv4, raw IPv6 and UDP encapsulation
// (RFC 6951). Each cell ends with the kernel's own view: no checksum errors, no out-of-the-blue
// packets, no association left behind.
#include <gtest/gtest.h>

#include <cstdio>
#include <optional>
#include <string>
#include <thread>

#include "kernel/interop_support.h"

namespace sctpkit::kernel_test {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

class Matrix : public ::testing::TestWithParam<Carrier> {
 protected:
  const CarrierInfo& carrier() const { return info(GetParam()); }
  std::string six() const { return GetParam() == Carrier::RawIpv6 ? "-6 " : ""; }
  // 1 MiB only where it is worth its minutes under emulation: raw IPv4 in one direction, UDP in
  // the other.
  bool large_outbound() const { return GetParam() == Carrier::RawIpv4; }
  bool large_inbound() const { return GetParam() == Carrier::UdpIpv4; }
};

struct Sample {
  size_t size;
  uint16_t stream;
  bool unordered;
};

// Sends each sample and checks its echo: same bytes, stream, PPID and U flag.
void echo_samples(Association& association, const std::vector<Sample>& samples) {
  for (size_t i = 0; i < samples.size(); ++i) {
    const auto& s = samples[i];
    const auto start = std::chrono::steady_clock::now();
    const auto data = pattern(s.size, static_cast<unsigned>(i));
    const uint32_t ppid = 1000 + static_cast<uint32_t>(i);
    auto sent = association.send(data, SendOptions{s.stream, ppid, s.unordered});
    ASSERT_TRUE(sent) << "message " << i << ": " << sent.error().message;
    auto echo = association.receive(seconds(120));
    ASSERT_TRUE(echo) << "echo " << i << " (" << s.size << " bytes): " << echo.error().message;
    EXPECT_EQ(echo->stream, s.stream) << i;
    EXPECT_EQ(echo->ppid, ppid) << i;
    EXPECT_EQ(echo->unordered, s.unordered) << i;
    EXPECT_EQ(echo->data.size(), s.size) << i;
    EXPECT_TRUE(echo->data == data) << "echo " << i << " differs";
    if (s.size >= 100000) {
      std::printf("echo of %zu bytes took %.1f s\n", s.size,
                  std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
    }
  }
}

std::optional<Association> connect_in_namespace(KernelPeer& peer, const char* address, uint16_t port,
                                                const Options& options) {
  std::optional<Association> association;
  peer.in_namespace([&] {
    auto connected = Association::connect(address, port, options);
    if (connected) association.emplace(std::move(*connected));
    else ADD_FAILURE() << "connect to the kernel at " << address << " port " << port << ": "
                       << connected.error().message;
  });
  return association;
}

// We connect to the kernel's one-to-one echo; messages 1 B..64 KiB (1 MiB in one column) on
// several streams, ordered and unordered; heartbeats both ways while idle; we shut down.
TEST_P(Matrix, WeConnectToKernelEchoAndShutDown) {
  SCTPKIT_KERNEL_PEER(peer);
  Options options = prepare_carrier(*peer, GetParam());
  ChunkCounter chunks;
  chunks.attach(options);
  KernelView view(*peer);
  const uint16_t port = carrier().port_base + 1;
  peer->start_program("m_echo", "echo_stream " + six() + std::to_string(port));
  ASSERT_TRUE(peer->wait_for_line("m_echo", "ready")) << peer->program_log("m_echo");

  auto association = connect_in_namespace(*peer, carrier().guest_address, port, options);
  ASSERT_TRUE(association);
  auto status = association->status();
  ASSERT_TRUE(status);
  EXPECT_EQ(status->state, "ESTABLISHED");
  EXPECT_EQ(status->outbound_streams, 16);  // the kernel's listener allows 16 in (SCTP_INITMSG)
  EXPECT_EQ(status->inbound_streams, 16);

  std::vector<Sample> samples = {{1, 0, false},     {100, 1, true},    {1452, 2, false},
                                 {1453, 3, true},   {9000, 4, false},  {65536, 15, true},
                                 {65536, 5, false}, {2, 6, true}};
  if (large_outbound()) samples.push_back({1 << 20, 7, false});
  echo_samples(*association, samples);
  EXPECT_TRUE(peer->wait_for_line("m_echo", "up")) << peer->program_log("m_echo");

  // Idle until both sides' heartbeats (RFC 9260 8.3) and their acks have shown, 10 s at most.
  const auto idle_until = std::chrono::steady_clock::now() + seconds(10);
  while (std::chrono::steady_clock::now() < idle_until &&
         (chunks.sent[kHeartbeat] == 0 || chunks.received[kHeartbeatAck] == 0 || chunks.received[kHeartbeat] == 0 ||
          chunks.sent[kHeartbeatAck] == 0)) {
    auto idle = association->receive(milliseconds(200));
    ASSERT_FALSE(idle) << "an unexpected message";
  }
  EXPECT_GE(chunks.sent[kHeartbeat], 1) << "we sent no HEARTBEAT";
  EXPECT_GE(chunks.received[kHeartbeatAck], 1) << "the kernel acked no HEARTBEAT";
  EXPECT_GE(chunks.received[kHeartbeat], 1) << "the kernel sent no HEARTBEAT";
  EXPECT_GE(chunks.sent[kHeartbeatAck], 1) << "we acked no HEARTBEAT";

  auto shut = association->shutdown();
  EXPECT_TRUE(shut) << shut.error().message;
  EXPECT_EQ(association->close_reason().rfind("shut down", 0), 0u) << association->close_reason();
  EXPECT_TRUE(peer->wait_for_line("m_echo", "closed")) << peer->program_log("m_echo");
  EXPECT_TRUE(peer->wait_for_line("m_echo", "echoed " + std::to_string(samples.size())))
      << peer->program_log("m_echo");
  view.expect_clean_after_close();
  EXPECT_GE(view.delta("SctpPassiveEstabs"), 1);
  EXPECT_GE(view.delta("SctpShutdowns"), 1);
  peer->stop_program("m_echo");
}

// We talk to the kernel's one-to-many echo and end with an ABORT (RFC 9260 9.1).
TEST_P(Matrix, WeConnectToKernelOneToManyAndAbort) {
  SCTPKIT_KERNEL_PEER(peer);
  Options options = prepare_carrier(*peer, GetParam());
  KernelView view(*peer);
  const uint16_t port = carrier().port_base + 2;
  peer->start_program("m_many", "echo_seqpacket " + six() + std::to_string(port));
  ASSERT_TRUE(peer->wait_for_line("m_many", "ready")) << peer->program_log("m_many");
  auto association = connect_in_namespace(*peer, carrier().guest_address, port, options);
  ASSERT_TRUE(association);
  echo_samples(*association, {{10, 0, false}, {3000, 9, true}, {200, 9, false}});
  association->abort("interop test");
  EXPECT_FALSE(association->is_open());
  view.expect_clean_after_close();
  EXPECT_EQ(view.delta("SctpAborteds"), 1);
  peer->stop_program("m_many");
}

// The kernel connects to `sctpkit cat -l -k --echo`: several streams, ordered and unordered, and
// shuts down from its side; the cat keeps listening.
TEST_P(Matrix, KernelClientAgainstCatEcho) {
  SCTPKIT_KERNEL_PEER(peer);
  prepare_carrier(*peer, GetParam());
  KernelView view(*peer);
  const uint16_t port = carrier().port_base + 3;
  HostProcess cat(*peer, {SCTPKIT_TOOL, "cat", "-l", "-k", "--echo", carrier().udp ? "--udp" : "--raw",
                          "--hb-interval", "300", "-w", "60", "--streams", "16", std::to_string(port)});
  const std::string target = std::string(carrier().host_address) + " " + std::to_string(port);
  struct Run {
    std::string flags;
    int count;
  };
  std::vector<Run> runs = {{"-n 40 -l 1 -r 16 -p 11", 40},
                           {"-n 20 -l 1500 -s 2 -r 5 -u -p 12", 20},
                           {"-n 4 -l 70000 -s 8 -r 2 -p 13 -i 1500", 4}};
  if (large_inbound()) runs.push_back({"-n 1 -l 1048576 -s 1 -p 14", 1});
  for (const auto& run : runs) {
    KernelView run_view(*peer);
    const CommandResult result = run_guest_client(*peer, "client -e " + run.flags + " " + target, seconds(90));
    EXPECT_EQ(result.exit_code, 0) << run.flags << "\n" << result.output << "\ncat:\n" << cat.log();
    EXPECT_NE(result.output.find("done sent=" + std::to_string(run.count) + " echoed=" + std::to_string(run.count)),
              std::string::npos)
        << run.flags << "\n" << result.output;
    EXPECT_EQ(run_view.delta("SctpAborteds"), 0) << run.flags << "\ncat:\n" << cat.log();
  }
  EXPECT_TRUE(cat.running()) << cat.log();
  view.expect_clean_after_close();
  EXPECT_EQ(view.delta("SctpShutdowns"), static_cast<long long>(runs.size()));
  EXPECT_EQ(view.delta("SctpAborteds"), 0);
  EXPECT_EQ(view.delta("SctpActiveEstabs"), static_cast<long long>(runs.size()));
}

// The kernel connects to our Listener and ends with an ABORT: our side sees "aborted by the peer".
TEST_P(Matrix, KernelClientAbortsOurAssociation) {
  SCTPKIT_KERNEL_PEER(peer);
  Options options = prepare_carrier(*peer, GetParam());
  KernelView view(*peer);
  const uint16_t port = carrier().port_base + 4;
  std::optional<Listener> listener;
  peer->in_namespace([&] {
    auto listening = Listener::listen(port, options);
    if (listening) listener.emplace(std::move(*listening));
    else ADD_FAILURE() << "listen: " << listening.error().message;
  });
  ASSERT_TRUE(listener);
  peer->start_program("m_abort", "client -e -a -n 5 -l 300 -s 3 -p 21 " + std::string(carrier().host_address) + " " +
                                     std::to_string(port));
  auto association = listener->accept(seconds(60));
  ASSERT_TRUE(association) << association.error().message << "\n" << peer->program_log("m_abort");
  int echoed = 0;
  for (;;) {
    auto message = association->receive(seconds(60));
    if (!message) {
      EXPECT_EQ(message.error().code, Error::Code::Closed) << message.error().message;
      break;
    }
    EXPECT_EQ(message->stream, 3);
    EXPECT_EQ(message->ppid, 21u);
    ASSERT_TRUE(association->send(message->data, SendOptions{message->stream, message->ppid, false}));
    ++echoed;
  }
  EXPECT_EQ(echoed, 5);
  EXPECT_EQ(association->close_reason().rfind("aborted by the peer", 0), 0u) << association->close_reason();
  EXPECT_TRUE(peer->wait_for_line("m_abort", "done sent=5 echoed=5")) << peer->program_log("m_abort");
  view.expect_clean_after_close();
  EXPECT_EQ(view.delta("SctpAborteds"), 1);
}

INSTANTIATE_TEST_SUITE_P(Kernel, Matrix,
                         ::testing::Values(Carrier::RawIpv4, Carrier::RawIpv6, Carrier::UdpIpv4),
                         [](const auto& param) { return carrier_name(param.param); });

}  // namespace
}  // namespace sctpkit::kernel_test
