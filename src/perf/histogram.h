// Latency histogram for `sctpkit perf --mode pingpong`: fixed buckets allocated once, so recording a
// sample allocates nothing. Exact below 256 ns, then 128 buckets per power of two (a bucket is at
// most 1/128 = 0.8% wide relative to its values), up to 2^64 ns.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace sctpkit::perf {

class LatencyHistogram {
 public:
  LatencyHistogram();

  void record(uint64_t nanoseconds);
  void reset();

  [[nodiscard]] uint64_t count() const { return count_; }
  [[nodiscard]] uint64_t min() const { return count_ ? min_ : 0; }
  [[nodiscard]] uint64_t max() const { return max_; }
  // The value at or below which `percent` (0..100] of the samples lie, as the upper end of its
  // bucket, never above the largest sample; 0 without samples.
  [[nodiscard]] uint64_t percentile(double percent) const;

  // Bucket arithmetic, exposed for the tests.
  static size_t bucket_of(uint64_t nanoseconds);
  static uint64_t bucket_upper(size_t bucket);

 private:
  std::vector<uint64_t> counts_;
  uint64_t count_ = 0;
  uint64_t min_ = UINT64_MAX;
  uint64_t max_ = 0;
};

}  // namespace sctpkit::perf
