// `sctpkit perf` end to end: the built binary as server and client over UDP encapsulation on
// 127.0.0.1, each test short (-t 1), checking the JSON the bench script reads and the exit codes.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "cat_process.h"
#include "free_port.h"

namespace sctpkit::tools {
namespace {

using namespace std::chrono_literals;
using testing::Process;

using testing::kExitOk;
using testing::kExitTimeout;
using testing::kExitUnreachable;
using testing::kExitUsage;

using test::free_udp_port;

// A one-off server on a fresh UDP port; a client run against it returns its parsed JSON.
class PerfPair {
 public:
  explicit PerfPair(bool one_off = true)
      : udp_(std::to_string(free_udp_port())), sctp_(std::to_string(30000 + ::getpid() % 20000)),
        server_(one_off ? std::vector<std::string>{"perf", "-s", "--one-off", "--udp=" + udp_, "-p", sctp_}
                        : std::vector<std::string>{"perf", "-s", "--udp=" + udp_, "-p", sctp_}) {
    ready_ = server_.read_stdout_until("Server listening", 30s).find("Server listening") != std::string::npos;
  }

  nlohmann::json run(std::vector<std::string> extra) {
    extra.insert(extra.begin(), "-J");
    return nlohmann::json::parse(run_text(extra), nullptr, false);
  }

  // A client's command line against this server.
  std::vector<std::string> client_args(const std::vector<std::string>& extra, const std::string& wait = "30") const {
    std::vector<std::string> args{"perf", "-c", "127.0.0.1", "--udp=" + udp_, "-p", sctp_, "-w", wait};
    args.insert(args.end(), extra.begin(), extra.end());
    return args;
  }

  // The client's stdout.
  std::string run_text(const std::vector<std::string>& extra) {
    Process client(client_args(extra));
    client_exit_ = client.wait(90s);
    client_err_ = client.err();
    return client.out();
  }

  [[nodiscard]] bool ready() const { return ready_; }
  [[nodiscard]] std::optional<int> client_exit() const { return client_exit_; }
  [[nodiscard]] const std::string& client_err() const { return client_err_; }
  Process& server() { return server_; }

 private:
  std::string udp_, sctp_;
  Process server_;
  bool ready_ = false;
  std::optional<int> client_exit_;
  std::string client_err_;
};

void expect_common(const nlohmann::json& j, const char* mode) {
  ASSERT_TRUE(j.is_object());
  EXPECT_EQ(j["mode"], mode);
  EXPECT_EQ(j["transport"], "udp");
  EXPECT_GT(j["seconds"].get<double>(), 0);
  ASSERT_TRUE(j["intervals"].is_array());
  EXPECT_FALSE(j["intervals"].empty());
}

TEST(PerfCommand, BulkReportsWhatTheServerReceivedAndDrawsAPlot) {
  PerfPair pair;
  ASSERT_TRUE(pair.ready()) << pair.server().err();
  const std::string plot = "/tmp/sctpkit_perf_plot_" + std::to_string(::getpid()) + ".svg";
  auto j = pair.run({"-t", "1", "-l", "16384", "-i", "0.5", "--plot", plot});
  ASSERT_EQ(pair.client_exit(), kExitOk) << pair.client_err();
  expect_common(j, "bulk");
  EXPECT_EQ(j["message_size"], 16384);
  EXPECT_GT(j["bytes"].get<uint64_t>(), 0u);
  // Everything sent was acknowledged before "end", so the receiver counted every byte.
  EXPECT_EQ(j["server"]["bytes"], j["bytes"]);
  EXPECT_EQ(j["server"]["messages"], j["messages"]);
  EXPECT_GT(j["throughput_mbps"].get<double>(), 0);
  EXPECT_TRUE(j["latency_us"].is_null());
  std::ifstream svg(plot);
  std::stringstream text;
  text << svg.rdbuf();
  std::remove(plot.c_str());
  EXPECT_NE(text.str().find("id=\"throughput\""), std::string::npos);
  EXPECT_NE(text.str().find("id=\"cwnd\""), std::string::npos);
  EXPECT_NE(text.str().find("id=\"rtt\""), std::string::npos);
  EXPECT_NE(text.str().find("Congestion window (KiB)"), std::string::npos);  // 1024 bytes: KiB, not KB
  EXPECT_EQ(pair.server().wait(30s), kExitOk) << pair.server().err();
  EXPECT_NE(pair.server().out().find("bulk test from 127.0.0.1"), std::string::npos) << pair.server().out();
}

TEST(PerfCommand, RateOverSeveralUnorderedStreamsDeliversEveryMessage) {
  PerfPair pair;
  ASSERT_TRUE(pair.ready()) << pair.server().err();
  auto j = pair.run({"--mode", "rate", "-t", "1", "--streams", "3", "--unordered"});
  ASSERT_EQ(pair.client_exit(), kExitOk) << pair.client_err();
  expect_common(j, "rate");
  EXPECT_EQ(j["message_size"], 64);
  EXPECT_EQ(j["streams"], 3);
  EXPECT_EQ(j["unordered"], true);
  EXPECT_GT(j["messages"].get<uint64_t>(), 0u);
  EXPECT_EQ(j["server"]["messages"], j["messages"]);
  EXPECT_EQ(j["server"]["bytes"].get<uint64_t>(), j["messages"].get<uint64_t>() * 64);
  EXPECT_GT(j["messages_per_s"].get<double>(), 0);
  EXPECT_EQ(pair.server().wait(30s), kExitOk) << pair.server().err();
}

TEST(PerfCommand, PingpongGivesOrderedPercentiles) {
  PerfPair pair;
  ASSERT_TRUE(pair.ready()) << pair.server().err();
  auto j = pair.run({"--mode", "pingpong", "-t", "1"});
  ASSERT_EQ(pair.client_exit(), kExitOk) << pair.client_err();
  expect_common(j, "pingpong");
  ASSERT_TRUE(j["latency_us"].is_object());
  const auto& l = j["latency_us"];
  EXPECT_GT(l["p50"].get<double>(), 0);
  EXPECT_LE(l["p50"].get<double>(), l["p90"].get<double>());
  EXPECT_LE(l["p90"].get<double>(), l["p99"].get<double>());
  EXPECT_LE(l["p99"].get<double>(), l["max"].get<double>());
  EXPECT_GT(j["messages"].get<uint64_t>(), 0u);
  // The server echoed each message once: it received as many as came back.
  EXPECT_EQ(j["server"]["messages"], j["messages"]);
  EXPECT_EQ(pair.server().wait(30s), kExitOk) << pair.server().err();
}

TEST(PerfCommand, SetupCountsAssociationsSetUpAndShutDown) {
  PerfPair pair;
  ASSERT_TRUE(pair.ready()) << pair.server().err();
  // Four at a time, all on one client endpoint and socket, each on its own SCTP port.
  auto j = pair.run({"--mode", "setup", "--count", "20", "--parallel", "4"});
  ASSERT_EQ(pair.client_exit(), kExitOk) << pair.client_err();
  expect_common(j, "setup");
  EXPECT_EQ(j["messages"], 20);
  ASSERT_TRUE(j["setups_per_s"].is_number());
  EXPECT_GT(j["setups_per_s"].get<double>(), 0);
  EXPECT_EQ(pair.server().wait(30s), kExitOk) << pair.server().err();
  EXPECT_NE(pair.server().out().find("20 associations accepted"), std::string::npos) << pair.server().out();
}

TEST(PerfCommand, SetupOneAtATimeCountsOnlyCompletedShutdowns) {
  PerfPair pair;
  ASSERT_TRUE(pair.ready()) << pair.server().err();
  // One handshake at a time, each association's shutdown beside the next handshake: all 12 are
  // set up and shut down before the test ends.
  auto j = pair.run({"--mode", "setup", "--count", "12"});
  ASSERT_EQ(pair.client_exit(), kExitOk) << pair.client_err();
  expect_common(j, "setup");
  EXPECT_EQ(j["messages"], 12);
  EXPECT_EQ(pair.server().wait(30s), kExitOk) << pair.server().err();
  EXPECT_NE(pair.server().out().find("12 associations accepted"), std::string::npos) << pair.server().out();
}

TEST(PerfCommand, IdleHoldsAssociationsAndReportsServerMemory) {
  PerfPair pair;
  ASSERT_TRUE(pair.ready()) << pair.server().err();
  auto j = pair.run({"--mode", "idle", "--count", "20", "-t", "1"});
  ASSERT_EQ(pair.client_exit(), kExitOk) << pair.client_err();
  expect_common(j, "idle");
  ASSERT_TRUE(j["idle"].is_object());
  EXPECT_EQ(j["idle"]["count"], 20);
  EXPECT_GT(j["idle"]["server_rss_kib_before"].get<int64_t>(), 0);
  EXPECT_GE(j["idle"]["server_rss_kib_after"].get<int64_t>(), j["idle"]["server_rss_kib_before"].get<int64_t>());
  EXPECT_EQ(j["idle"]["server_associations_before"], 0);
  EXPECT_EQ(pair.server().wait(30s), kExitOk) << pair.server().err();
}

// A server keeps what it grew for earlier associations, so its RSS need not grow for the next
// ones: a second idle test printed "0.00 KiB each" as if associations cost nothing.
TEST(PerfCommand, IdleOnAServerThatHeldAssociationsBeforeSaysTheFigureReadsLow) {
  PerfPair pair(/*one_off=*/false);
  ASSERT_TRUE(pair.ready()) << pair.server().err();
  const std::string first = pair.run_text({"--mode", "idle", "--count", "20", "-t", "0.2"});
  ASSERT_EQ(pair.client_exit(), kExitOk) << pair.client_err();
  EXPECT_EQ(first.find("caution"), std::string::npos) << first;
  auto second = pair.run({"--mode", "idle", "--count", "20", "-t", "0.2"});
  ASSERT_EQ(pair.client_exit(), kExitOk) << pair.client_err();
  // The first test's control association and its 20.
  EXPECT_EQ(second["idle"]["server_associations_before"], 21);
  const std::string third = pair.run_text({"--mode", "idle", "--count", "20", "-t", "0.2"});
  ASSERT_EQ(pair.client_exit(), kExitOk) << pair.client_err();
  EXPECT_NE(third.find("caution: the server had accepted 42 associations before this test"), std::string::npos)
      << third;
  pair.server().signal(SIGINT);
  EXPECT_TRUE(pair.server().wait(30s).has_value());
  EXPECT_NE(pair.server().out().find("caution: the server had accepted 42 associations"), std::string::npos)
      << pair.server().out();
}

TEST(PerfCommand, TextOutputHasIntervalLinesAndASummary) {
  PerfPair pair;
  ASSERT_TRUE(pair.ready()) << pair.server().err();
  const auto out = pair.run_text({"-t", "1", "-i", "0.5", "-l", "4096"});
  ASSERT_EQ(pair.client_exit(), kExitOk) << pair.client_err();
  EXPECT_NE(out.find("bulk test, udp transport, message size 4096, 1 stream"), std::string::npos) << out;
  EXPECT_NE(out.find("[  1]  0.00- "), std::string::npos) << out;  // the first interval line
  EXPECT_NE(out.find("bits/sec"), std::string::npos) << out;
  EXPECT_NE(out.find("cwnd "), std::string::npos) << out;
  EXPECT_NE(out.find(" sender\n"), std::string::npos) << out;
  EXPECT_NE(out.find(" receiver\n"), std::string::npos) << out;
  EXPECT_EQ(pair.server().wait(30s), kExitOk) << pair.server().err();
}

// Ctrl-C killed the client (130 from the signal) without a summary; iperf3 ends the test early and
// still prints one. Now the test ends as if its time were up, then exit 130.
TEST(PerfCommand, CtrlCEndsTheTestEarlyWithItsSummary) {
  PerfPair pair;
  ASSERT_TRUE(pair.ready()) << pair.server().err();
  Process client(pair.client_args({"-t", "600", "-i", "0.2", "-l", "4096"}));
  // The first interval line: the test runs, and the handler was in place before it started.
  ASSERT_NE(client.read_stdout_until("[  1]  0.00- ", 60s).find("[  1]  0.00- "), std::string::npos) << client.err();
  client.signal(SIGINT);
  EXPECT_EQ(client.wait(60s), 130) << client.err();
  EXPECT_NE(client.out().find(" sender\n"), std::string::npos) << client.out();
  EXPECT_NE(client.out().find(" receiver\n"), std::string::npos) << client.out();
  EXPECT_EQ(pair.server().wait(30s), kExitOk) << pair.server().err();
}

// A server killed mid-test: the client said only "send timed out".
TEST(PerfCommand, AServerKilledMidTestIsATimeoutThatSaysWhy) {
  PerfPair pair;
  ASSERT_TRUE(pair.ready()) << pair.server().err();
  Process client(pair.client_args({"-t", "600", "-i", "0.2"}, "1"));
  ASSERT_NE(client.read_stdout_until("[  1]  0.00- ", 60s).find("[  1]  0.00- "), std::string::npos) << client.err();
  pair.server().signal(SIGKILL);
  EXPECT_EQ(client.wait(60s), kExitTimeout) << client.err();
  EXPECT_NE(client.err().find("no room to send for 1 s (-w): the server stopped answering"), std::string::npos)
      << client.err();
}

TEST(PerfCommand, BadArgumentsExitWithTheUsageCode) {
  for (std::vector<std::string> args : {std::vector<std::string>{"perf"},
                                        {"perf", "-s", "-c", "127.0.0.1"},
                                        {"perf", "-c", "127.0.0.1", "--mode", "warp"},
                                        {"perf", "-c", "127.0.0.1", "-l", "0"},
                                        {"perf", "-c", "127.0.0.1", "-t", "0"},
                                        {"perf", "-c", "127.0.0.1", "--udp", "--raw"},
                                        {"perf", "-c", "127.0.0.1", "--one-off"},
                                        {"perf", "-c", "127.0.0.1", "--mode", "idle", "--count", "64512"}}) {
    Process p(args);
    EXPECT_EQ(p.wait(30s), kExitUsage) << args.back() << ": " << p.err();
    EXPECT_FALSE(p.err().empty());
  }
}

TEST(PerfCommand, NoServerEndsWithTimeoutOrUnreachable) {
  const std::string udp = std::to_string(free_udp_port());  // nobody listens there
  Process client({"perf", "-c", "127.0.0.1", "--udp=" + udp, "-p", "5201", "-t", "1", "-w", "1"});
  const auto code = client.wait(60s);
  ASSERT_TRUE(code.has_value());
  EXPECT_TRUE(*code == kExitTimeout || *code == kExitUnreachable) << *code << ": " << client.err();
}

}  // namespace
}  // namespace sctpkit::tools
