// What a link test found: one result per phase, the association's negotiated facts and the figures
// CI reads, with writers for people (an aligned table) and for machines (JSON, JUnit XML).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace sctpkit::linktest {

enum class Outcome : uint8_t { Pass, Fail, Skip };
std::string_view to_string(Outcome outcome);

struct PhaseResult {
  std::string name;  // setup, data, heartbeat, shutdown, abort
  Outcome result = Outcome::Skip;
  int64_t ms = 0;
  std::string expected;
  std::string seen;
  std::string hint;  // what to check when it failed; empty otherwise
};

struct AssociationFacts {
  uint32_t local_tag = 0;
  uint32_t peer_tag = 0;
  uint16_t os = 0;   // outbound streams negotiated
  uint16_t mis = 0;  // inbound streams negotiated
  uint32_t peer_rwnd = 0;
};

struct Report {
  std::string server;     // HOST:PORT
  std::string transport;  // "udp", "raw" or "kernel"
  std::optional<double> handshake_ms;
  std::optional<double> rtt_ms;
  std::optional<double> throughput_mbps;
  std::vector<PhaseResult> phases;
  std::optional<AssociationFacts> association;

  // Pass only when there is at least one phase and none failed.
  [[nodiscard]] bool passed() const;
  // The first failed phase's one-line reason ("" when all passed).
  [[nodiscard]] std::string detail() const;
};

// The verdict table: phase, result, time, expected, seen (and the hint under a failed phase), with
// columns aligned, then one verdict line.
// "HOST:PORT" for Report::server; an IPv6 address in brackets ("[fd00::2]:30102"), as URLs write it,
// so that the port cannot be read as the address's last group.
std::string server_address(const std::string& host, uint16_t port);

std::string format_table(const Report& report);
// The JSON object of docs/linktest.md (the matrix driver parses these keys), on one line.
std::string to_json(const Report& report);
// JUnit XML: one test suite "linktest", one test case per phase (failure / skipped elements).
std::string to_junit(const Report& report);

}  // namespace sctpkit::linktest
