// Simulated time: a fixed epoch and an event queue whose order never depends on the host machine.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <queue>
#include <utility>
#include <vector>

#include "assoc/clock.h"

namespace sctpkit::sim {

using assoc::Duration;
using assoc::TimePoint;
using namespace std::chrono_literals;

// Every simulation starts here, so logs and golden traces show the same times on every run. One day
// after the clock's zero keeps "now minus a lifetime" (cookie ages, RTT samples) from going negative.
inline constexpr TimePoint kEpoch = TimePoint{} + std::chrono::hours(24);

// Microseconds since kEpoch: what logs print and tests compare.
inline int64_t micros_since_epoch(TimePoint t) {
  return std::chrono::duration_cast<std::chrono::microseconds>(t - kEpoch).count();
}

// A min-queue on time. Events due at the same instant come out in the order they were pushed, so a
// scenario replays identically whatever the standard library's heap does with equal keys.
template <typename Payload>
class EventQueue {
 public:
  struct Entry {
    TimePoint due;
    uint64_t sequence = 0;
    Payload payload;
  };

  // Returns the event's sequence number (increasing from 0).
  uint64_t push(TimePoint due, Payload payload) {
    const uint64_t sequence = next_sequence_++;
    heap_.push(Entry{due, sequence, std::move(payload)});
    return sequence;
  }

  [[nodiscard]] bool empty() const { return heap_.empty(); }
  [[nodiscard]] size_t size() const { return heap_.size(); }
  [[nodiscard]] std::optional<TimePoint> next_due() const {
    if (heap_.empty()) return std::nullopt;
    return heap_.top().due;
  }

  // Precondition: !empty().
  Entry pop() {
    // priority_queue::top is const; the payload is moved out just before the pop discards it.
    Entry entry = std::move(const_cast<Entry&>(heap_.top()));
    heap_.pop();
    return entry;
  }

 private:
  struct Later {
    bool operator()(const Entry& a, const Entry& b) const {
      if (a.due != b.due) return a.due > b.due;
      return a.sequence > b.sequence;
    }
  };
  std::priority_queue<Entry, std::vector<Entry>, Later> heap_;
  uint64_t next_sequence_ = 0;
};

}  // namespace sctpkit::sim
