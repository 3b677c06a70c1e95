#include "assoc/tx/rto.h"

#include <gtest/gtest.h>

namespace sctpkit::assoc {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

RtoConfig small_min() {
  RtoConfig c;
  c.min = milliseconds(10);
  return c;
}

TEST(TxRto, InitialValueBeforeAnyMeasurement) {  // RFC 9260 6.3.1 C1
  RtoConfig c;
  c.initial = milliseconds(3000);
  RtoEstimator rto(c);
  EXPECT_FALSE(rto.has_measurement());
  EXPECT_EQ(rto.rto(), milliseconds(3000));
  EXPECT_EQ(RtoEstimator().rto(), seconds(1));  // RFC 9260 16: RTO.Initial = 1 s
}

TEST(TxRto, FirstMeasurement) {  // RFC 9260 6.3.1 C2: SRTT = R, RTTVAR = R/2, RTO = SRTT + 4 RTTVAR
  RtoEstimator rto(small_min());
  rto.add_measurement(milliseconds(100));
  EXPECT_TRUE(rto.has_measurement());
  EXPECT_EQ(rto.srtt(), milliseconds(100));
  EXPECT_EQ(rto.rttvar(), milliseconds(50));
  EXPECT_EQ(rto.rto(), milliseconds(300));
}

TEST(TxRto, SubsequentMeasurementUsesOldSrttForRttvar) {  // RFC 9260 6.3.1 C3
  RtoEstimator rto(small_min());
  rto.add_measurement(milliseconds(100));
  rto.add_measurement(milliseconds(200));
  // RTTVAR = 3/4 * 50 + 1/4 * |100 - 200| = 62.5 ms; SRTT = 7/8 * 100 + 1/8 * 200 = 112.5 ms.
  EXPECT_EQ(rto.rttvar(), std::chrono::microseconds(62500));
  EXPECT_EQ(rto.srtt(), std::chrono::microseconds(112500));
  // RTO = 112.5 + 4 * 62.5 = 362.5 ms.
  EXPECT_EQ(rto.rto(), std::chrono::microseconds(362500));
  rto.add_measurement(milliseconds(112));
  // RTTVAR = 3/4 * 62.5 + 1/4 * 0.5 = 47 ms; SRTT = 7/8 * 112.5 + 1/8 * 112 = 112.4375 ms.
  EXPECT_EQ(rto.rttvar(), std::chrono::microseconds(47000));
  EXPECT_EQ(rto.srtt(), std::chrono::nanoseconds(112437500));
}

TEST(TxRto, ZeroRttvarBecomesClockGranularity) {  // RFC 9260 6.3.1 G1
  RtoConfig c = small_min();
  c.min = milliseconds(1);
  c.granularity = milliseconds(2);
  RtoEstimator rto(c);
  rto.add_measurement(milliseconds(0));
  EXPECT_EQ(rto.rttvar(), milliseconds(2));
  EXPECT_EQ(rto.rto(), milliseconds(8));
}

TEST(TxRto, RoundedUpToMinimum) {  // RFC 9260 6.3.1 C6, RTO.Min = 1 s (section 16)
  RtoEstimator rto;
  rto.add_measurement(milliseconds(100));
  EXPECT_EQ(rto.rto(), seconds(1));
}

TEST(TxRto, CappedAtMaximum) {  // RFC 9260 6.3.1 C7, RTO.Max = 60 s
  RtoEstimator rto;
  rto.add_measurement(seconds(30));  // 30 + 4 * 15 = 90 s
  EXPECT_EQ(rto.rto(), seconds(60));
}

TEST(TxRto, BackOffDoublesUpToMaximum) {  // RFC 9260 6.3.3 E2
  RtoEstimator rto;
  const int expected[] = {2, 4, 8, 16, 32, 60, 60};
  for (int s : expected) {
    rto.back_off();
    EXPECT_EQ(rto.rto(), seconds(s));
  }
}

TEST(TxRto, MeasurementAfterBackOffCollapsesRto) {  // RFC 9260 6.3.3, paragraph after E4
  RtoEstimator rto(small_min());
  rto.add_measurement(milliseconds(100));
  rto.back_off();
  rto.back_off();
  EXPECT_EQ(rto.rto(), milliseconds(1200));
  rto.add_measurement(milliseconds(100));
  // RTTVAR = 3/4 * 50 + 0 = 37.5 ms; SRTT = 100 ms; RTO = 250 ms.
  EXPECT_EQ(rto.rto(), milliseconds(250));
}

TEST(TxRto, NegativeSampleIsTreatedAsZero) {
  RtoEstimator rto(small_min());
  rto.add_measurement(milliseconds(-5));
  EXPECT_EQ(rto.srtt(), milliseconds(0));
  EXPECT_EQ(rto.rto(), milliseconds(10));
}

}  // namespace
}  // namespace sctpkit::assoc
