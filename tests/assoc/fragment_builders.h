// The DATA and I-DATA fragments the reassembly tests (rx_reassembly_test.cc,
// hostile_fragment_test.cc) feed to Reassembly, and what they read back: one copy of how a test
// builds a fragment. Each test file keeps its own short wrappers so that its call sites stay as
// they were.
#pragma once

#include <cstdint>
#include <deque>
#include <string>
#include <string_view>
#include <vector>

#include "assoc/rx/reassembly.h"

namespace sctpkit::assoc::testing {

// A fragment only views its payload, which must live until Reassembly::insert() has taken it. The
// pool keeps every payload it is given; a deque, so that keeping more never moves one.
class PayloadPool {
 public:
  wire::Bytes keep(std::string_view text) {
    const std::string& kept = texts_.emplace_back(text);
    return {reinterpret_cast<const uint8_t*>(kept.data()), kept.size()};
  }

 private:
  std::deque<std::string> texts_;
};

// DATA (RFC 9260 3.3.1): `flags` holds B and/or E ("BE" whole, "B" first, "E" last, "" middle).
inline DataFragment data_fragment(uint32_t tsn, uint16_t stream, uint16_t ssn, std::string_view flags,
                                  wire::Bytes payload, uint32_t ppid, bool unordered) {
  DataFragment f;
  f.tsn = wire::Tsn(tsn);
  f.stream = wire::StreamId(stream);
  f.ssn = wire::Ssn(ssn);
  f.ppid = wire::Ppid(ppid);
  f.unordered = unordered;
  f.beginning = flags.find('B') != std::string_view::npos;
  f.ending = flags.find('E') != std::string_view::npos;
  f.payload = payload;
  return f;
}

// I-DATA (RFC 8260 2.1): the message is named by MID, the fragment by FSN; no SSN. `ppid` is what
// the chunk's PPID/FSN field holds (the PPID on the first fragment only).
inline DataFragment idata_fragment(uint32_t tsn, uint16_t stream, uint32_t mid, uint32_t fsn, std::string_view flags,
                                   wire::Bytes payload, uint32_t ppid, bool unordered) {
  DataFragment f = data_fragment(tsn, stream, 0, flags, payload, ppid, unordered);
  f.mid = wire::Mid(mid);
  f.fsn = wire::Fsn(fsn);
  return f;
}

// Messages of up to 1000 bytes: small enough that a few fragments make one.
inline ReassemblyConfig reassembly_config(uint16_t streams, bool interleaving, uint32_t receive_buffer) {
  ReassemblyConfig c;
  c.inbound_streams = streams;
  c.interleaving = interleaving;
  c.max_message_size = 1000;
  c.receive_buffer = receive_buffer;
  return c;
}

inline std::string text_of(const std::vector<uint8_t>& payload) { return {payload.begin(), payload.end()}; }

// Every message ready, in delivery order, as text.
inline std::vector<std::string> drain(Reassembly& r) {
  std::vector<std::string> out;
  while (auto m = r.pop_message()) out.push_back(text_of(m->payload));
  return out;
}

}  // namespace sctpkit::assoc::testing
