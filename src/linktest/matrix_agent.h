// The agent's side of the matrix control protocol (matrix_control.h): `linktest --serve` hands it
// each control request; it runs the link test to the request's target and returns the JSON report.
//
// The test runs as a child process, `sctpkit linktest HOST PORT --json ...` (our own binary), not
// in-process: a child can be killed when its time is up whatever state it is in, a crash or a leak
// in one test cannot take the serving agent down, the test gets its own stack and sockets, and the
// report is exactly what a person running `linktest` by hand would get.
#pragma once

#include <chrono>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "linktest/matrix_peers.h"

namespace sctpkit::linktest {

struct AgentSettings {
  std::string executable = "/proc/self/exe";  // the sctpkit binary
  // Transport flags of the tests, the same as the agent's own (every agent is alike, so the target
  // listens the way this one does): e.g. {"--raw"} or {"--udp=9899"}.
  std::vector<std::string> transport_args;
  std::chrono::milliseconds max_timeout{std::chrono::minutes(10)};
};

// A validated request. It came from the network: a size limit, known fields only, typed values.
struct TestRequest {
  Peer target;
  std::chrono::milliseconds timeout{60000};  // the whole test; killed after
  std::optional<int> init_retries;
  std::optional<std::chrono::milliseconds> rto_initial;
  std::optional<std::chrono::milliseconds> phase_timeout;
};

inline constexpr size_t kMaxControlRequest = 4096;

// The request, or why it is refused.
std::variant<TestRequest, std::string> parse_test_request(std::string_view request, const AgentSettings& settings);

// The command line of the test for a request.
std::vector<std::string> test_command(const TestRequest& request, const AgentSettings& settings);

// A failed report in the link test's format, for a test that could not run or report.
std::string failed_report(std::string_view server, std::string_view detail);

class MatrixAgent {
 public:
  explicit MatrixAgent(AgentSettings settings) : settings_(std::move(settings)) {}

  // The serve hook: the reply to one control request (always one: a refusal is a failed report).
  // Runs one test at a time; a request while one runs is refused as busy.
  std::optional<std::string> handle(std::string_view request);

 private:
  AgentSettings settings_;
  std::mutex running_;
};

}  // namespace sctpkit::linktest
