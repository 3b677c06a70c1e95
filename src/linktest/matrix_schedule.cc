#include "linktest/matrix_schedule.h"

#include <algorithm>

namespace sctpkit::linktest {

std::vector<PairIndex> ordered_pairs(size_t nodes) {
  std::vector<PairIndex> pairs;
  for (size_t from = 0; from < nodes; ++from)
    for (size_t to = 0; to < nodes; ++to)
      if (from != to) pairs.push_back({from, to});
  return pairs;
}

PairScheduler::PairScheduler(size_t nodes, std::vector<PairIndex> pairs, size_t parallel)
    : pairs_(std::move(pairs)), taken_(pairs_.size(), false), busy_(nodes, false), parallel_(std::max<size_t>(parallel, 1)) {}

size_t PairScheduler::next_waiting() const {
  return static_cast<size_t>(std::find(taken_.begin(), taken_.end(), false) - taken_.begin());
}

std::optional<size_t> PairScheduler::take() {
  if (running_ >= parallel_) return std::nullopt;
  for (size_t i = 0; i < pairs_.size(); ++i) {
    const auto& p = pairs_[i];
    if (taken_[i] || busy_[p.from] || busy_[p.to]) continue;
    taken_[i] = true;
    busy_[p.from] = busy_[p.to] = true;
    ++running_;
    return i;
  }
  return std::nullopt;
}

void PairScheduler::release(size_t pair) {
  const auto& p = pairs_[pair];
  busy_[p.from] = busy_[p.to] = false;
  --running_;
}

}  // namespace sctpkit::linktest
