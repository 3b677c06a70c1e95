#include "wire/reconfig_parameters.h"

namespace sctpkit::wire {

Result<OutgoingSsnResetRequest> OutgoingSsnResetRequest::parse(const RawTlv& tlv) {
  // RFC 6525 4.1: three 32-bit fields, then 16-bit stream numbers.
  if (tlv.value.size() < 12) return ParseError::FieldTruncated;
  auto streams = WireList<StreamId>::parse(tlv.value.subspan(12));
  if (!streams) return streams.error();
  return OutgoingSsnResetRequest{ReconfSeq(load_u32(tlv.value, 0)), ReconfSeq(load_u32(tlv.value, 4)),
                                 Tsn(load_u32(tlv.value, 8)), *streams};
}

void OutgoingSsnResetRequest::write_value(Writer& w) const {
  w.u32(request_seq.value());
  w.u32(response_seq.value());
  w.u32(senders_last_assigned_tsn.value());
  streams.write(w);
}

Result<IncomingSsnResetRequest> IncomingSsnResetRequest::parse(const RawTlv& tlv) {
  // RFC 6525 4.2: the request sequence number, then 16-bit stream numbers.
  if (tlv.value.size() < 4) return ParseError::FieldTruncated;
  auto streams = WireList<StreamId>::parse(tlv.value.subspan(4));
  if (!streams) return streams.error();
  return IncomingSsnResetRequest{ReconfSeq(load_u32(tlv.value, 0)), *streams};
}

void IncomingSsnResetRequest::write_value(Writer& w) const {
  w.u32(request_seq.value());
  streams.write(w);
}

Result<SsnTsnResetRequest> SsnTsnResetRequest::parse(const RawTlv& tlv) {
  // RFC 6525 4.3: Parameter Length = 8.
  if (!has_exact_value(tlv, 4)) return ParseError::BadLength;
  return SsnTsnResetRequest{ReconfSeq(load_u32(tlv.value, 0))};
}

Result<ReconfigResponse> ReconfigResponse::parse(const RawTlv& tlv) {
  // RFC 6525 4.4: Parameter Length = 12, or 20 when both optional TSNs are present; one TSN
  // alone is not a form the RFC allows.
  const size_t n = tlv.value.size();
  if (n != 8 && n != 16) return ParseError::BadLength;
  ReconfigResponse r{ReconfSeq(load_u32(tlv.value, 0)), static_cast<ReconfigResult>(load_u32(tlv.value, 4)),
                     std::nullopt};
  if (n == 16) r.next_tsns = NextTsns{Tsn(load_u32(tlv.value, 8)), Tsn(load_u32(tlv.value, 12))};
  return r;
}

void ReconfigResponse::write_value(Writer& w) const {
  w.u32(response_seq.value());
  w.u32(static_cast<uint32_t>(result));
  if (next_tsns) {
    w.u32(next_tsns->sender.value());
    w.u32(next_tsns->receiver.value());
  }
}

std::string_view reconfig_result_name(ReconfigResult result) {
  switch (result) {
    case ReconfigResult::SuccessNothingToDo: return "Success - Nothing to do";
    case ReconfigResult::SuccessPerformed: return "Success - Performed";
    case ReconfigResult::Denied: return "Denied";
    case ReconfigResult::ErrorWrongSsn: return "Error - Wrong SSN";
    case ReconfigResult::ErrorRequestAlreadyInProgress: return "Error - Request already in progress";
    case ReconfigResult::ErrorBadSequenceNumber: return "Error - Bad Sequence Number";
    case ReconfigResult::InProgress: return "In progress";
  }
  return {};
}

}  // namespace sctpkit::wire
