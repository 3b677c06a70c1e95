#include "sim/simulation.h"

#include <algorithm>
#include <optional>

namespace sctpkit::sim {

std::string_view to_string(StopReason reason) {
  switch (reason) {
    case StopReason::Predicate: return "predicate";
    case StopReason::TimeLimit: return "time-limit";
    case StopReason::StepLimit: return "step-limit";
    case StopReason::Idle: return "idle";
  }
  return "?";
}

Simulation::Simulation(uint64_t seed) : seed_(seed), random_(seed), network_(random_, log_) {}

HostId Simulation::add_node(std::string name, std::vector<wire::IpAddress> addresses, SimNode& node) {
  return network_.add_host(std::move(name), std::move(addresses), node);
}

void Simulation::schedule(TimePoint at, std::function<void()> action) {
  queue_.push(std::max(at, now_), std::move(action));
}

void Simulation::drain(HostId host) {
  SimNode& node = *network_.host(host).node;
  // A node that never stops transmitting would hang the test; cap it and let the test see it.
  for (uint32_t n = 0;; ++n) {
    if (n == kMaxTransmitsPerDrain) {
      ++runaway_drains_;
      return;
    }
    auto transmit = node.poll_transmit(now_);
    if (!transmit) return;
    pending_.clear();
    network_.send(now_, host, *transmit, pending_);
    for (auto& [due, delivery] : pending_) queue_.push(due, std::move(delivery));
  }
}

void Simulation::drain_all() {
  for (HostId h = 0; h < network_.host_count(); ++h) drain(h);
}

bool Simulation::step(TimePoint deadline, bool& idle) {
  // The earliest of: the queue's head, and each node's timeout (earlier-added node first on a tie).
  // On a tie between the two, queued events go first: they were caused before the timer was due.
  std::optional<HostId> timer_host;
  std::optional<TimePoint> timer_due;
  for (HostId h = 0; h < network_.host_count(); ++h) {
    const auto t = network_.host(h).node->next_timeout();
    if (t && (!timer_due || *t < *timer_due)) {
      timer_due = t;
      timer_host = h;
    }
  }
  const std::optional<TimePoint> event_due = queue_.next_due();
  idle = !event_due && !timer_due;
  if (idle) return false;
  const bool take_event = event_due && (!timer_due || *event_due <= *timer_due);
  const TimePoint due = take_event ? *event_due : *timer_due;
  if (due > deadline) return false;
  now_ = std::max(now_, due);  // a timeout already in the past fires now

  if (take_event) {
    auto entry = queue_.pop();
    if (auto* delivery = std::get_if<Delivery>(&entry.payload)) {
      if (network_.arrive(now_, *delivery)) {
        network_.host(delivery->host)
            .node->handle_packet(delivery->packet, delivery->source, delivery->destination, now_);
      }
    } else {
      std::get<std::function<void()>>(entry.payload)();
    }
  } else {
    network_.host(*timer_host).node->handle_timeout(now_);
  }
  // A scheduled action may have called into any node; draining all of them costs one call each.
  drain_all();
  return true;
}

RunResult Simulation::run(const std::function<bool()>* done, TimePoint deadline) {
  drain_all();
  RunResult result;
  auto finish = [&](StopReason reason) {
    result.reason = reason;
    result.at = now_;
    return result;
  };
  if (done && (*done)()) return finish(StopReason::Predicate);
  for (;;) {
    if (result.steps >= step_budget_) return finish(StopReason::StepLimit);
    bool idle = false;
    if (!step(deadline, idle)) {
      if (idle && done) return finish(StopReason::Idle);
      now_ = std::max(now_, deadline);
      return finish(StopReason::TimeLimit);
    }
    ++result.steps;
    ++total_steps_;
    if (done && (*done)()) return finish(StopReason::Predicate);
  }
}

RunResult Simulation::run_until(const std::function<bool()>& done, Duration time_limit) {
  return run(&done, now_ + time_limit);
}

RunResult Simulation::run_for(Duration duration) { return run(nullptr, now_ + duration); }

}  // namespace sctpkit::sim
