#include "net/event_loop.h"

#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace sctpkit::net {

namespace {
constexpr uint64_t kTimerTag = ~uint64_t{0};
constexpr uint64_t kOwedTag = ~uint64_t{0} - 1;
}

std::variant<std::unique_ptr<EventLoop>, TransportError> EventLoop::create(Transport& transport) {
  std::unique_ptr<EventLoop> loop(new EventLoop(transport));
  loop->epoll_ = UniqueFd(::epoll_create1(EPOLL_CLOEXEC));
  if (loop->epoll_.get() < 0) return system_error("epoll_create1", errno);
  loop->timer_ = UniqueFd(::timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC));
  if (loop->timer_.get() < 0) return system_error("timerfd_create", errno);
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.u64 = kTimerTag;
  if (::epoll_ctl(loop->epoll_.get(), EPOLL_CTL_ADD, loop->timer_.get(), &ev) != 0)
    return system_error("epoll_ctl", errno);
  // Readable while answers are owed and the caller may be an embedder polling fd() (an eventfd:
  // arming the timerfd "now" programs a timer, a VM exit on a virtual machine).
  loop->owed_fd_ = UniqueFd(::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC));
  if (loop->owed_fd_.get() < 0) return system_error("eventfd", errno);
  ev.data.u64 = kOwedTag;
  if (::epoll_ctl(loop->epoll_.get(), EPOLL_CTL_ADD, loop->owed_fd_.get(), &ev) != 0)
    return system_error("epoll_ctl", errno);
  for (int fd : transport.fds()) {
    ev.data.u64 = static_cast<uint64_t>(fd);
    if (::epoll_ctl(loop->epoll_.get(), EPOLL_CTL_ADD, fd, &ev) != 0) return system_error("epoll_ctl", errno);
  }
  loop->slab_.reset(new uint8_t[kSlabBytes]);
  loop->pending_.reserve(kMaxPending);
  loop->received_.resize(kBatch);
  return loop;
}

void EventLoop::add(Engine& engine) {
  if (std::find(engines_.begin(), engines_.end(), &engine) != engines_.end()) return;
  engines_.push_back(&engine);
  touched();
  transport_.bind_port(engine.local_port());
  arm_timer();
}

void EventLoop::remove(Engine& engine) {
  // What it owes still leaves (a SHUTDOWN COMPLETE answering the SHUTDOWN ACK that let a blocking
  // shutdown() return, just before the program exits).
  drain_transmits(engine, now());
  send_pending();
  std::erase(engines_, &engine);
  // Another engine may share the port only by mistake; keep the port while one still uses it.
  const bool still_used = std::any_of(engines_.begin(), engines_.end(),
                                      [&](Engine* e) { return e->local_port() == engine.local_port(); });
  if (!still_used) transport_.unbind_port(engine.local_port());
  arm_timer();
}

bool EventLoop::run_once(std::optional<assoc::Duration> timeout, bool wake_when_owed) {
  // What the last input made the engines answer leaves before we wait (if the caller never
  // replied, without its reply), and so does what user calls queued (see touched()).
  if (dirty_ || owed_) flush();
  int wait_ms = -1;
  // Packets read but not yet handed out make no descriptor readable: waiting for one stranded them
  // until the peer's next packet (at the end of a 64 B rate test, its T3-rtx a second later).
  const bool held = transport_.holds_input();
  if (held) {
    wait_ms = 0;
  } else if (timeout) {
    const auto ms = std::chrono::ceil<std::chrono::milliseconds>(std::max(*timeout, assoc::Duration::zero()));
    wait_ms = static_cast<int>(std::min<int64_t>(ms.count(), 1 << 30));
  }
  epoll_event events[8];
  const Spin spun = busy_poll_ > assoc::Duration::zero() && wait_ms != 0 ? spin(events, 8, wait_ms) : Spin{};
  int n = spun.events;
  if (n == 0 && spun.packets == 0) {
    if (wait_ms != 0) ++counters_.sleeps;
    do {
      ++counters_.epoll_waits;
      n = ::epoll_wait(epoll_.get(), events, 8, wait_ms);
    } while (n < 0 && errno == EINTR);
  }
  const auto t = now();
  last_now_ = t;
  ready_fds_.clear();
  for (int i = 0; i < n; ++i) {
    if (events[i].data.u64 == kOwedTag) {
      clear_owed_signal();
    } else if (events[i].data.u64 == kTimerTag) {
      uint64_t expirations;
      [[maybe_unused]] auto r = ::read(timer_.get(), &expirations, sizeof expirations);
      armed_.reset();  // a one-shot timerfd that fired is disarmed
    } else {
      ready_fds_.push_back(static_cast<int>(events[i].data.u64));
    }
  }
  if (spun.packets > 0) {
    receive_all(t, spun.packets);
  } else if (!ready_fds_.empty() || held) {
    // Only the sockets epoll named are read (a wildcard transport has an IPv4 and an IPv6 one: an
    // empty read costs a system call).
    transport_.set_ready(ready_fds_);
    receive_all(t);
  }
  // Timers are checked on every wake-up, not only when the timerfd fired: a deadline may have
  // passed while we were handling packets.
  const TimerSweep timers = fire_timers(t);
  if (timers.fired) owed_ = true;
  const uint64_t handed = counters_.events;
  deliver_events();
  // The deadlines fire_timers read still hold unless a timer ran or a handler that calls engines
  // got an event (handing one out moves no deadline): one next_timeout walk per wake-up, not two.
  if (!timers.fired && (counters_.events == handed || !handler_calls_engines_)) {
    arm_timer(timers.earliest);
  } else {
    arm_timer();
  }
  // Held input is owed work too: an application polling our descriptor must come back for it.
  if ((owed_ || transport_.holds_input()) && wake_when_owed && !owed_signaled_) {
    const uint64_t one = 1;
    owed_signaled_ = ::write(owed_fd_.get(), &one, sizeof one) == sizeof one;
  }
  return n > 0 || spun.packets > 0 || timers.fired;
}

EventLoop::Spin EventLoop::spin(epoll_event* events, int capacity, int& wait_ms) {
  const auto start = now();
  auto until = start + busy_poll_;
  if (wait_ms >= 0) until = std::min(until, start + std::chrono::milliseconds(wait_ms));
  // A timer due while we spin ends the spin: its timerfd is only seen by an epoll_wait.
  if (armed_) until = std::min(until, *armed_);
  // The transport's sockets are read directly: a packet found costs one system call, not an
  // epoll_wait that names the socket and then the read (a busy ping-pong's one-way trip). Every
  // kEpollEvery-th round polls epoll too, for the descriptors only it watches (the timer, the
  // owed signal).
  constexpr uint64_t kEpollEvery = 8;
  transport_.set_ready(transport_.spin_fds());
  auto t = start;
  for (uint64_t round = 1;; ++round) {
    ++counters_.spins;
    if (const size_t packets = transport_.receive(received_); packets > 0) return {0, packets};
    if (round % kEpollEvery == 0) {
      ++counters_.epoll_waits;
      if (const int n = ::epoll_wait(epoll_.get(), events, capacity, 0); n > 0) return {n, 0};
    }
    t = now();
    if (t >= until) break;
  }
  // Nothing came: the blocking wait gets what is left of the caller's timeout.
  if (wait_ms > 0) {
    const auto spun = std::chrono::duration_cast<std::chrono::milliseconds>(t - start).count();
    wait_ms = static_cast<int>(std::max<int64_t>(wait_ms - spun, 0));
  }
  return {};
}

void EventLoop::receive_all(assoc::TimePoint now, size_t first_batch) {
  // At most kMaxBatches reads per wake-up: the application must get to what was delivered. While
  // a fast sender kept the socket full, this loop once never ended and the application starved
  // (the Stack now also keeps the window closed over what the application has not taken:
  // EndpointConfig::hold_window_until_consumed, so its inbox is bounded by the receive buffer).
  for (size_t reads = 0; reads < kMaxBatches; ++reads) {
    const size_t n = reads == 0 && first_batch > 0 ? first_batch : transport_.receive(received_);
    if (n == 0) break;
    // A short batch was probably the last (the transport then answers the next call without a
    // read): the answer to its last packet stays owed, for the application's reply to carry.
    const size_t defer = n < received_.size() ? n - 1 : n;
    for (size_t i = 0; i < n; ++i) {
      const ReceivedPacket& p = received_[i];
      ++counters_.packets_received;
      const uint16_t port = *sctp_destination_port(p.data);  // the transport checked the length
      auto it = std::find_if(engines_.begin(), engines_.end(), [&](Engine* e) { return e->local_port() == port; });
      if (it == engines_.end()) {
        ++counters_.unknown_port;
        continue;
      }
      const assoc::PacketDisposition disposition =
          (*it)->handle_packet(p.data, p.source, p.destination, now, p.encapsulation_port);
      report_disposition(transport_, p, disposition, pending_, [this] { send_pending(); });
      const bool closing = drain_events(**it);
      // Every other packet's answer is collected at once: RFC 9260 6.2's SACK for every second
      // packet exists only if the engine is asked between packets (asked after a batch, it
      // acknowledges the batch once, and a sender in slow start grows its window by one MTU per
      // SACK, 7.2.1). The Transmit's bytes are copied while valid. An answer no reply can ride
      // with is never owed: a stateless one (an INIT ACK, RFC 9260 5.1: no association exists),
      // or one to a packet that shut its association down (a SHUTDOWN ACK: 9.2, the user may
      // send no new data) or closed it. Owing them cost a second sendmmsg per setup on a server
      // (the SHUTDOWN of the last association and the INIT of the next arrive in one read).
      if (i == defer && disposition != assoc::PacketDisposition::AnsweredStateless && !closing) {
        owed_ = true;
      } else {
        drain_transmits(**it, now);
        undrained_ = true;  // sending may raise events (a close after an ABORT)
      }
    }
    // What the engines answered to this read (SACKs; data the SACKs made room for) leaves before
    // the next read, so that answers wait at most one read batch.
    send_pending();
  }
}

EventLoop::TimerSweep EventLoop::fire_timers(assoc::TimePoint now) {
  TimerSweep sweep;
  for (Engine* engine : engines_) {
    auto deadline = engine->next_timeout();
    if (deadline && *deadline <= now) {
      ++counters_.timeouts;
      engine->handle_timeout(now);
      sweep.fired = true;
      undrained_ = true;
    } else if (deadline && (!sweep.earliest || *deadline < *sweep.earliest)) {
      sweep.earliest = deadline;
    }
  }
  return sweep;
}

void EventLoop::clear_owed_signal() {
  if (!owed_signaled_) return;
  uint64_t count;
  [[maybe_unused]] auto r = ::read(owed_fd_.get(), &count, sizeof count);
  owed_signaled_ = false;
}

size_t EventLoop::flush(assoc::TimePoint t) {
  ++counters_.flushes;
  dirty_ = false;      // an event handed out below sets it again
  undrained_ = false;  // each engine's events are taken after its packets (a handler may set it again)
  last_now_ = t;
  owed_ = false;
  clear_owed_signal();
  size_t packets = 0;
  for (size_t i = 0; i < engines_.size(); ++i) {
    packets += drain_transmits(*engines_[i], t);
    drain_events(*engines_[i]);
  }
  send_pending();
  arm_timer();
  return packets;
}

void EventLoop::deliver_events() {
  if (!undrained_) return;
  undrained_ = false;
  for (size_t i = 0; i < engines_.size(); ++i) drain_events(*engines_[i]);
}

size_t EventLoop::drain_transmits(Engine& engine, assoc::TimePoint now) {
  size_t taken = 0;
  for (;;) {
    // The engine writes each packet straight into the slab, where sendmmsg reads it: a copy of every
    // packet less (at 64 B messages the copies were 6% of the sender's time).
    if (pending_.size() == kMaxPending || kSlabBytes - slab_used_ < assoc::kMaxTransmitSize) send_pending();
    auto transmit = engine.poll_transmit(now, wire::MutableBytes(slab_.get() + slab_used_, assoc::kMaxTransmitSize));
    if (!transmit) break;
    ++taken;
    const size_t size = transmit->packet.size();
    if (size > 65535) continue;  // cannot be an IP datagram
    if (transmit->packet.data() != slab_.get() + slab_used_) {
      // An engine that built it elsewhere (Engine allows it): the slab still takes it.
      std::memmove(slab_.get() + slab_used_, transmit->packet.data(), size);
    }
    pending_.push_back({transmit->source, transmit->destination, wire::Bytes(slab_.get() + slab_used_, size)});
    slab_used_ += size;
  }
  return taken;
}

bool EventLoop::drain_events(Engine& engine) {
  bool closing = false;
  const uint64_t taken = sink_ ? sink_->taken() : 0;
  for (;;) {
    auto event = sink_ ? engine.poll_nonmessage_event(*sink_) : engine.poll_event();
    if (!event) break;
    closing |= std::holds_alternative<assoc::PeerShutdownEvent>(*event) ||
               std::holds_alternative<assoc::ClosedEvent>(*event);
    ++counters_.events;
    dirty_ = true;  // handing it out may leave the engine an answer to send (a window update)
    if (handler_calls_engines_) undrained_ = true;
    if (handler_) handler_(engine, std::move(*event));
  }
  if (sink_ && sink_->taken() != taken) {
    counters_.events += sink_->taken() - taken;
    dirty_ = true;  // as for an event (the sink calls no engine)
  }
  return closing;
}

bool goes_to_sender(std::span<const OutgoingPacket> pending, const ReceivedPacket& packet) {
  // RFC 9260 3.1: an answer's destination port is the sender's source port (the engine built it).
  const uint16_t sctp_port = wire::load_u16(packet.data, 0);
  return std::any_of(pending.begin(), pending.end(), [&](const OutgoingPacket& o) {
    return o.destination == packet.source && o.data.size() >= 4 && wire::load_u16(o.data, 2) == sctp_port;
  });
}

void EventLoop::send_pending() {
  if (pending_.empty()) return;
  counters_.packets_sent += transport_.send(pending_);
  pending_.clear();
  slab_used_ = 0;
}

void EventLoop::arm_timer() {
  std::optional<assoc::TimePoint> earliest;
  for (Engine* engine : engines_) {
    auto deadline = engine->next_timeout();
    if (deadline && (!earliest || *deadline < *earliest)) earliest = deadline;
  }
  arm_timer(earliest);
}

void EventLoop::arm_timer(std::optional<assoc::TimePoint> earliest) {
  // flush() runs after every API call (each send()): re-arming an unchanged deadline was one
  // timerfd_settime system call per message, half of the small-message path's time. Nor is the
  // timer moved later or disarmed: a ping-pong stops and restarts T3-rtx (RFC 9260 6.3.2) and the
  // delayed SACK timer (6.2) every round trip, which was a timerfd_settime per round trip on each
  // side. An early expiry only wakes us once: fire_timers finds nothing due and we arm again here.
  if (!earliest || (armed_ && *armed_ <= *earliest)) return;
  armed_ = earliest;
  itimerspec spec{};
  if (earliest) {
    // steady_clock is CLOCK_MONOTONIC on Linux, so the engine's deadline is an absolute timerfd time.
    auto since = earliest->time_since_epoch();
    auto secs = std::chrono::duration_cast<std::chrono::seconds>(since);
    auto nanos = std::chrono::duration_cast<std::chrono::nanoseconds>(since - secs);
    spec.it_value.tv_sec = secs.count();
    spec.it_value.tv_nsec = nanos.count();
    if (spec.it_value.tv_sec <= 0 && spec.it_value.tv_nsec <= 0) spec.it_value.tv_nsec = 1;  // 0 disarms; 1 ns is past
  }
  ++counters_.timer_settings;
  ::timerfd_settime(timer_.get(), TFD_TIMER_ABSTIME, &spec, nullptr);
}

}  // namespace sctpkit::net
