// A timer's deadline, or none: std::optional<TimePoint>'s interface in 8 bytes instead of 16 (the
// earliest representable time stands for "none", which no engine clock reaches). An association
// holds three (T1, T2, T5), and idle ones are counted by the thousand (issue 5's memory budget).
#pragma once

#include <optional>

#include "assoc/clock.h"

namespace sctpkit::assoc {

class Deadline {
 public:
  Deadline() = default;
  Deadline& operator=(TimePoint at) {
    at_ = at;
    return *this;
  }
  void reset() { at_ = kNone; }
  [[nodiscard]] bool has_value() const { return at_ != kNone; }
  explicit operator bool() const { return has_value(); }
  // Only when has_value(), as for std::optional.
  TimePoint operator*() const { return at_; }
  operator std::optional<TimePoint>() const {  // NOLINT: used where an optional deadline is taken
    return has_value() ? std::optional<TimePoint>(at_) : std::nullopt;
  }

 private:
  static constexpr TimePoint kNone = TimePoint::min();
  TimePoint at_ = kNone;
};

}  // namespace sctpkit::assoc
