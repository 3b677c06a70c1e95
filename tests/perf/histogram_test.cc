#include "perf/histogram.h"

#include <gtest/gtest.h>

#include <random>

namespace sctpkit::perf {
namespace {

TEST(LatencyHistogram, EmptyReportsZero) {
  LatencyHistogram h;
  EXPECT_EQ(h.count(), 0u);
  EXPECT_EQ(h.percentile(50), 0u);
  EXPECT_EQ(h.max(), 0u);
  EXPECT_EQ(h.min(), 0u);
}

TEST(LatencyHistogram, SmallValuesAreExact) {
  LatencyHistogram h;
  for (uint64_t v = 1; v <= 100; ++v) h.record(v);
  EXPECT_EQ(h.percentile(50), 50u);
  EXPECT_EQ(h.percentile(90), 90u);
  EXPECT_EQ(h.percentile(99), 99u);
  EXPECT_EQ(h.percentile(100), 100u);
  EXPECT_EQ(h.min(), 1u);
  EXPECT_EQ(h.max(), 100u);
}

TEST(LatencyHistogram, BucketsCoverEveryValueWithinTheirBounds) {
  // Every value falls in a bucket whose upper end is >= the value and less than 1/128 above it.
  for (uint64_t v : {uint64_t{0}, uint64_t{255}, uint64_t{256}, uint64_t{257}, uint64_t{1000}, uint64_t{123456789},
                     uint64_t{1} << 40, (uint64_t{1} << 63) + 12345, UINT64_MAX}) {
    const size_t b = LatencyHistogram::bucket_of(v);
    const uint64_t upper = LatencyHistogram::bucket_upper(b);
    EXPECT_GE(upper, v) << v;
    EXPECT_LE(static_cast<double>(upper - v), static_cast<double>(v) / 128.0 + 1) << v;
    if (b > 0) {
      EXPECT_LT(LatencyHistogram::bucket_upper(b - 1), v) << v;
    }
  }
}

TEST(LatencyHistogram, PercentilesOfLargeValuesAreWithinOnePercent) {
  LatencyHistogram h;
  std::mt19937_64 random(7);
  std::vector<uint64_t> values;
  for (int i = 0; i < 10000; ++i) values.push_back(10'000 + random() % 5'000'000);
  for (auto v : values) h.record(v);
  std::sort(values.begin(), values.end());
  for (double p : {50.0, 90.0, 99.0}) {
    const uint64_t exact = values[static_cast<size_t>(std::ceil(p / 100 * values.size())) - 1];
    const uint64_t got = h.percentile(p);
    EXPECT_GE(got, exact) << p;
    EXPECT_LE(static_cast<double>(got), static_cast<double>(exact) * 1.01) << p;
  }
  EXPECT_EQ(h.percentile(100), values.back());  // clamped to the real maximum, not the bucket's end
  EXPECT_EQ(h.max(), values.back());
}

TEST(LatencyHistogram, OutlierShowsOnlyInTheTail) {
  LatencyHistogram h;
  for (int i = 0; i < 999; ++i) h.record(50'000);
  h.record(9'000'000);
  EXPECT_LE(h.percentile(99), 50'000u * 101 / 100);
  EXPECT_EQ(h.max(), 9'000'000u);
  EXPECT_EQ(h.percentile(99.95), 9'000'000u);
}

TEST(LatencyHistogram, ResetForgetsEverything) {
  LatencyHistogram h;
  h.record(5);
  h.reset();
  EXPECT_EQ(h.count(), 0u);
  EXPECT_EQ(h.percentile(50), 0u);
  h.record(7);
  EXPECT_EQ(h.percentile(50), 7u);
  EXPECT_EQ(h.min(), 7u);
}

}  // namespace
}  // namespace sctpkit::perf
