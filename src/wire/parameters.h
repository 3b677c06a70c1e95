// Typed parameters (RFC 9260 3.2.1 and the extensions sctpkit speaks), on top of wire/tlv.h.
//
// Parsing takes a RawTlv from a TlvReader and checks the value's length against what the type
// requires (BadLength for a wrong exact size or a list of half items, FieldTruncated for a value
// shorter than its fixed fields). Variable parts stay views into the packet (zero-copy), so a
// parsed parameter lives no longer than the buffer it came from. Nested TLVs (an Unrecognized
// Parameter's echo, the address inside an ASCONF request, ...) are kept as bytes to walk with
// TlvReader or to parse with the accessors given.
//
// Building: fill a struct and hand it to TlvListBuilder (wire/parameter_list.h), which writes the
// header, the value (value_size() / write_value()) and the padding.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>
#include <variant>

#include "wire/address_parameters.h"
#include "wire/asconf_parameters.h"
#include "wire/auth_parameters.h"
#include "wire/parameter_fields.h"
#include "wire/reconfig_parameters.h"
#include "wire/types.h"

namespace sctpkit::wire {

// RFC 9260 3.3.5: Heartbeat Info (1), opaque to everyone but its sender.
struct HeartbeatInfo {
  static constexpr uint16_t kType = 1;
  Bytes info;
  static Result<HeartbeatInfo> parse(const RawTlv& tlv);
  [[nodiscard]] size_t value_size() const { return info.size(); }
  void write_value(Writer& w) const { w.bytes(info); }
};

// RFC 9260 3.3.3.1.1: State Cookie (7), opaque to the receiver of the INIT ACK.
struct StateCookie {
  static constexpr uint16_t kType = 7;
  Bytes cookie;
  static Result<StateCookie> parse(const RawTlv& tlv);
  [[nodiscard]] size_t value_size() const { return cookie.size(); }
  void write_value(Writer& w) const { w.bytes(cookie); }
};

// RFC 9260 3.3.3.1.2: Unrecognized Parameter (8). Its value is the whole unrecognized parameter
// as the INIT carried it (type, length, value), at least a 4-byte TLV header.
struct UnrecognizedParameter {
  static constexpr uint16_t kType = 8;
  Bytes parameter;  // the echoed TLV, header included
  static Result<UnrecognizedParameter> parse(const RawTlv& tlv);
  [[nodiscard]] uint16_t parameter_type() const { return load_u16(parameter, 0); }
  // The echoed parameter as a RawTlv (its value possibly cut short if the echo was).
  [[nodiscard]] Result<RawTlv> echoed() const;
  [[nodiscard]] size_t value_size() const { return parameter.size(); }
  void write_value(Writer& w) const { w.bytes(parameter); }
};

// RFC 9260 3.3.2.1.3: Cookie Preservative (9), length 8.
struct CookiePreservative {
  static constexpr uint16_t kType = 9;
  uint32_t life_span_increment_ms = 0;  // Suggested Cookie Life-Span Increment
  static Result<CookiePreservative> parse(const RawTlv& tlv);
  [[nodiscard]] size_t value_size() const { return 4; }
  void write_value(Writer& w) const { w.u32(life_span_increment_ms); }
  bool operator==(const CookiePreservative&) const = default;
};

// RFC 9260 3.3.2.1.4: Host Name Address (11). Deprecated: a receiver MUST abort, so it is parsed
// only to be reported (e.g. echoed in an Unresolvable Address cause) and printed.
struct HostNameAddress {
  static constexpr uint16_t kType = 11;
  Bytes host_name;  // as on the wire, including the null terminator(s)
  static Result<HostNameAddress> parse(const RawTlv& tlv);
  // The name up to its first null (the whole field if the sender left the terminator out).
  [[nodiscard]] std::string_view name() const;
  [[nodiscard]] size_t value_size() const { return host_name.size(); }
  void write_value(Writer& w) const { w.bytes(host_name); }
};

// RFC 9260 3.3.2.1.5: Supported Address Types (12), a list of 16-bit parameter types. An odd
// count is fine (the parameter is then padded); half an item is BadLength.
struct SupportedAddressTypes {
  static constexpr uint16_t kType = 12;
  WireList<uint16_t> address_types;
  static Result<SupportedAddressTypes> parse(const RawTlv& tlv);
  [[nodiscard]] size_t value_size() const { return address_types.byte_size(); }
  void write_value(Writer& w) const { address_types.write(w); }
  bool operator==(const SupportedAddressTypes&) const = default;
};

// RFC 9260 appendix A: ECN Capable (0x8000), length 4.
using EcnCapable = EmptyTlv<0x8000>;

// RFC 3758 3.1: Forward-TSN-Supported (0xC000), length 4.
using ForwardTsnSupported = EmptyTlv<0xC000>;

// RFC 4820 3: Padding (0x8005). The padding data carries nothing and the receiver ignores it, so
// only its size is kept; building writes that many zero bytes.
struct PaddingParameter {
  static constexpr uint16_t kType = 0x8005;
  uint16_t padding_size = 0;
  static Result<PaddingParameter> parse(const RawTlv& tlv);
  [[nodiscard]] size_t value_size() const { return padding_size; }
  void write_value(Writer& w) const { w.zeros(padding_size); }
  bool operator==(const PaddingParameter&) const = default;
};

// RFC 9653 4: Zero Checksum Acceptable (0x8001), length 8, naming the alternate error detection
// method that lets the sender of the INIT or INIT ACK accept packets with a zero checksum.
struct ZeroChecksumAcceptable {
  static constexpr uint16_t kType = 0x8001;
  // RFC 9653 8: 0 is reserved, 1 is "SCTP over DTLS" (RFC 8261).
  static constexpr uint32_t kEdmidSctpOverDtls = 1;
  uint32_t edmid = 0;  // Error Detection Method Identifier
  static Result<ZeroChecksumAcceptable> parse(const RawTlv& tlv);
  [[nodiscard]] size_t value_size() const { return 4; }
  void write_value(Writer& w) const { w.u32(edmid); }
  bool operator==(const ZeroChecksumAcceptable&) const = default;
};

// RFC 9260 3.2.1: the two highest bits of a parameter type tell a receiver that does not know it
// what to do.
enum class UnknownParameterAction : uint8_t {
  Stop,           // 00: stop processing this parameter and the rest of the chunk's parameters
  StopAndReport,  // 01: as 00, and report it (3.2.2)
  Skip,           // 10: skip it and go on with the next parameter
  SkipAndReport,  // 11: as 10, and report it (3.2.2)
};
constexpr UnknownParameterAction unknown_parameter_action(uint16_t type) {
  return static_cast<UnknownParameterAction>(type >> 14);
}
constexpr bool stops_processing(UnknownParameterAction a) {
  return a == UnknownParameterAction::Stop || a == UnknownParameterAction::StopAndReport;
}
constexpr bool reports(UnknownParameterAction a) {
  return a == UnknownParameterAction::StopAndReport || a == UnknownParameterAction::SkipAndReport;
}

// A parameter of a type sctpkit does not know, kept whole so it can be reported (an Unrecognized
// Parameter in an INIT ACK, an Unrecognized Parameters cause) and printed.
struct UnknownParameter {
  uint16_t type = 0;
  Bytes value;
  Bytes whole;  // header plus value, without padding: what a report echoes
  [[nodiscard]] UnknownParameterAction action() const { return unknown_parameter_action(type); }
  [[nodiscard]] size_t value_size() const { return value.size(); }
  void write_value(Writer& w) const { w.bytes(value); }
};

using Parameter = std::variant<
    // RFC 9260
    HeartbeatInfo, Ipv4Address, Ipv6Address, StateCookie, UnrecognizedParameter, CookiePreservative,
    HostNameAddress, SupportedAddressTypes, EcnCapable,
    // RFC 6525
    OutgoingSsnResetRequest, IncomingSsnResetRequest, SsnTsnResetRequest, ReconfigResponse,
    AddOutgoingStreamsRequest, AddIncomingStreamsRequest,
    // RFC 4895
    RandomParameter, ChunkListParameter, RequestedHmacAlgorithms,
    // RFC 4820, RFC 9653, RFC 3758
    PaddingParameter, ZeroChecksumAcceptable, ForwardTsnSupported,
    // RFC 5061
    AddIpAddress, DeleteIpAddress, ErrorCauseIndication, SetPrimaryAddress, SuccessIndication,
    AdaptationLayerIndication, SupportedExtensions,
    UnknownParameter>;

// Parses a parameter of any type. A known type with a bad length is an error; an unknown type is
// an UnknownParameter (never an error: what to do with it is the caller's, per its action()).
Result<Parameter> parse_parameter(const RawTlv& tlv);

// The parameter's type as on the wire.
uint16_t parameter_type(const Parameter& p);

// The RFC name of a parameter type ("IPv4 Address", "State Cookie", ...), or an empty view for a
// type sctpkit does not know.
std::string_view parameter_type_name(uint16_t type);

}  // namespace sctpkit::wire
