// Shared by the JSON encoders of packets and of parameters / causes.
#pragma once

#include <nlohmann/json.hpp>

namespace sctpkit::trace {

// A WireList (or any range) of numbers or strong ids as a JSON array of numbers.
template <typename List>
nlohmann::json json_numbers(const List& list) {
  nlohmann::json out = nlohmann::json::array();
  for (auto item : list) {
    if constexpr (requires { item.value(); }) {
      out.push_back(item.value());
    } else {
      out.push_back(item);
    }
  }
  return out;
}

}  // namespace sctpkit::trace
