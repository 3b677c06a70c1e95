// Which pairs of a matrix may run at the same time.
//
// Two pairs run concurrently only when they share no node. An agent that is running its own test
// while another node tests it would be measured under load (and, if its serve loop runs the test
// in line, not answer at all), so a good path would look slow or broken; and two throughput tests
// through one node would share its link. Disjoint pairs measure what they should.
#pragma once

#include <cstddef>
#include <optional>
#include <vector>

namespace sctpkit::linktest {

struct PairIndex {
  size_t from = 0;  // indices into the list of peers
  size_t to = 0;
};

// Every ordered pair (from, to), from != to, row by row: (0,1), (0,2), ..., (1,0), (1,2), ...
std::vector<PairIndex> ordered_pairs(size_t nodes);

class PairScheduler {
 public:
  // `parallel` (at least 1) bounds how many pairs run at once.
  PairScheduler(size_t nodes, std::vector<PairIndex> pairs, size_t parallel);

  // The index (into the pairs) of the first waiting pair whose nodes are both idle, if the bound
  // allows another pair now; it is then running until release().
  std::optional<size_t> take();
  void release(size_t pair);

  [[nodiscard]] bool all_taken() const { return next_waiting() == pairs_.size(); }
  [[nodiscard]] size_t running() const { return running_; }
  [[nodiscard]] const std::vector<PairIndex>& pairs() const { return pairs_; }

 private:
  [[nodiscard]] size_t next_waiting() const;

  std::vector<PairIndex> pairs_;
  std::vector<bool> taken_;
  std::vector<bool> busy_;  // per node
  size_t parallel_;
  size_t running_ = 0;
};

}  // namespace sctpkit::linktest
