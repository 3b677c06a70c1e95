// One cell of the link-test matrix: the outcome of the link test from one node's agent to another's.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sctpkit::linktest {

enum class PairOutcome {
  Pass,
  Fail,              // the link test from FROM to TO ran and failed (or FROM's agent could not run it)
  AgentUnreachable,  // the driver could not reach FROM's agent: the path FROM -> TO is untested
};

struct PairResult {
  std::string from;
  std::string to;
  PairOutcome outcome = PairOutcome::Fail;
  std::optional<double> handshake_ms;
  std::optional<double> rtt_ms;
  std::optional<double> throughput_mbps;
  std::string detail;  // one line; empty when the pair passed
};

// Reads the JSON report that `linktest HOST PORT --json` prints (and an agent returns):
// {"verdict":"pass"|"fail","handshake_ms":N|null,"rtt_ms":N|null,"throughput_mbps":N|null,"detail":"..."}.
// A report that is not JSON, or lacks a verdict, makes a failed cell that says so: it came from the
// network, and a pair must never pass on a report we cannot read.
PairResult result_from_report(std::string_view from, std::string_view to, std::string_view report);

// "pass", "fail", "agent-unreachable": the `result` key of the JSON line.
std::string_view outcome_name(PairOutcome outcome);

// One JSON object, one line: {"from","to","result","pass","handshake_ms","rtt_ms","throughput_mbps","detail"}.
std::string result_json(const PairResult& result);

// The closing JSON line: {"pairs","passed","failed","agent_unreachable"}.
std::string summary_json(const std::vector<PairResult>& results);

}  // namespace sctpkit::linktest
