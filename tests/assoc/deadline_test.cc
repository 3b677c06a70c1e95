#include "assoc/deadline.h"

#include <gtest/gtest.h>

namespace sctpkit::assoc {
namespace {

using namespace std::chrono_literals;

TEST(Deadline, BehavesAsAnOptionalTimeInHalfTheSpace) {
  static_assert(sizeof(Deadline) == sizeof(TimePoint));
  Deadline d;
  EXPECT_FALSE(d);
  EXPECT_FALSE(static_cast<std::optional<TimePoint>>(d).has_value());
  // The engine clock's own start is a time like any other, not "none".
  d = TimePoint{};
  ASSERT_TRUE(d);
  EXPECT_EQ(*d, TimePoint{});
  d = TimePoint{} + 250ms;
  EXPECT_EQ(*d, TimePoint{} + 250ms);
  const std::optional<TimePoint> as_optional = d;
  EXPECT_EQ(as_optional, TimePoint{} + 250ms);
  d.reset();
  EXPECT_FALSE(d.has_value());
}

}  // namespace
}  // namespace sctpkit::assoc
