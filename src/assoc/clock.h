// Time as the sans-IO engine sees it: always passed in by the embedder, never read from a clock.
#pragma once

#include <chrono>

namespace sctpkit::assoc {

using TimePoint = std::chrono::steady_clock::time_point;
using Duration = std::chrono::steady_clock::duration;

}  // namespace sctpkit::assoc
