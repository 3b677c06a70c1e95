// Every packet the network carried and what became of it, so a failing test can print the exchange.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "sim/sim_time.h"
#include "wire/ip_address.h"

namespace sctpkit::sim {

enum class Fate : uint8_t {
  InFlight,   // sent, not yet arrived
  Delivered,
  Lost,       // random loss
  QueueFull,  // the link's queue was full
  TooBig,     // larger than the link's MTU
  LinkDown,   // sent on a down link, or in flight when it went down
  NoRoute,    // no link from the source to the destination, or no host has the destination
  Scripted,   // a scripted impairment dropped it
};

std::string_view to_string(Fate fate);

struct LogEntry {
  uint64_t id = 0;       // 1-based, in sending order; duplicates get their own
  uint64_t copy_of = 0;  // a duplicate's original, 0 otherwise
  TimePoint sent{};
  TimePoint settled{};   // when it was delivered or dropped
  wire::IpAddress source;
  wire::IpAddress destination;
  size_t size = 0;       // SCTP bytes
  std::string chunks;    // "[INIT ACK]", see summarize_packet
  Fate fate = Fate::InFlight;
  bool corrupted = false;
  bool reordered = false;
  std::string scripts;   // labels of the scripted impairments that fired on it, comma-separated
};

class PacketLog {
 public:
  uint64_t add(LogEntry entry);
  // Precondition: 1 <= id <= size().
  LogEntry& at(uint64_t id) { return entries_[id - 1]; }
  [[nodiscard]] const LogEntry& at(uint64_t id) const { return entries_[id - 1]; }
  [[nodiscard]] const std::vector<LogEntry>& entries() const { return entries_; }
  [[nodiscard]] size_t size() const { return entries_.size(); }
  [[nodiscard]] size_t count(Fate fate) const;

  // "  0.050000 #3 10.0.0.1 > 10.0.0.2 60B [INIT] delivered 0.100000 (corrupted; scripts: drop)"
  [[nodiscard]] static std::string format(const LogEntry& entry);
  // All entries, one line each, in sending order.
  [[nodiscard]] std::string format() const;

 private:
  std::vector<LogEntry> entries_;
};

}  // namespace sctpkit::sim
