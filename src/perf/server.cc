#include "perf/server.h"

#include <poll.h>

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

namespace sctpkit::perf {

using namespace std::chrono_literals;

namespace {
// Below this many unclaimed associations each wake-up looks at all of them; above it (the idle
// mode's thousands) a sweep every kSweepPeriod keeps a wake-up cheap.
constexpr size_t kEagerLimit = 64;
constexpr auto kSweepPeriod = 100ms;
}  // namespace

Server::Server(Listener& listener, ServerConfig config) : listener_(listener), config_(std::move(config)) {}

Status Server::run(const std::atomic<bool>& stop) {
  auto last_sweep = std::chrono::steady_clock::now();
  while (!stop.load()) {
    // On the kernel transport each test association has its own socket: its data must wake us too
    // (our stack serves them all through the listener's).
    poll_fds_.assign(1, {listener_.fd(), POLLIN, 0});
    auto watch = [&](const auto& sessions) {
      for (const auto& s : sessions)
        if (const int fd = s.association.fd(); fd != listener_.fd()) poll_fds_.push_back({fd, POLLIN, 0});
    };
    watch(tests_);
    if (others_.size() <= kEagerLimit) watch(others_);  // a hello may still come
    if (poll_fds_.size() == 1) {
      // Everything wakes the listener's descriptor: wait in the stack's own loop (one epoll_wait
      // per wake-up, not a poll and then an epoll_wait).
      listener_.process(100ms);
    } else {
      if (::poll(poll_fds_.data(), poll_fds_.size(), 100) < 0 && errno != EINTR)
        return Error{Error::Code::System, fmt::format("poll: {}", std::strerror(errno))};
      listener_.process();
    }
    // Looks without running the stack again, nor building a "would block" error on every wake-up.
    while (auto a = listener_.try_accept()) {
      ++accepted_;
      Session s(std::move(*a));
      // Its hello may have come with the handshake's last packet: claim it now.
      if (!service(s)) continue;
      if (s.test) {
        tests_.push_back(std::move(s));
      } else {
        others_.push_back(std::move(s));
      }
    }
    for (auto it = tests_.begin(); it != tests_.end();) it = service(*it) ? std::next(it) : tests_.erase(it);
    const auto now = std::chrono::steady_clock::now();
    if (others_.size() <= kEagerLimit || now - last_sweep >= kSweepPeriod) {
      last_sweep = now;
      // Compacted in place: the ones still open and without a hello keep their order.
      size_t kept = 0;
      for (size_t i = 0; i < others_.size(); ++i) {
        Session& s = others_[i];
        if (!service(s)) continue;  // over: erased below
        if (s.test) {
          tests_.push_back(std::move(s));
          continue;
        }
        if (kept != i) others_[kept] = std::move(s);
        ++kept;
      }
      others_.erase(others_.begin() + static_cast<std::ptrdiff_t>(kept), others_.end());
    }
    if (config_.one_off && tests_finished_ > 0 && tests_.empty()) break;
  }
  return {};
}

bool Server::service(Session& s) {
  // Its end was read: only the engine's part of the shutdown is left. Asking receive() again
  // built the Closed error (a string) a second time per association (~900 instructions a setup).
  if (s.ended) return s.association.is_open();
  // readable() first: receive() would flush the whole stack, which costs a walk over every
  // association in the engine, and the idle mode holds thousands.
  while (s.association.readable()) {
    // One call per burst: the last batch's buffers (of whichever association) go back to this
    // one's engine and hold its next messages, so a steady flow allocates nothing per message.
    auto taken = s.association.receive_many(batch_, kBatch, 0ms);
    if (!taken) {
      if (taken.error().code != Error::Code::Closed) return true;  // nothing more for now
      s.ended = true;
      // The peer shut down or the association ended.
      if (s.test && !s.test->done) {
        // A client that leaves without "end" (interrupted) still ends the test.
        s.test->done = true;
        ++tests_finished_;
      }
      // RFC 9260 9.2: the engine completes the peer's shutdown (SHUTDOWN ACK) by itself; dropping the
      // handle before that would abort the association instead.
      return s.association.is_open();
    }
    for (Message& message : batch_) {
      if (message.ppid == kControlPpid && message.stream == 0) {
        on_control(s, message);
        // Freed, not handed back: an idle association would keep it as a spare (idle memory).
        message.data = {};
        continue;
      }
      if (!s.test) {  // data before a hello: not a test of ours
        message.data = {};
        continue;
      }
      s.test->bytes += message.data.size();
      ++s.test->messages;
      if (s.test->hello.mode == Mode::Pingpong) {
        const SendOptions echo{message.stream, message.ppid, message.unordered};
        if (!s.association.send(message.data, echo)) return s.association.is_open();
      }
    }
  }
  return true;
}

void Server::on_control(Session& s, const Message& message) {
  auto control = decode_control(message.data);
  if (!control) return;
  if (control->type == ControlType::Hello) {
    if (!s.test) s.test = std::make_unique<Test>();
    s.test->accepted_before = accepted_;  // this association included
    s.test->hello = control->hello;
    // Not for setup and idle, whose RSS figure must not hold freed memory; nor for our own stack,
    // whose received messages this server recycles.
    const Mode mode = s.test->hello.mode;
    if (config_.kernel_transport && (mode == Mode::Bulk || mode == Mode::Rate || mode == Mode::Pingpong))
      keep_freed_memory();
    s.test->rss_before = resident_kib();
    s.test->started = std::chrono::steady_clock::now();
    (void)s.association.send(encode_ready(), SendOptions{0, kControlPpid, false});
    return;
  }
  if (control->type != ControlType::End || !s.test) return;
  Test& t = *s.test;
  ServerReport report;
  report.bytes = t.bytes;
  report.messages = t.messages;
  report.associations = accepted_ - t.accepted_before;  // since the hello: not counting this one
  report.rss_kib_before = t.rss_before;
  report.rss_kib_after = resident_kib();
  report.associations_before = t.accepted_before > 0 ? t.accepted_before - 1 : 0;
  (void)s.association.send(encode(report), SendOptions{0, kControlPpid, false});
  t.done = true;
  ++tests_finished_;
  if (!config_.on_result) return;
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t.started).count();
  auto info = s.association.status();
  const std::string peer = info ? fmt::format("{} port {}", info->peer_address, info->peer_port) : "?";
  std::string line = fmt::format("{} test from {}: ", to_string(t.hello.mode), peer);
  switch (t.hello.mode) {
    case Mode::Bulk:
    case Mode::Rate:
    case Mode::Pingpong:
      line += fmt::format("received {} in {} messages, {:.2f} sec", format_bytes(t.bytes), t.messages, seconds);
      break;
    case Mode::Setup:
      line += fmt::format("{} associations accepted in {:.2f} sec", report.associations, seconds);
      break;
    case Mode::Idle: {
      const int64_t grown = report.rss_kib_after - report.rss_kib_before;
      line += fmt::format("{} idle associations; RSS {} KiB before, {} KiB after ({:.2f} KiB each)",
                          report.associations, report.rss_kib_before, report.rss_kib_after,
                          report.associations ? static_cast<double>(grown) / static_cast<double>(report.associations)
                                              : 0.0);
      if (std::string caution = idle_memory_caution(report.associations_before); !caution.empty()) {
        caution.pop_back();  // on_result ends the line
        line += "\n" + caution;
      }
      break;
    }
  }
  config_.on_result(line);
}

}  // namespace sctpkit::perf
