#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <set>
#include <thread>

#include "linktest/matrix_driver.h"
#include "linktest/matrix_schedule.h"

namespace sctpkit::linktest {
namespace {

std::vector<Peer> peers(size_t n) {
  std::vector<Peer> list;
  for (size_t i = 0; i < n; ++i)
    list.push_back(Peer{std::string(1, static_cast<char>('a' + i)), "10.0.0." + std::to_string(i + 1), 30102});
  return list;
}

TEST(MatrixSchedule, OrderedPairsRowByRow) {
  const auto pairs = ordered_pairs(3);
  ASSERT_EQ(pairs.size(), 6u);
  const std::vector<std::pair<size_t, size_t>> expected{{0, 1}, {0, 2}, {1, 0}, {1, 2}, {2, 0}, {2, 1}};
  for (size_t i = 0; i < pairs.size(); ++i) {
    EXPECT_EQ(pairs[i].from, expected[i].first);
    EXPECT_EQ(pairs[i].to, expected[i].second);
  }
}

TEST(MatrixSchedule, RunsOnlyPairsThatShareNoNode) {
  PairScheduler scheduler(4, ordered_pairs(4), 8);
  const auto first = scheduler.take();
  const auto second = scheduler.take();
  ASSERT_TRUE(first && second);
  const auto& p = scheduler.pairs();
  EXPECT_EQ(p[*first].from, 0u);
  EXPECT_EQ(p[*first].to, 1u);
  EXPECT_EQ(p[*second].from, 2u);  // the first pair without node 0 or 1
  EXPECT_EQ(p[*second].to, 3u);
  EXPECT_FALSE(scheduler.take());  // all four nodes busy
  scheduler.release(*first);
  const auto third = scheduler.take();
  ASSERT_TRUE(third);
  EXPECT_EQ(p[*third].from, 1u);  // (0,2) and (0,3) wait for node 2 and 3; (1,0) is free
  EXPECT_EQ(p[*third].to, 0u);
}

TEST(MatrixSchedule, BoundsTheNumberRunning) {
  PairScheduler scheduler(6, ordered_pairs(6), 2);
  EXPECT_TRUE(scheduler.take());
  EXPECT_TRUE(scheduler.take());
  EXPECT_FALSE(scheduler.take());
  EXPECT_EQ(scheduler.running(), 2u);
}

TEST(MatrixDriver, RunsEveryOrderedPairOnceInRowOrder) {
  std::atomic<int> calls{0};
  const auto results = run_matrix(
      peers(4),
      [&](const Peer& from, const Peer& to) {
        ++calls;
        return PairResult{from.name, to.name, PairOutcome::Pass, 1, 1, 1, ""};
      },
      MatrixRun{3, {}});
  EXPECT_EQ(calls, 12);
  ASSERT_EQ(results.size(), 12u);
  EXPECT_EQ(results[0].from, "a");
  EXPECT_EQ(results[0].to, "b");
  EXPECT_EQ(results[11].from, "d");
  EXPECT_EQ(results[11].to, "c");
}

TEST(MatrixDriver, ConcurrentPairsNeverShareANodeAndStayWithinTheBound) {
  std::mutex mutex;
  std::multiset<std::string> busy;
  size_t most = 0;
  bool overlap = false;
  const auto results = run_matrix(
      peers(5),
      [&](const Peer& from, const Peer& to) {
        {
          std::lock_guard lock(mutex);
          overlap |= busy.count(from.name) > 0 || busy.count(to.name) > 0;
          busy.insert(from.name);
          busy.insert(to.name);
          most = std::max(most, busy.size() / 2);
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
        std::lock_guard lock(mutex);
        busy.erase(busy.find(from.name));
        busy.erase(busy.find(to.name));
        return PairResult{from.name, to.name, PairOutcome::Pass, {}, {}, {}, ""};
      },
      MatrixRun{2, {}});
  EXPECT_EQ(results.size(), 20u);
  EXPECT_FALSE(overlap);
  EXPECT_LE(most, 2u);
  EXPECT_GE(most, 1u);
}

TEST(MatrixDriver, AnUnreachableAgentIsTriedOnceAndMarksItsRow) {
  std::atomic<int> calls_from_c{0};
  std::vector<std::string> progress;
  const auto results = run_matrix(
      peers(3),
      [&](const Peer& from, const Peer& to) {
        if (from.name == "c") {
          ++calls_from_c;
          return PairResult{from.name, to.name, PairOutcome::AgentUnreachable, {}, {}, {}, "agent 10.0.0.3:30102 unreachable"};
        }
        return PairResult{from.name, to.name, PairOutcome::Pass, 1, 1, 1, ""};
      },
      MatrixRun{1, [&](const PairResult& r) { progress.push_back(r.from + ">" + r.to); }});
  EXPECT_EQ(calls_from_c, 1);
  ASSERT_EQ(results.size(), 6u);
  for (const auto& r : results) {
    if (r.from == "c") {
      EXPECT_EQ(r.outcome, PairOutcome::AgentUnreachable) << r.to;
      EXPECT_EQ(r.detail, "agent 10.0.0.3:30102 unreachable");
    } else {
      EXPECT_EQ(r.outcome, PairOutcome::Pass);  // other nodes still test c's path
    }
  }
  EXPECT_EQ(progress.size(), 6u);  // progress for every pair, the shortcut ones too
}

}  // namespace
}  // namespace sctpkit::linktest
