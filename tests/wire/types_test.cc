#include "wire/types.h"

#include <gtest/gtest.h>

namespace sctpkit::wire {
namespace {

TEST(SerialNumber, OrdersAcrossWrapAround) {
  // RFC 9260 1.6: TSNs wrap from 2^32 - 1 to 0 and keep their order.
  const Tsn last(0xFFFFFFFFu);
  const Tsn first(0);
  EXPECT_TRUE(last.before(first));
  EXPECT_TRUE(first.after(last));
  EXPECT_EQ(last.next(), first);
  EXPECT_EQ(last.distance_to(first), 1);
  EXPECT_EQ(first.distance_to(last), -1);
}

TEST(SerialNumber, HalfSpaceApartIsNeitherBeforeNorAfter) {
  // RFC 1982 3.2 leaves this case undefined; we keep before() asymmetric.
  const Tsn a(0);
  const Tsn b(0x80000000u);
  EXPECT_FALSE(a.before(b) && b.before(a));
  EXPECT_FALSE(a.before(a));
  EXPECT_TRUE(a.before_or_equal(a));
}

TEST(SerialNumber, SixteenBitSsnWraps) {
  const Ssn s(0xFFFF);
  EXPECT_EQ(s.next(), Ssn(0));
  EXPECT_TRUE(s.before(Ssn(5)));
  EXPECT_TRUE(Ssn(5).after(s));
  EXPECT_FALSE(Ssn(0x8005).before(Ssn(5)) && Ssn(5).before(Ssn(0x8005)));
}

}  // namespace
}  // namespace sctpkit::wire
