// What usrsctp_perf and tcp_perf share with `sctpkit perf`: the command line (same flags, same
// meaning), the result and its JSON summary (same keys), so that bench/compare.py reads all three
// tools the same way. Header-only: each bench program is one translation unit plus this.
#pragma once

#include <CLI/CLI.hpp>
#include <arpa/inet.h>
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace sctpkit::bench {

inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;
inline constexpr int kExitUsage = 2;
inline constexpr int kExitPrivilege = 4;
inline constexpr int kExitTimeout = 6;
inline constexpr int kExitUnreachable = 7;

struct PerfOptions {
  bool server = false;
  std::string host;
  uint16_t port = 5001;
  bool one_off = false;
  std::string mode = "bulk";
  double seconds = 5;
  std::size_t message_size = 65536;
  uint16_t streams = 1;
  bool unordered = false;
  std::size_t count = 0;  // 0: no limit (bulk, rate, pingpong, setup); idle: associations to open
  int parallel = 1;       // setup: handshakes in flight at once (1: one after another)
  unsigned busy_poll_us = 0;  // tcp_perf: poll without sleeping for up to this long (0: off)
  bool json = false;
  std::optional<uint16_t> udp;  // UDP encapsulation: the server's encapsulation port
  bool raw = false;
};

// Registers the flags of the `sctpkit perf` contract on `app`. `with_transport` adds --udp/--raw
// (tcp_perf has no choice of transport).
inline void add_perf_options(CLI::App& app, PerfOptions& o, bool with_transport) {
  app.add_flag("-s,--server", o.server, "run the server");
  app.add_option("-c,--client", o.host, "run a client against this IPv4 address");
  app.add_option("-p,--port", o.port, "server port");
  app.add_flag("--one-off", o.one_off, "server: exit after the first client is done");
  app.add_option("--mode", o.mode, "bulk|rate|pingpong|setup|idle")
      ->check(CLI::IsMember({"bulk", "rate", "pingpong", "setup", "idle"}));
  app.add_option("-t,--time", o.seconds, "seconds to run")->check(CLI::PositiveNumber);
  app.add_option("-l,--length", o.message_size, "message size in bytes")->check(CLI::Range(1, 1 << 20));
  app.add_option("--streams", o.streams, "outbound streams to spread messages over")->check(CLI::Range(1, 1024));
  app.add_flag("--unordered", o.unordered, "send unordered messages");
  app.add_option("--count", o.count, "stop after this many messages/setups; idle: associations to hold");
  app.add_option("--parallel", o.parallel, "setup: handshakes in flight at once (default 1: one after another)")
      ->check(CLI::Range(1, 1024));
  app.add_flag("--json", o.json, "print the summary as one JSON object");
  if (with_transport) {
    auto* udp = app.add_option("--udp", o.udp, "UDP encapsulation (RFC 6951) with the server on this UDP port")
                    ->expected(0, 1);
    udp->default_str("9899");
    auto* raw = app.add_flag("--raw", o.raw, "raw IPv4 (needs root)");
    udp->excludes(raw);
  }
}

// Exactly one of -s and -c, and -c takes an IPv4 address: kExitOk, or kExitUsage after saying why.
inline int check_role(const char* program, const PerfOptions& o) {
  if (o.server == !o.host.empty()) {
    std::fprintf(stderr, "%s: give either -s (server) or -c HOST (client)\n", program);
    return kExitUsage;
  }
  in_addr probe{};
  if (!o.server && inet_pton(AF_INET, o.host.c_str(), &probe) != 1) {
    std::fprintf(stderr, "%s: -c wants an IPv4 address, not '%s'\n", program, o.host.c_str());
    return kExitUsage;
  }
  return kExitOk;
}

using Clock = std::chrono::steady_clock;

inline double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// Percentile by the nearest-rank method over sorted samples (microseconds).
inline double percentile(const std::vector<double>& sorted, double p) {
  if (sorted.empty()) return 0;
  std::size_t rank = static_cast<std::size_t>(p / 100.0 * static_cast<double>(sorted.size()) + 0.999999);
  rank = std::clamp<std::size_t>(rank, 1, sorted.size());
  return sorted[rank - 1];
}

// Resident set size of this process in KiB (VmRSS), or 0 when /proc is unreadable.
inline long rss_kib() {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
  }
  return 0;
}

struct PerfResult {
  std::string mode;
  std::string transport;
  std::size_t message_size = 0;
  double seconds = 0;
  uint64_t bytes = 0;     // sent by the client
  uint64_t messages = 0;  // sent by the client (pingpong: round trips; setup: setups)
  std::vector<double> latencies_us;
  uint64_t setups = 0;
  uint64_t server_bytes = 0;  // received by the server, as it reported at the end
  uint64_t server_messages = 0;
  std::size_t idle_count = 0;
  long rss_before_kib = 0;
  long rss_after_kib = 0;

  nlohmann::json to_json() {
    std::sort(latencies_us.begin(), latencies_us.end());
    nlohmann::json j;
    j["mode"] = mode;
    j["transport"] = transport;
    j["message_size"] = message_size;
    j["seconds"] = seconds;
    j["bytes"] = bytes;
    j["messages"] = messages;
    // Throughput and rate count what arrived at the server, not what the client queued.
    uint64_t delivered = server_bytes ? server_bytes : bytes;
    uint64_t delivered_messages = server_messages ? server_messages : messages;
    j["throughput_mbps"] = seconds > 0 ? static_cast<double>(delivered) * 8 / seconds / 1e6 : 0.0;
    j["messages_per_s"] = seconds > 0 ? static_cast<double>(delivered_messages) / seconds : 0.0;
    j["latency_us"] = {{"p50", percentile(latencies_us, 50)},
                       {"p90", percentile(latencies_us, 90)},
                       {"p99", percentile(latencies_us, 99)},
                       {"max", latencies_us.empty() ? 0.0 : latencies_us.back()}};
    j["setups_per_s"] = seconds > 0 ? static_cast<double>(setups) / seconds : 0.0;
    j["server"] = {{"bytes", server_bytes}, {"messages", server_messages}};
    j["idle"] = {{"count", idle_count}, {"server_rss_kib_before", rss_before_kib},
                 {"server_rss_kib_after", rss_after_kib}};
    return j;
  }

  void print(bool json) {
    nlohmann::json j = to_json();
    if (json) {
      std::printf("%s\n", j.dump().c_str());
      return;
    }
    std::printf("%s over %s, %zu-byte messages, %.2f s\n", mode.c_str(), transport.c_str(), message_size,
                seconds);
    if (mode == "bulk" || mode == "rate") {
      std::printf("  %.1f Mbit/s, %.0f messages/s (server got %llu bytes in %llu messages)\n",
                  j["throughput_mbps"].get<double>(), j["messages_per_s"].get<double>(),
                  static_cast<unsigned long long>(server_bytes), static_cast<unsigned long long>(server_messages));
    } else if (mode == "pingpong") {
      std::printf("  %llu round trips, latency us p50 %.1f p90 %.1f p99 %.1f max %.1f\n",
                  static_cast<unsigned long long>(messages), j["latency_us"]["p50"].get<double>(),
                  j["latency_us"]["p90"].get<double>(), j["latency_us"]["p99"].get<double>(),
                  j["latency_us"]["max"].get<double>());
    } else if (mode == "setup") {
      std::printf("  %llu setups and teardowns, %.0f per second\n", static_cast<unsigned long long>(setups),
                  j["setups_per_s"].get<double>());
    } else if (mode == "idle") {
      std::printf("  %zu idle associations: server RSS %ld KiB before, %ld KiB after\n", idle_count,
                  rss_before_kib, rss_after_kib);
    }
  }
};

}  // namespace sctpkit::bench
