// RFC 5061 (Dynamic Address Reconfiguration) parameters: the requests of an ASCONF chunk, the
// responses of an ASCONF-ACK, and the two that INIT / INIT ACK carry (Adaptation Layer
// Indication, Supported Extensions). Conventions as in wire/parameters.h.
#pragma once

#include <cstdint>
#include <optional>

#include "wire/address_parameters.h"
#include "wire/parameter_fields.h"

namespace sctpkit::wire {

// RFC 5061 4.2.1, 4.2.2, 4.2.4: Add IP Address (0xC001), Delete IP Address (0xC002) and Set
// Primary Address (0xC004) share one layout: the ASCONF-Request Correlation ID, then one whole
// address parameter (length 8 + its length). Parsing checks that the nested TLV is whole and
// fills the rest exactly; which type it is (IPv4, IPv6, or something a peer should be told off
// for) is left to ip_address() and the caller.
template <uint16_t Type>
struct AsconfAddressRequest {
  static constexpr uint16_t kType = Type;
  uint32_t correlation_id = 0;
  Bytes address;  // the nested address TLV, header included (see EncodedAddress for building)
  static Result<AsconfAddressRequest> parse(const RawTlv& tlv) {
    if (tlv.value.size() < 4 + kTlvHeaderSize) return ParseError::FieldTruncated;
    const Bytes nested = tlv.value.subspan(4);
    const uint16_t nested_length = load_u16(nested, 2);
    if (nested_length < kTlvHeaderSize) return ParseError::ParamLengthUnder4;
    if (nested_length > nested.size()) return ParseError::ParamLengthPastEnd;
    if (nested_length != nested.size()) return ParseError::BadLength;
    return AsconfAddressRequest{load_u32(tlv.value, 0), nested};
  }
  [[nodiscard]] uint16_t address_type() const { return load_u16(address, 0); }
  [[nodiscard]] std::optional<IpAddressParameter> ip_address() const { return parse_ip_address(address); }
  [[nodiscard]] size_t value_size() const { return 4 + address.size(); }
  void write_value(Writer& w) const {
    w.u32(correlation_id);
    w.bytes(address);
  }
};
using AddIpAddress = AsconfAddressRequest<0xC001>;
using DeleteIpAddress = AsconfAddressRequest<0xC002>;
using SetPrimaryAddress = AsconfAddressRequest<0xC004>;

// RFC 5061 4.2.3: Error Cause Indication (0xC003): the ASCONF-Response Correlation ID, then zero
// or more error causes; walk them with TlvReader and parse_error_cause (wire/error_causes.h).
struct ErrorCauseIndication {
  static constexpr uint16_t kType = 0xC003;
  uint32_t correlation_id = 0;
  Bytes causes;
  static Result<ErrorCauseIndication> parse(const RawTlv& tlv);
  [[nodiscard]] size_t value_size() const { return 4 + causes.size(); }
  void write_value(Writer& w) const {
    w.u32(correlation_id);
    w.bytes(causes);
  }
};

// RFC 5061 4.2.5: Success Indication (0xC005), length 8.
struct SuccessIndication {
  static constexpr uint16_t kType = 0xC005;
  uint32_t correlation_id = 0;
  static Result<SuccessIndication> parse(const RawTlv& tlv);
  [[nodiscard]] size_t value_size() const { return 4; }
  void write_value(Writer& w) const { w.u32(correlation_id); }
  bool operator==(const SuccessIndication&) const = default;
};

// RFC 5061 4.2.6: Adaptation Layer Indication (0xC006), length 8.
struct AdaptationLayerIndication {
  static constexpr uint16_t kType = 0xC006;
  uint32_t adaptation_code_point = 0;
  static Result<AdaptationLayerIndication> parse(const RawTlv& tlv);
  [[nodiscard]] size_t value_size() const { return 4; }
  void write_value(Writer& w) const { w.u32(adaptation_code_point); }
  bool operator==(const AdaptationLayerIndication&) const = default;
};

// RFC 5061 4.2.7: Supported Extensions (0x8008): the extension chunk types the sender supports,
// one byte each.
struct SupportedExtensions {
  static constexpr uint16_t kType = 0x8008;
  WireList<uint8_t> chunk_types;
  static Result<SupportedExtensions> parse(const RawTlv& tlv);
  [[nodiscard]] size_t value_size() const { return chunk_types.byte_size(); }
  void write_value(Writer& w) const { chunk_types.write(w); }
  bool operator==(const SupportedExtensions&) const = default;
};

}  // namespace sctpkit::wire
