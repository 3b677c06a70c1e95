// The engine's notion of time: always passed in by the embedder (or the simulator), never read.
#pragma once
#include <chrono>
namespace sctpkit::assoc {
using TimePoint = std::chrono::steady_clock::time_point;
using Duration = std::chrono::steady_clock::duration;
}  // namespace sctpkit::assoc
