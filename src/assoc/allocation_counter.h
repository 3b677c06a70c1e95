// The count that assoc/counting_new.h's operator new keeps, for the other test files of a binary
// that includes counting_new.h once (it defines the replacements, which only one file may do).
#pragma once

#include <atomic>
#include <cstdint>

namespace sctpkit::assoc {
inline std::atomic<uint64_t> g_allocations{0};
inline uint64_t allocations_so_far() { return g_allocations.load(std::memory_order_relaxed); }
}  // namespace sctpkit::assoc
