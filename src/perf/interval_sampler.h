// Interval lines as iperf3 prints them: every `interval` the sampler closes a period and records
// what the cumulative counters gained in it, with the congestion window and smoothed RTT then.
// Interval ends are start + k * interval, so a late sample does not shift the ones after it.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <vector>

namespace sctpkit::perf {

using Clock = std::chrono::steady_clock;

struct IntervalSample {
  double start = 0;  // seconds since the test began
  double end = 0;
  uint64_t bytes = 0;
  uint64_t messages = 0;
  double throughput_mbps = 0;  // 10^6 bits per second over [start, end)
  uint32_t cwnd = 0;           // bytes, primary path
  double srtt_ms = 0;
};

class IntervalSampler {
 public:
  IntervalSampler(Clock::time_point start, Clock::duration interval);

  [[nodiscard]] bool due(Clock::time_point now) const { return now >= next_; }
  [[nodiscard]] Clock::time_point next_due() const { return next_; }
  // Closes the period ending at `now` with the counters' totals since the start.
  IntervalSample close(Clock::time_point now, uint64_t total_bytes, uint64_t total_messages, uint32_t cwnd,
                              double srtt_ms);
  // The last period of a test: dropped (nullopt) when it is a sliver, under 5% of an interval,
  // whose rate would mean nothing, unless it is the only one.
  std::optional<IntervalSample> finish(Clock::time_point now, uint64_t total_bytes, uint64_t total_messages,
                                       uint32_t cwnd, double srtt_ms);
  [[nodiscard]] const std::vector<IntervalSample>& samples() const { return samples_; }

 private:
  Clock::time_point start_;
  Clock::duration interval_;
  Clock::time_point next_;
  Clock::time_point last_;
  uint64_t last_bytes_ = 0;
  uint64_t last_messages_ = 0;
  std::vector<IntervalSample> samples_;
};

}  // namespace sctpkit::perf
