// RFC 6525 (SCTP Stream Reconfiguration) parameters, carried in RE-CONFIG chunks. Conventions as
// in wire/parameters.h.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "wire/parameter_fields.h"
#include "wire/types.h"

namespace sctpkit::wire {

// RFC 6525 4.1: Outgoing SSN Reset Request (13), length 16 + 2N. An empty stream list means
// all streams.
struct OutgoingSsnResetRequest {
  static constexpr uint16_t kType = 13;
  ReconfSeq request_seq;          // Re-configuration Request Sequence Number
  ReconfSeq response_seq;         // Re-configuration Response Sequence Number
  Tsn senders_last_assigned_tsn;  // Sender's Last Assigned TSN
  WireList<StreamId> streams;
  static Result<OutgoingSsnResetRequest> parse(const RawTlv& tlv);
  [[nodiscard]] size_t value_size() const { return 12 + streams.byte_size(); }
  void write_value(Writer& w) const;
  bool operator==(const OutgoingSsnResetRequest&) const = default;
};

// RFC 6525 4.2: Incoming SSN Reset Request (14), length 8 + 2N. Empty list: all streams.
struct IncomingSsnResetRequest {
  static constexpr uint16_t kType = 14;
  ReconfSeq request_seq;
  WireList<StreamId> streams;
  static Result<IncomingSsnResetRequest> parse(const RawTlv& tlv);
  [[nodiscard]] size_t value_size() const { return 4 + streams.byte_size(); }
  void write_value(Writer& w) const;
  bool operator==(const IncomingSsnResetRequest&) const = default;
};

// RFC 6525 4.3: SSN/TSN Reset Request (15), length 8.
struct SsnTsnResetRequest {
  static constexpr uint16_t kType = 15;
  ReconfSeq request_seq;
  static Result<SsnTsnResetRequest> parse(const RawTlv& tlv);
  [[nodiscard]] size_t value_size() const { return 4; }
  void write_value(Writer& w) const { w.u32(request_seq.value()); }
  bool operator==(const SsnTsnResetRequest&) const = default;
};

// RFC 6525 4.4: the Result field of a Re-configuration Response. Values beyond these are kept as
// they came (the enum holds any 32-bit value).
enum class ReconfigResult : uint32_t {
  SuccessNothingToDo = 0,
  SuccessPerformed = 1,
  Denied = 2,
  ErrorWrongSsn = 3,
  ErrorRequestAlreadyInProgress = 4,
  ErrorBadSequenceNumber = 5,
  InProgress = 6,
};
// The RFC 6525 4.4 name ("Success - Performed", ...), or an empty view for an unassigned value.
std::string_view reconfig_result_name(ReconfigResult result);

// RFC 6525 4.4: Re-configuration Response (16), length 12, or 20 with both next TSNs (which only
// an answer to an SSN/TSN Reset Request carries).
struct ReconfigResponse {
  static constexpr uint16_t kType = 16;
  struct NextTsns {
    Tsn sender;    // Sender's Next TSN
    Tsn receiver;  // Receiver's Next TSN
    bool operator==(const NextTsns&) const = default;
  };
  ReconfSeq response_seq;
  ReconfigResult result = ReconfigResult::SuccessNothingToDo;
  std::optional<NextTsns> next_tsns;
  static Result<ReconfigResponse> parse(const RawTlv& tlv);
  [[nodiscard]] size_t value_size() const { return next_tsns ? 16 : 8; }
  void write_value(Writer& w) const;
  bool operator==(const ReconfigResponse&) const = default;
};

// RFC 6525 4.5 and 4.6: Add Outgoing Streams Request (17) and Add Incoming Streams Request (18),
// both length 12: request sequence number, number of new streams, 16 reserved bits.
template <uint16_t Type>
struct AddStreamsRequest {
  static constexpr uint16_t kType = Type;
  ReconfSeq request_seq;
  uint16_t new_streams = 0;
  static Result<AddStreamsRequest> parse(const RawTlv& tlv) {
    if (!has_exact_value(tlv, 8)) return ParseError::BadLength;
    return AddStreamsRequest{ReconfSeq(load_u32(tlv.value, 0)), load_u16(tlv.value, 4)};
  }
  [[nodiscard]] size_t value_size() const { return 8; }
  void write_value(Writer& w) const {
    w.u32(request_seq.value());
    w.u16(new_streams);
    w.u16(0);  // reserved: 0 on transmit, ignored on receipt
  }
  bool operator==(const AddStreamsRequest&) const = default;
};
using AddOutgoingStreamsRequest = AddStreamsRequest<17>;
using AddIncomingStreamsRequest = AddStreamsRequest<18>;

}  // namespace sctpkit::wire
