// The outcome of one `sctpkit perf` test: interval lines and the final summary as text (iperf3's
// layout) and as the one JSON object that scripts (bench/) parse. Key names are a contract.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "perf/interval_sampler.h"

namespace sctpkit::perf {

enum class Mode : uint8_t { Bulk, Rate, Pingpong, Setup, Idle };
[[nodiscard]] const char* to_string(Mode mode);
[[nodiscard]] std::optional<Mode> parse_mode(const std::string& text);

struct LatencySummary {  // microseconds
  double p50 = 0, p90 = 0, p99 = 0, max = 0;
};

struct IdleSummary {
  uint64_t count = 0;
  int64_t server_rss_kib_before = 0;
  int64_t server_rss_kib_after = 0;
  uint64_t server_associations_before = 0;  // ServerReport::associations_before
};

struct TestResult {
  Mode mode = Mode::Bulk;
  std::string transport;  // "udp" or "raw"
  size_t message_size = 0;
  int streams = 1;
  bool unordered = false;
  double seconds = 0;     // measured: first send to the last acknowledgement (or answer)
  uint64_t bytes = 0;     // sent and acknowledged (bulk, rate), or echoed back (pingpong)
  uint64_t messages = 0;  // likewise; setup: associations set up and shut down
  std::optional<LatencySummary> latency;
  std::optional<double> setups_per_s;
  std::vector<IntervalSample> intervals;
  uint64_t server_bytes = 0;  // what the server's application received
  uint64_t server_messages = 0;
  std::optional<IdleSummary> idle;

  // Receiver-side goodput, as iperf3 reports it: what the server counted over the measured time.
  [[nodiscard]] double throughput_mbps() const;
  [[nodiscard]] double messages_per_s() const;
};

[[nodiscard]] nlohmann::json to_json(const TestResult& result);

// "1.10 GBytes" (powers of 1024, as iperf3), "9.42 Gbits/sec" (powers of 1000), "1.2 MB".
[[nodiscard]] std::string format_bytes(uint64_t bytes);
[[nodiscard]] std::string format_bits_per_second(double bits_per_second);
[[nodiscard]] std::string format_size(uint64_t bytes);

// "[  1] 0.00-1.00 sec  1.10 GBytes  9.42 Gbits/sec  cwnd 1.2 MB  srtt 0.05 ms" (setup: setups/sec).
[[nodiscard]] std::string format_interval(const IntervalSample& sample, Mode mode);
// The header line printed before the intervals.
[[nodiscard]] std::string format_header(const TestResult& result);
// The closing lines: sender and receiver totals, and the mode's own figures.
[[nodiscard]] std::string format_summary(const TestResult& result);
// Empty for a server that had accepted no association before the idle test; else why its per-association
// figure reads low (memory kept from earlier associations for reuse is in "before") and what to do.
[[nodiscard]] std::string idle_memory_caution(uint64_t server_associations_before);

}  // namespace sctpkit::perf
