// (b) Guest-internal sanity: the guest programs talk to each other over the guest's loopback, so a
// later failure against our stack is not a fault of the guest programs.
#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "kernel/kernel_peer.h"

namespace sctpkit::kernel_test {
namespace {

using std::chrono::seconds;

TEST(GuestLoopback, OneToOneEchoKeepsStreamPpidAndContent) {
  SCTPKIT_KERNEL_PEER(peer);
  const long long active_before = peer->snmp()["SctpActiveEstabs"];
  peer->start_program("echo1", "echo_stream 5001");
  ASSERT_TRUE(peer->wait_for_line("echo1", "ready 5001")) << peer->program_log("echo1");
  // The client checks each echo: same bytes, stream 3, PPID 77.
  const CommandResult small = peer->run("client -e -n 20 -l 100 -s 3 -p 77 127.0.0.1 5001");
  EXPECT_EQ(small.exit_code, 0) << small.output;
  EXPECT_NE(small.output.find("done sent=20 echoed=20"), std::string::npos) << small.output;
  // Messages far above the MTU: fragmentation and reassembly on both sides.
  const CommandResult large = peer->run("client -e -n 3 -l 100000 -s 1 -p 5 127.0.0.1 5001");
  EXPECT_EQ(large.exit_code, 0) << large.output;
  EXPECT_NE(large.output.find("done sent=3 echoed=3"), std::string::npos) << large.output;
  EXPECT_TRUE(peer->wait_for_line("echo1", "echoed 3")) << peer->program_log("echo1");
  EXPECT_GE(peer->snmp()["SctpActiveEstabs"], active_before + 2);
  peer->stop_program("echo1");
}

TEST(GuestLoopback, OneToManyEchoServesConcurrentAssociations) {
  SCTPKIT_KERNEL_PEER(peer);
  peer->start_program("echo_many", "echo_seqpacket 5002");
  ASSERT_TRUE(peer->wait_for_line("echo_many", "ready 5002")) << peer->program_log("echo_many");
  const CommandResult both = peer->run(
      "client -e -n 50 -s 2 -p 9 127.0.0.1 5002 > /tmp/c1 & client -e -n 50 -s 4 -p 11 127.0.0.1 5002 > /tmp/c2; "
      "wait; cat /tmp/c1 /tmp/c2");
  EXPECT_EQ(both.exit_code, 0) << both.output;
  EXPECT_EQ(both.output, "connected\ndone sent=50 echoed=50\nconnected\ndone sent=50 echoed=50\n");
  EXPECT_TRUE(peer->wait_for_line("echo_many", "echoed 100")) << peer->program_log("echo_many");
  peer->stop_program("echo_many");
}

TEST(GuestLoopback, DiscardSinkCountsWhatArrives) {
  SCTPKIT_KERNEL_PEER(peer);
  peer->start_program("sink", "discard 5003");
  ASSERT_TRUE(peer->wait_for_line("sink", "ready 5003")) << peer->program_log("sink");
  const CommandResult sent = peer->run("client -n 10 -l 1000 127.0.0.1 5003");
  EXPECT_EQ(sent.exit_code, 0) << sent.output;
  EXPECT_TRUE(peer->wait_for_line("sink", "closed messages=10 bytes=10000")) << peer->program_log("sink");
  peer->stop_program("sink");
}

TEST(GuestLoopback, Ipv6EchoAndEndpointsInProc) {
  SCTPKIT_KERNEL_PEER(peer);
  peer->start_program("echo6", "echo_stream -6 5004");
  ASSERT_TRUE(peer->wait_for_line("echo6", "ready 5004")) << peer->program_log("echo6");
  // The listening endpoint shows in /proc/net/sctp/eps (LPORT column).
  EXPECT_NE(peer->proc_sctp("eps").find(" 5004 "), std::string::npos) << peer->proc_sctp("eps");
  const CommandResult six = peer->run("client -e -n 5 -s 1 -p 1 ::1 5004");
  EXPECT_EQ(six.exit_code, 0) << six.output;
  EXPECT_NE(six.output.find("done sent=5 echoed=5"), std::string::npos) << six.output;
  peer->stop_program("echo6");
}

}  // namespace
}  // namespace sctpkit::kernel_test
