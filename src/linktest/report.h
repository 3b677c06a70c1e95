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

// One path of a multi-homed association in the heartbeat phase (RFC 9260 6.4, 8.3): our address
// and the peer's, what the association says of it, and the heartbeats seen each way.
struct PathResult {
  std::string local;  // our address ("" when no packet showed it)
  std::string peer;   // the peer's address ("" when only our address is known)
  std::string state;  // "active" or "inactive" (RFC 9260 8.2); "" when the association lacks the address
  std::optional<double> srtt_ms;
  uint64_t hb_sent = 0;          // our HEARTBEATs, local -> peer
  uint64_t hb_ack_received = 0;  // the peer's HEARTBEAT ACKs answering them
  uint64_t hb_received = 0;      // the peer's HEARTBEATs, peer -> local
  uint64_t hb_ack_sent = 0;      // ours answering them
  bool ours_required = false;    // our heartbeat must be answered on this path
  bool theirs_required = false;  // the peer's must arrive on it and be answered
  Outcome result = Outcome::Skip;
  std::string seen;  // a failed path's reason; empty otherwise
  std::string hint;  // what to check when it failed
  // On kernel sockets, which show no packets: what the verdict rests on (the kernel's state of the
  // address, kernel_path_check.h); empty when it rests on the heartbeats counted above.
  std::string basis;
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
  // The heartbeat phase's paths when either end has more than one address; empty when single-homed
  // (the output is then as it always was).
  std::vector<PathResult> paths;

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

// "10.1.0.1 -> 10.1.0.2" ("?" for an address not known).
std::string path_name(const PathResult& path);

std::string format_table(const Report& report);
// The JSON object of docs/linktest.md (the matrix driver parses these keys), on one line.
std::string to_json(const Report& report);
// JUnit XML: one test suite "linktest", one test case per phase (failure / skipped elements).
std::string to_junit(const Report& report);

}  // namespace sctpkit::linktest
