#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "linktest/matrix_print.h"
#include "linktest/matrix_result.h"

namespace sctpkit::linktest {
namespace {

PairResult pass(std::string from, std::string to, double hs, double rtt, double mbps) {
  return PairResult{std::move(from), std::move(to), PairOutcome::Pass, hs, rtt, mbps, ""};
}

PairResult fail(std::string from, std::string to, std::string detail) {
  return PairResult{std::move(from), std::move(to), PairOutcome::Fail, {}, {}, {}, std::move(detail)};
}

TEST(MatrixResult, ReadsAPassingReport) {
  const auto r = result_from_report("a", "b",
                                    R"({"verdict":"pass","server":"10.0.0.2:30102","transport":"raw","handshake_ms":1.21,)"
                                    R"("rtt_ms":0.34,"throughput_mbps":941.2,"detail":"","phases":[],"association":{}})");
  EXPECT_EQ(r.outcome, PairOutcome::Pass);
  EXPECT_EQ(r.from, "a");
  EXPECT_EQ(r.to, "b");
  EXPECT_DOUBLE_EQ(*r.handshake_ms, 1.21);
  EXPECT_DOUBLE_EQ(*r.rtt_ms, 0.34);
  EXPECT_DOUBLE_EQ(*r.throughput_mbps, 941.2);
  EXPECT_EQ(r.detail, "");
}

TEST(MatrixResult, ReadsAFailingReportWithNulls) {
  const auto r = result_from_report(
      "a", "c", R"({"verdict":"fail","handshake_ms":null,"rtt_ms":null,"throughput_mbps":null,"detail":"no INIT-ACK after 8 INITs"})");
  EXPECT_EQ(r.outcome, PairOutcome::Fail);
  EXPECT_FALSE(r.handshake_ms);
  EXPECT_FALSE(r.rtt_ms);
  EXPECT_FALSE(r.throughput_mbps);
  EXPECT_EQ(r.detail, "no INIT-ACK after 8 INITs");
}

TEST(MatrixResult, NeverPassesAReportItCannotRead) {
  EXPECT_EQ(result_from_report("a", "b", "not json").outcome, PairOutcome::Fail);
  EXPECT_EQ(result_from_report("a", "b", "[1]").detail, "the agent's report is not a JSON object");
  EXPECT_EQ(result_from_report("a", "b", R"({"verdict":"PASS"})").detail, "the agent's report has no verdict");
  EXPECT_EQ(result_from_report("a", "b", R"({"verdict":true})").outcome, PairOutcome::Fail);
  // A failure without a reason still says something.
  EXPECT_FALSE(result_from_report("a", "b", R"({"verdict":"fail"})").detail.empty());
  // Measurements that are not numbers, or negative, are absent.
  const auto odd = result_from_report("a", "b", R"({"verdict":"pass","rtt_ms":"fast","handshake_ms":-1})");
  EXPECT_FALSE(odd.rtt_ms);
  EXPECT_FALSE(odd.handshake_ms);
}

TEST(MatrixResult, KeepsAForeignDetailToOneShortLine) {
  const auto r = result_from_report("a", "b", R"({"verdict":"fail","detail":"line1\nline2)" + std::string(300, 'x') + "\"}");
  EXPECT_EQ(r.detail.find('\n'), std::string::npos);
  EXPECT_LE(r.detail.size(), 200u);
  EXPECT_EQ(r.detail.rfind("line1 line2", 0), 0u);
}

TEST(MatrixResult, JsonLineHasTheDocumentedKeys) {
  const auto line = nlohmann::json::parse(result_json(pass("a", "b", 1.214, 0.3449, 941.04)));
  EXPECT_EQ(line["from"], "a");
  EXPECT_EQ(line["to"], "b");
  EXPECT_EQ(line["result"], "pass");
  EXPECT_EQ(line["pass"], true);
  EXPECT_DOUBLE_EQ(line["handshake_ms"].get<double>(), 1.21);
  EXPECT_DOUBLE_EQ(line["rtt_ms"].get<double>(), 0.34);
  EXPECT_DOUBLE_EQ(line["throughput_mbps"].get<double>(), 941.04);
  EXPECT_EQ(line["detail"], "");
  const auto failed = nlohmann::json::parse(result_json(fail("a", "c", "no INIT-ACK")));
  EXPECT_EQ(failed["pass"], false);
  EXPECT_TRUE(failed["rtt_ms"].is_null());
  PairResult unreachable = fail("c", "a", "agent unreachable");
  unreachable.outcome = PairOutcome::AgentUnreachable;
  EXPECT_EQ(nlohmann::json::parse(result_json(unreachable))["result"], "agent-unreachable");
  EXPECT_EQ(result_json(pass("a", "b", 1, 2, 3)).find('\n'), std::string::npos);
}

TEST(MatrixResult, SummaryCountsEachOutcome) {
  PairResult unreachable = fail("c", "a", "x");
  unreachable.outcome = PairOutcome::AgentUnreachable;
  const auto summary =
      nlohmann::json::parse(summary_json({pass("a", "b", 1, 1, 1), fail("a", "c", "x"), pass("b", "a", 1, 1, 1), unreachable}));
  EXPECT_EQ(summary["pairs"], 4);
  EXPECT_EQ(summary["passed"], 2);
  EXPECT_EQ(summary["failed"], 1);
  EXPECT_EQ(summary["agent_unreachable"], 1);
}

const std::vector<std::string> kNodes{"worker-0", "worker-1", "worker-2"};

std::vector<PairResult> docs_example() {
  return {pass("worker-0", "worker-1", 1.21, 0.34, 941.2), fail("worker-0", "worker-2", "no INIT-ACK after 8 INITs"),
          pass("worker-1", "worker-0", 1.1, 0.3, 12.34),   pass("worker-1", "worker-2", 0.9, 0.25, 5.678),
          pass("worker-2", "worker-0", 1.0, 0.31, 99.4),   pass("worker-2", "worker-1", 1.3, 0.4, 1000)};
}

TEST(MatrixPrint, TableAsInTheDocs) {
  EXPECT_EQ(format_table(docs_example()),
            "FROM      TO        RESULT  HANDSHAKE  RTT      THROUGHPUT   DETAIL\n"
            "worker-0  worker-1  pass    1.21 ms    0.34 ms  941 Mbit/s\n"
            "worker-0  worker-2  FAIL    -          -        -            no INIT-ACK after 8 INITs\n"
            "worker-1  worker-0  pass    1.10 ms    0.30 ms  12.3 Mbit/s\n"
            "worker-1  worker-2  pass    0.90 ms    0.25 ms  5.68 Mbit/s\n"
            "worker-2  worker-0  pass    1.00 ms    0.31 ms  99.4 Mbit/s\n"
            "worker-2  worker-1  pass    1.30 ms    0.40 ms  1000 Mbit/s\n");
}

TEST(MatrixPrint, GridAsInTheDocs) {
  EXPECT_EQ(format_grid(kNodes, docs_example()),
            "from \\ to  worker-0  worker-1  worker-2\n"
            "worker-0   -         pass      FAIL\n"
            "worker-1   pass      -         pass\n"
            "worker-2   pass      pass      -\n");
}

TEST(MatrixPrint, GridMarksAMissingPairAndAnUnreachableAgent) {
  PairResult unreachable = fail("b", "a", "agent 10.0.0.2:1 unreachable");
  unreachable.outcome = PairOutcome::AgentUnreachable;
  EXPECT_EQ(format_grid({"a", "b"}, {unreachable}),
            "from \\ to  a         b\n"
            "a          -         ?\n"
            "b          NO-AGENT  -\n");
}

TEST(MatrixPrint, SummaryCountsPassesAndNamesUnreachableAgents) {
  EXPECT_EQ(format_summary(docs_example()), "5 of 6 pairs pass\n");
  PairResult u1 = fail("b", "a", "x"), u2 = fail("b", "c", "x");
  u1.outcome = u2.outcome = PairOutcome::AgentUnreachable;
  const std::string summary = format_summary({u1, u2, pass("a", "b", 1, 1, 1)});
  EXPECT_EQ(summary.rfind("1 of 3 pairs pass\nagent on b unreachable", 0), 0u) << summary;
  // One line per node, not per cell.
  EXPECT_EQ(summary.find("agent on b", summary.find("agent on b") + 1), std::string::npos);
}

TEST(MatrixPrint, MatrixIsTableGridSummary) {
  const auto results = docs_example();
  EXPECT_EQ(format_matrix(kNodes, results),
            format_table(results) + "\n" + format_grid(kNodes, results) + "\n" + format_summary(results));
}

}  // namespace
}  // namespace sctpkit::linktest
