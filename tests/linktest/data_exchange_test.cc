#include "linktest/data_exchange.h"

#include <gtest/gtest.h>

#include <set>

#include "linktest/control.h"

namespace sctpkit::linktest {
namespace {

TEST(DataExchange, PatternsAreDeterministicAndDistinctEvenAtOneByte) {
  EXPECT_EQ(pattern(7, 1000), pattern(7, 1000));
  EXPECT_NE(pattern(7, 1000), pattern(8, 1000));
  std::set<std::vector<uint8_t>> one_byte;
  for (uint32_t seed = 1; seed <= 10; ++seed) one_byte.insert(pattern(seed, 1));
  EXPECT_EQ(one_byte.size(), 10u);
}

TEST(DataExchange, TestMessagesCoverSizesStreamsAndOrdering) {
  const auto messages = test_messages(4);
  ASSERT_EQ(messages.size(), 2 * std::size(kMessageSizes));
  std::set<uint16_t> streams;
  size_t unordered = 0, largest = 0;
  for (const auto& m : messages) {
    streams.insert(m.stream);
    unordered += m.unordered;
    largest = std::max(largest, m.data.size());
  }
  EXPECT_EQ(streams, (std::set<uint16_t>{0, 1, 2, 3}));
  EXPECT_EQ(unordered, std::size(kMessageSizes));
  EXPECT_GT(largest, 65536u) << "one message must need fragmentation (RFC 9260 6.9)";
  for (const auto& m : test_messages(1)) EXPECT_EQ(m.stream, 0) << "a one-stream server gets stream 0 only";
  EXPECT_NE(kTestPpid, kControlPpid);
}

}  // namespace
}  // namespace sctpkit::linktest
