// Strong types for the numbers SCTP puts on the wire, so that a TSN cannot be passed where a stream
// id is expected, and sequence numbers are only ever compared with serial arithmetic.
#pragma once

#include <compare>
#include <cstdint>
#include <functional>
#include <limits>
#include <type_traits>

namespace sctpkit::wire {

// RFC 9260 1.6: TSNs (SERIAL_BITS = 32) and SSNs (SERIAL_BITS = 16) use RFC 1982 serial number
// arithmetic. There is deliberately no operator<: ordered containers keyed on a serial number would
// silently break at wrap-around, so callers must say `before()` / `after()` and mean it.
template <typename Tag, typename Rep>
class SerialNumber {
  static_assert(std::is_unsigned_v<Rep>);
  using Signed = std::make_signed_t<Rep>;

 public:
  using rep = Rep;
  constexpr SerialNumber() = default;
  constexpr explicit SerialNumber(Rep value) : value_(value) {}

  [[nodiscard]] constexpr Rep value() const { return value_; }

  // RFC 1982 3.2: s1 < s2 iff (s1 < s2 and s2 - s1 < 2^(n-1)) or (s1 > s2 and s1 - s2 > 2^(n-1)).
  // The case where the distance is exactly 2^(n-1) is undefined; treating it as "not before"
  // in both directions keeps before() irreflexive and asymmetric.
  [[nodiscard]] constexpr bool before(SerialNumber other) const {
    return distance_to(other) > 0;
  }
  [[nodiscard]] constexpr bool after(SerialNumber other) const { return other.before(*this); }
  [[nodiscard]] constexpr bool before_or_equal(SerialNumber other) const {
    return *this == other || before(other);
  }
  [[nodiscard]] constexpr bool after_or_equal(SerialNumber other) const {
    return *this == other || after(other);
  }

  // Signed steps from this to other: positive when other is after this.
  [[nodiscard]] constexpr Signed distance_to(SerialNumber other) const {
    return static_cast<Signed>(static_cast<Rep>(other.value_ - value_));
  }

  [[nodiscard]] constexpr SerialNumber next() const { return SerialNumber(static_cast<Rep>(value_ + 1)); }
  [[nodiscard]] constexpr SerialNumber prev() const { return SerialNumber(static_cast<Rep>(value_ - 1)); }
  [[nodiscard]] constexpr SerialNumber plus(Rep n) const { return SerialNumber(static_cast<Rep>(value_ + n)); }
  [[nodiscard]] constexpr SerialNumber minus(Rep n) const { return SerialNumber(static_cast<Rep>(value_ - n)); }

  constexpr bool operator==(const SerialNumber&) const = default;

 private:
  Rep value_ = 0;
};

// Plain identifiers: equality and hashing only, no arithmetic.
template <typename Tag, typename Rep>
class StrongId {
 public:
  using rep = Rep;
  constexpr StrongId() = default;
  constexpr explicit StrongId(Rep value) : value_(value) {}
  [[nodiscard]] constexpr Rep value() const { return value_; }
  constexpr auto operator<=>(const StrongId&) const = default;

 private:
  Rep value_ = 0;
};

using Tsn = SerialNumber<struct TsnTag, uint32_t>;
using Ssn = SerialNumber<struct SsnTag, uint16_t>;
using Mid = SerialNumber<struct MidTag, uint32_t>;      // RFC 8260 I-DATA message identifier
using Fsn = SerialNumber<struct FsnTag, uint32_t>;      // RFC 8260 fragment sequence number
using ReconfSeq = SerialNumber<struct ReconfTag, uint32_t>;  // RFC 6525 request sequence
using AsconfSerial = SerialNumber<struct AsconfTag, uint32_t>;  // RFC 5061 serial number
using StreamId = StrongId<struct StreamIdTag, uint16_t>;
using VerificationTag = StrongId<struct VtagTag, uint32_t>;
using Ppid = StrongId<struct PpidTag, uint32_t>;

}  // namespace sctpkit::wire

template <typename Tag, typename Rep>
struct std::hash<sctpkit::wire::SerialNumber<Tag, Rep>> {
  size_t operator()(sctpkit::wire::SerialNumber<Tag, Rep> s) const noexcept { return std::hash<Rep>{}(s.value()); }
};
template <typename Tag, typename Rep>
struct std::hash<sctpkit::wire::StrongId<Tag, Rep>> {
  size_t operator()(sctpkit::wire::StrongId<Tag, Rep> s) const noexcept { return std::hash<Rep>{}(s.value()); }
};
