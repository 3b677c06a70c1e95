#include "perf/report.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace sctpkit::perf {

const char* to_string(Mode mode) {
  switch (mode) {
    case Mode::Bulk: return "bulk";
    case Mode::Rate: return "rate";
    case Mode::Pingpong: return "pingpong";
    case Mode::Setup: return "setup";
    case Mode::Idle: return "idle";
  }
  return "?";
}

std::optional<Mode> parse_mode(const std::string& text) {
  for (Mode m : {Mode::Bulk, Mode::Rate, Mode::Pingpong, Mode::Setup, Mode::Idle})
    if (text == to_string(m)) return m;
  return std::nullopt;
}

double TestResult::throughput_mbps() const {
  return seconds > 0 ? static_cast<double>(server_bytes) * 8 / seconds / 1e6 : 0;
}

double TestResult::messages_per_s() const {
  // Pingpong counts round trips (the client's figure); the others what the server received.
  const uint64_t n = mode == Mode::Pingpong || mode == Mode::Setup ? messages : server_messages;
  return seconds > 0 ? static_cast<double>(n) / seconds : 0;
}

nlohmann::json to_json(const TestResult& r) {
  nlohmann::json j;
  j["mode"] = to_string(r.mode);
  j["transport"] = r.transport;
  j["message_size"] = r.message_size;
  j["streams"] = r.streams;
  j["unordered"] = r.unordered;
  j["seconds"] = r.seconds;
  j["bytes"] = r.bytes;
  j["messages"] = r.messages;
  j["throughput_mbps"] = r.throughput_mbps();
  j["messages_per_s"] = r.messages_per_s();
  if (r.latency) {
    j["latency_us"] = {{"p50", r.latency->p50}, {"p90", r.latency->p90}, {"p99", r.latency->p99},
                       {"max", r.latency->max}};
  } else {
    j["latency_us"] = nullptr;
  }
  j["setups_per_s"] = r.setups_per_s ? nlohmann::json(*r.setups_per_s) : nlohmann::json(nullptr);
  auto intervals = nlohmann::json::array();
  for (const auto& s : r.intervals) {
    intervals.push_back({{"start", s.start}, {"end", s.end}, {"bytes", s.bytes}, {"messages", s.messages},
                         {"throughput_mbps", s.throughput_mbps}, {"cwnd", s.cwnd}, {"srtt_ms", s.srtt_ms}});
  }
  j["intervals"] = std::move(intervals);
  j["server"] = {{"bytes", r.server_bytes}, {"messages", r.server_messages}};
  if (r.idle) {
    j["idle"] = {{"count", r.idle->count},
                 {"server_rss_kib_before", r.idle->server_rss_kib_before},
                 {"server_rss_kib_after", r.idle->server_rss_kib_after},
                 {"server_associations_before", r.idle->server_associations_before}};
  } else {
    j["idle"] = nullptr;
  }
  return j;
}

std::string format_bytes(uint64_t bytes) {
  const double b = static_cast<double>(bytes);
  if (b >= 1024.0 * 1024 * 1024) return fmt::format("{:.2f} GBytes", b / (1024.0 * 1024 * 1024));
  if (b >= 1024.0 * 1024) return fmt::format("{:.2f} MBytes", b / (1024.0 * 1024));
  if (b >= 1024.0) return fmt::format("{:.2f} KBytes", b / 1024.0);
  return fmt::format("{} Bytes", bytes);
}

std::string format_bits_per_second(double bps) {
  if (bps >= 1e9) return fmt::format("{:.2f} Gbits/sec", bps / 1e9);
  if (bps >= 1e6) return fmt::format("{:.2f} Mbits/sec", bps / 1e6);
  if (bps >= 1e3) return fmt::format("{:.2f} Kbits/sec", bps / 1e3);
  return fmt::format("{:.0f} bits/sec", bps);
}

std::string format_size(uint64_t bytes) {
  const double b = static_cast<double>(bytes);
  // Binary units say so (IEC 80000-13); the iperf3-style columns above keep iperf3's KBytes.
  if (b >= 1024.0 * 1024) return fmt::format("{:.1f} MiB", b / (1024.0 * 1024));
  if (b >= 1024.0) return fmt::format("{:.1f} KiB", b / 1024.0);
  return fmt::format("{} B", bytes);
}

std::string format_interval(const IntervalSample& s, Mode mode) {
  const double length = s.end - s.start;
  const double per_s = length > 0 ? static_cast<double>(s.messages) / length : 0;
  if (mode == Mode::Setup || mode == Mode::Idle) {
    return fmt::format("[  1] {:5.2f}-{:5.2f} sec  {:>8} assocs  {:10.0f} assocs/sec", s.start, s.end, s.messages,
                       per_s);
  }
  return fmt::format("[  1] {:5.2f}-{:5.2f} sec  {:>12}  {:>15}  {:9.0f} msgs/sec  cwnd {}  srtt {:.2f} ms", s.start,
                     s.end, format_bytes(s.bytes), format_bits_per_second(s.throughput_mbps * 1e6), per_s,
                     format_size(s.cwnd), s.srtt_ms);
}

std::string format_header(const TestResult& r) {
  if (r.mode == Mode::Setup || r.mode == Mode::Idle)
    return fmt::format("sctpkit perf: {} test, {} transport\n", to_string(r.mode), r.transport);
  return fmt::format("sctpkit perf: {} test, {} transport, message size {}, {} stream{}{}\n", to_string(r.mode),
                     r.transport, r.message_size, r.streams, r.streams == 1 ? "" : "s",
                     r.unordered ? ", unordered" : "");
}

std::string format_summary(const TestResult& r) {
  std::string out = "- - - - - - - - - - - - - - - - - - - - - - - - -\n";
  const double sender_bps = r.seconds > 0 ? static_cast<double>(r.bytes) * 8 / r.seconds : 0;
  switch (r.mode) {
    case Mode::Bulk:
    case Mode::Rate:
    case Mode::Pingpong:
      out += fmt::format("[  1] {:5.2f}-{:5.2f} sec  {:>12}  {:>15}  {:10} msgs  sender\n", 0.0, r.seconds,
                         format_bytes(r.bytes), format_bits_per_second(sender_bps), r.messages);
      out += fmt::format("[  1] {:5.2f}-{:5.2f} sec  {:>12}  {:>15}  {:10} msgs  receiver\n", 0.0, r.seconds,
                         format_bytes(r.server_bytes), format_bits_per_second(r.throughput_mbps() * 1e6),
                         r.server_messages);
      out += fmt::format("{:.0f} {} per second\n", r.messages_per_s(),
                         r.mode == Mode::Pingpong ? "round trips" : "messages");
      break;
    case Mode::Setup:
      out += fmt::format("{} associations set up and shut down in {:.2f} sec: {:.0f} per second\n", r.messages,
                         r.seconds, r.setups_per_s.value_or(0));
      break;
    case Mode::Idle:
      break;
  }
  if (r.latency) {
    out += fmt::format("latency (us): p50 {:.1f}  p90 {:.1f}  p99 {:.1f}  max {:.1f}\n", r.latency->p50,
                       r.latency->p90, r.latency->p99, r.latency->max);
  }
  if (r.idle) {
    const int64_t grown = r.idle->server_rss_kib_after - r.idle->server_rss_kib_before;
    out += fmt::format("{} idle associations held {:.2f} sec; server RSS {} KiB before, {} KiB after: {:.2f} KiB each\n",
                       r.idle->count, r.seconds, r.idle->server_rss_kib_before, r.idle->server_rss_kib_after,
                       r.idle->count ? static_cast<double>(grown) / static_cast<double>(r.idle->count) : 0.0);
    out += idle_memory_caution(r.idle->server_associations_before);
  }
  return out;
}

std::string idle_memory_caution(uint64_t server_associations_before) {
  if (server_associations_before == 0) return {};
  // The server keeps what it grew for earlier associations (table capacity, spare association
  // memory, allocator pages), so RSS need not grow for the next ones: 0.00 KiB each was printed.
  return fmt::format(
      "caution: the server had accepted {} association{} before this test; memory it kept from them for reuse is in "
      "'before', so the figure above reads low. For the memory per association, run the idle test against a freshly "
      "started server (sctpkit perf -s --one-off).\n",
      server_associations_before, server_associations_before == 1 ? "" : "s");
}

}  // namespace sctpkit::perf
