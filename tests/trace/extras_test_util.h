// Frames for the --json, --summary and --ladder tests, built in memory from chunk specs
// (printer_golden_support.h) so each test shows the packets it is about.
#pragma once

#include <deque>
#include <vector>

#include "printer_golden_support.h"
#include "trace/frame.h"

namespace sctpkit::trace::extras_testing {

using printer_testing::ChunkSpec;

inline std::vector<uint8_t> be32(uint32_t v) {
  return {static_cast<uint8_t>(v >> 24), static_cast<uint8_t>(v >> 16), static_cast<uint8_t>(v >> 8),
          static_cast<uint8_t>(v)};
}

// A TLV (parameter or cause) with its padding.
inline std::vector<uint8_t> tlv(uint16_t type, const std::vector<uint8_t>& value, bool pad = true) {
  std::vector<uint8_t> out{static_cast<uint8_t>(type >> 8), static_cast<uint8_t>(type),
                           static_cast<uint8_t>((value.size() + 4) >> 8), static_cast<uint8_t>(value.size() + 4)};
  for (uint8_t b : value) out.push_back(b);  // not insert(): GCC 12 warns falsely (-Warray-bounds)
  while (pad && out.size() % 4 != 0) out.push_back(0);
  return out;
}

inline std::vector<uint8_t> concat(std::initializer_list<std::vector<uint8_t>> parts) {
  std::vector<uint8_t> out;
  for (const auto& p : parts) {
    for (uint8_t b : p) out.push_back(b);
  }
  return out;
}

// Two endpoints, 10.0.0.1:5000 (the client) and 10.0.0.2:30102, and the frames between them.
class Conversation {
 public:
  // A frame at `ms` milliseconds after 1700000000 s, client -> server when `from_client`.
  const Frame& add(int64_t ms, bool from_client, uint32_t tag, const std::vector<ChunkSpec>& chunks) {
    auto sctp = printer_testing::sctp_packet(chunks, from_client ? 5000 : 30102, from_client ? 30102 : 5000, tag);
    return add_bytes(ms, from_client, std::move(sctp));
  }
  const Frame& add_bytes(int64_t ms, bool from_client, std::vector<uint8_t> sctp, uint32_t length = 0) {
    storage_.push_back(std::move(sctp));
    Frame f;
    f.number = frames_.size() + 1;
    f.timestamp = {1700000000 + ms / 1000, static_cast<int32_t>((ms % 1000) * 1000)};
    f.ip.version = IpVersion::V4;
    const std::array<uint8_t, 4> client{10, 0, 0, 1};
    const std::array<uint8_t, 4> server{10, 0, 0, 2};
    std::copy(client.begin(), client.end(), (from_client ? f.ip.source : f.ip.destination).begin());
    std::copy(server.begin(), server.end(), (from_client ? f.ip.destination : f.ip.source).begin());
    f.ip.protocol = 132;
    f.ip.ttl = 64;
    f.sctp = storage_.back();
    f.sctp_length = length == 0 ? static_cast<uint32_t>(storage_.back().size()) : length;
    f.ip.length = static_cast<uint16_t>(20 + f.sctp_length);
    f.captured_length = f.wire_length = 14 + f.ip.length;
    frames_.push_back(f);
    return frames_.back();
  }
  [[nodiscard]] const std::deque<Frame>& frames() const { return frames_; }

 private:
  std::deque<std::vector<uint8_t>> storage_;
  std::deque<Frame> frames_;
};

inline ChunkSpec init(uint32_t tag, uint32_t tsn, uint8_t type = 1) {
  return {type, 0, printer_testing::init_value(tag, 65536, 10, 10, tsn)};
}
inline ChunkSpec data(uint32_t tsn, uint8_t flags, size_t payload = 4, uint16_t ssn = 0) {
  return {0, flags, printer_testing::data_value(tsn, 0, ssn, 0, payload)};
}
inline ChunkSpec sack(uint32_t cum, const std::vector<std::pair<uint16_t, uint16_t>>& gaps = {},
                      const std::vector<uint32_t>& dups = {}) {
  return {3, 0, printer_testing::sack_value(cum, 65536, gaps, dups)};
}

}  // namespace sctpkit::trace::extras_testing
