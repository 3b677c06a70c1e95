// Byte helpers every wire test shares (chunk_test_util.h, parameter_test_util.h): bytes written
// out by hand, and whether two spans hold the same bytes.
#pragma once

#include <algorithm>
#include <cstdint>
#include <initializer_list>
#include <vector>

#include "wire/byte_io.h"

namespace sctpkit::wire::testing {

inline std::vector<uint8_t> bytes(std::initializer_list<int> list) {
  std::vector<uint8_t> out;
  for (int b : list) out.push_back(static_cast<uint8_t>(b));
  return out;
}

inline bool same(Bytes a, Bytes b) { return std::ranges::equal(a, b); }

}  // namespace sctpkit::wire::testing
