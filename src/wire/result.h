// A value or a ParseError. std::expected is C++23; this is the subset we need in C++20.
#pragma once

#include <cassert>
#include <utility>
#include <variant>

#include "wire/parse_error.h"

namespace sctpkit::wire {

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : storage_(std::in_place_index<0>, std::move(value)) {}  // NOLINT: implicit by design
  Result(ParseError error) : storage_(std::in_place_index<1>, error) {}    // NOLINT: implicit by design

  [[nodiscard]] bool ok() const { return storage_.index() == 0; }
  explicit operator bool() const { return ok(); }

  [[nodiscard]] T& value() & {
    assert(ok());
    return std::get<0>(storage_);
  }
  [[nodiscard]] const T& value() const& {
    assert(ok());
    return std::get<0>(storage_);
  }
  [[nodiscard]] T&& value() && {
    assert(ok());
    return std::get<0>(std::move(storage_));
  }
  [[nodiscard]] ParseError error() const {
    assert(!ok());
    return std::get<1>(storage_);
  }

  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

 private:
  std::variant<T, ParseError> storage_;
};

}  // namespace sctpkit::wire
