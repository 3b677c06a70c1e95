// A deterministic run of nodes over a simulated network: one virtual clock, one event queue, one
// seeded random source. The same seed and the same scenario replay the same run, packet for packet.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "assoc/random.h"
#include "sim/network.h"
#include "sim/packet_log.h"
#include "sim/sim_node.h"
#include "sim/sim_time.h"

namespace sctpkit::sim {

enum class StopReason : uint8_t {
  Predicate,  // the condition held
  TimeLimit,  // simulated time reached the limit
  StepLimit,  // the step budget ran out (a node that keeps asking to be woken at the same instant)
  Idle,       // nothing queued and no node wants a timeout: nothing can change any more
};

std::string_view to_string(StopReason reason);

struct RunResult {
  StopReason reason = StopReason::TimeLimit;
  TimePoint at{};      // the clock when the run stopped
  uint64_t steps = 0;  // events and timeouts processed by this run
  [[nodiscard]] bool satisfied() const { return reason == StopReason::Predicate; }
};

class Simulation {
 public:
  static constexpr uint64_t kDefaultStepBudget = 1'000'000;
  static constexpr uint32_t kMaxTransmitsPerDrain = 1 << 14;  // far above any congestion window

  explicit Simulation(uint64_t seed);
  Simulation(const Simulation&) = delete;
  Simulation& operator=(const Simulation&) = delete;

  [[nodiscard]] TimePoint now() const { return now_; }
  [[nodiscard]] uint64_t seed() const { return seed_; }
  // The run's only source of randomness: give it to engines too, so the seed decides everything.
  assoc::SeededRandom& random() { return random_; }
  Network& network() { return network_; }
  [[nodiscard]] const PacketLog& log() const { return log_; }

  // The node must outlive the simulation's use of it. Nodes are woken, and drained, in the order added.
  HostId add_node(std::string name, std::vector<wire::IpAddress> addresses, SimNode& node);

  // Runs `action` at `at` (not before now), ordered with packet arrivals by time, then by scheduling
  // order. For mid-run user calls and link cuts.
  void schedule(TimePoint at, std::function<void()> action);
  void schedule_in(Duration after, std::function<void()> action) { schedule(now_ + after, std::move(action)); }

  // Sends whatever the nodes have to send now. Runs do this after every input; call it after a user
  // call into a node outside a run if the packets must leave before the next run starts.
  void drain_all();

  // Runs until `done()` holds (checked before the first step and after every step), `time_limit`
  // of simulated time has passed, the step budget is spent, or nothing is left to happen.
  RunResult run_until(const std::function<bool()>& done, Duration time_limit);
  // Runs for exactly `duration`: the clock ends at now + duration unless the step budget runs out.
  RunResult run_for(Duration duration);

  // Per run_until / run_for call.
  void set_step_budget(uint64_t steps) { step_budget_ = steps; }
  [[nodiscard]] uint64_t total_steps() const { return total_steps_; }
  // Drains cut short at kMaxTransmitsPerDrain packets: a node that never stops sending.
  [[nodiscard]] uint64_t runaway_drains() const { return runaway_drains_; }

 private:
  using Event = std::variant<Delivery, std::function<void()>>;
  RunResult run(const std::function<bool()>* done, TimePoint deadline);
  // One event or one timeout due no later than `deadline`; false if there is none.
  bool step(TimePoint deadline, bool& idle);
  void drain(HostId host);

  uint64_t seed_;
  assoc::SeededRandom random_;
  PacketLog log_;
  Network network_;
  TimePoint now_ = kEpoch;
  EventQueue<Event> queue_;
  std::vector<std::pair<TimePoint, Delivery>> pending_;  // reused scratch for Network::send
  uint64_t step_budget_ = kDefaultStepBudget;
  uint64_t total_steps_ = 0;
  uint64_t runaway_drains_ = 0;
};

}  // namespace sctpkit::sim
