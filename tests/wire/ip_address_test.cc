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

TEST(IpAddress, EqualityTellsFamiliesAndEveryByteApart) {
  static_assert(IpAddress::v4(10, 0, 0, 1) == IpAddress::v4(10, 0, 0, 1));
  static_assert(IpAddress::v4(10, 0, 0, 1) != IpAddress::v4(10, 0, 0, 2));
  std::array<uint8_t, 16> raw{};
  raw[0] = 10;
  raw[3] = 1;
  // The same leading bytes in the other family are another address.
  EXPECT_NE(IpAddress::v6(raw.data()), IpAddress::v4(10, 0, 0, 1));
  EXPECT_EQ(IpAddress::v4(raw.data()), IpAddress::v4(10, 0, 0, 1));
  const IpAddress base = *IpAddress::parse("fd00:1:2:3:4:5:6:7");
  for (size_t i = 0; i < 16; ++i) {
    std::array<uint8_t, 16> changed = base.bytes();
    changed[i] ^= 0x80;
    EXPECT_NE(IpAddress::v6(changed.data()), base) << "byte " << i;
    EXPECT_EQ(IpAddress::v6(base.bytes().data()), base);
  }
}

TEST(IpAddress, UnspecifiedIsTheWildcardOfEitherFamily) {
  EXPECT_TRUE(IpAddress{}.is_unspecified());
  EXPECT_TRUE(IpAddress::parse("0.0.0.0")->is_unspecified());
  EXPECT_TRUE(IpAddress::parse("::")->is_unspecified());
  EXPECT_FALSE(IpAddress::v4(0, 0, 0, 1).is_unspecified());
  EXPECT_FALSE(IpAddress::v4(128, 0, 0, 0).is_unspecified());
  EXPECT_FALSE(IpAddress::parse("::1")->is_unspecified());
  EXPECT_FALSE(IpAddress::parse("8000::")->is_unspecified());
}

}  // namespace
}  // namespace sctpkit::wire
