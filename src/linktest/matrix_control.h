// The driver's side of the matrix control protocol: asks one node's agent (`linktest --serve`) to
// run the link test to another node, and reads the report it sends back.
//
// Protocol: one SCTP association per pair, to FROM's agent. The driver sends one message on stream
// 0 with the control PPID, a JSON request
//   {"op":"linktest","target":"HOST:PORT","timeout_ms":N,
//    "init_retries":N,"rto_initial_ms":N,"phase_timeout_ms":N}   (the last three optional)
// and the agent answers on the same stream and PPID with the link test's JSON report
// (`linktest HOST PORT --json`), then the driver shuts the association down.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include "linktest/control.h"
#include "linktest/matrix_peers.h"
#include "linktest/matrix_result.h"

namespace sctpkit::linktest {

enum class ControlTransport { Auto, Udp, Raw };

struct ControlSettings {
  ControlTransport transport = ControlTransport::Auto;  // auto: raw IP when privileged, else UDP
  std::optional<uint16_t> udp_port;  // the agents' UDP encapsulation port (default 9899)
  // The link test's handshake settings (`linktest --init-retries`, `--rto-initial`) and phase timeout
  // (`--timeout`), passed on to the agents' tests; unset: linktest's defaults. The driver reaches the
  // agents with the same settings: both ask "does an INIT get an answer".
  std::optional<int> init_retries;
  std::optional<std::chrono::milliseconds> rto_initial;
  std::optional<std::chrono::milliseconds> phase_timeout;
  // How long one pair may take in all, handshake and data phase included; the agent kills a test
  // that takes longer.
  std::chrono::milliseconds pair_timeout{60000};
  // How much longer than pair_timeout the driver waits for the report: the agent's process start,
  // the report on its way back, a loaded node.
  std::chrono::milliseconds reply_grace{5000};
};

// The request text for the link test to `to`.
std::string control_request(const Peer& to, const ControlSettings& settings);

// Runs the pair through FROM's agent. Never throws; every failure is a cell with a detail.
PairResult ask_agent(const Peer& from, const Peer& to, const ControlSettings& settings);

}  // namespace sctpkit::linktest
