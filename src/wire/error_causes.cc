#include "wire/error_causes.h"

#include <utility>

#include "wire/parameter_list.h"

namespace sctpkit::wire {

Result<InvalidStreamIdentifier> InvalidStreamIdentifier::parse(const RawTlv& tlv) {
  // RFC 9260 3.3.10.1: Cause Length = 8 (stream identifier, then 16 reserved bits).
  if (!has_exact_value(tlv, 4)) return ParseError::BadLength;
  return InvalidStreamIdentifier{StreamId(load_u16(tlv.value, 0))};
}

Result<MissingMandatoryParameter> MissingMandatoryParameter::parse(const RawTlv& tlv) {
  // RFC 9260 3.3.10.2: Cause Length = 8 + N * 2, N in the 32-bit count that comes first.
  if (tlv.value.size() < 4) return ParseError::FieldTruncated;
  const uint64_t count = load_u32(tlv.value, 0);
  const Bytes list = tlv.value.subspan(4);
  if (count * 2 != list.size()) return ParseError::BadLength;
  auto types = WireList<uint16_t>::parse(list);
  if (!types) return types.error();
  return MissingMandatoryParameter{*types};
}

Result<StaleCookie> StaleCookie::parse(const RawTlv& tlv) {
  // RFC 9260 3.3.10.3: Cause Length = 8.
  if (!has_exact_value(tlv, 4)) return ParseError::BadLength;
  return StaleCookie{load_u32(tlv.value, 0)};
}

Result<UnresolvableAddress> UnresolvableAddress::parse(const RawTlv& tlv) {
  // RFC 9260 3.3.10.5: the complete address TLV, so at least its header.
  if (tlv.value.size() < kTlvHeaderSize) return ParseError::FieldTruncated;
  return UnresolvableAddress{tlv.value};
}

Result<RawTlv> UnresolvableAddress::address_tlv() const {
  TlvReader reader(address);
  auto item = reader.next();
  if (!item) return ParseError::ParamTooShort;
  return *item;
}

Result<UnrecognizedChunkType> UnrecognizedChunkType::parse(const RawTlv& tlv) {
  // RFC 9260 3.3.10.6: the chunk "complete with Chunk Type, Chunk Flags, and Chunk Length".
  if (tlv.value.size() < kChunkHeaderSize) return ParseError::FieldTruncated;
  return UnrecognizedChunkType{tlv.value};
}

Result<RawChunk> UnrecognizedChunkType::echoed_chunk() const {
  ChunkReader reader(chunk);
  auto item = reader.next();
  if (!item) return ParseError::ChunkTooShort;
  return *item;
}

Result<UnrecognizedParameters> UnrecognizedParameters::parse(const RawTlv& tlv) {
  // RFC 9260 3.3.10.8: a list of whole parameters, checked when walked.
  return UnrecognizedParameters{tlv.value};
}

Result<NoUserData> NoUserData::parse(const RawTlv& tlv) {
  // RFC 9260 3.3.10.9: Cause Length = 8.
  if (!has_exact_value(tlv, 4)) return ParseError::BadLength;
  return NoUserData{Tsn(load_u32(tlv.value, 0))};
}

Result<RestartWithNewAddresses> RestartWithNewAddresses::parse(const RawTlv& tlv) {
  // RFC 9260 3.3.10.11: a list of address TLVs, checked when walked.
  return RestartWithNewAddresses{tlv.value};
}

Result<UserInitiatedAbort> UserInitiatedAbort::parse(const RawTlv& tlv) {
  // RFC 9260 3.3.10.12: the reason is opaque and may be empty.
  return UserInitiatedAbort{tlv.value};
}

Result<ProtocolViolation> ProtocolViolation::parse(const RawTlv& tlv) {
  // RFC 9260 3.3.10.13: the additional information is optional.
  return ProtocolViolation{tlv.value};
}

Result<RestartWithNewEncapsulationPort> RestartWithNewEncapsulationPort::parse(const RawTlv& tlv) {
  // draft-tuexen-tsvwg-sctp-udp-encaps-cons-03 4.4: Cause Length = 8.
  if (!has_exact_value(tlv, 4)) return ParseError::BadLength;
  return RestartWithNewEncapsulationPort{load_u16(tlv.value, 0), load_u16(tlv.value, 2)};
}

Result<UnsupportedHmacIdentifier> UnsupportedHmacIdentifier::parse(const RawTlv& tlv) {
  // RFC 4895 4: Cause Length = 6.
  if (!has_exact_value(tlv, 2)) return ParseError::BadLength;
  return UnsupportedHmacIdentifier{load_u16(tlv.value, 0)};
}

namespace {

template <typename C>
Result<ErrorCause> as_cause(const RawTlv& tlv) {
  auto c = C::parse(tlv);
  if (!c) return c.error();
  return ErrorCause(std::move(*c));
}

}  // namespace

Result<ErrorCause> parse_error_cause(const RawTlv& tlv) {
  switch (tlv.type) {
    case InvalidStreamIdentifier::kType: return as_cause<InvalidStreamIdentifier>(tlv);
    case MissingMandatoryParameter::kType: return as_cause<MissingMandatoryParameter>(tlv);
    case StaleCookie::kType: return as_cause<StaleCookie>(tlv);
    case OutOfResource::kType: return as_cause<OutOfResource>(tlv);
    case UnresolvableAddress::kType: return as_cause<UnresolvableAddress>(tlv);
    case UnrecognizedChunkType::kType: return as_cause<UnrecognizedChunkType>(tlv);
    case InvalidMandatoryParameter::kType: return as_cause<InvalidMandatoryParameter>(tlv);
    case UnrecognizedParameters::kType: return as_cause<UnrecognizedParameters>(tlv);
    case NoUserData::kType: return as_cause<NoUserData>(tlv);
    case CookieReceivedWhileShuttingDown::kType: return as_cause<CookieReceivedWhileShuttingDown>(tlv);
    case RestartWithNewAddresses::kType: return as_cause<RestartWithNewAddresses>(tlv);
    case UserInitiatedAbort::kType: return as_cause<UserInitiatedAbort>(tlv);
    case ProtocolViolation::kType: return as_cause<ProtocolViolation>(tlv);
    case RestartWithNewEncapsulationPort::kType: return as_cause<RestartWithNewEncapsulationPort>(tlv);
    case DeleteLastRemainingAddress::kType: return as_cause<DeleteLastRemainingAddress>(tlv);
    case ResourceShortage::kType: return as_cause<ResourceShortage>(tlv);
    case DeleteSourceAddress::kType: return as_cause<DeleteSourceAddress>(tlv);
    case IllegalAsconfAck::kType: return as_cause<IllegalAsconfAck>(tlv);
    case RequestRefusedNoAuthorization::kType: return as_cause<RequestRefusedNoAuthorization>(tlv);
    case UnsupportedHmacIdentifier::kType: return as_cause<UnsupportedHmacIdentifier>(tlv);
    default: return ErrorCause(UnknownCause{tlv.type, tlv.value});
  }
}

uint16_t error_cause_code(const ErrorCause& cause) {
  return std::visit([](const auto& item) { return tlv_type_of(item); }, cause);
}

std::string_view error_cause_name(uint16_t code) {
  switch (code) {
    // RFC 9260 3.3.10
    case 1: return "Invalid Stream Identifier";
    case 2: return "Missing Mandatory Parameter";
    case 3: return "Stale Cookie";
    case 4: return "Out of Resource";
    case 5: return "Unresolvable Address";
    case 6: return "Unrecognized Chunk Type";
    case 7: return "Invalid Mandatory Parameter";
    case 8: return "Unrecognized Parameters";
    case 9: return "No User Data";
    case 10: return "Cookie Received While Shutting Down";
    case 11: return "Restart of an Association with New Addresses";
    case 12: return "User-Initiated Abort";
    case 13: return "Protocol Violation";
    // draft-tuexen-tsvwg-sctp-udp-encaps-cons 4.4
    case 14: return "Restart of an Association with New Encapsulation Port";
    // RFC 5061 4.3
    case 0x00A0: return "Request to Delete Last Remaining IP Address";
    case 0x00A1: return "Operation Refused Due to Resource Shortage";
    case 0x00A2: return "Request to Delete Source IP Address";
    case 0x00A3: return "Association Aborted Due to Illegal ASCONF-ACK";
    case 0x00A4: return "Request Refused - No Authorization";
    // RFC 4895 4
    case 0x0105: return "Unsupported HMAC Identifier";
    default: return {};
  }
}

}  // namespace sctpkit::wire
