#include "wire/parameters.h"

#include <cstring>

namespace sctpkit::wire {

Result<HeartbeatInfo> HeartbeatInfo::parse(const RawTlv& tlv) {
  // RFC 9260 3.3.5: the info is variable-length and opaque; even an empty one is well formed.
  return HeartbeatInfo{tlv.value};
}

Result<StateCookie> StateCookie::parse(const RawTlv& tlv) {
  // RFC 9260 3.3.3.1.1: variable length; whether the cookie is any good is for its MAC to say.
  return StateCookie{tlv.value};
}

Result<UnrecognizedParameter> UnrecognizedParameter::parse(const RawTlv& tlv) {
  // RFC 9260 3.3.3.1.2: the value is a copy of a whole parameter, so at least its 4-byte header.
  if (tlv.value.size() < kTlvHeaderSize) return ParseError::FieldTruncated;
  return UnrecognizedParameter{tlv.value};
}

Result<RawTlv> UnrecognizedParameter::echoed() const {
  TlvReader reader(parameter);
  auto item = reader.next();
  if (!item) return ParseError::ParamTooShort;
  return *item;
}

Result<CookiePreservative> CookiePreservative::parse(const RawTlv& tlv) {
  // RFC 9260 3.3.2.1.3: Length = 8.
  if (!has_exact_value(tlv, 4)) return ParseError::BadLength;
  return CookiePreservative{load_u32(tlv.value, 0)};
}

Result<HostNameAddress> HostNameAddress::parse(const RawTlv& tlv) {
  // RFC 9260 3.3.2.1.4: at least one null terminator MUST be included, so a value needs one byte.
  // A name without its terminator is still parsed, so that it can be reported.
  if (tlv.value.empty()) return ParseError::FieldTruncated;
  return HostNameAddress{tlv.value};
}

std::string_view HostNameAddress::name() const {
  const auto* chars = reinterpret_cast<const char*>(host_name.data());
  const void* nul = std::memchr(chars, 0, host_name.size());
  const size_t n = nul ? static_cast<size_t>(static_cast<const char*>(nul) - chars) : host_name.size();
  return std::string_view(chars, n);
}

Result<SupportedAddressTypes> SupportedAddressTypes::parse(const RawTlv& tlv) {
  // RFC 9260 3.3.2.1.5: a list of 16-bit address types.
  auto types = WireList<uint16_t>::parse(tlv.value);
  if (!types) return types.error();
  return SupportedAddressTypes{*types};
}

Result<PaddingParameter> PaddingParameter::parse(const RawTlv& tlv) {
  // RFC 4820 3: any length; the receiver ignores the padding data.
  return PaddingParameter{static_cast<uint16_t>(tlv.value.size())};
}

Result<ZeroChecksumAcceptable> ZeroChecksumAcceptable::parse(const RawTlv& tlv) {
  // RFC 9653 4: Length = 8.
  if (!has_exact_value(tlv, 4)) return ParseError::BadLength;
  return ZeroChecksumAcceptable{load_u32(tlv.value, 0)};
}

namespace {

template <typename P>
Result<Parameter> as_parameter(const RawTlv& tlv) {
  auto p = P::parse(tlv);
  if (!p) return p.error();
  return Parameter(std::move(*p));
}

}  // namespace

Result<Parameter> parse_parameter(const RawTlv& tlv) {
  switch (tlv.type) {
    case HeartbeatInfo::kType: return as_parameter<HeartbeatInfo>(tlv);
    case Ipv4Address::kType: return as_parameter<Ipv4Address>(tlv);
    case Ipv6Address::kType: return as_parameter<Ipv6Address>(tlv);
    case StateCookie::kType: return as_parameter<StateCookie>(tlv);
    case UnrecognizedParameter::kType: return as_parameter<UnrecognizedParameter>(tlv);
    case CookiePreservative::kType: return as_parameter<CookiePreservative>(tlv);
    case HostNameAddress::kType: return as_parameter<HostNameAddress>(tlv);
    case SupportedAddressTypes::kType: return as_parameter<SupportedAddressTypes>(tlv);
    case EcnCapable::kType: return as_parameter<EcnCapable>(tlv);
    case OutgoingSsnResetRequest::kType: return as_parameter<OutgoingSsnResetRequest>(tlv);
    case IncomingSsnResetRequest::kType: return as_parameter<IncomingSsnResetRequest>(tlv);
    case SsnTsnResetRequest::kType: return as_parameter<SsnTsnResetRequest>(tlv);
    case ReconfigResponse::kType: return as_parameter<ReconfigResponse>(tlv);
    case AddOutgoingStreamsRequest::kType: return as_parameter<AddOutgoingStreamsRequest>(tlv);
    case AddIncomingStreamsRequest::kType: return as_parameter<AddIncomingStreamsRequest>(tlv);
    case RandomParameter::kType: return as_parameter<RandomParameter>(tlv);
    case ChunkListParameter::kType: return as_parameter<ChunkListParameter>(tlv);
    case RequestedHmacAlgorithms::kType: return as_parameter<RequestedHmacAlgorithms>(tlv);
    case PaddingParameter::kType: return as_parameter<PaddingParameter>(tlv);
    case ZeroChecksumAcceptable::kType: return as_parameter<ZeroChecksumAcceptable>(tlv);
    case ForwardTsnSupported::kType: return as_parameter<ForwardTsnSupported>(tlv);
    case AddIpAddress::kType: return as_parameter<AddIpAddress>(tlv);
    case DeleteIpAddress::kType: return as_parameter<DeleteIpAddress>(tlv);
    case ErrorCauseIndication::kType: return as_parameter<ErrorCauseIndication>(tlv);
    case SetPrimaryAddress::kType: return as_parameter<SetPrimaryAddress>(tlv);
    case SuccessIndication::kType: return as_parameter<SuccessIndication>(tlv);
    case AdaptationLayerIndication::kType: return as_parameter<AdaptationLayerIndication>(tlv);
    case SupportedExtensions::kType: return as_parameter<SupportedExtensions>(tlv);
    default: return Parameter(UnknownParameter{tlv.type, tlv.value, tlv.whole});
  }
}

uint16_t parameter_type(const Parameter& p) {
  return std::visit([](const auto& item) { return tlv_type_of(item); }, p);
}

std::string_view parameter_type_name(uint16_t type) {
  switch (type) {
    // RFC 9260 3.3.2.1, 3.3.3.1, 3.3.5
    case 1: return "Heartbeat Info";
    case 5: return "IPv4 Address";
    case 6: return "IPv6 Address";
    case 7: return "State Cookie";
    case 8: return "Unrecognized Parameter";
    case 9: return "Cookie Preservative";
    case 11: return "Host Name Address";
    case 12: return "Supported Address Types";
    case 0x8000: return "ECN Capable";
    // RFC 6525 4
    case 13: return "Outgoing SSN Reset Request";
    case 14: return "Incoming SSN Reset Request";
    case 15: return "SSN/TSN Reset Request";
    case 16: return "Re-configuration Response";
    case 17: return "Add Outgoing Streams Request";
    case 18: return "Add Incoming Streams Request";
    // RFC 9653 4
    case 0x8001: return "Zero Checksum Acceptable";
    // RFC 4895 3
    case 0x8002: return "Random";
    case 0x8003: return "Chunk List";
    case 0x8004: return "Requested HMAC Algorithm Parameter";
    // RFC 4820 3
    case 0x8005: return "Padding";
    // RFC 5061 4.2
    case 0x8008: return "Supported Extensions";
    case 0xC000: return "Forward-TSN-Supported";  // RFC 3758 3.1
    case 0xC001: return "Add IP Address";
    case 0xC002: return "Delete IP Address";
    case 0xC003: return "Error Cause Indication";
    case 0xC004: return "Set Primary Address";
    case 0xC005: return "Success Indication";
    case 0xC006: return "Adaptation Layer Indication";
    default: return {};
  }
}

}  // namespace sctpkit::wire
