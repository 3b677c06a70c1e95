#include "trace/timestamp_format.h"

#include <fmt/format.h>

#include <ctime>
#include <iterator>

namespace sctpkit::trace {
namespace {

constexpr int64_t kMicrosPerSecond = 1'000'000;

int64_t to_micros(const Timestamp& ts) { return ts.seconds * kMicrosPerSecond + ts.microseconds; }

// tcpdump formats a delta through gmtime(), so whole days drop out of the hours column; the sign
// comes first, as '-' or ' '.
void append_delta(int64_t delta_us, std::string& out) {
  const char sign = delta_us < 0 ? '-' : ' ';
  const int64_t magnitude = delta_us < 0 ? -delta_us : delta_us;
  const int64_t seconds = magnitude / kMicrosPerSecond;
  const int64_t micros = magnitude % kMicrosPerSecond;
  const int64_t seconds_of_day = seconds % 86400;
  fmt::format_to(std::back_inserter(out), "{}{:02}:{:02}:{:02}.{:06} ", sign, seconds_of_day / 3600,
                 seconds_of_day / 60 % 60, seconds_of_day % 60, micros);
}

bool local_time(int64_t seconds, std::tm& tm) {
  const auto t = static_cast<std::time_t>(seconds);
  return localtime_r(&t, &tm) != nullptr;
}

}  // namespace

void TimestampFormatter::append(const Timestamp& ts, std::string& out) {
  auto it = std::back_inserter(out);
  switch (mode_) {
    case TimestampMode::None:
      break;
    case TimestampMode::Epoch:
      fmt::format_to(it, "{}.{:06} ", ts.seconds, ts.microseconds);
      break;
    case TimestampMode::TimeOfDay:
    case TimestampMode::Date: {
      std::tm tm{};
      if (!local_time(ts.seconds, tm)) {
        // tcpdump prints this when localtime() fails (a time stamp out of range).
        out += "[localtime() fails] ";
        break;
      }
      if (mode_ == TimestampMode::Date) {
        fmt::format_to(it, "{:04}-{:02}-{:02} ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
      }
      fmt::format_to(it, "{:02}:{:02}:{:02}.{:06} ", tm.tm_hour, tm.tm_min, tm.tm_sec, ts.microseconds);
      break;
    }
    case TimestampMode::DeltaPrevious: {
      const Timestamp reference = previous_.value_or(ts);
      append_delta(to_micros(ts) - to_micros(reference), out);
      break;
    }
    case TimestampMode::DeltaFirst: {
      if (!first_) first_ = ts;
      append_delta(to_micros(ts) - to_micros(*first_), out);
      break;
    }
  }
  previous_ = ts;
}

}  // namespace sctpkit::trace
