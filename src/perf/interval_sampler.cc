#include "perf/interval_sampler.h"

namespace sctpkit::perf {

namespace {
double seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }
}  // namespace

IntervalSampler::IntervalSampler(Clock::time_point start, Clock::duration interval)
    : start_(start), interval_(interval.count() > 0 ? interval : std::chrono::seconds(1)), next_(start + interval_),
      last_(start) {}

IntervalSample IntervalSampler::close(Clock::time_point now, uint64_t total_bytes, uint64_t total_messages,
                                             uint32_t cwnd, double srtt_ms) {
  IntervalSample s;
  s.start = seconds(last_ - start_);
  s.end = seconds(now - start_);
  s.bytes = total_bytes >= last_bytes_ ? total_bytes - last_bytes_ : 0;
  s.messages = total_messages >= last_messages_ ? total_messages - last_messages_ : 0;
  const double length = s.end - s.start;
  s.throughput_mbps = length > 0 ? static_cast<double>(s.bytes) * 8 / length / 1e6 : 0;
  s.cwnd = cwnd;
  s.srtt_ms = srtt_ms;
  samples_.push_back(s);
  last_ = now;
  last_bytes_ = total_bytes;
  last_messages_ = total_messages;
  while (next_ <= now) next_ += interval_;
  return samples_.back();
}

std::optional<IntervalSample> IntervalSampler::finish(Clock::time_point now, uint64_t total_bytes,
                                                      uint64_t total_messages, uint32_t cwnd, double srtt_ms) {
  if (!samples_.empty() && (now - last_) * 20 < interval_) return std::nullopt;
  return close(now, total_bytes, total_messages, cwnd, srtt_ms);
}

}  // namespace sctpkit::perf
