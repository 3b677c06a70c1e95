// An IPv4 or IPv6 address, shared by the engine (peer and local addresses), the transports and the
// tools. Ports are not part of it: SCTP keeps one port pair per association across all its paths.
#pragma once

#include <array>
#include <compare>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>

namespace sctpkit::wire {

class IpAddress {
 public:
  enum class Family : uint8_t { V4 = 4, V6 = 6 };

  constexpr IpAddress() = default;
  static constexpr IpAddress v4(uint8_t a, uint8_t b, uint8_t c, uint8_t d) {
    IpAddress ip;
    ip.family_ = Family::V4;
    ip.bytes_ = {a, b, c, d};
    return ip;
  }
  static IpAddress v4(const uint8_t* four_bytes);
  static IpAddress v6(const uint8_t* sixteen_bytes);
  // Accepts dotted IPv4 and any textual IPv6 form; nullopt otherwise.
  static std::optional<IpAddress> parse(std::string_view text);

  [[nodiscard]] constexpr Family family() const { return family_; }
  [[nodiscard]] constexpr bool is_v4() const { return family_ == Family::V4; }
  [[nodiscard]] constexpr bool is_v6() const { return family_ == Family::V6; }
  // 4 bytes used for IPv4, 16 for IPv6; the rest stays zero so comparison and hashing just work.
  [[nodiscard]] constexpr const std::array<uint8_t, 16>& bytes() const { return bytes_; }
  [[nodiscard]] constexpr size_t size() const { return is_v4() ? 4 : 16; }
  [[nodiscard]] std::string to_string() const;

  constexpr auto operator<=>(const IpAddress&) const = default;
  // Two 8-byte compares, not a call to memcmp: addresses are compared on every packet's way in and
  // out (~7 times per ping-pong round trip). Sound because an IPv4 address's unused bytes are zero.
  friend constexpr bool operator==(const IpAddress& a, const IpAddress& b) {
    if (std::is_constant_evaluated()) return a.family_ == b.family_ && a.bytes_ == b.bytes_;
    return a.family_ == b.family_ && ((a.half(0) ^ b.half(0)) | (a.half(1) ^ b.half(1))) == 0;
  }
  // 0.0.0.0 or ::, the wildcard a socket binds to.
  [[nodiscard]] bool is_unspecified() const { return (half(0) | half(1)) == 0; }

 private:
  [[nodiscard]] uint64_t half(size_t i) const {
    uint64_t h;
    std::memcpy(&h, bytes_.data() + 8 * i, sizeof h);
    return h;
  }

  Family family_ = Family::V4;
  std::array<uint8_t, 16> bytes_{};
};

}  // namespace sctpkit::wire

template <>
struct std::hash<sctpkit::wire::IpAddress> {
  size_t operator()(const sctpkit::wire::IpAddress& a) const noexcept {
    size_t h = static_cast<size_t>(a.family());
    for (uint8_t b : a.bytes()) h = h * 131 + b;
    return h;
  }
};
