// `sctpkit perf -s`: serves tests until stopped. One poll loop over the listener's stack; each
// association that sent a hello is a test: its data is counted (bulk, rate) or echoed (pingpong),
// and on "end" the server answers with what its application received. Other associations (the
// setup and idle modes' extra ones) are only accepted, swept now and then, and forgotten once closed.
#pragma once

#include <poll.h>

#include <atomic>
#include <chrono>
#include <deque>
#include <functional>
#include <list>
#include <memory>
#include <string>
#include <vector>

#include "perf/control.h"
#include "sctpkit/sctpkit.h"

namespace sctpkit::perf {

struct ServerConfig {
  bool one_off = false;  // return after the first test has reported
  // The listener runs on TransportKind::Kernel: received messages are fresh buffers (see
  // keep_freed_memory).
  bool kernel_transport = false;
  // A line for a person about each finished test (stdout in the CLI).
  std::function<void(const std::string&)> on_result;
};

class Server {
 public:
  Server(Listener& listener, ServerConfig config);

  // Runs until `stop` is set (checked at least every 100 ms) or, with one_off, a test finished.
  // Returns an error only if the stack failed.
  Status run(const std::atomic<bool>& stop);

  [[nodiscard]] uint64_t tests_finished() const { return tests_finished_; }

 private:
  // A test's own state, from its hello on.
  struct Test {
    Hello hello;
    uint64_t accepted_before = 0;  // how many the server had accepted at the hello
    uint64_t bytes = 0;
    uint64_t messages = 0;
    int64_t rss_before = 0;
    std::chrono::steady_clock::time_point started;
    bool done = false;
  };
  // Every accepted association; the idle mode holds thousands that never say hello, so what only a
  // test needs is allocated with its hello (an idle one costs 48 bytes here).
  struct Session {
    explicit Session(Association a) : association(std::move(a)) {}
    Association association;
    std::unique_ptr<Test> test;  // sent a hello
    bool ended = false;          // receive() said Closed: no message can follow
  };

  // Reads what arrived on one association; false once it is over.
  bool service(Session& session);
  void on_control(Session& session, const Message& message);

  Listener& listener_;
  ServerConfig config_;
  std::list<Session> tests_;   // checked on every wake-up
  std::vector<pollfd> poll_fds_;  // reused by every wake-up
  std::deque<Session> others_;  // swept every 100 ms when there are many; a deque: no node per session
  uint64_t accepted_ = 0;
  uint64_t tests_finished_ = 0;
  // The messages of the last receive_many(), handed back by the next (see service()).
  static constexpr size_t kBatch = 64;
  std::vector<Message> batch_;
};

}  // namespace sctpkit::perf
