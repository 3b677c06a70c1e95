// `sctpkit linktest --matrix`: the link test between every ordered pair of nodes, each run by the
// FROM node's `linktest --serve` agent (docs/openshift.md, "The matrix"). Argument handling and
// output only; the driver and the agent's side live in src/linktest/matrix_*.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "linktest/matrix_control.h"

namespace sctpkit::tools {

struct MatrixArgs {
  bool enabled = false;
  std::string peers_file;
  int parallel = 2;
  double pair_timeout_seconds = 120;
};

// Adds --matrix, --peers-file, --parallel and --pair-timeout to the linktest subcommand.
void add_matrix_options(CLI::App& linktest, MatrixArgs& args);

// Runs the matrix over the peers given as arguments (`NAME=HOST:PORT`) and in --peers-file; prints
// the table, grid and summary (or JSON lines) to stdout and progress to stderr. The exit code: 0
// every pair passed, 1 one failed, 2 bad arguments, 3 unreadable peers file.
int run_matrix(const MatrixArgs& args, const std::vector<std::string>& peer_specs,
               const linktest::ControlSettings& control, bool json);

// The serve hook of an agent: runs the tests it is asked for with our own binary and the given
// transport flags (the agent's own, e.g. {"--raw"} or {"--udp=9899"}).
std::function<std::optional<std::string>(std::string_view)> matrix_control_handler(
    std::vector<std::string> transport_args);

}  // namespace sctpkit::tools
