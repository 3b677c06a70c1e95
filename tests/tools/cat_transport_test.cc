// `sctpkit cat` transport choice and binding, in a network namespace of the test's own (root only;
// skipped otherwise): automatic raw IP when privileged and UDP without CAP_NET_RAW, --raw refused
// with exit 4 without it, -s ADDR, and --raw-io packet. Plus -s over UDP on loopback, which needs
// nothing.
#include <unistd.h>

#include <cstdlib>

#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "cat_process.h"
#include "sctpkit/sctpkit.h"

namespace sctpkit::tools {
namespace {

using namespace std::chrono_literals;
using testing::Process;
using ::testing::HasSubstr;
using namespace testing;  // Process, the exit codes

// Whether a trace line shows `chunk` going from address `from` to `to`, one of them on SCTP port
// `port`: "... IP FROM.N > TO.M: sctp (1) [CHUNK] ...", possibly after a "[udp-encap ...]" marker.
bool has_line(const std::string& trace, const std::string& from, const std::string& to, const std::string& port,
              const std::string& chunk) {
  size_t start = 0;
  for (size_t end; (end = trace.find('\n', start)) != std::string::npos; start = end + 1) {
    const std::string line = trace.substr(start, end - start);
    const auto src = line.find(" " + from + ".");
    const auto dst = line.find(" > " + to + ".");
    if (src == std::string::npos || dst == std::string::npos || dst < src) continue;
    const bool on_port = line.find(from + "." + port + " ") != std::string::npos ||
                         line.find(to + "." + port + ":") != std::string::npos;
    if (on_port && line.find(chunk) != std::string::npos) return true;
  }
  return false;
}

// One namespace with loopback up and two more loopback addresses, deleted on every path.
class CatNamespace : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root (network namespaces, raw sockets)";
    if (kernel_sctp_loaded()) GTEST_SKIP() << "the kernel's sctp module is loaded: automatic mode picks it";
    if (::access("/usr/bin/setpriv", X_OK) != 0) GTEST_SKIP() << "needs setpriv (util-linux) to drop CAP_NET_RAW";
    const std::string script = fmt::format(
        "ip netns add {0} && ip -n {0} link set lo up && ip -n {0} addr add 10.77.0.1/32 dev lo && "
        "ip -n {0} addr add 10.77.0.2/32 dev lo",
        name_);
    if (std::system((script + " 2>/dev/null").c_str()) != 0) GTEST_SKIP() << "cannot create a network namespace";
    made_ = true;
  }
  void TearDown() override {
    if (made_) std::system(fmt::format("ip netns del {} 2>/dev/null", name_).c_str());
  }
  // sctpkit in the namespace, with all privileges of root.
  std::vector<std::string> in_ns() const { return {"/usr/sbin/ip", "netns", "exec", name_}; }
  // sctpkit in the namespace as root without CAP_NET_RAW (bounding set and inheritable).
  std::vector<std::string> unprivileged() const {
    return {"/usr/sbin/ip", "netns", "exec", name_, "/usr/bin/setpriv", "--inh-caps=-all", "--bounding-set=-net_raw"};
  }
  const std::string name_ = fmt::format("sk-cat-{}", ::getpid());
  const std::string port_ = std::to_string(20000 + ::getpid() % 20000);
  bool made_ = false;
};

TEST_F(CatNamespace, AutomaticIsRawIpWhenPrivileged) {
  Process server(in_ns(), {"cat", "-l", "-v", "--echo", port_});
  ASSERT_THAT(server.read_stderr_until("listening", 15s), HasSubstr("(raw IP transport)"));
  Process client(in_ns(), {"cat", "-v", "--trace", "10.77.0.1", port_});
  client.write("over raw IP");
  EXPECT_EQ(client.read_stdout_until("over raw IP", 15s), "over raw IP") << client.err();
  client.close_stdin();
  EXPECT_EQ(client.wait(15s), kExitOk) << client.err();
  EXPECT_THAT(client.err(), HasSubstr("(raw IP transport)"));
  // No UDP encapsulation on the wire: "IP 10.77.0.1.N > 10.77.0.1.PORT: sctp".
  EXPECT_THAT(client.err(), HasSubstr(" > 10.77.0.1." + port_ + ": sctp"));
  EXPECT_THAT(client.err(), ::testing::Not(HasSubstr("udp-encap")));
}

TEST_F(CatNamespace, AutomaticIsUdpWithoutCapNetRaw) {
  Process server(unprivileged(), {"cat", "-l", "-v", "--echo", port_});
  ASSERT_THAT(server.read_stderr_until("listening", 15s), HasSubstr("(UDP port 9899 transport)"));
  Process client(unprivileged(), {"cat", "-v", "10.77.0.1", port_});
  client.write("over UDP");
  EXPECT_EQ(client.read_stdout_until("over UDP", 15s), "over UDP") << client.err();
  client.close_stdin();
  EXPECT_EQ(client.wait(15s), kExitOk) << client.err();
  EXPECT_THAT(client.err(), HasSubstr("(UDP transport)"));
}

TEST_F(CatNamespace, RawWithoutCapNetRawExitsFourWithOneLineReason) {
  for (auto args : {std::vector<std::string>{"cat", "--raw", "-l", port_},
                    std::vector<std::string>{"cat", "--raw", "10.77.0.1", port_}}) {
    Process p(unprivileged(), args);
    EXPECT_EQ(p.wait(15s), kExitPrivilege) << p.err();
    EXPECT_THAT(p.err(), ::testing::MatchesRegex("sctpkit cat: [^\n]*CAP_NET_RAW[^\n]*--udp[^\n]*\n"));
  }
}

TEST_F(CatNamespace, SourceAddressBindsTheListenerAndSetsOurPacketsSource) {
  Process server(in_ns(), {"cat", "-l", "-k", "--raw", "--echo", "--trace", "-s", "10.77.0.1", port_});
  // Sent to the other address, the INIT does not reach the listener.
  Process stray(in_ns(), {"cat", "--raw", "-w", "2", "10.77.0.2", port_});
  const auto code = stray.wait(20s);
  ASSERT_TRUE(code.has_value());
  EXPECT_TRUE(*code == kExitTimeout || *code == kExitUnreachable) << *code << stray.err();
  // From -s 10.77.0.2 to the bound address: served, and every packet carries the chosen sources.
  Process client(in_ns(), {"cat", "--raw", "-s", "10.77.0.2", "10.77.0.1", port_});
  client.write("bound");
  EXPECT_EQ(client.read_stdout_until("bound", 15s), "bound") << client.err();
  client.close_stdin();
  EXPECT_EQ(client.wait(15s), kExitOk) << client.err();
  const std::string trace = server.read_stderr_until("[SHUTDOWN COMPLETE]", 10s);
  EXPECT_FALSE(has_line(trace, "10.77.0.1", "10.77.0.2", port_, "[INIT]")) << "the stray INIT was seen:\n" << trace;
  for (const char* chunk : {"[INIT]", "[DATA]", "[SHUTDOWN]"})
    EXPECT_TRUE(has_line(trace, "10.77.0.2", "10.77.0.1", port_, chunk)) << chunk << "\n" << trace;
  for (const char* chunk : {"[INIT ACK]", "[SACK]", "[SHUTDOWN ACK]"})
    EXPECT_TRUE(has_line(trace, "10.77.0.1", "10.77.0.2", port_, chunk)) << chunk << "\n" << trace;
}

// --raw-io packet (AF_PACKET) on loopback, which is not Ethernet: both ends send through their raw
// sockets and read from their packet rings; the names in the messages stay "raw IP".
TEST_F(CatNamespace, RawIoPacketCarriesCatOverLoopback) {
  Process server(in_ns(), {"cat", "-l", "-v", "--raw-io", "packet", "--echo", port_});
  ASSERT_THAT(server.read_stderr_until("listening", 15s), HasSubstr("(raw IP transport)"));
  Process client(in_ns(), {"cat", "--raw-io", "packet", "10.77.0.1", port_});
  client.write("through the ring");
  EXPECT_EQ(client.read_stdout_until("through the ring", 15s), "through the ring") << client.err();
  client.close_stdin();
  EXPECT_EQ(client.wait(15s), kExitOk) << client.err();
}

// As over UDP (cat_command_test): -w does not bound the wait for a client, on either raw I/O path.
TEST_F(CatNamespace, RawListenersWaitForAClientLongerThanTheWaitOption) {
  for (const std::string io : {"socket", "packet"}) {
    Process server(in_ns(), {"cat", "-l", "-w", "1", "--raw", "--raw-io", io, "--echo", port_});
    EXPECT_EQ(server.read_stderr_until("timed out", 2500ms), "") << io;
    Process client(in_ns(), {"cat", "-w", "1", "--raw", "--raw-io", io, "10.77.0.1", port_});
    client.write("late " + io);
    EXPECT_EQ(client.read_stdout_until("late " + io, 15s), "late " + io) << client.err();
    client.close_stdin();
    EXPECT_EQ(client.wait(15s), kExitOk) << client.err();
    EXPECT_EQ(server.wait(15s), kExitOk) << io << ": " << server.err();
  }
}

TEST(CatRawIo, PacketIsForRawIpOnlyAndTakesTwoValues) {
  Process udp({"cat", "--raw-io", "packet", "--udp=9899", "127.0.0.1", "5000"});
  EXPECT_EQ(udp.wait(10s), kExitUsage);
  EXPECT_EQ(udp.err(), "sctpkit cat: --raw-io packet is for raw IP, not --udp or --kernel\n");
  Process bogus({"perf", "--raw-io", "mmap", "-c", "127.0.0.1"});
  EXPECT_EQ(bogus.wait(10s), kExitUsage);
  EXPECT_THAT(bogus.err(), HasSubstr("--raw-io"));
}

// Over UDP on loopback, which needs no privilege: the same binding rules.
TEST(CatSource, UdpListenerBoundToOneLoopbackAddress) {
  const std::string port = std::to_string(20000 + (::getpid() + 7) % 20000);
  const std::string udp = std::to_string(40000 + ::getpid() % 9000);
  Process server({"cat", "-l", "-k", "--udp=" + udp, "--echo", "--trace", "-s", "127.0.0.2", port});
  Process stray({"cat", "--udp=" + udp, "-w", "2", "127.0.0.1", port});
  const auto code = stray.wait(20s);
  ASSERT_TRUE(code.has_value());
  EXPECT_TRUE(*code == kExitTimeout || *code == kExitUnreachable) << *code << stray.err();
  Process client({"cat", "--udp=" + udp, "-s", "127.0.0.3", "127.0.0.2", port});
  client.write("bound");
  EXPECT_EQ(client.read_stdout_until("bound", 15s), "bound") << client.err();
  client.close_stdin();
  EXPECT_EQ(client.wait(15s), kExitOk) << client.err();
  const std::string trace = server.read_stderr_until("[SHUTDOWN COMPLETE]", 10s);
  EXPECT_TRUE(has_line(trace, "127.0.0.3", "127.0.0.2", port, "[INIT]")) << trace;
  EXPECT_TRUE(has_line(trace, "127.0.0.2", "127.0.0.3", port, "[INIT ACK]")) << trace;
  EXPECT_TRUE(has_line(trace, "127.0.0.3", "127.0.0.2", port, "[DATA]")) << trace;
}

// -s repeated or given a comma list: a multi-homed end (RFC 9260 6.4). The listener answers on its
// second address, and each end heartbeats the other's second address, which only its INIT (or
// INIT ACK) address list can have told it.
TEST(CatSource, SeveralAddressesAreBoundAndAnnounced) {
  const std::string port = std::to_string(20000 + (::getpid() + 11) % 20000);
  const std::string udp = std::to_string(40000 + (::getpid() + 3) % 9000);
  Process server({"cat", "-l", "--udp=" + udp, "--echo", "--trace", "--hb-interval", "100", "-s", "127.0.0.2,127.0.0.4",
                  port});
  Process client({"cat", "--udp=" + udp, "--trace", "--hb-interval", "100", "-s", "127.0.0.3", "-s", "127.0.0.5",
                  "127.0.0.4", port});
  client.write("homes");
  EXPECT_EQ(client.read_stdout_until("homes", 15s), "homes") << client.err();
  const std::string theirs = server.read_stderr_until("> 127.0.0.5." , 15s);
  const std::string ours = client.read_stderr_until("> 127.0.0.2.", 15s);
  client.close_stdin();
  EXPECT_EQ(client.wait(15s), kExitOk) << client.err();
  EXPECT_TRUE(has_line(theirs, "127.0.0.4", "127.0.0.3", port, "[INIT ACK]")) << theirs;
  EXPECT_NE(theirs.find("> 127.0.0.5."), std::string::npos) << "the client's second address unknown:\n" << theirs;
  EXPECT_NE(ours.find("> 127.0.0.2."), std::string::npos) << "the server's second address unknown:\n" << ours;
}

}  // namespace
}  // namespace sctpkit::tools
