// The text form of a link-test matrix (docs/openshift.md, "The matrix"): a table of pairs, the grid
// `from \ to`, and "N of M pairs pass".
#pragma once

#include <string>
#include <vector>

#include "linktest/matrix_result.h"

namespace sctpkit::linktest {

// FROM TO RESULT HANDSHAKE RTT THROUGHPUT DETAIL, one row per pair in the order given.
std::string format_table(const std::vector<PairResult>& results);

// One row and one column per node, in the order of `nodes`; a pair without a result shows "?".
std::string format_grid(const std::vector<std::string>& nodes, const std::vector<PairResult>& results);

// "N of M pairs pass", then one line per node whose agent the driver could not reach.
std::string format_summary(const std::vector<PairResult>& results);

// All three, separated by blank lines: what `linktest --matrix` prints.
std::string format_matrix(const std::vector<std::string>& nodes, const std::vector<PairResult>& results);

// The RESULT column and grid cell: "pass", "FAIL" (upper case, to stand out), "NO-AGENT".
const char* result_label(PairOutcome outcome);

}  // namespace sctpkit::linktest
