// Typed error causes (RFC 9260 3.3.10 and extensions), carried in ERROR and ABORT chunks and in
// the ASCONF-ACK's Error Cause Indication. A cause has the layout of a parameter (code, length,
// value, padding), so it is walked with TlvReader and built with TlvListBuilder like one; see
// wire/parameters.h for the conventions (length checks, zero-copy views, building).
#pragma once

#include <cstdint>
#include <string_view>
#include <variant>

#include "wire/packet.h"
#include "wire/parameter_fields.h"
#include "wire/types.h"

namespace sctpkit::wire {

// RFC 9260 3.3.10.1: Invalid Stream Identifier (1), length 8.
struct InvalidStreamIdentifier {
  static constexpr uint16_t kType = 1;
  StreamId stream_id;
  static Result<InvalidStreamIdentifier> parse(const RawTlv& tlv);
  [[nodiscard]] size_t value_size() const { return 4; }
  void write_value(Writer& w) const {
    w.u16(stream_id.value());
    w.u16(0);  // reserved: 0 on transmit, ignored on receipt
  }
  bool operator==(const InvalidStreamIdentifier&) const = default;
};

// RFC 9260 3.3.10.2: Missing Mandatory Parameter (2), length 8 + 2N, where N is also sent as a
// 32-bit count; a count that disagrees with the length is BadLength.
struct MissingMandatoryParameter {
  static constexpr uint16_t kType = 2;
  WireList<uint16_t> missing_types;
  static Result<MissingMandatoryParameter> parse(const RawTlv& tlv);
  [[nodiscard]] size_t value_size() const { return 4 + missing_types.byte_size(); }
  void write_value(Writer& w) const {
    w.u32(static_cast<uint32_t>(missing_types.size()));
    missing_types.write(w);
  }
  bool operator==(const MissingMandatoryParameter&) const = default;
};

// RFC 9260 3.3.10.3: Stale Cookie (3), length 8.
struct StaleCookie {
  static constexpr uint16_t kType = 3;
  uint32_t staleness_us = 0;  // Measure of Staleness, microseconds past expiry (0: not told)
  static Result<StaleCookie> parse(const RawTlv& tlv);
  [[nodiscard]] size_t value_size() const { return 4; }
  void write_value(Writer& w) const { w.u32(staleness_us); }
  bool operator==(const StaleCookie&) const = default;
};

// RFC 9260 3.3.10.4: Out of Resource (4), length 4.
using OutOfResource = EmptyTlv<4>;

// RFC 9260 3.3.10.5: Unresolvable Address (5): the whole address parameter (or Host Name
// parameter) that could not be resolved, at least its 4-byte header.
struct UnresolvableAddress {
  static constexpr uint16_t kType = 5;
  Bytes address;  // the address TLV, header included
  static Result<UnresolvableAddress> parse(const RawTlv& tlv);
  [[nodiscard]] uint16_t address_type() const { return load_u16(address, 0); }
  [[nodiscard]] Result<RawTlv> address_tlv() const;
  [[nodiscard]] size_t value_size() const { return address.size(); }
  void write_value(Writer& w) const { w.bytes(address); }
};

// RFC 9260 3.3.10.6: Unrecognized Chunk Type (6): the unrecognized chunk, header included. Only
// its 4-byte header is required: a peer may have cut a long chunk short to fit its packet.
struct UnrecognizedChunkType {
  static constexpr uint16_t kType = 6;
  Bytes chunk;  // the echoed chunk, header included
  static Result<UnrecognizedChunkType> parse(const RawTlv& tlv);
  [[nodiscard]] uint8_t chunk_type() const { return chunk[0]; }
  // The echoed chunk as a RawChunk; an error if the echo is shorter than its length field says.
  [[nodiscard]] Result<RawChunk> echoed_chunk() const;
  [[nodiscard]] size_t value_size() const { return chunk.size(); }
  void write_value(Writer& w) const { w.bytes(chunk); }
};

// RFC 9260 3.3.10.7: Invalid Mandatory Parameter (7), length 4.
using InvalidMandatoryParameter = EmptyTlv<7>;

// RFC 9260 3.3.10.8: Unrecognized Parameters (8): the unrecognized parameters of an INIT ACK,
// each a whole TLV; walk them with TlvReader.
struct UnrecognizedParameters {
  static constexpr uint16_t kType = 8;
  Bytes parameters;
  static Result<UnrecognizedParameters> parse(const RawTlv& tlv);
  [[nodiscard]] size_t value_size() const { return parameters.size(); }
  void write_value(Writer& w) const { w.bytes(parameters); }
};

// RFC 9260 3.3.10.9: No User Data (9), length 8.
struct NoUserData {
  static constexpr uint16_t kType = 9;
  Tsn tsn;
  static Result<NoUserData> parse(const RawTlv& tlv);
  [[nodiscard]] size_t value_size() const { return 4; }
  void write_value(Writer& w) const { w.u32(tsn.value()); }
  bool operator==(const NoUserData&) const = default;
};

// RFC 9260 3.3.10.10: Cookie Received While Shutting Down (10), length 4.
using CookieReceivedWhileShuttingDown = EmptyTlv<10>;

// RFC 9260 3.3.10.11: Restart of an Association with New Addresses (11): exact copies of the new
// address TLVs of the INIT; walk them with TlvReader.
struct RestartWithNewAddresses {
  static constexpr uint16_t kType = 11;
  Bytes new_addresses;
  static Result<RestartWithNewAddresses> parse(const RawTlv& tlv);
  [[nodiscard]] size_t value_size() const { return new_addresses.size(); }
  void write_value(Writer& w) const { w.bytes(new_addresses); }
};

// RFC 9260 3.3.10.12: User-Initiated Abort (12): the upper layer's reason, opaque to SCTP.
struct UserInitiatedAbort {
  static constexpr uint16_t kType = 12;
  Bytes reason;
  static Result<UserInitiatedAbort> parse(const RawTlv& tlv);
  [[nodiscard]] size_t value_size() const { return reason.size(); }
  void write_value(Writer& w) const { w.bytes(reason); }
};

// RFC 9260 3.3.10.13: Protocol Violation (13): optional free-form additional information.
struct ProtocolViolation {
  static constexpr uint16_t kType = 13;
  Bytes additional_information;
  static Result<ProtocolViolation> parse(const RawTlv& tlv);
  [[nodiscard]] size_t value_size() const { return additional_information.size(); }
  void write_value(Writer& w) const { w.bytes(additional_information); }
};

// draft-tuexen-tsvwg-sctp-udp-encaps-cons-03 4.4: Restart of an Association with New
// Encapsulation Port (14, the code Linux and FreeBSD use), length 8: an INIT for an existing
// association came from another UDP encapsulation port (RFC 6951).
struct RestartWithNewEncapsulationPort {
  static constexpr uint16_t kType = 14;
  uint16_t current_port = 0;  // the association's remote encapsulation port
  uint16_t new_port = 0;      // the port the INIT came from
  static Result<RestartWithNewEncapsulationPort> parse(const RawTlv& tlv);
  [[nodiscard]] size_t value_size() const { return 4; }
  void write_value(Writer& w) const {
    w.u16(current_port);
    w.u16(new_port);
  }
  bool operator==(const RestartWithNewEncapsulationPort&) const = default;
};

// RFC 5061 4.3: the ASCONF error causes (0x00A0..0x00A4) carry a copy of the ASCONF request
// parameter (whole TLV) that failed, returned in the ASCONF-ACK's Error Cause Indication. Any
// length is accepted: 0x00A3 is usually sent with nothing (Linux does), and what is copied is the
// peer's business to interpret.
template <uint16_t Code>
struct AsconfRequestCause {
  static constexpr uint16_t kType = Code;
  Bytes request;  // the failed request TLV, header included (may be empty)
  static Result<AsconfRequestCause> parse(const RawTlv& tlv) { return AsconfRequestCause{tlv.value}; }
  [[nodiscard]] size_t value_size() const { return request.size(); }
  void write_value(Writer& w) const { w.bytes(request); }
};
using DeleteLastRemainingAddress = AsconfRequestCause<0x00A0>;  // Request to Delete Last Remaining IP Address
using ResourceShortage = AsconfRequestCause<0x00A1>;            // Operation Refused Due to Resource Shortage
using DeleteSourceAddress = AsconfRequestCause<0x00A2>;         // Request to Delete Source IP Address
using IllegalAsconfAck = AsconfRequestCause<0x00A3>;            // Association Aborted Due to Illegal ASCONF-ACK
using RequestRefusedNoAuthorization = AsconfRequestCause<0x00A4>;  // Request Refused - No Authorization

// RFC 4895 4: Unsupported HMAC Identifier (0x0105), length 6 (then 2 bytes of padding).
struct UnsupportedHmacIdentifier {
  static constexpr uint16_t kType = 0x0105;
  uint16_t hmac_id = 0;
  static Result<UnsupportedHmacIdentifier> parse(const RawTlv& tlv);
  [[nodiscard]] size_t value_size() const { return 2; }
  void write_value(Writer& w) const { w.u16(hmac_id); }
  bool operator==(const UnsupportedHmacIdentifier&) const = default;
};

// A cause sctpkit does not know, kept for printing and reporting.
struct UnknownCause {
  uint16_t code = 0;
  Bytes value;
  [[nodiscard]] size_t value_size() const { return value.size(); }
  void write_value(Writer& w) const { w.bytes(value); }
};

using ErrorCause = std::variant<
    // RFC 9260
    InvalidStreamIdentifier, MissingMandatoryParameter, StaleCookie, OutOfResource,
    UnresolvableAddress, UnrecognizedChunkType, InvalidMandatoryParameter, UnrecognizedParameters,
    NoUserData, CookieReceivedWhileShuttingDown, RestartWithNewAddresses, UserInitiatedAbort,
    ProtocolViolation,
    // draft-tuexen-tsvwg-sctp-udp-encaps-cons
    RestartWithNewEncapsulationPort,
    // RFC 5061
    DeleteLastRemainingAddress, ResourceShortage, DeleteSourceAddress, IllegalAsconfAck,
    RequestRefusedNoAuthorization,
    // RFC 4895
    UnsupportedHmacIdentifier,
    UnknownCause>;

// Parses a cause of any code. A known code with a bad length is an error; an unknown code is an
// UnknownCause.
Result<ErrorCause> parse_error_cause(const RawTlv& tlv);

// The cause code as on the wire.
uint16_t error_cause_code(const ErrorCause& cause);

// The RFC name of a cause code ("Stale Cookie", "Protocol Violation", ...), or an empty view for a code sctpkit
// does not know.
std::string_view error_cause_name(uint16_t code);

}  // namespace sctpkit::wire
