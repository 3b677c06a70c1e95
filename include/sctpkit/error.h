// Errors of the public API: values, never exceptions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <variant>

namespace sctpkit {

struct Error {
  enum class Code : uint8_t {
    WouldBlock,       // non-blocking mode: nothing to receive / no room to send yet
    Timeout,          // a blocking call's timeout passed
    Closed,           // the association ended (see Association::close_reason)
    NotConnected,     // not established yet, or shutting down
    InvalidArgument,  // bad address, stream out of range, empty or oversized message
    NoPrivilege,      // raw IP without CAP_NET_RAW: the message suggests the UDP transport
    AddressInUse,
    ConnectFailed,    // the peer refused (ABORT) or did not answer the INIT
    System,           // another operating-system error
  };
  Code code = Code::System;
  std::string message;  // one line, for a person
};

// A value or an Error. Check ok() (or the bool) before value(), *, ->: on an Error they throw
// std::bad_variant_access, the one exception this API can raise, and only on that misuse.
template <typename T>
class Expected {
 public:
  Expected(T value) : v_(std::move(value)) {}  // NOLINT: implicit by design
  Expected(Error error) : v_(std::move(error)) {}  // NOLINT
  [[nodiscard]] bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }
  T& value() { return std::get<0>(v_); }
  const T& value() const { return std::get<0>(v_); }
  T& operator*() { return value(); }
  T* operator->() { return &value(); }
  [[nodiscard]] const Error& error() const { return std::get<1>(v_); }

 private:
  std::variant<T, Error> v_;
};

// The result of a call that returns nothing but may fail.
class Status {
 public:
  Status() = default;
  Status(Error error) : error_(std::move(error)) {}  // NOLINT
  [[nodiscard]] bool ok() const { return !error_; }
  explicit operator bool() const { return ok(); }
  [[nodiscard]] const Error& error() const { return *error_; }

 private:
  std::optional<Error> error_;
};

}  // namespace sctpkit
