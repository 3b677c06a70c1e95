// The text and JSON forms of the association summary (association_tracker.h).
#include <fmt/format.h>

#include <iterator>
#include <nlohmann/json.hpp>

#include "trace/association_tracker.h"

namespace sctpkit::trace {
namespace {

using nlohmann::json;

std::string relative(const Timestamp& start, const Timestamp& t) {
  const int64_t us = microseconds_between(start, t);
  return fmt::format("{}{}.{:06d}", us < 0 ? "-" : "+", (us < 0 ? -us : us) / 1000000, (us < 0 ? -us : us) % 1000000);
}

std::string milliseconds(int64_t us) { return fmt::format("{:.3f} ms", static_cast<double>(us) / 1000.0); }

std::string tag_text(const std::optional<uint32_t>& tag) {
  return tag ? fmt::format("{} (0x{:08x})", *tag, *tag) : std::string("unknown");
}

char side(Direction d) { return d == Direction::AtoB ? 'A' : 'B'; }

std::string address_list(const std::vector<wire::IpAddress>& addresses) {
  std::string out;
  for (const auto& address : addresses) out += (out.empty() ? "" : ", ") + address.to_string();
  return out.empty() ? "none" : out;
}

json address_json(const std::vector<wire::IpAddress>& addresses) {
  json list = json::array();
  for (const auto& address : addresses) list.push_back(address.to_string());
  return list;
}

std::string end_text(const AssociationSummary& s, const Timestamp& start) {
  std::string shutdown = s.shutdown_by ? fmt::format(", SHUTDOWN sent by {}", side(*s.shutdown_by)) : "";
  switch (s.end) {
    case EndKind::Open:
      return "still open at end of capture" + shutdown;
    case EndKind::ShutdownComplete:
      return fmt::format("shutdown complete at {} s (SHUTDOWN COMPLETE sent by {}{})", relative(start, s.end_time),
                         side(s.ended_by), shutdown);
    case EndKind::Abort:
      return fmt::format("aborted by {} at {} s: {}", side(s.ended_by), relative(start, s.end_time), s.abort_causes);
  }
  return {};
}

struct Row {
  const char* name;
  uint64_t DirectionStats::*field;
};
constexpr Row kRows[] = {
    {"packets", &DirectionStats::packets},
    {"bytes", &DirectionStats::bytes},
    {"DATA chunks", &DirectionStats::data_chunks},
    {"messages", &DirectionStats::messages},
    {"user data bytes", &DirectionStats::user_bytes},
    {"retransmitted TSNs", &DirectionStats::retransmitted_tsns},
    {"SACKs", &DirectionStats::sacks},
    {"gap reports", &DirectionStats::gap_reports},
    {"duplicate TSNs reported", &DirectionStats::duplicate_tsns},
    {"heartbeats", &DirectionStats::heartbeats},
    {"heartbeat acks", &DirectionStats::heartbeat_acks},
    {"malformed packets", &DirectionStats::malformed},
};

json stats_json(const DirectionStats& d) {
  return {{"packets", d.packets},
          {"bytes", d.bytes},
          {"data_chunks", d.data_chunks},
          {"messages", d.messages},
          {"user_bytes", d.user_bytes},
          {"retransmitted_tsns", d.retransmitted_tsns},
          {"sacks", d.sacks},
          {"gap_reports", d.gap_reports},
          {"duplicate_tsns", d.duplicate_tsns},
          {"heartbeats", d.heartbeats},
          {"heartbeat_acks", d.heartbeat_acks},
          {"malformed_packets", d.malformed}};
}

json optional_json(const std::optional<uint32_t>& v) { return v ? json(*v) : json(); }
json optional_json(const std::optional<int64_t>& v) { return v ? json(*v) : json(); }

}  // namespace

std::string format_summary(const AssociationTracker& tracker) {
  std::string out;
  auto it = std::back_inserter(out);
  const Timestamp start = tracker.capture_start().value_or(Timestamp{});
  for (const AssociationSummary& s : tracker.associations()) {
    if (!out.empty()) out += '\n';
    fmt::format_to(it, "association {}: {} (A) <-> {} (B)\n", s.id, s.a.to_string(), s.b.to_string());
    fmt::format_to(it, "  {:<19}{} s to {} s ({:.6f} s)\n", "time", relative(start, s.first), relative(start, s.last),
                   static_cast<double>(microseconds_between(s.first, s.last)) / 1e6);
    fmt::format_to(it, "  {:<19}A {}, B {}\n", "verification tags", tag_text(s.tag_a), tag_text(s.tag_b));
    // Only for multi-homed traffic: which other paths were used is what one looks for there.
    if (!s.other_addresses_a.empty() || !s.other_addresses_b.empty()) {
      fmt::format_to(it, "  {:<19}A {}; B {}\n", "other addresses", address_list(s.other_addresses_a),
                     address_list(s.other_addresses_b));
    }
    fmt::format_to(it, "  {:<19}INIT -> INIT ACK {}, COOKIE ECHO -> COOKIE ACK {}{}\n", "handshake RTT",
                   s.init_rtt_us ? milliseconds(*s.init_rtt_us) : "not seen",
                   s.cookie_rtt_us ? milliseconds(*s.cookie_rtt_us) : "not seen",
                   s.saw_init ? "" : " (capture began after the INIT)");
    fmt::format_to(it, "  {:<19}{}\n", "end", end_text(s, start));
    fmt::format_to(it, "  {:<25}{:>12}{:>12}\n", "", "A -> B", "B -> A");
    for (const Row& row : kRows) {
      fmt::format_to(it, "  {:<25}{:>12}{:>12}\n", row.name, s.from(Direction::AtoB).*row.field,
                     s.from(Direction::BtoA).*row.field);
    }
  }
  if (tracker.associations().empty()) out += "no SCTP associations\n";
  if (tracker.unattributed() != 0) {
    fmt::format_to(it, "\n{} packet(s) not attributed to an association (no common header captured, or a later IP "
                   "fragment)\n", tracker.unattributed());
  }
  return out;
}

json summary_to_json(const AssociationTracker& tracker) {
  const Timestamp start = tracker.capture_start().value_or(Timestamp{});
  json list = json::array();
  for (const AssociationSummary& s : tracker.associations()) {
    json j;
    j["id"] = s.id;
    j["a"] = {{"address", s.a.address.to_string()}, {"port", s.a.port}, {"tag", optional_json(s.tag_a)},
              {"other_addresses", address_json(s.other_addresses_a)}};
    j["b"] = {{"address", s.b.address.to_string()}, {"port", s.b.port}, {"tag", optional_json(s.tag_b)},
              {"other_addresses", address_json(s.other_addresses_b)}};
    j["first_us"] = microseconds_between(start, s.first);
    j["last_us"] = microseconds_between(start, s.last);
    j["saw_init"] = s.saw_init;
    j["init_rtt_us"] = optional_json(s.init_rtt_us);
    j["cookie_rtt_us"] = optional_json(s.cookie_rtt_us);
    j["a_to_b"] = stats_json(s.from(Direction::AtoB));
    j["b_to_a"] = stats_json(s.from(Direction::BtoA));
    json end;
    end["kind"] = s.end == EndKind::Open ? "open" : s.end == EndKind::Abort ? "abort" : "shutdown complete";
    if (s.shutdown_by) end["shutdown_by"] = std::string(1, side(*s.shutdown_by));
    if (s.end != EndKind::Open) {
      end["by"] = std::string(1, side(s.ended_by));
      end["at_us"] = microseconds_between(start, s.end_time);
    }
    if (s.end == EndKind::Abort) end["causes"] = s.abort_causes;
    j["end"] = std::move(end);
    list.push_back(std::move(j));
  }
  return {{"associations", std::move(list)}, {"unattributed_packets", tracker.unattributed()}};
}

}  // namespace sctpkit::trace
