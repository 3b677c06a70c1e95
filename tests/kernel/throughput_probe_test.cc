// Indicative throughput between our stack and the kernel (software emulation: the guest's CPU is
// the bottleneck). Disabled by default; run by hand for the figures in docs/kernel-interop.md:
//   build/release/tests/kernel_tests --gtest_also_run_disabled_tests --gtest_filter='*Throughput*'
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <thread>

#include "kernel/interop_support.h"

namespace sctpkit::kernel_test {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::seconds;

constexpr int kMessages = 400;
constexpr size_t kSize = 16384;

double megabytes_per_second(Clock::time_point start) {
  const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
  return static_cast<double>(kMessages) * kSize / elapsed / 1e6;
}

TEST(Throughput, DISABLED_OurStackToKernelSinkAndBack) {
  SCTPKIT_KERNEL_PEER(peer);
  for (Carrier carrier : {Carrier::RawIpv4, Carrier::UdpIpv4}) {
    Options options = prepare_carrier(*peer, carrier);
    const uint16_t port = info(carrier).port_base + 9;
    peer->start_program("tp_sink", "discard " + std::to_string(port));
    ASSERT_TRUE(peer->wait_for_line("tp_sink", "ready")) << peer->program_log("tp_sink");
    std::optional<Association> association;
    peer->in_namespace([&] {
      auto connected = Association::connect(info(carrier).guest_address, port, options);
      if (connected) association.emplace(std::move(*connected));
    });
    ASSERT_TRUE(association);
    const auto data = pattern(kSize, 1);
    const auto start = Clock::now();
    for (int i = 0; i < kMessages; ++i) ASSERT_TRUE(association->send(data, {static_cast<uint16_t>(i % 8), 1, false}));
    ASSERT_TRUE(association->shutdown());  // returns once the kernel acknowledged everything
    const double out = megabytes_per_second(start);
    EXPECT_TRUE(peer->wait_for_line("tp_sink", "closed messages=" + std::to_string(kMessages)))
        << peer->program_log("tp_sink");
    peer->stop_program("tp_sink");

    // The kernel sends to our listener.
    std::optional<Listener> listener;
    peer->in_namespace([&] {
      auto listening = Listener::listen(port, options);
      if (listening) listener.emplace(std::move(*listening));
    });
    ASSERT_TRUE(listener);
    peer->start_program("tp_client", "client -n " + std::to_string(kMessages) + " -l " + std::to_string(kSize) + " " +
                                         info(carrier).host_address + " " + std::to_string(port));
    auto accepted = listener->accept(seconds(60));
    ASSERT_TRUE(accepted) << accepted.error().message;
    const auto in_start = Clock::now();
    int received = 0;
    while (accepted->receive(seconds(60))) ++received;
    const double in = megabytes_per_second(in_start);
    EXPECT_EQ(received, kMessages);
    std::printf("%s: our stack -> kernel %.1f MB/s, kernel -> our stack %.1f MB/s (%d x %zu B)\n",
                info(carrier).name, out, in, kMessages, kSize);
    accepted->shutdown();
  }
}

// `sctpkit perf` across the link, each way, with the kernel's sockets on the guest's end:
// `perf --kernel -c` in the guest against `perf -s` on our stack in the namespace, and our
// `perf -c` against `perf -s --kernel` in the guest. Prints each client's JSON summary.
TEST(Throughput, DISABLED_PerfWithTheKernelTransport) {
  SCTPKIT_KERNEL_PEER(peer);
  SCTPKIT_GUEST_TOOL(peer);
  for (Carrier carrier : {Carrier::RawIpv4, Carrier::UdpIpv4}) {
    prepare_carrier(*peer, carrier);
    const std::string port = std::to_string(info(carrier).port_base + 8);
    const std::string host_flag = info(carrier).udp ? "--udp=" + std::to_string(kUdpPort) : "--raw";
    // Where a slow run loses its time: the guest's retransmissions, the namespace's UDP drops.
    const auto before = peer->snmp();
    const std::string udp_counters = "ip netns exec " + peer->namespace_name() + " grep Udp: /proc/net/snmp";
    std::system(udp_counters.c_str());
    {
      HostProcess server(*peer, {SCTPKIT_TOOL, "perf", "-s", "--one-off", host_flag, "-p", port});
      std::this_thread::sleep_for(seconds(1));
      const auto run = peer->run("sctpkit perf --kernel -c " + std::string(info(carrier).host_address) + " -p " + port +
                                     " -t 5 -l 16384 -w 40 | tail -3",
                                 seconds(60));
      std::printf("%s, kernel (guest) -> our stack: exit %d\n%s\n", info(carrier).name, run.exit_code,
                  run.output.c_str());
    }
    std::system(udp_counters.c_str());
    for (const auto& [name, value] : peer->snmp())
      if (value != before.at(name) && name.find("Retrans") != std::string::npos)
        std::printf("guest %s +%lld\n", name.c_str(), value - before.at(name));
    peer->start_program("tp_perf", "sctpkit perf -s --one-off --kernel -p " + port);
    std::this_thread::sleep_for(seconds(1));
    HostProcess client(*peer, {SCTPKIT_TOOL, "perf", "-c", info(carrier).guest_address, "-p", port, host_flag, "-t",
                               "5", "-l", "16384", "-w", "40"});
    const int code = client.wait(seconds(60));
    const std::string out = client.log();
    std::printf("%s, our stack -> kernel (guest): exit %d\n%s\n", info(carrier).name, code,
                out.substr(out.size() > 400 ? out.size() - 400 : 0).c_str());
    peer->stop_program("tp_perf");
  }
}

}  // namespace
}  // namespace sctpkit::kernel_test
