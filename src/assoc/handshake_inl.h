#pragma once

#include "wire/parameter_list.h"

namespace sctpkit::assoc {

template <typename Cause>
std::vector<uint8_t> encode_cause(const Cause& cause) {
  std::vector<uint8_t> out(wire::padded4(wire::kTlvHeaderSize + cause.value_size()));
  wire::TlvListBuilder list(out);
  list.add(cause);
  out.resize(list.bytes().size());
  return out;
}

}  // namespace sctpkit::assoc
