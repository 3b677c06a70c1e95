#include "wire/asconf_parameters.h"

namespace sctpkit::wire {

Result<ErrorCauseIndication> ErrorCauseIndication::parse(const RawTlv& tlv) {
  // RFC 5061 4.2.3: the correlation id, then the causes (checked when walked).
  if (tlv.value.size() < 4) return ParseError::FieldTruncated;
  return ErrorCauseIndication{load_u32(tlv.value, 0), tlv.value.subspan(4)};
}

Result<SuccessIndication> SuccessIndication::parse(const RawTlv& tlv) {
  // RFC 5061 4.2.5: Length = 8.
  if (!has_exact_value(tlv, 4)) return ParseError::BadLength;
  return SuccessIndication{load_u32(tlv.value, 0)};
}

Result<AdaptationLayerIndication> AdaptationLayerIndication::parse(const RawTlv& tlv) {
  // RFC 5061 4.2.6: Length = 8.
  if (!has_exact_value(tlv, 4)) return ParseError::BadLength;
  return AdaptationLayerIndication{load_u32(tlv.value, 0)};
}

Result<SupportedExtensions> SupportedExtensions::parse(const RawTlv& tlv) {
  // RFC 5061 4.2.7: one chunk type per byte, any count.
  auto types = WireList<uint8_t>::parse(tlv.value);
  if (!types) return types.error();
  return SupportedExtensions{*types};
}

}  // namespace sctpkit::wire
