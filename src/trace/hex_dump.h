// The two hex dump layouts of tcpdump 4.99 that the SCTP printers need, so that their output lines up
// byte for byte with tcpdump's: words only ("0x0010:  5566 7788", the ForCES error dump) and words
// with the printable characters beside them (the -vv DATA payload dump).
#pragma once

#include <string>
#include <string_view>

#include "wire/byte_io.h"

namespace sctpkit::trace {

// `prefix` before each line of 16 bytes, then "0x0000: " and the bytes as " xxxx" pairs (a last odd
// byte as " xx").
void append_hex_words(wire::Bytes data, std::string_view prefix, std::string& out);

// `prefix` before each line of 16 bytes, then "0x0000: ", the pairs padded to 40 columns, two spaces
// and the bytes as characters ('.' for anything that is not a printable, non-space ASCII character).
void append_hex_and_ascii(wire::Bytes data, std::string_view prefix, std::string& out);

}  // namespace sctpkit::trace
