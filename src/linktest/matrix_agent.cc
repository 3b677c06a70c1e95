#include "linktest/matrix_agent.h"

#include <fmt/core.h>

#include <nlohmann/json.hpp>

#include "linktest/bounded_process.h"

namespace sctpkit::linktest {

namespace {

// A positive whole number of milliseconds within [low, high].
std::optional<std::chrono::milliseconds> milliseconds(const nlohmann::json& value, int64_t low, int64_t high) {
  if (!value.is_number_integer()) return std::nullopt;
  const auto ms = value.get<int64_t>();
  if (ms < low || ms > high) return std::nullopt;
  return std::chrono::milliseconds(ms);
}

// The last non-empty line of a program's stderr: where our tools put the reason they failed.
std::string last_line(std::string_view text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.remove_suffix(1);
  const size_t start = text.rfind('\n');
  return std::string(start == std::string_view::npos ? text : text.substr(start + 1));
}

}  // namespace

std::variant<TestRequest, std::string> parse_test_request(std::string_view request, const AgentSettings& settings) {
  if (request.size() > kMaxControlRequest)
    return fmt::format("request of {} bytes, more than {}", request.size(), kMaxControlRequest);
  const auto json = nlohmann::json::parse(request, nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded() || !json.is_object()) return std::string("request is not a JSON object");
  TestRequest parsed;
  bool have_target = false;
  for (const auto& [key, value] : json.items()) {
    if (key == "op") {
      if (value != "linktest") return std::string("unknown op (this agent runs \"linktest\")");
    } else if (key == "target") {
      if (!value.is_string()) return std::string("target must be a string HOST:PORT");
      auto target = parse_address(value.get<std::string>());
      if (auto* error = std::get_if<PeerError>(&target)) return error->message;
      parsed.target = std::get<Peer>(std::move(target));
      have_target = true;
    } else if (key == "timeout_ms") {
      auto ms = milliseconds(value, 1000, settings.max_timeout.count());
      if (!ms) return fmt::format("timeout_ms must be a whole number in 1000..{}", settings.max_timeout.count());
      parsed.timeout = *ms;
    } else if (key == "init_retries") {
      // The same bounds as `linktest --init-retries`.
      if (!value.is_number_integer() || value.get<int64_t>() < 0 || value.get<int64_t>() > 100)
        return std::string("init_retries must be a whole number in 0..100");
      parsed.init_retries = value.get<int>();
    } else if (key == "rto_initial_ms") {
      auto ms = milliseconds(value, 10, 60000);
      if (!ms) return std::string("rto_initial_ms must be a whole number in 10..60000");
      parsed.rto_initial = *ms;
    } else if (key == "phase_timeout_ms") {
      auto ms = milliseconds(value, 100, settings.max_timeout.count());
      if (!ms) return fmt::format("phase_timeout_ms must be a whole number in 100..{}", settings.max_timeout.count());
      parsed.phase_timeout = *ms;
    } else {
      // Refused rather than ignored: a driver that means something we do not do should hear so.
      return fmt::format("unknown field '{}' (driver and agent versions differ?)", key.substr(0, 40));
    }
  }
  if (json.find("op") == json.end()) return std::string("no op");
  if (!have_target) return std::string("no target");
  return parsed;
}

std::vector<std::string> test_command(const TestRequest& request, const AgentSettings& settings) {
  std::vector<std::string> argv{settings.executable, "linktest", request.target.host,
                                std::to_string(request.target.port), "--json"};
  argv.insert(argv.end(), settings.transport_args.begin(), settings.transport_args.end());
  if (request.init_retries) argv.insert(argv.end(), {"--init-retries", std::to_string(*request.init_retries)});
  if (request.rto_initial) argv.insert(argv.end(), {"--rto-initial", std::to_string(request.rto_initial->count())});
  if (request.phase_timeout)
    argv.insert(argv.end(), {"--timeout", fmt::format("{:g}", static_cast<double>(request.phase_timeout->count()) / 1000)});
  return argv;
}

std::string failed_report(std::string_view server, std::string_view detail) {
  nlohmann::ordered_json report;
  report["verdict"] = "fail";
  report["server"] = server;
  report["handshake_ms"] = nullptr;
  report["rtt_ms"] = nullptr;
  report["throughput_mbps"] = nullptr;
  report["detail"] = detail;
  return report.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::optional<std::string> MatrixAgent::handle(std::string_view request) {
  auto parsed = parse_test_request(request, settings_);
  if (auto* why = std::get_if<std::string>(&parsed)) return failed_report("", "agent: bad request: " + *why);
  const auto& test = std::get<TestRequest>(parsed);
  const std::string server = test.target.address();
  std::unique_lock lock(running_, std::try_to_lock);
  if (!lock.owns_lock()) return failed_report(server, "agent: busy with another test");

  const auto output = run_bounded(test_command(test, settings_), test.timeout);
  if (!output.started) return failed_report(server, "agent: could not start the link test");
  if (output.timed_out)
    return failed_report(server, fmt::format("agent: the link test did not finish within {} ms", test.timeout.count()));
  // The report is the verdict whatever the exit code (a failed test exits 1 with a report).
  // The whole of stdout is the report; failing that, its last line (should a version print more).
  for (const std::string& text : {output.out, last_line(output.out)}) {
    const auto report = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
    if (!report.is_discarded() && report.is_object() && report.contains("verdict"))
      return report.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  }
  return failed_report(server, fmt::format("agent: the link test exited with code {} and no report: {}",
                                           output.exit_code.value_or(-1), last_line(output.err)));
}

}  // namespace sctpkit::linktest
