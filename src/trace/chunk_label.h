// Short one-line descriptions of chunks and error causes, for the sequence chart (ladder.h) and
// the association summary (association_tracker.h): "INIT tag 1008070933 TSN 2431437204",
// "User-Initiated Abort \"bye\"".
#pragma once

#include <string>

#include "wire/byte_io.h"
#include "wire/packet.h"

namespace sctpkit::trace {

// The chunk's name and its key fields; a chunk that does not parse says so.
std::string chunk_label(const wire::RawChunk& raw);

// The causes of an ABORT or ERROR, "; "-separated, each with its key field; "no cause" if empty.
std::string describe_causes(wire::Bytes causes);

}  // namespace sctpkit::trace
