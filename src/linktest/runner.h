// The client end of a link test: runs the phases against a server (our own --serve or local echo
// server, or any SCTP echo server), checks each one against the packets that crossed the wire, and
// builds the Report. Each phase is bounded by RunConfig::phase_timeout.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <optional>
#include <string>

#include "linktest/packet_log.h"
#include "linktest/report.h"
#include "sctpkit/sctpkit.h"

namespace sctpkit::linktest {

struct RunConfig {
  std::string host;  // numeric address of the server
  uint16_t port = 0;
  Options options;   // transport and tuning; the runner sets packet_trace and timeout
  std::chrono::milliseconds phase_timeout{10000};
  // The peer is our own server (local run): its heartbeats must be seen too. Against another
  // server its heartbeat interval is its own, so only ours must be answered.
  bool peer_is_ours = false;
  bool abort_phase = false;
  // Local run: waits up to the timeout for the server to report an association ended, returning
  // its close reason; unset when the server's side is not observable.
  std::function<std::optional<std::string>(std::chrono::milliseconds)> server_saw_end;
  // Set from a signal handler (Ctrl-C): the run stops after the phase in progress (the heartbeat
  // phase at once), aborts the association, and reports the phases not run.
  const std::atomic<bool>* interrupted = nullptr;
  size_t bulk_bytes = 4u << 20;  // goodput burst, bounded by bulk_time too
  std::chrono::milliseconds bulk_time{1000};
};

class Runner {
 public:
  explicit Runner(RunConfig config);
  Report run();
  [[nodiscard]] const PacketLog& log() const { return log_; }
  PacketLog& log() { return log_; }

 private:
  PhaseResult setup(std::optional<Association>& association);
  PhaseResult data(Association& association);
  PhaseResult heartbeat(Association& association, size_t association_start);
  // Either end has more than one address: the heartbeat phase checks every path.
  [[nodiscard]] bool multi_homed(const Association& association) const;
  [[nodiscard]] std::vector<PathResult> tally(const Association& association, size_t from,
                                               bool peer_heartbeats_required) const;
  // The heartbeat phase's verdict from its paths (Report::paths), `counts` its totals.
  void judge_paths_phase(const Association& association, size_t from, const std::string& counts, PhaseResult& phase);
  PhaseResult shutdown(Association& association);
  PhaseResult abort_phase();
  // The kernel transport has no packet view: what its socket API shows instead (SCTP_STATUS,
  // SCTP_ASSOC_CHANGE), and "not observable on kernel sockets" for the rest.
  [[nodiscard]] bool on_kernel() const { return config_.options.transport == TransportKind::Kernel; }
  void explain_kernel_setup_failure(const Error& error, PhaseResult& phase) const;
  PhaseResult heartbeat_on_kernel(Association& association);
  // Multi-homed on kernel sockets: the phase's verdict from the kernel's state of every peer
  // address (Report::paths, kernel_path_check.h), primary first.
  void judge_kernel_paths(const std::vector<PathInfo>& paths, const std::string& ignored, PhaseResult& phase);
  // Why the association ended, as a phase failure: ABORT with its cause, or what timed out.
  void explain_close(const Association& association, PhaseResult& phase) const;
  void fill_facts(const Association& association);
  [[nodiscard]] bool interrupted() const { return config_.interrupted && config_.interrupted->load(); }
  // After an interruption: aborts `association`, fails the first phase not run (unless one already
  // failed: the verdict must not read PASS) and skips the rest. Returns interrupted().
  bool stop_if_interrupted(std::optional<Association>& association);
  [[nodiscard]] Options client_options();

  RunConfig config_;
  PacketLog log_;
  Report report_;
};

// "ABORT received with cause ..." for a close reason the API gave, or nullopt when not an abort.
std::optional<std::string> describe_abort(const std::string& close_reason);

}  // namespace sctpkit::linktest
