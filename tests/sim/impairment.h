// Scripted impairments: exact, countable faults for scenario tests ("drop the first COOKIE ACK",
// "drop the 2nd to 4th DATA packets from A to B", "delay every SACK by 300 ms"). The network applies
// them, in the order they were added, before its links' random impairments.
#pragma once

#include <cstdint>
#include <functional>
#include <limits>
#include <string>
#include <variant>

#include "sim/sim_time.h"
#include "wire/byte_io.h"
#include "wire/ip_address.h"

namespace sctpkit::sim {

struct PacketInfo {
  wire::IpAddress source;
  wire::IpAddress destination;
  wire::Bytes packet;
  TimePoint now;

  // Chunks are counted only in packets the wire parser accepts: a malformed packet has none.
  [[nodiscard]] size_t count_chunks(uint8_t type) const;
  [[nodiscard]] bool has_chunk(uint8_t type) const { return count_chunks(type) > 0; }
};

using PacketMatch = std::function<bool(const PacketInfo&)>;

namespace match {
PacketMatch any();
PacketMatch has_chunk(uint8_t type);
PacketMatch from(wire::IpAddress source);
PacketMatch to(wire::IpAddress destination);
PacketMatch between(wire::IpAddress source, wire::IpAddress destination);
}  // namespace match
PacketMatch operator&&(PacketMatch a, PacketMatch b);
PacketMatch operator||(PacketMatch a, PacketMatch b);
PacketMatch operator!(PacketMatch a);

struct DropAction {};
struct DelayAction {
  Duration by{};
};
struct DuplicateAction {
  uint32_t copies = 1;  // extra copies, each impaired on its own
};
struct CorruptAction {};  // flip one random bit
using ScriptAction = std::variant<DropAction, DelayAction, DuplicateAction, CorruptAction>;

struct Script {
  static constexpr uint32_t kAlways = std::numeric_limits<uint32_t>::max();

  std::string label;  // shown in the packet log when it fires
  PacketMatch match;
  ScriptAction action;
  uint32_t skip = 0;   // matching packets let through untouched before it starts firing
  uint32_t limit = 1;  // matching packets it fires on, after the skipped ones

  uint32_t matched = 0;  // packets the predicate accepted so far
  uint32_t fired = 0;

  // 1-based, inclusive: nth(2, 4) fires on the 2nd, 3rd and 4th matching packets.
  Script& nth(uint32_t first, uint32_t last) {
    skip = first == 0 ? 0 : first - 1;
    limit = last < first ? 0 : last - skip;
    return *this;
  }
  Script& times(uint32_t n) {
    limit = n;
    return *this;
  }
  Script& always() { return times(kAlways); }

  // Counts a match and says whether this packet is one to act on.
  bool consider(const PacketInfo& packet);
  [[nodiscard]] bool exhausted() const { return fired >= limit; }
};

// Each fires once unless told otherwise (nth, times, always).
Script drop(PacketMatch match, std::string label = "drop");
Script delay(PacketMatch match, Duration by, std::string label = "delay");
Script duplicate(PacketMatch match, uint32_t copies = 1, std::string label = "duplicate");
Script corrupt(PacketMatch match, std::string label = "corrupt");

}  // namespace sctpkit::sim
