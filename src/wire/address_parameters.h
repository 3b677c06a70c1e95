// The address parameters of RFC 9260 3.3.2.1.1 and 3.3.2.1.2, on their own because other
// parameters and causes nest them (RFC 5061 ASCONF requests, the Unresolvable Address cause).
// Conventions as in wire/parameters.h.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <variant>

#include "wire/parameter_fields.h"

namespace sctpkit::wire {

// RFC 9260 3.3.2.1.1: IPv4 Address (5), length 8.
struct Ipv4Address {
  static constexpr uint16_t kType = 5;
  std::array<uint8_t, 4> address{};
  static Result<Ipv4Address> parse(const RawTlv& tlv);
  [[nodiscard]] size_t value_size() const { return address.size(); }
  void write_value(Writer& w) const { w.bytes(address); }
  bool operator==(const Ipv4Address&) const = default;
};

// RFC 9260 3.3.2.1.2: IPv6 Address (6), length 20.
struct Ipv6Address {
  static constexpr uint16_t kType = 6;
  std::array<uint8_t, 16> address{};
  static Result<Ipv6Address> parse(const RawTlv& tlv);
  [[nodiscard]] size_t value_size() const { return address.size(); }
  void write_value(Writer& w) const { w.bytes(address); }
  bool operator==(const Ipv6Address&) const = default;
};

using IpAddressParameter = std::variant<Ipv4Address, Ipv6Address>;

// A whole encoded address TLV (header included), as nested parameters need it. Parsing one
// that is not a well-formed IPv4 or IPv6 Address parameter gives nullopt: what a peer should hear
// about it depends on where it was found, which the caller knows.
std::optional<IpAddressParameter> parse_ip_address(Bytes whole_tlv);

// An address parameter encoded into its own small buffer, to nest it (e.g. in an Add IP Address
// request). Views taken with bytes() live as long as this object.
class EncodedAddress {
 public:
  explicit EncodedAddress(const IpAddressParameter& address);
  [[nodiscard]] Bytes bytes() const { return Bytes(buffer_.data(), size_); }

 private:
  std::array<uint8_t, 20> buffer_{};
  size_t size_ = 0;
};

}  // namespace sctpkit::wire
