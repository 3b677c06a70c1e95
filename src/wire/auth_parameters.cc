#include "wire/auth_parameters.h"

namespace sctpkit::wire {

Result<RandomParameter> RandomParameter::parse(const RawTlv& tlv) {
  // RFC 4895 3.1: Parameter Length = 4 + length of the random number.
  return RandomParameter{tlv.value};
}

Result<ChunkListParameter> ChunkListParameter::parse(const RawTlv& tlv) {
  // RFC 4895 3.2: one chunk type per byte, any count.
  auto types = WireList<uint8_t>::parse(tlv.value);
  if (!types) return types.error();
  return ChunkListParameter{*types};
}

Result<RequestedHmacAlgorithms> RequestedHmacAlgorithms::parse(const RawTlv& tlv) {
  // RFC 4895 3.3: 16-bit identifiers.
  auto ids = WireList<uint16_t>::parse(tlv.value);
  if (!ids) return ids.error();
  return RequestedHmacAlgorithms{*ids};
}

}  // namespace sctpkit::wire
