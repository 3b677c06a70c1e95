// The "done when": `sctpkit linktest --matrix` across "nodes" that are network namespaces,
// one of which blocks SCTP from one other node, and the matrix shows exactly that cell failing.
// Raw IP (root); skipped without root, `ip`, `nft` or the sctpkit binary.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>

#include "linktest/bounded_process.h"
#include "matrix_lab.h"

namespace sctpkit::linktest {
namespace {

using testing::MatrixLab;

constexpr uint16_t kAgentPort = 30102;
const std::string kBinary = std::string(SCTPKIT_BINARY_DIR) + "/sctpkit";

// Short handshake settings so that a blocked pair fails in about 1.4 s (INIT at 0, 0.2, 0.6 s).
const std::vector<std::string> kFastTest{"--init-retries", "2", "--rto-initial", "200", "--timeout", "3"};

struct DriverRun {
  ProcessOutput output;
  std::map<std::pair<std::string, std::string>, nlohmann::json> cells;
  nlohmann::json summary;
};

DriverRun run_driver(const MatrixLab& lab, const std::vector<std::string>& peers) {
  const std::string file = fmt::format("/tmp/skmx-{}-peers", ::getpid());
  {
    std::ofstream out(file);
    out << "# from the test\n";
    for (const auto& p : peers) out << p << "\n";
  }
  std::vector<std::string> argv{"/usr/sbin/ip", "netns", "exec", lab.driver(), kBinary, "linktest", "--matrix",
                                "--raw", "--peers-file", file, "--parallel", "2", "--pair-timeout", "30", "--json"};
  argv.insert(argv.end(), kFastTest.begin(), kFastTest.end());
  DriverRun run;
  run.output = run_bounded(argv, std::chrono::seconds(120));
  ::unlink(file.c_str());
  std::istringstream lines(run.output.out);
  for (std::string line; std::getline(lines, line);) {
    const auto json = nlohmann::json::parse(line, nullptr, false);
    if (json.is_discarded()) continue;
    if (json.contains("from")) run.cells[{json["from"], json["to"]}] = json;
    else run.summary = json;
  }
  return run;
}

bool tools_missing(std::string& why) {
  if (!std::filesystem::exists(kBinary)) why = "no sctpkit binary at " + kBinary + " (build the sctpkit target)";
  else if (!std::filesystem::exists("/usr/sbin/ip")) why = "no /usr/sbin/ip";
  return !why.empty();
}

TEST(MatrixNetns, ExactlyTheBlockedCellFails) {
  std::string why;
  if (tools_missing(why)) GTEST_SKIP() << why;
  MatrixLab lab(3);
  if (!lab.available()) GTEST_SKIP() << lab.reason();
  // Node c drops SCTP from node a to the agent port: a -> c cannot set up, while c -> a still
  // works, because a's answers go to c's ephemeral port.
  if (!lab.block_sctp(2, 0, kAgentPort)) GTEST_SKIP() << "nft could not add a rule (nftables unavailable)";
  for (size_t i = 0; i < 3; ++i) ASSERT_TRUE(lab.start_agent(i, kAgentPort, {"--raw"})) << lab.agent_logs();

  const auto start = std::chrono::steady_clock::now();
  const auto run = run_driver(lab, {"node-a=10.231.0.1:30102", "node-b=10.231.0.2:30102", "node-c=10.231.0.3:30102"});
  const auto took = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start);
  const std::string context = "stdout:\n" + run.output.out + "stderr:\n" + run.output.err + "agents:\n" + lab.agent_logs();

  ASSERT_FALSE(run.output.timed_out) << context;
  EXPECT_EQ(run.output.exit_code, 1) << context;
  ASSERT_EQ(run.cells.size(), 6u) << context;
  for (const auto& [pair, cell] : run.cells) {
    if (pair == std::pair<std::string, std::string>{"node-a", "node-c"}) {
      EXPECT_EQ(cell["result"], "fail") << cell.dump();
      EXPECT_EQ(cell["pass"], false);
      EXPECT_TRUE(cell["handshake_ms"].is_null());
      EXPECT_NE(cell["detail"].get<std::string>().find("no INIT ACK"), std::string::npos) << cell.dump();
    } else {
      EXPECT_EQ(cell["result"], "pass") << cell.dump() << "\n" << context;
      EXPECT_TRUE(cell["handshake_ms"].is_number()) << cell.dump();
      EXPECT_TRUE(cell["rtt_ms"].is_number()) << cell.dump();
      EXPECT_TRUE(cell["throughput_mbps"].is_number()) << cell.dump();
    }
  }
  EXPECT_EQ(run.summary["pairs"], 6) << context;
  EXPECT_EQ(run.summary["passed"], 5) << context;
  RecordProperty("driver_ms", static_cast<int>(took.count()));
}

TEST(MatrixNetns, ANodeWithoutAgentIsUnreachableNotAFailedPath) {
  std::string why;
  if (tools_missing(why)) GTEST_SKIP() << why;
  MatrixLab lab(2);
  if (!lab.available()) GTEST_SKIP() << lab.reason();
  ASSERT_TRUE(lab.start_agent(0, kAgentPort, {"--raw"})) << lab.agent_logs();  // none on node b

  auto run = run_driver(lab, {"node-a=10.231.0.1:30102", "node-b=10.231.0.2:30102"});
  const std::string context = "stdout:\n" + run.output.out + "stderr:\n" + run.output.err + "agents:\n" + lab.agent_logs();
  ASSERT_FALSE(run.output.timed_out) << context;
  EXPECT_EQ(run.output.exit_code, 1) << context;
  ASSERT_EQ(run.cells.size(), 2u) << context;
  // a's agent ran the test and found nobody at b: a failed path.
  EXPECT_EQ((run.cells[{"node-a", "node-b"}]["result"]), "fail") << context;
  // b's agent could not be asked: the path b -> a is untested, and the cell says so.
  const auto& unreachable = run.cells[{"node-b", "node-a"}];
  EXPECT_EQ(unreachable["result"], "agent-unreachable") << context;
  EXPECT_NE(unreachable["detail"].get<std::string>().find("agent 10.231.0.2:30102 unreachable"), std::string::npos)
      << context;
  EXPECT_EQ(run.summary["agent_unreachable"], 1) << context;
}

}  // namespace
}  // namespace sctpkit::linktest
