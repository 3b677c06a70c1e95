#include "sim/packet_log.h"

#include <cinttypes>
#include <cstdio>

namespace sctpkit::sim {

std::string_view to_string(Fate fate) {
  switch (fate) {
    case Fate::InFlight: return "in-flight";
    case Fate::Delivered: return "delivered";
    case Fate::Lost: return "lost";
    case Fate::QueueFull: return "queue-full";
    case Fate::TooBig: return "too-big";
    case Fate::LinkDown: return "link-down";
    case Fate::NoRoute: return "no-route";
    case Fate::Scripted: return "scripted-drop";
  }
  return "?";
}

uint64_t PacketLog::add(LogEntry entry) {
  entry.id = entries_.size() + 1;
  entries_.push_back(std::move(entry));
  return entries_.back().id;
}

size_t PacketLog::count(Fate fate) const {
  size_t n = 0;
  for (const auto& e : entries_) n += e.fate == fate ? 1 : 0;
  return n;
}

namespace {
std::string seconds(TimePoint t) {
  const int64_t us = micros_since_epoch(t);
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%s%" PRId64 ".%06" PRId64, us < 0 ? "-" : "", (us < 0 ? -us : us) / 1000000,
                (us < 0 ? -us : us) % 1000000);
  return buffer;
}
}  // namespace

std::string PacketLog::format(const LogEntry& e) {
  std::string line = seconds(e.sent) + " #" + std::to_string(e.id);
  if (e.copy_of != 0) line += " (dup of #" + std::to_string(e.copy_of) + ")";
  line += ' ' + e.source.to_string() + " > " + e.destination.to_string() + ' ' + std::to_string(e.size) + "B " +
          e.chunks + ' ' + std::string(to_string(e.fate));
  if (e.fate != Fate::InFlight) line += ' ' + seconds(e.settled);
  std::string notes;
  auto note = [&notes](std::string_view s) {
    if (!notes.empty()) notes += "; ";
    notes += s;
  };
  if (e.corrupted) note("corrupted");
  if (e.reordered) note("reordered");
  if (!e.scripts.empty()) note("scripts: " + e.scripts);
  if (!notes.empty()) line += " (" + notes + ")";
  return line;
}

std::string PacketLog::format() const {
  std::string out;
  for (const auto& e : entries_) out += format(e) + '\n';
  return out;
}

}  // namespace sctpkit::sim
