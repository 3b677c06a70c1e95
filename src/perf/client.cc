#include "perf/client.h"

#include <fmt/format.h>

#include "perf/control.h"
#include "perf/histogram.h"
#include "perf/interval_sampler.h"
#include "perf/swarm.h"
#include "perf/swarm_ports.h"

namespace sctpkit::perf {

using namespace std::chrono_literals;

namespace {

struct PathSample {
  uint64_t acked_bytes = 0;
  uint32_t cwnd = 0;
  double srtt_ms = 0;
};

PathSample sample(const Association& a) {
  PathSample s;
  auto info = a.status();  // allocates (paths, strings): called once per interval, not per message
  if (!info) return s;
  s.acked_bytes = info->bytes_sent;
  for (const auto& p : info->paths) {
    if (!p.primary) continue;
    s.cwnd = p.cwnd;
    s.srtt_ms = static_cast<double>(p.srtt.count()) / 1000.0;
  }
  return s;
}

double seconds_since(Clock::time_point start, Clock::time_point now) {
  return std::chrono::duration<double>(now - start).count();
}

class Client {
 public:
  explicit Client(const ClientConfig& config) : c_(config), options_(config.options) {
    options_.outbound_streams = static_cast<uint16_t>(std::max(c_.streams, 1));
    options_.non_blocking = false;
    result_.mode = c_.mode;
    result_.message_size = c_.message_size;
    result_.streams = c_.streams;
    result_.unordered = c_.unordered;
    payload_.assign(c_.message_size, 0);
    for (size_t i = 0; i < payload_.size(); ++i) payload_[i] = static_cast<uint8_t>('a' + i % 26);
  }

  Expected<TestResult> run() {
    auto control = connect();
    if (!control) return control.error();
    if (auto info = control->status()) ports_ = SwarmPorts(info->local_port, c_.port);
    Hello hello{c_.mode, c_.message_size, c_.streams, c_.unordered, c_.seconds, c_.count};
    const std::string hello_text = encode(hello);
    control_bytes_ = hello_text.size();  // acknowledged with the test data: not test data
    if (auto s = control->send(hello_text, SendOptions{0, kControlPpid, false}); !s) return s.error();
    if (auto ready = wait_control(*control, ControlType::Ready); !ready) return ready.error();
    Status ran;
    switch (c_.mode) {
      case Mode::Bulk:
      case Mode::Rate:
        ran = run_bulk(*control);
        break;
      case Mode::Pingpong:
        // The kernel's replies are fresh buffers each (see keep_freed_memory).
        if (options_.transport == TransportKind::Kernel) keep_freed_memory();
        ran = run_pingpong(*control);
        break;
      case Mode::Setup: ran = run_setup(); break;
      case Mode::Idle: ran = run_idle(*control); break;
    }
    if (!ran) return ran.error();
    if (auto s = control->send(encode_end(), SendOptions{0, kControlPpid, false}); !s) return s.error();
    auto answer = wait_control(*control, ControlType::Report);
    if (!answer) return answer.error();
    const ServerReport* report = &answer->report;
    result_.server_bytes = report->bytes;
    result_.server_messages = report->messages;
    if (c_.mode == Mode::Idle) {
      result_.idle = IdleSummary{report->associations, report->rss_kib_before, report->rss_kib_after,
                               report->associations_before};
      // The extra associations end (ABORT) only after the server measured them.
      if (swarm_) swarm_->abort_all();
      swarm_.reset();
    }
    if (auto s = control->shutdown(); !s) return s.error();
    return std::move(result_);
  }

 private:
  [[nodiscard]] bool stopped() const { return c_.stop && c_.stop->load(std::memory_order_relaxed); }

  Expected<Association> connect() {
    auto a = Association::connect(c_.host, c_.port, options_);
    if (!a && c_.automatic_transport && options_.transport == TransportKind::RawIp &&
        a.error().code == Error::Code::NoPrivilege) {
      options_.transport = TransportKind::Udp;
      a = Association::connect(c_.host, c_.port, options_);
    }
    result_.transport = options_.transport == TransportKind::Udp      ? "udp"
                        : options_.transport == TransportKind::Kernel ? "kernel"
                                                                      : "raw";
    return a;
  }

  // The sender keeps the send buffer full; blocking send() waits for room. Measured until the
  // peer acknowledged the last byte, so that what was queued but not delivered does not count.
  Status run_bulk(Association& a) {
    const auto start = Clock::now();
    const auto stop = start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(c_.seconds));
    IntervalSampler sampler(start, interval());
    SendOptions send{0, 0, c_.unordered};
    uint64_t messages = 0;
    // The clock is read once per kClockEvery messages: at 64 B a read was a tenth of the sender's
    // time (a virtual machine's clock), and a few messages more bend no figure.
    constexpr uint64_t kClockEvery = 16;
    for (auto now = start; now < stop;) {
      send.stream = static_cast<uint16_t>(messages % static_cast<uint64_t>(c_.streams));
      if (auto s = a.send(payload_, send); !s) return stalled(s.error(), "no room to send");
      if (++messages % kClockEvery != 0) continue;
      now = Clock::now();
      if (stopped()) break;
      if (sampler.due(now)) close_interval(sampler, a, now);
    }
    // The last message asks for its SACK at once (RFC 9260 6.1, the I bit): the drain below waits
    // for that SACK, which the receiver's delayed-SACK timer (6.2) held up to 200 ms whenever the
    // last packet was an odd one.
    send.stream = static_cast<uint16_t>(messages % static_cast<uint64_t>(c_.streams));
    send.sack_immediately = true;
    if (auto s = a.send(payload_, send); !s) return stalled(s.error(), "no room to send");
    ++messages;
    // Drain: everything queued must be acknowledged (RFC 9260 6.2: cumulatively, in a SACK).
    const auto deadline = Clock::now() + drain_limit();
    for (;;) {
      auto info = a.status();
      if (!info) return Error{Error::Code::Closed, "association closed: " + a.close_reason()};
      if (info->queued_bytes == 0 && info->bytes_in_flight == 0) break;
      if (Clock::now() > deadline) return Error{Error::Code::Timeout, "the server did not acknowledge all data"};
      (void)a.receive(1ms);  // runs the stack
      const auto now = Clock::now();
      if (sampler.due(now)) close_interval(sampler, a, now);
    }
    const auto end = Clock::now();
    close_interval(sampler, a, end, kFinal);
    result_.seconds = seconds_since(start, end);
    result_.bytes = messages * c_.message_size;  // all acknowledged
    result_.messages = messages;
    result_.intervals = sampler.samples();
    return {};
  }

  // One message in flight; the latency is the round trip as the application sees it.
  Status run_pingpong(Association& a) {
    LatencyHistogram histogram;
    const auto start = Clock::now();
    const auto stop = start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(c_.seconds));
    IntervalSampler sampler(start, interval());
    SendOptions send{0, 0, c_.unordered};
    uint64_t bytes = 0, messages = 0;
    auto now = start;
    while (now < stop && !stopped()) {
      send.stream = static_cast<uint16_t>(messages % static_cast<uint64_t>(c_.streams));
      const auto sent = Clock::now();
      if (auto s = a.send(payload_, send); !s) return stalled(s.error(), "no room to send");
      auto reply = a.receive();
      if (!reply) return stalled(reply.error(), "no echo");
      now = Clock::now();
      if (reply->ppid == kControlPpid) continue;
      histogram.record(static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(now - sent).count()));
      bytes += reply->data.size();
      ++messages;
      a.recycle(std::move(*reply));  // its buffer takes the next reply
      if (sampler.due(now)) close_interval(sampler, a, now, bytes, messages);
    }
    close_interval(sampler, a, now, bytes, messages, kFinal);
    result_.seconds = seconds_since(start, now);
    result_.bytes = bytes;
    result_.messages = messages;
    result_.intervals = sampler.samples();
    auto us = [&](double p) { return static_cast<double>(histogram.percentile(p)) / 1000.0; };
    result_.latency = LatencySummary{us(50), us(90), us(99), static_cast<double>(histogram.max()) / 1000.0};
    return {};
  }

  // Associations set up (RFC 9260 5.1) and shut down gracefully (9.2), `parallel` handshakes at a
  // time (1: one after another), all on one endpoint and socket (Swarm). As TCP's close() returns
  // before the FIN exchange, the next handshake starts once one is up and its SHUTDOWN is queued:
  // the shutdown runs beside it (the SHUTDOWN leaves with the next INIT). A setup counts once its
  // SHUTDOWN COMPLETE has arrived, and the test ends when every association is closed.
  Status run_setup() {
    const auto start = Clock::now();
    const auto stop = start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(c_.seconds));
    IntervalSampler sampler(start, interval());
    uint64_t done = 0, started = 0;
    std::optional<Error> failure;
    Swarm* swarm = nullptr;
    auto more = [&] { return !stopped() && (c_.count ? started < c_.count : Clock::now() < stop); };
    auto start_one = [&] {
      auto id = swarm->connect(ports_);
      if (!id) return void(failure = id.error());
      ++started;
    };
    auto opened = Swarm::open(options_, c_.host, c_.port, [&](uint32_t id, Swarm::Outcome outcome, const std::string& detail) {
      switch (outcome) {
        case Swarm::Outcome::Connected:
          swarm->shutdown(id);
          if (more()) start_one();
          break;
        case Swarm::Outcome::ShutDown: ++done; break;
        case Swarm::Outcome::Failed: failure = Error{Error::Code::Closed, "association closed: " + detail}; break;
      }
    });
    if (!opened) return opened.error();
    swarm = opened->get();
    for (int i = 0; i < std::max(c_.parallel, 1) && more() && !failure; ++i) start_one();
    if (auto s = drive(*swarm, failure, sampler, done, [&] { return swarm->open_associations() == 0; }); !s) return s;
    const auto now = Clock::now();
    close_interval(sampler, now, 0, done, kFinal);
    result_.seconds = seconds_since(start, now);
    result_.messages = done;
    result_.setups_per_s = result_.seconds > 0 ? static_cast<double>(done) / result_.seconds : 0;
    result_.intervals = sampler.samples();
    return {};
  }

  // `count` associations opened (up to kIdleWindow handshakes at a time, on one endpoint and
  // socket) and held without traffic for -t seconds; the server measures its RSS before the first
  // and while all are open.
  Status run_idle(Association& control) {
    constexpr uint64_t kIdleWindow = 64;
    const auto start = Clock::now();
    IntervalSampler sampler(start, interval());
    uint64_t started = 0, connected = 0;
    std::optional<Error> failure;
    Swarm* swarm = nullptr;
    auto start_one = [&] {
      auto id = swarm->connect(ports_);
      if (!id) return void(failure = Error{id.error().code, fmt::format("idle association {}: {}", started + 1, id.error().message)});
      ++started;
    };
    auto opened = Swarm::open(options_, c_.host, c_.port, [&](uint32_t, Swarm::Outcome outcome, const std::string& detail) {
      if (outcome == Swarm::Outcome::Connected) {
        ++connected;
        if (started < c_.count) start_one();
      } else {
        failure = Error{Error::Code::Closed, fmt::format("an idle association closed: {}", detail)};
      }
    });
    if (!opened) return opened.error();
    swarm_ = std::move(*opened);  // held until the server has measured
    swarm = swarm_.get();
    while (started < std::min(c_.count, kIdleWindow) && !failure) start_one();
    if (auto s = drive(*swarm, failure, sampler, connected, [&] { return connected == c_.count; }); !s) return s;
    // Hold: keep answering (heartbeats) until the time is up.
    const auto stop = Clock::now() + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(c_.seconds));
    for (auto now = Clock::now(); now < stop && !failure && !stopped(); now = Clock::now()) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(stop - now);
      if (auto s = swarm->run_once(std::clamp(left, 1ms, 100ms)); !s) return s;
      control.process();  // its heartbeats too
      if (sampler.due(now)) close_interval(sampler, now, 0, connected);
    }
    if (failure) return *failure;
    // The last period, as every mode ends: without it a hold shorter than an interval past the
    // first due time would report no interval at all.
    const auto end = Clock::now();
    close_interval(sampler, end, 0, connected, kFinal);
    result_.seconds = seconds_since(start, end);
    result_.messages = connected;
    result_.intervals = sampler.samples();
    return {};
  }

  // Runs the swarm until `finished`, a failure, or no progress for the wait limit (-w).
  template <typename Finished>
  Status drive(Swarm& swarm, std::optional<Error>& failure, IntervalSampler& sampler, const uint64_t& progress,
               Finished finished) {
    uint64_t seen = progress;
    auto deadline = Clock::now() + drain_limit();
    while (!finished() && !failure) {
      if (auto s = swarm.run_once(100ms); !s) return s;
      const auto now = Clock::now();
      if (progress != seen) {
        seen = progress;
        deadline = now + drain_limit();
      } else if (now > deadline) {
        return Error{Error::Code::Timeout, fmt::format("no association set up or shut down for {} s (is the server running?)",
                                                       std::chrono::duration_cast<std::chrono::seconds>(drain_limit()).count())};
      }
      if (sampler.due(now)) close_interval(sampler, now, 0, progress);
    }
    if (failure) return *failure;
    return {};
  }

  Expected<ControlMessage> wait_control(Association& a, ControlType type) {
    const auto deadline = Clock::now() + drain_limit();
    while (Clock::now() < deadline) {
      auto m = a.receive(100ms);
      if (!m) {
        if (m.error().code == Error::Code::Timeout) continue;
        return m.error();
      }
      if (m->ppid != kControlPpid) continue;  // a late echo
      auto control = decode_control(m->data);
      if (control && control->type == type) return *control;
    }
    return Error{Error::Code::Timeout, type == ControlType::Ready ? "the server did not answer the hello (is it sctpkit perf -s?)"
                                                                  : "the server sent no report"};
  }

  static constexpr bool kFinal = true;
  void close_interval(IntervalSampler& sampler, Association& a, Clock::time_point now, bool final = false) {
    const PathSample s = sample(a);
    const uint64_t bytes = s.acked_bytes > control_bytes_ ? s.acked_bytes - control_bytes_ : 0;
    const uint64_t messages = c_.message_size ? bytes / c_.message_size : 0;
    close_interval(sampler, now, bytes, messages, s, final);
  }
  void close_interval(IntervalSampler& sampler, Association& a, Clock::time_point now, uint64_t bytes,
                      uint64_t messages, bool final = false) {
    close_interval(sampler, now, bytes, messages, sample(a), final);
  }
  void close_interval(IntervalSampler& sampler, Clock::time_point now, uint64_t bytes, uint64_t messages,
                      bool final = false) {
    close_interval(sampler, now, bytes, messages, PathSample{}, final);
  }
  void close_interval(IntervalSampler& sampler, Clock::time_point now, uint64_t bytes, uint64_t messages,
                      const PathSample& path, bool final) {
    if (!final) return report(sampler.close(now, bytes, messages, path.cwnd, path.srtt_ms));
    if (auto last = sampler.finish(now, bytes, messages, path.cwnd, path.srtt_ms)) report(*last);
  }
  void report(const IntervalSample& s) const {
    if (c_.on_interval) c_.on_interval(s);
  }

  [[nodiscard]] Clock::duration interval() const {
    return std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(c_.interval));
  }
  // A wait during the test that timed out: the server stopped answering mid-test (killed, or the
  // path went down). The API's "send timed out" said neither what nor why.
  [[nodiscard]] Error stalled(const Error& error, const char* what) const {
    if (error.code != Error::Code::Timeout) return error;
    return Error{Error::Code::Timeout,
                 fmt::format("{} for {:g} s (-w): the server stopped answering; is it still running, and the path up?",
                             what, std::chrono::duration<double>(drain_limit()).count())};
  }
  [[nodiscard]] Clock::duration drain_limit() const {
    return c_.options.timeout ? Clock::duration(*c_.options.timeout) : Clock::duration(30s);
  }

  const ClientConfig& c_;
  Options options_;
  TestResult result_;
  std::vector<uint8_t> payload_;
  std::unique_ptr<Swarm> swarm_;  // the idle mode's associations
  uint64_t control_bytes_ = 0;
  // Each extra association gets its own SCTP port (Swarm::connect draws them). With random
  // ephemeral ports, a few of 2,000 idle ones shared a port: to the server the same (address,
  // ports) again, an INIT for an existing association (RFC 9260 5.2), not a new one.
  SwarmPorts ports_{49152};
};

}  // namespace

Expected<TestResult> run_client(const ClientConfig& config) { return Client(config).run(); }

}  // namespace sctpkit::perf
