#include "linktest/matrix_result.h"

#include <fmt/core.h>

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>

namespace sctpkit::linktest {

namespace {

// A measurement: a finite, non-negative number; anything else (null, missing, a string) is "none".
std::optional<double> number(const nlohmann::json& report, const char* key) {
  auto it = report.find(key);
  if (it == report.end() || !it->is_number()) return std::nullopt;
  const double value = it->get<double>();
  if (!std::isfinite(value) || value < 0) return std::nullopt;
  return value;
}

// Keeps a detail to one line of sane length: a report is foreign input and ends up in a table.
std::string one_line(std::string text) {
  constexpr size_t kMaxDetail = 200;
  for (char& c : text)
    if (c == '\n' || c == '\r' || c == '\t') c = ' ';
  if (text.size() > kMaxDetail) text = text.substr(0, kMaxDetail - 3) + "...";
  return text;
}

nlohmann::json optional_number(const std::optional<double>& value) {
  // Two decimals are below what the measurements can resolve, and keep the lines short.
  return value ? nlohmann::json(std::round(*value * 100) / 100) : nlohmann::json(nullptr);
}

}  // namespace

PairResult result_from_report(std::string_view from, std::string_view to, std::string_view report) {
  PairResult result;
  result.from = std::string(from);
  result.to = std::string(to);
  const auto json = nlohmann::json::parse(report, nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded() || !json.is_object()) {
    result.detail = "the agent's report is not a JSON object";
    return result;
  }
  const auto verdict = json.find("verdict");
  if (verdict == json.end() || !verdict->is_string() || (*verdict != "pass" && *verdict != "fail")) {
    result.detail = "the agent's report has no verdict";
    return result;
  }
  result.outcome = *verdict == "pass" ? PairOutcome::Pass : PairOutcome::Fail;
  result.handshake_ms = number(json, "handshake_ms");
  result.rtt_ms = number(json, "rtt_ms");
  result.throughput_mbps = number(json, "throughput_mbps");
  if (auto detail = json.find("detail"); detail != json.end() && detail->is_string())
    result.detail = one_line(detail->get<std::string>());
  if (result.outcome == PairOutcome::Fail && result.detail.empty()) result.detail = "failed (no detail in the report)";
  return result;
}

std::string_view outcome_name(PairOutcome outcome) {
  switch (outcome) {
    case PairOutcome::Pass: return "pass";
    case PairOutcome::Fail: return "fail";
    case PairOutcome::AgentUnreachable: return "agent-unreachable";
  }
  return "fail";
}

std::string result_json(const PairResult& result) {
  nlohmann::ordered_json line;
  line["from"] = result.from;
  line["to"] = result.to;
  line["result"] = outcome_name(result.outcome);
  line["pass"] = result.outcome == PairOutcome::Pass;
  line["handshake_ms"] = optional_number(result.handshake_ms);
  line["rtt_ms"] = optional_number(result.rtt_ms);
  line["throughput_mbps"] = optional_number(result.throughput_mbps);
  line["detail"] = result.detail;
  // Replace, not throw, on invalid UTF-8: details come from the network.
  return line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string summary_json(const std::vector<PairResult>& results) {
  auto count = [&](PairOutcome outcome) {
    return std::count_if(results.begin(), results.end(), [outcome](const auto& r) { return r.outcome == outcome; });
  };
  nlohmann::ordered_json line;
  line["pairs"] = results.size();
  line["passed"] = count(PairOutcome::Pass);
  line["failed"] = count(PairOutcome::Fail);
  line["agent_unreachable"] = count(PairOutcome::AgentUnreachable);
  return line.dump();
}

}  // namespace sctpkit::linktest
