// `sctpkit perf -c HOST`: runs one test against `sctpkit perf -s` and returns what it measured.
// Every test opens a control association, says hello (the mode), runs, says end once its data was
// acknowledged, and takes the server's report of what its application received.
#pragma once

#include <atomic>

#include <cstdint>
#include <functional>
#include <string>

#include "perf/report.h"
#include "sctpkit/sctpkit.h"

namespace sctpkit::perf {

struct ClientConfig {
  std::string host;  // a numeric address (the CLI resolves names)
  uint16_t port = 5201;
  Options options;   // transport, UDP ports, timeout for connect/shutdown
  bool automatic_transport = false;  // raw IP, or UDP when raw IP needs a privilege we lack
  Mode mode = Mode::Bulk;
  size_t message_size = 65536;
  int streams = 1;
  bool unordered = false;
  double seconds = 10;
  uint64_t count = 0;    // setup: this many instead of -t (0: by time); idle: how many to hold
  int parallel = 1;      // setup: associations in setup or shutdown at once (1: one after another)
  double interval = 1;   // seconds between interval samples
  std::function<void(const IntervalSample&)> on_interval;  // live progress, as each interval closes
  // Set from a signal handler (Ctrl-C): the test ends early, as if its time were up, and still
  // reports what it measured so far, as iperf3 does.
  const std::atomic<bool>* stop = nullptr;
};

[[nodiscard]] Expected<TestResult> run_client(const ClientConfig& config);

}  // namespace sctpkit::perf
