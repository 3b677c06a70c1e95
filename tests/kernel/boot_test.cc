// (a) The kernel peer boots, the sctp module is loaded and the control channel works.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>

#include "kernel/kernel_peer.h"

namespace sctpkit::kernel_test {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

TEST(KernelPeerBoot, BootsWithSctpLoaded) {
  SCTPKIT_KERNEL_PEER(peer);
  std::printf("kernel peer: cache %.1f s, boot to ready %.1f s under %s%s%s\n", peer->cache_seconds(),
              peer->boot_seconds(), peer->accelerator().c_str(),
              peer->failed_accelerators().empty() ? "" : "; before it: ", peer->failed_accelerators().c_str());
  RecordProperty("cache_seconds", std::to_string(peer->cache_seconds()));
  RecordProperty("boot_seconds", std::to_string(peer->boot_seconds()));

  const CommandResult modules = peer->run("cut -d' ' -f1 /proc/modules");
  ASSERT_EQ(modules.exit_code, 0);
  EXPECT_NE(modules.output.find("sctp\n"), std::string::npos) << modules.output;
  EXPECT_NE(modules.output.find("virtio_net\n"), std::string::npos) << modules.output;

  const CommandResult proc = peer->run("ls /proc/net/sctp");
  ASSERT_EQ(proc.exit_code, 0);
  for (const char* file : {"assocs", "eps", "snmp", "remaddr"}) {
    EXPECT_NE(proc.output.find(file), std::string::npos) << file;
  }
  EXPECT_EQ(peer->snmp().count("SctpChecksumErrors"), 1u);
}

TEST(KernelPeerBoot, GuestNetworkIsConfigured) {
  SCTPKIT_KERNEL_PEER(peer);
  const std::string addresses = peer->run("ip addr show dev eth0").output;
  EXPECT_NE(addresses.find("10.77.0.2/24"), std::string::npos) << addresses;
  EXPECT_NE(addresses.find("fd77::2/64"), std::string::npos) << addresses;
  // The namespace side answers: the tap device is wired to the guest's NIC, both families. -w:
  // keep asking (once a second) up to 10 s, since a first probe may go while neighbours resolve.
  EXPECT_EQ(peer->run(std::string("ping -c 1 -w 10 ") + kHostIpv4).exit_code, 0);
  // No IPv6 ping here: right after boot it failed now and then in either direction (not yet
  // understood; see docs/kernel-interop.md). The IPv6 codec tests cover that path with SCTP.
}

TEST(KernelPeerBoot, ControlChannelKeepsOutputAndExitCodes) {
  SCTPKIT_KERNEL_PEER(peer);
  const CommandResult result = peer->run("printf 'one\\ntwo\\n'; exit 3");
  EXPECT_EQ(result.exit_code, 3);
  EXPECT_EQ(result.output, "one\ntwo\n");
  EXPECT_EQ(peer->run("printf partial").output, "partial");
}

TEST(KernelPeerBoot, CommandPastItsTimeLimitDoesNotDerailTheChannel) {
  SCTPKIT_KERNEL_PEER(peer);
  const CommandResult slow = peer->run("sleep 2; echo late", milliseconds(300));
  EXPECT_EQ(slow.exit_code, -1);
  // The late answer arrives in front of the next one and is told apart by its id.
  const CommandResult next = peer->run("echo next", seconds(10));
  EXPECT_EQ(next.exit_code, 0);
  EXPECT_EQ(next.output, "next\n");
}

TEST(KernelPeerBoot, SetsAndReadsSysctls) {
  SCTPKIT_KERNEL_PEER(peer);
  // RFC 6951 UDP encapsulation in Linux: net.sctp.udp_port opens the tunnel socket.
  ASSERT_TRUE(peer->set_sysctl("net.sctp.udp_port", "9899"));
  EXPECT_EQ(peer->sysctl("net.sctp.udp_port"), "9899");
  ASSERT_TRUE(peer->set_sysctl("net.sctp.encap_port", "9899"));
  EXPECT_EQ(peer->sysctl("net.sctp.encap_port"), "9899");
  ASSERT_TRUE(peer->set_sysctl("net.sctp.encap_port", "0"));
  ASSERT_TRUE(peer->set_sysctl("net.sctp.udp_port", "0"));
  EXPECT_EQ(peer->sysctl("net.sctp.udp_port"), "0");
  EXPECT_FALSE(peer->set_sysctl("net.sctp.no_such_key", "1"));
}

TEST(KernelPeerBoot, WaitsForProgramLines) {
  SCTPKIT_KERNEL_PEER(peer);
  peer->start_program("waiter", "sleep 0.5; echo 'ready 1'; sleep 30");
  EXPECT_TRUE(peer->wait_for_line("waiter", "ready", seconds(10)));
  EXPECT_FALSE(peer->wait_for_line("waiter", "never", milliseconds(300)));
  peer->stop_program("waiter");
}

}  // namespace
}  // namespace sctpkit::kernel_test
