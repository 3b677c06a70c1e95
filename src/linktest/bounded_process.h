// Runs a program with a time limit and collects its output, bounded in size: for the matrix agent,
// which runs `sctpkit linktest ...` on behalf of a request from the network.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace sctpkit::linktest {

struct ProcessOutput {
  bool started = false;
  bool timed_out = false;       // killed when the time limit passed
  std::optional<int> exit_code;  // set when it exited on its own
  std::string out;               // stdout, at most `max_output` bytes
  std::string err;               // stderr, at most `max_output` bytes
};

// Runs argv[0] (a path, no shell, no PATH lookup) with argv, no stdin, its own process group, and
// none of our file descriptors beyond 0-2. Kills the whole group when `limit` passes.
ProcessOutput run_bounded(const std::vector<std::string>& argv, std::chrono::milliseconds limit,
                          size_t max_output = 1 << 16);

}  // namespace sctpkit::linktest
