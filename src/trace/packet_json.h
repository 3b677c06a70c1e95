// --json: every decoded field of a captured packet as one JSON object (nlohmann-json). Malformed
// input never throws or stops the walk: a chunk, parameter or cause that does not parse becomes an
// object with an "error" member (the ParseError text) and, where the bytes are there, its "hex".
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "trace/checksum_check.h"
#include "trace/frame.h"
#include "wire/byte_io.h"

namespace sctpkit::trace {

struct JsonOptions {
  bool check = false;  // add the checksum verdict (--check)
};

// The frame as one object: "frame", "time", "ip", "udp", "sctp" {ports, tag, checksum, "chunks"}.
nlohmann::json frame_to_json(const Frame& frame, const JsonOptions& options = {});

// The chunks of a chunk list (as a packet carries them after the common header).
nlohmann::json chunks_to_json(wire::Bytes chunks, int depth = 0);
// A parameter list or an error cause list (TLVs).
nlohmann::json parameters_to_json(wire::Bytes parameters, int depth = 0);
nlohmann::json causes_to_json(wire::Bytes causes, int depth = 0);

// Lower-case hex of the bytes, no separators.
std::string to_hex(wire::Bytes bytes);

// One line of JSON, never throwing: bytes that are not UTF-8 (a host name, say) are replaced.
std::string dump_json_line(const nlohmann::json& value);

}  // namespace sctpkit::trace
