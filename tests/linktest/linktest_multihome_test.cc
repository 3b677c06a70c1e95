// `sctpkit linktest` split mode between two multi-homed ends (RFC 9260 6.4): two network
// namespaces joined by two veth pairs on two subnets, each end bound to one address on each. The
// heartbeat phase must list both paths, and name the one an nftables rule cuts. Needs root
// (namespaces, raw sockets); skipped otherwise.
#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cstdlib>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "linktest/child_process.h"

namespace sctpkit::linktest {
namespace linktest_multihome_test {

using namespace std::chrono_literals;
using testing::Child;
using testing::sctpkit_binary;

constexpr auto kRunTimeout = 120s;
constexpr const char* kUsrsctpEchoServer = "/usr/lib/usrsctp/echo_server";

// Namespaces a and b; net 1 joins 10.121.1.1 (a) and 10.121.1.2 (b), net 2 10.121.2.1 and
// 10.121.2.2. The veths live only inside the namespaces, so their names need not be unique.
class TwoNetworks {
 public:
  TwoNetworks() : a_(fmt::format("multihome21-a-{}", ::getpid())), b_(fmt::format("multihome21-b-{}", ::getpid())) {
    if (::geteuid() != 0) {
      reason_ = "needs root (network namespaces and raw sockets)";
      return;
    }
    cleanup();
    std::string script = fmt::format("ip netns add {a} && ip netns add {b} && ip -n {a} link set lo up && "
                                     "ip -n {b} link set lo up",
                                     fmt::arg("a", a_), fmt::arg("b", b_));
    for (int net : {1, 2})
      script += fmt::format(
          " && ip link add multihome21a{n} netns {a} type veth peer name multihome21b{n} netns {b}"
          " && ip -n {a} addr add 10.121.{n}.1/24 dev multihome21a{n} && ip -n {b} addr add 10.121.{n}.2/24 dev "
          "multihome21b{n} && ip -n {a} link set multihome21a{n} up && ip -n {b} link set multihome21b{n} up",
          fmt::arg("a", a_), fmt::arg("b", b_), fmt::arg("n", net));
    if (std::system((script + " 2>/dev/null").c_str()) != 0) {
      reason_ = "could not create network namespaces with two veth pairs";
      cleanup();
      return;
    }
    ok_ = true;
  }
  ~TwoNetworks() { cleanup(); }
  TwoNetworks(const TwoNetworks&) = delete;
  TwoNetworks& operator=(const TwoNetworks&) = delete;

  [[nodiscard]] bool available() const { return ok_; }
  [[nodiscard]] const std::string& reason() const { return reason_; }
  [[nodiscard]] const std::string& a() const { return a_; }
  [[nodiscard]] const std::string& b() const { return b_; }

 private:
  void cleanup() {
    // Deleting a namespace deletes its veths (and the nftables rules in it).
    std::system(fmt::format("ip netns del {} 2>/dev/null; ip netns del {} 2>/dev/null", a_, b_).c_str());
  }
  std::string a_, b_, reason_;
  bool ok_ = false;
};

class LinktestMultihome : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!nets_.available()) GTEST_SKIP() << nets_.reason();
  }
  // Our --serve in b, on b's address on each net.
  void serve() {
    server_.emplace(in(nets_.b(), {sctpkit_binary(), "linktest", "--serve", "-s", "10.121.1.2,10.121.2.2"}));
    ASSERT_TRUE(server_->wait_stderr("serving SCTP port 30102 over raw IP", 30s)) << server_->err();
  }
  void TearDown() override {
    if (!server_) return;
    server_->signal(SIGTERM);
    EXPECT_EQ(server_->wait(30s), 0) << server_->err();
  }
  static std::vector<std::string> in(const std::string& ns, std::vector<std::string> argv) {
    argv.insert(argv.begin(), {"ip", "netns", "exec", ns});
    return argv;
  }
  // The client in a, towards b's address on net 1, bound to a's address on each net.
  std::vector<std::string> client(std::vector<std::string> args) const {
    args.insert(args.begin(), {sctpkit_binary(), "linktest", "10.121.1.2", "-s", "10.121.1.1", "-s", "10.121.2.1"});
    return in(nets_.a(), std::move(args));
  }
  TwoNetworks nets_;
  std::optional<Child> server_;
};

TEST_F(LinktestMultihome, EveryPathAnsweredBothWaysIsListed) {
  ASSERT_NO_FATAL_FAILURE(serve());
  Child run(client({"--json", "--bulk", "0"}));
  const auto code = run.wait(kRunTimeout);
  ASSERT_EQ(code, 0) << run.out() << run.err();
  const auto j = nlohmann::json::parse(run.out());
  for (const auto& p : j["phases"]) EXPECT_EQ(p["result"], "pass") << p.dump();
  ASSERT_EQ(j["paths"].size(), 2u) << j.dump();
  EXPECT_EQ(j["paths"][0]["local"], "10.121.1.1");
  EXPECT_EQ(j["paths"][0]["peer"], "10.121.1.2") << "the primary (the address connected to) first";
  EXPECT_EQ(j["paths"][1]["local"], "10.121.2.1");
  EXPECT_EQ(j["paths"][1]["peer"], "10.121.2.2");
  for (const auto& p : j["paths"]) {
    EXPECT_EQ(p["result"], "pass") << p.dump();
    EXPECT_EQ(p["state"], "active") << p.dump();
    EXPECT_FALSE(p["srtt_ms"].is_null()) << p.dump();
    EXPECT_GT(p["hb_ack_received"].get<int>(), 0) << p.dump();
    EXPECT_GT(p["hb_ack_sent"].get<int>(), 0) << p.dump();
  }
}

TEST_F(LinktestMultihome, ACutPathFailsWithWhatToCheck) {
  ASSERT_NO_FATAL_FAILURE(serve());
  // b drops every SCTP packet arriving on net 2: our heartbeats there go unanswered.
  const std::string nft = "ip netns exec " + nets_.b() +
                          " nft -f - <<'EOF'\n"
                          "table inet multihome21 {\n chain input {\n  type filter hook input priority 0;\n"
                          "  iifname \"multihome21b2\" meta l4proto sctp drop\n }\n}\nEOF";
  if (std::system(nft.c_str()) != 0) GTEST_SKIP() << "nftables unavailable";
  Child run(client({"--no-trace", "--no-ladder", "--bulk", "0", "--timeout", "5"}));
  const auto code = run.wait(kRunTimeout);
  ASSERT_EQ(code, 1) << run.out() << run.err();
  EXPECT_NE(run.err().find("sctpkit linktest: heartbeat failed: no HEARTBEAT ACK from 10.121.2.2 in 5 s over path "
                           "10.121.2.1 -> 10.121.2.2 (1 of 2 paths failed): is that network routed and SCTP allowed "
                           "on it?"),
            std::string::npos)
      << run.err();
  const auto& out = run.out();
  const auto good = out.find("\n10.121.1.1 -> 10.121.1.2 ");
  const auto bad = out.find("\n10.121.2.1 -> 10.121.2.2 ");
  ASSERT_NE(good, std::string::npos) << out;
  ASSERT_NE(bad, std::string::npos) << out;
  EXPECT_LT(out.find("pass", good), out.find('\n', good + 1)) << out;
  EXPECT_LT(out.find("fail", bad), out.find('\n', bad + 1)) << out;
  EXPECT_NE(out.find("check: no HEARTBEAT ACK from 10.121.2.2 in 5 s", bad), std::string::npos) << out;
  EXPECT_NE(out.find("verdict: FAIL (1 of 4 phases failed"), std::string::npos) << out;
}

// usrsctp's echo_server binds every address of b and lists them in its INIT ACK, which it sends
// from its second address: the association must come up (RFC 9260 5.1.2 rule 4) and both of its
// addresses are paths, even for a single-homed client.
TEST_F(LinktestMultihome, AMultiHomedUsrsctpServerHasBothPathsChecked) {
  struct stat st;
  if (::stat(kUsrsctpEchoServer, &st) != 0) GTEST_SKIP() << kUsrsctpEchoServer << " not installed (libusrsctp-examples)";
  // stdout to /dev/null: a pipe nobody reads stops its echoes (docs/linktest.md, Known issues).
  Child server(in(nets_.b(), {"sh", "-c", std::string("exec ") + kUsrsctpEchoServer + " >/dev/null"}));
  Child run(in(nets_.a(), {sctpkit_binary(), "linktest", "10.121.1.2", "7", "--raw", "--json", "--bulk", "0",
                           "--timeout", "20"}));
  const auto code = run.wait(kRunTimeout);
  ASSERT_EQ(code, 0) << run.out() << run.err();
  const auto j = nlohmann::json::parse(run.out());
  ASSERT_EQ(j["paths"].size(), 2u) << j.dump();
  EXPECT_EQ(j["paths"][0]["peer"], "10.121.1.2") << "the primary first";
  EXPECT_EQ(j["paths"][1]["peer"], "10.121.2.2");
  for (const auto& p : j["paths"]) {
    EXPECT_EQ(p["result"], "pass") << p.dump();
    EXPECT_GT(p["hb_ack_received"].get<int>(), 0) << p.dump();
  }
}

}  // namespace linktest_multihome_test
}  // namespace sctpkit::linktest
