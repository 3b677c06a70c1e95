// Runs a link-test matrix: every ordered pair of peers, with bounded concurrency (matrix_schedule.h).
#pragma once

#include <cstddef>
#include <functional>
#include <vector>

#include "linktest/matrix_peers.h"
#include "linktest/matrix_result.h"

namespace sctpkit::linktest {

// Runs the link test from `from`'s agent to `to` (matrix_control.h does it over SCTP; tests fake it).
// Called from several threads at once, for pairs that share no node.
using PairRunner = std::function<PairResult(const Peer& from, const Peer& to)>;

struct MatrixRun {
  size_t parallel = 2;
  // Called once per finished pair as it finishes (progress for a person), under a lock.
  std::function<void(const PairResult&)> on_result;
};

// The results of all ordered pairs, row by row in the order of `peers`. Once FROM's agent was
// unreachable, the rest of FROM's row is reported unreachable without trying again: every try
// would wait for a handshake timeout and say nothing new.
std::vector<PairResult> run_matrix(const std::vector<Peer>& peers, const PairRunner& runner, const MatrixRun& run);

}  // namespace sctpkit::linktest
