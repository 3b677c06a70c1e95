#include "wire/ip_address.h"

#include <gtest/gtest.h>

namespace sctpkit::wire {
namespace {

TEST(IpAddress, ParsesAndPrintsBothFamilies) {
  auto v4 = IpAddress::parse("10.128.0.79");
  ASSERT_TRUE(v4);
  EXPECT_TRUE(v4->is_v4());
  EXPECT_EQ(v4->to_string(), "10.128.0.79");
  EXPECT_EQ(*v4, IpAddress::v4(10, 128, 0, 79));
  auto v6 = IpAddress::parse("fd00:0:0::1");
  ASSERT_TRUE(v6);
  EXPECT_TRUE(v6->is_v6());
  EXPECT_EQ(v6->to_string(), "fd00::1");
  EXPECT_FALSE(IpAddress::parse("10.0.0"));
  EXPECT_FALSE(IpAddress::parse("example.com"));
  EXPECT_NE(*IpAddress::parse("::ffff:10.0.0.1"), IpAddress::v4(10, 0, 0, 1));
}

}  // namespace
}  // namespace sctpkit::wire
