// tcpdump's time stamp column (-t, -tt, -ttt, -tttt, -ttttt and the default), as tcpdump 4.99 prints it.
#pragma once

#include <optional>
#include <string>

#include "trace/frame.h"

namespace sctpkit::trace {

enum class TimestampMode {
  TimeOfDay,      // default: HH:MM:SS.uuuuuu in local time
  None,           // -t
  Epoch,          // -tt: seconds.uuuuuu since 1970
  DeltaPrevious,  // -ttt: [-| ]HH:MM:SS.uuuuuu since the previous packet
  Date,           // -tttt: YYYY-MM-DD HH:MM:SS.uuuuuu in local time
  DeltaFirst,     // -ttttt: [-| ]HH:MM:SS.uuuuuu since the first packet
};

// Stateful because the delta modes remember earlier packets. Local time follows TZ, as tcpdump's
// localtime() call does.
class TimestampFormatter {
 public:
  explicit TimestampFormatter(TimestampMode mode) : mode_(mode) {}

  // Appends the column, with its trailing space (nothing at all for -t).
  void append(const Timestamp& ts, std::string& out);

 private:
  TimestampMode mode_;
  std::optional<Timestamp> first_;
  std::optional<Timestamp> previous_;
};

}  // namespace sctpkit::trace
