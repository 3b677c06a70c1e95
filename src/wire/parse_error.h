// Every way a packet from the network can be malformed. Parsers return one of these as a value:
// malformed input is the peer's fault, never a reason to throw or assert.
#pragma once

#include <cstdint>
#include <string_view>

namespace sctpkit::wire {

enum class ParseError : uint8_t {
  PacketTooShort,        // fewer than the 12 bytes of the common header
  ChunkTooShort,         // fewer than 4 bytes left for a chunk header
  ChunkLengthUnder4,     // a chunk length field smaller than its own header
  ChunkLengthPastEnd,    // a chunk length that runs past the packet
  BadPadding,            // chunk or parameter padding cut off before the next item
  FieldTruncated,        // a chunk, parameter or cause too short for its fixed fields
  ParamTooShort,         // fewer than 4 bytes left for a parameter or cause header
  ParamLengthUnder4,     // a parameter or cause length smaller than its own header
  ParamLengthPastEnd,    // a parameter or cause that runs past its chunk
  BadLength,             // a length that is not what the type requires (e.g. IPv4 address != 8)
  BadFlags,              // reserved for flags whose combination the type forbids
};

constexpr std::string_view to_string(ParseError error) {
  switch (error) {
    case ParseError::PacketTooShort: return "packet shorter than the SCTP common header";
    case ParseError::ChunkTooShort: return "fewer than 4 bytes left for a chunk header";
    case ParseError::ChunkLengthUnder4: return "chunk length under 4";
    case ParseError::ChunkLengthPastEnd: return "chunk length past the end of the packet";
    case ParseError::BadPadding: return "chunk or parameter padding cut off";
    case ParseError::FieldTruncated: return "too short for its fixed fields";
    case ParseError::ParamTooShort: return "fewer than 4 bytes left for a parameter header";
    case ParseError::ParamLengthUnder4: return "parameter length under 4";
    case ParseError::ParamLengthPastEnd: return "parameter length past the end of its chunk";
    case ParseError::BadLength: return "length not allowed for this type";
    case ParseError::BadFlags: return "flags not allowed for this type";
  }
  return "unknown parse error";
}

}  // namespace sctpkit::wire
