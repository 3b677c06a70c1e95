// The server end of a link test (`sctpkit linktest --serve`, and the local run's peer): accepts
// any number of associations at once and echoes every message on its stream, with its PPID and
// ordering, until stopped. Messages on kControlStream with kControlPpid go to the control handler
// when one is installed. Drives the public API in non-blocking mode from one thread.
#pragma once

#include <poll.h>

#include <atomic>
#include <chrono>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "linktest/control.h"
#include "sctpkit/sctpkit.h"

namespace sctpkit::linktest {

struct ServerEvent {
  enum class Kind : uint8_t { Accepted, Ended };
  Kind kind = Kind::Accepted;
  std::string peer;    // "ADDRESS port N"
  std::string reason;  // Ended: Association::close_reason(), e.g. "aborted by the peer: ..."
  uint64_t messages = 0;
};

class EchoServer {
 public:
  // Listens on `port`; `options.non_blocking` is forced on.
  static Expected<std::unique_ptr<EchoServer>> open(uint16_t port, Options options);

  void set_control_handler(ControlHandler handler) { control_ = std::move(handler); }
  // Called on the serving thread for each association accepted and ended.
  void set_event_handler(std::function<void(const ServerEvent&)> handler) { on_event_ = std::move(handler); }

  [[nodiscard]] uint16_t udp_port() const { return listener_.udp_port(); }
  // Not thread-safe: ask from the serving thread, or after run() returned.
  [[nodiscard]] size_t open_associations() const { return sessions_.size(); }

  // Serves until `stop` holds (checked at least every `tick`).
  void run(const std::atomic<bool>& stop, std::chrono::milliseconds tick = std::chrono::milliseconds(50));
  // One round: waits up to `wait` for work, then accepts, echoes and reaps.
  void poll_once(std::chrono::milliseconds wait);

 private:
  struct Session {
    Association association;
    std::string peer;
    std::deque<Message> pending;  // echoes waiting for send buffer space
    bool shutting_down = false;
  };
  explicit EchoServer(Listener listener) : listener_(std::move(listener)) {}
  void accept_new();
  // Echoes what arrived; false once the association has ended.
  bool pump(Session& session);

  Listener listener_;
  std::vector<std::unique_ptr<Session>> sessions_;
  std::vector<pollfd> poll_fds_;  // reused by every round
  ControlHandler control_;
  std::function<void(const ServerEvent&)> on_event_;
};

}  // namespace sctpkit::linktest
