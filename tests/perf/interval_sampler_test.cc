#include "perf/interval_sampler.h"

#include <gtest/gtest.h>

namespace sctpkit::perf {
namespace {

using namespace std::chrono_literals;

TEST(IntervalSampler, DueEveryIntervalFromTheStart) {
  const Clock::time_point t0{};
  IntervalSampler s(t0, 1s);
  EXPECT_FALSE(s.due(t0 + 999ms));
  EXPECT_TRUE(s.due(t0 + 1s));
}

TEST(IntervalSampler, RecordsWhatTheCountersGainedAndTheRate) {
  const Clock::time_point t0{};
  IntervalSampler s(t0, 1s);
  auto first = s.close(t0 + 1s, 125'000'000, 10, 4096, 0.5);
  EXPECT_DOUBLE_EQ(first.start, 0);
  EXPECT_DOUBLE_EQ(first.end, 1);
  EXPECT_EQ(first.bytes, 125'000'000u);
  EXPECT_EQ(first.messages, 10u);
  EXPECT_DOUBLE_EQ(first.throughput_mbps, 1000);
  EXPECT_EQ(first.cwnd, 4096u);
  EXPECT_DOUBLE_EQ(first.srtt_ms, 0.5);
  auto second = s.close(t0 + 3s, 150'000'000, 15, 8192, 1.0);
  EXPECT_DOUBLE_EQ(second.start, 1);
  EXPECT_DOUBLE_EQ(second.end, 3);
  EXPECT_EQ(second.bytes, 25'000'000u);
  EXPECT_EQ(second.messages, 5u);
  EXPECT_DOUBLE_EQ(second.throughput_mbps, 100);
  EXPECT_EQ(s.samples().size(), 2u);
}

TEST(IntervalSampler, ALateSampleDoesNotShiftTheNextDeadline) {
  const Clock::time_point t0{};
  IntervalSampler s(t0, 1s);
  (void)s.close(t0 + 1300ms, 1, 1, 0, 0);
  EXPECT_EQ(s.next_due(), t0 + 2s);
  (void)s.close(t0 + 4500ms, 2, 2, 0, 0);  // two deadlines missed
  EXPECT_EQ(s.next_due(), t0 + 5s);
}

TEST(IntervalSampler, FinishDropsASliverButKeepsARealPeriodOrTheOnlyOne) {
  const Clock::time_point t0{};
  IntervalSampler only(t0, 1s);
  EXPECT_TRUE(only.finish(t0 + 10ms, 5, 1, 0, 0).has_value());  // a test shorter than its interval

  IntervalSampler s(t0, 1s);
  (void)s.close(t0 + 1s, 100, 1, 0, 0);
  EXPECT_FALSE(s.finish(t0 + 1010ms, 101, 1, 0, 0).has_value());
  auto last = s.finish(t0 + 1500ms, 150, 2, 0, 0);
  ASSERT_TRUE(last.has_value());
  EXPECT_EQ(last->bytes, 50u);
}

}  // namespace
}  // namespace sctpkit::perf
