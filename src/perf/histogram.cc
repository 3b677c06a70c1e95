#include "perf/histogram.h"

#include <algorithm>
#include <bit>
#include <cmath>

namespace sctpkit::perf {

namespace {
constexpr int kSubBits = 7;                       // 128 sub-buckets per power of two
constexpr uint64_t kSub = uint64_t{1} << kSubBits;
constexpr uint64_t kLinear = 2 * kSub;            // values below this have a bucket each
constexpr size_t kBuckets = kLinear + (64 - (kSubBits + 1)) * kSub;
}  // namespace

LatencyHistogram::LatencyHistogram() : counts_(kBuckets, 0) {}

size_t LatencyHistogram::bucket_of(uint64_t v) {
  if (v < kLinear) return static_cast<size_t>(v);
  const int exponent = 63 - std::countl_zero(v);  // >= kSubBits + 1
  const int shift = exponent - kSubBits;
  const uint64_t sub = (v >> shift) - kSub;  // the bits below the leading one, kSubBits of them
  return static_cast<size_t>(kLinear + static_cast<uint64_t>(exponent - (kSubBits + 1)) * kSub + sub);
}

uint64_t LatencyHistogram::bucket_upper(size_t bucket) {
  if (bucket < kLinear) return bucket;
  const size_t log_part = bucket - kLinear;
  const int exponent = static_cast<int>(log_part / kSub) + kSubBits + 1;
  const uint64_t sub = log_part % kSub;
  const int shift = exponent - kSubBits;
  const uint64_t first = (kSub + sub) << shift;
  return first + ((uint64_t{1} << shift) - 1);  // may wrap only for the very last bucket: UINT64_MAX
}

void LatencyHistogram::record(uint64_t nanoseconds) {
  ++counts_[bucket_of(nanoseconds)];
  ++count_;
  if (nanoseconds < min_) min_ = nanoseconds;
  if (nanoseconds > max_) max_ = nanoseconds;
}

void LatencyHistogram::reset() {
  std::fill(counts_.begin(), counts_.end(), 0);
  count_ = 0;
  min_ = UINT64_MAX;
  max_ = 0;
}

uint64_t LatencyHistogram::percentile(double percent) const {
  if (count_ == 0) return 0;
  if (percent <= 0) return min();
  // The nearest-rank definition: the smallest value with at least `percent` of samples at or below.
  auto rank = static_cast<uint64_t>(std::ceil(percent / 100.0 * static_cast<double>(count_)));
  if (rank < 1) rank = 1;
  if (rank > count_) rank = count_;
  uint64_t seen = 0;
  for (size_t b = 0; b < counts_.size(); ++b) {
    seen += counts_[b];
    if (seen >= rank) return std::min(bucket_upper(b), max_);
  }
  return max_;
}

}  // namespace sctpkit::perf
