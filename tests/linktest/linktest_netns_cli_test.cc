// `sctpkit linktest` split mode over raw IPv4 between two network namespaces joined by a veth pair:
// against our own --serve, against usrsctp's echo_server, across a path that drops SCTP, and
// towards a host with no SCTP at all. Needs root (namespaces, raw sockets); skipped otherwise.
#include <sys/stat.h>

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "linktest/child_process.h"
#include "net/netns.h"

namespace sctpkit::linktest {
namespace linktest_netns_cli_test {

using namespace std::chrono_literals;
using net::testing::NetnsPair;
using testing::Child;
using testing::sctpkit_binary;

constexpr auto kRunTimeout = 120s;
constexpr const char* kUsrsctpEchoServer = "/usr/lib/usrsctp/echo_server";

class LinktestNetns : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!pair_.available()) GTEST_SKIP() << pair_.reason();
  }
  // argv run inside namespace `ns`.
  static std::vector<std::string> in(const std::string& ns, std::vector<std::string> argv) {
    argv.insert(argv.begin(), {"ip", "netns", "exec", ns});
    return argv;
  }
  std::vector<std::string> client(std::vector<std::string> args) const {
    args.insert(args.begin(), {sctpkit_binary(), "linktest", "10.201.0.2"});
    return in(pair_.a(), std::move(args));
  }
  NetnsPair pair_;
};

TEST_F(LinktestNetns, SplitModeOverRawIpAgainstOurServer) {
  Child server(in(pair_.b(), {sctpkit_binary(), "linktest", "--serve"}));
  ASSERT_TRUE(server.wait_stderr("serving SCTP port 30102 over raw IP", 30s)) << server.err();
  Child run(client({"--abort", "--json"}));
  const auto code = run.wait(kRunTimeout);
  ASSERT_EQ(code, 0) << run.out() << run.err();
  const auto j = nlohmann::json::parse(run.out());
  EXPECT_EQ(j["transport"], "raw") << "root picks raw IP by default, as sctpkit cat";
  EXPECT_EQ(j["server"], "10.201.0.2:30102");
  ASSERT_EQ(j["phases"].size(), 5u);
  for (const auto& p : j["phases"]) EXPECT_EQ(p["result"], "pass") << p.dump();
  server.signal(SIGTERM);
  EXPECT_EQ(server.wait(30s), 0) << server.err();
  EXPECT_NE(server.err().find("association from 10.201.0.1 port "), std::string::npos) << server.err();
}

TEST_F(LinktestNetns, SplitModeAgainstUsrsctpEchoServer) {
  struct stat st;
  if (::stat(kUsrsctpEchoServer, &st) != 0) GTEST_SKIP() << kUsrsctpEchoServer << " not installed (libusrsctp-examples)";
  // usrsctp over raw IP (no arguments) serves SCTP port 7; its INIT retransmissions cover its start.
  // echo_server prints a line per message to stdout and answers from the same loop: its stdout goes
  // to /dev/null, since a pipe nobody reads fills after ~460 messages and stops the echoes (the
  // bulk burst's last 64 KiB then never came back; docs/linktest.md).
  Child server(in(pair_.b(), {"sh", "-c", std::string("exec ") + kUsrsctpEchoServer + " >/dev/null"}));
  Child run(client({"7", "--raw", "--no-ladder", "--timeout", "20"}));
  const auto code = run.wait(kRunTimeout);
  EXPECT_EQ(code, 0) << run.out() << run.err();
  EXPECT_NE(run.out().find("verdict: PASS"), std::string::npos) << run.out();
  EXPECT_NE(run.out().find("10.201.0.2.7: sctp (1) [INIT]"), std::string::npos) << run.out().substr(0, 600);
  EXPECT_NE(run.out().find("KiB echoed in"), std::string::npos) << "the bulk burst ran" << run.out();
}

TEST_F(LinktestNetns, FilteredPathIsDiagnosed) {
  Child server(in(pair_.b(), {sctpkit_binary(), "linktest", "--serve"}));
  ASSERT_TRUE(server.wait_stderr("serving SCTP port 30102 over raw IP", 30s)) << server.err();
  const std::string nft = "ip netns exec " + pair_.b() +
                          " nft -f - <<'EOF'\n"
                          "table inet linktest {\n chain input {\n  type filter hook input priority 0;\n"
                          "  meta l4proto sctp drop\n }\n}\nEOF";
  if (std::system(nft.c_str()) != 0) GTEST_SKIP() << "nftables unavailable";
  Child run(client({"--init-retries", "2", "--rto-initial", "100", "--timeout", "10"}));
  const auto code = run.wait(kRunTimeout);
  ASSERT_EQ(code, 1) << run.out() << run.err();
  EXPECT_NE(run.err().find("setup failed: INIT sent 3 times, no INIT ACK: is SCTP filtered, or is the sctp module "
                           "not loaded on the server?"),
            std::string::npos)
      << run.err();
}

TEST_F(LinktestNetns, HostWithoutSctpAnswersProtocolUnreachable) {
  // Nothing in namespace b holds a raw SCTP socket, so its kernel answers INIT with ICMP (design.md 5).
  Child run(client({"--raw", "--init-retries", "1", "--rto-initial", "100", "--timeout", "10"}));
  const auto code = run.wait(kRunTimeout);
  ASSERT_EQ(code, 1) << run.out() << run.err();
  EXPECT_NE(run.err().find("no INIT ACK; ICMP protocol unreachable from 10.201.0.2"), std::string::npos) << run.err();
  EXPECT_NE(run.err().find("does not speak SCTP"), std::string::npos) << run.err();
}

}  // namespace linktest_netns_cli_test
}  // namespace sctpkit::linktest
