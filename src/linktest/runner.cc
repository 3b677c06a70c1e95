#include "linktest/runner.h"

#include <fmt/format.h>

#include <algorithm>
#include <thread>

#include "linktest/data_exchange.h"
#include "linktest/icmp_watch.h"
#include "linktest/kernel_path_check.h"
#include "linktest/path_check.h"
#include "wire/byte_io.h"

namespace sctpkit::linktest {
namespace {

using std::chrono::milliseconds;
using wire::ChunkType;

int64_t ms_since(Clock::time_point start) {
  return std::chrono::duration_cast<milliseconds>(Clock::now() - start).count();
}

// "1 time", "3 times".
std::string times(uint64_t n) { return fmt::format("{} time{}", n, n == 1 ? "" : "s"); }

PhaseResult make_phase(std::string name, std::string expected) {
  PhaseResult p;
  p.name = std::move(name);
  p.expected = std::move(expected);
  return p;
}

void fail(PhaseResult& p, std::string seen, std::string hint) {
  p.result = Outcome::Fail;
  p.seen = std::move(seen);
  p.hint = std::move(hint);
}

void pass(PhaseResult& p, std::string seen) {
  p.result = Outcome::Pass;
  p.seen = std::move(seen);
}

constexpr std::string_view kAbortedPrefix = "aborted by the peer";

}  // namespace

std::optional<std::string> describe_abort(const std::string& reason) {
  auto at = reason.find(kAbortedPrefix);
  if (at == std::string::npos) return std::nullopt;
  std::string cause = reason.substr(at + kAbortedPrefix.size());
  if (cause.rfind(": ", 0) == 0) cause.erase(0, 2);
  // The engine's detail may itself start with "ABORT received: " before the decoded causes.
  constexpr std::string_view kReceived = "ABORT received";
  if (cause.rfind(kReceived, 0) == 0) cause.erase(0, kReceived.size());
  if (cause.rfind(": ", 0) == 0) cause.erase(0, 2);
  if (cause.empty()) return std::string("ABORT received without an error cause");
  return "ABORT received with cause " + cause;
}

Runner::Runner(RunConfig config) : config_(std::move(config)) {
  report_.server = server_address(config_.host, config_.port);
  report_.transport = config_.options.transport == TransportKind::RawIp    ? "raw"
                      : config_.options.transport == TransportKind::Kernel ? "kernel"
                                                                           : "udp";
}

Options Runner::client_options() {
  Options o = config_.options;
  o.timeout = config_.phase_timeout;
  o.non_blocking = false;
  o.packet_trace = [log = &log_](const PacketTrace& p) { log->record(p); };
  return o;
}

Report Runner::run() {
  report_.phases.clear();
  std::optional<Association> association;
  auto setup_result = setup(association);
  report_.phases.push_back(setup_result);
  std::vector<std::string> rest{"data", "heartbeat", "shutdown"};
  if (!association) {
    for (const auto& name : rest) report_.phases.push_back({name, Outcome::Skip, 0, "", "setup failed", ""});
    if (config_.abort_phase) report_.phases.push_back({"abort", Outcome::Skip, 0, "", "setup failed", ""});
    return report_;
  }
  if (stop_if_interrupted(association)) return report_;
  const size_t start = 0;
  auto data_result = data(*association);
  report_.phases.push_back(data_result);
  if (stop_if_interrupted(association)) return report_;
  if (!association->is_open()) {
    for (size_t i = 1; i < rest.size(); ++i)
      report_.phases.push_back({rest[i], Outcome::Skip, 0, "", "the association ended in the data phase", ""});
  } else {
    report_.phases.push_back(heartbeat(*association, start));
    if (stop_if_interrupted(association)) return report_;
    report_.phases.push_back(shutdown(*association));
  }
  if (config_.abort_phase && !stop_if_interrupted(association)) report_.phases.push_back(abort_phase());
  return report_;
}

bool Runner::stop_if_interrupted(std::optional<Association>& association) {
  if (!interrupted()) return false;
  // Tell the server at once rather than leave it to find the path dead (RFC 9260 9.1).
  if (association && association->is_open()) association->abort("linktest interrupted");
  std::vector<std::string> all{"setup", "data", "heartbeat", "shutdown"};
  if (config_.abort_phase) all.emplace_back("abort");
  bool failed = std::any_of(report_.phases.begin(), report_.phases.end(),
                            [](const PhaseResult& p) { return p.result == Outcome::Fail; });
  for (size_t i = report_.phases.size(); i < all.size(); ++i) {
    report_.phases.push_back({all[i], failed ? Outcome::Skip : Outcome::Fail, 0, "", "not run: interrupted (Ctrl-C)",
                              failed ? "" : "the run was stopped before this phase"});
    failed = true;
  }
  return true;
}

void Runner::explain_close(const Association& a, PhaseResult& p) const {
  const std::string reason = a.close_reason();
  if (auto abort = describe_abort(reason)) {
    fail(p, *abort, "the server ended the association: see its log for why");
  } else if (reason.rfind("peer unreachable", 0) == 0) {
    fail(p, "data retransmitted until Association.Max.Retrans, no SACK: " + reason,
         "the path dropped packets after the handshake: check the MTU and firewalls on the path");
  } else if (!reason.empty()) {
    fail(p, "association ended: " + reason, "see the trace above");
  }
}

PhaseResult Runner::setup(std::optional<Association>& association) {
  auto p = make_phase("setup", "INIT, INIT ACK, COOKIE ECHO, COOKIE ACK");
  const auto start = Clock::now();
  log_.set_association(0);
  // Over raw IP a host without SCTP answers with ICMP protocol unreachable: watch for it.
  std::optional<IcmpWatch> icmp;
  const auto server = wire::IpAddress::parse(config_.host);
  if (config_.options.transport == TransportKind::RawIp && server) icmp.emplace(*server);
  auto connected = Association::connect(config_.host, config_.port, client_options());
  p.ms = ms_since(start);
  const auto inits = log_.chunks(ChunkType::Init, true);
  const auto init_acks = log_.chunks(ChunkType::InitAck, false);
  const auto echoes = log_.chunks(ChunkType::CookieEcho, true);
  if (!connected && on_kernel()) {
    explain_kernel_setup_failure(connected.error(), p);
    return p;
  }
  if (!connected) {
    const auto& e = connected.error();
    if (e.code == Error::Code::NoPrivilege || e.code == Error::Code::InvalidArgument ||
        e.code == Error::Code::AddressInUse || e.code == Error::Code::System) {
      fail(p, e.message, "the local end could not start: see the message");
    } else if (auto abort = describe_abort(e.message)) {
      fail(p, *abort, "the server refused the association: is it listening on this port?");
    } else if (auto unreachable = icmp ? icmp->protocol_unreachable() : std::nullopt;
               init_acks.count == 0 && unreachable) {
      fail(p, fmt::format("INIT sent {}, no INIT ACK; {}", times(inits.count), *unreachable),
           "the host is up but does not speak SCTP: is the server running, and is the sctp module loaded "
           "(or a userspace stack holding its raw socket open)?");
    } else if (init_acks.count == 0) {
      // Over UDP (RFC 6951) no sctp module takes part at either end: what loses the INIT is a
      // server not running, a filtered UDP port, or ends that disagree on the encapsulation port.
      const uint16_t udp_port = config_.options.udp_remote_port;
      fail(p, fmt::format("INIT sent {}, no INIT ACK", times(inits.count)),
           report_.transport == "udp"
               ? fmt::format("is the server running, is UDP port {0} filtered, and does the server use the same "
                             "encapsulation port (--udp={0})?",
                             udp_port)
               : "is SCTP filtered, or is the sctp module not loaded on the server?");
    } else {
      fail(p, fmt::format("INIT ACK received, COOKIE ECHO sent {}, no COOKIE ACK", times(echoes.count)),
           "the server answers INITs but not COOKIE ECHOs: a stateful filter or a load balancer "
           "that sends them to another instance?");
    }
    return p;
  }
  association.emplace(std::move(*connected));
  const auto cookie_ack = log_.chunks(ChunkType::CookieAck, false);
  if (inits.first && cookie_ack.first)
    report_.handshake_ms = std::chrono::duration<double, std::milli>(*cookie_ack.first - *inits.first).count();
  // The kernel's connect() returns at SCTP_COMM_UP: the whole handshake, seen from the socket.
  if (on_kernel()) report_.handshake_ms = static_cast<double>(p.ms);
  fill_facts(*association);
  if (!report_.association) {
    fail(p, "connected, but no status", "report this as a bug");
    return p;
  }
  const auto& f = *report_.association;
  if (on_kernel()) {
    pass(p, fmt::format("connected in {} ms (SCTP_COMM_UP), OS {} MIS {}, peer rwnd {} (SCTP_STATUS); the chunks and "
                        "tags are not observable on kernel sockets",
                        p.ms, f.os, f.mis, f.peer_rwnd));
    return p;
  }
  pass(p, fmt::format("handshake {:.1f} ms, OS {} MIS {}, peer rwnd {}, tags 0x{:08x}/0x{:08x}",
                      report_.handshake_ms.value_or(0), f.os, f.mis, f.peer_rwnd, f.local_tag, f.peer_tag));
  return p;
}

void Runner::fill_facts(const Association& a) {
  auto info = a.status();
  if (!info) return;
  AssociationFacts f;
  f.os = info->outbound_streams;
  f.mis = info->inbound_streams;
  f.peer_rwnd = info->peer_rwnd;
  // RFC 9260 3.3.2/3.3.3: the Initiate Tag and a_rwnd open the INIT and INIT ACK values.
  if (auto init = log_.first_chunk_value(ChunkType::Init, true); init && init->size() >= 4)
    f.local_tag = wire::load_u32(wire::Bytes(*init), 0);
  if (auto ack = log_.first_chunk_value(ChunkType::InitAck, false); ack && ack->size() >= 8) {
    f.peer_tag = wire::load_u32(wire::Bytes(*ack), 0);
    f.peer_rwnd = wire::load_u32(wire::Bytes(*ack), 4);
  }
  report_.association = f;
}

PhaseResult Runner::data(Association& a) {
  auto p = make_phase("data", "");
  const auto start = Clock::now();
  const auto deadline = start + config_.phase_timeout;
  // A plain echo server answers only on streams it accepted: use what was negotiated both ways.
  const auto& f = *report_.association;
  const auto streams = static_cast<uint16_t>(std::clamp<int>(std::min(f.os, f.mis), 1, 4));
  const auto messages = test_messages(streams);
  p.expected = fmt::format("{} messages {}..{} B, {} streams, (un)ordered, echoed intact; bulk", messages.size(),
                           kMessageSizes[0], std::end(kMessageSizes)[-1], streams);
  auto outcome = exchange(a, messages, deadline);
  DataOutcome burst;
  if (outcome.ok && config_.bulk_bytes == 0) {
    burst.ok = true;
    burst.seen = "no bulk burst (--bulk 0)";
  } else if (outcome.ok) {
    log_.set_elide(true);
    burst = bulk(a, streams, config_.bulk_bytes, config_.bulk_time, deadline);
    log_.set_elide(false);
  }
  p.ms = ms_since(start);
  const auto& failed = outcome.ok ? burst : outcome;
  if (!failed.ok) {
    if (!a.is_open()) {
      explain_close(a, p);
      if (p.result == Outcome::Fail) return p;
    }
    fail(p, failed.seen, "check that the server echoes every message (sctpkit linktest --serve, "
                         "sctpkit cat -l --echo) and that large packets pass the path (MTU)");
    return p;
  }
  report_.throughput_mbps = burst.throughput_mbps;
  if (burst.throughput_mbps)
    pass(p, fmt::format("{}; {} ({:.1f} Mbit/s)", outcome.seen, burst.seen, *burst.throughput_mbps));
  else
    pass(p, fmt::format("{}; {}", outcome.seen, burst.seen));
  return p;
}

void Runner::explain_kernel_setup_failure(const Error& e, PhaseResult& p) const {
  if (auto abort = describe_abort(e.message)) {
    fail(p, *abort, "the server refused the association: is it listening on this port?");
  } else if (e.code == Error::Code::ConnectFailed || e.code == Error::Code::Timeout) {
    fail(p, e.message + " (the kernel's packets are not observable on kernel sockets)",
         "is SCTP filtered, or is the server down? `--raw` runs the test on sctpkit's stack, with a trace");
  } else {
    fail(p, e.message, "the local end could not start: see the message");
  }
}

PhaseResult Runner::heartbeat_on_kernel(Association& a) {
  auto p = make_phase("heartbeat", "the path stays active (HEARTBEATs are not observable on kernel sockets)");
  const auto start = Clock::now();
  // The kernel sends its heartbeats itself: wait long enough for some to go and come back.
  const auto interval = config_.options.heartbeat_interval.value_or(milliseconds(0));
  const auto settled = start + std::min<Clock::duration>(config_.phase_timeout, std::max(milliseconds(2000), interval * 3));
  // Multi-homed: every peer address must be confirmed and active (kernel_path_check.h), which an
  // unconfirmed one becomes only once its HEARTBEAT is answered: up to --timeout for that.
  const bool per_path = multi_homed(a);
  const auto deadline = per_path ? start + config_.phase_timeout : settled;
  auto peer_paths = [&] {
    auto info = a.status();
    std::vector<PathInfo> paths = info ? info->paths : std::vector<PathInfo>{};
    std::stable_partition(paths.begin(), paths.end(), [](const PathInfo& path) { return path.primary; });
    return paths;
  };
  size_t stray = 0;
  while (Clock::now() < deadline && a.is_open() && !interrupted()) {
    if (per_path && Clock::now() >= settled && all_paths_pass(kernel_path_results(peer_paths(), milliseconds(0))))
      break;
    if (auto got = a.receive(milliseconds(100))) ++stray;
  }
  p.ms = ms_since(start);
  if (!a.is_open()) {
    explain_close(a, p);
    return p;
  }
  const auto paths = peer_paths();
  const PathInfo* primary = paths.empty() || !paths.front().primary ? nullptr : &paths.front();
  if (primary == nullptr) {
    fail(p, "no primary path in SCTP_STATUS", "report this as a bug");
    return p;
  }
  if (primary->srtt.count() > 0) report_.rtt_ms = static_cast<double>(primary->srtt.count()) / 1000.0;
  const std::string ignored = stray ? fmt::format(", {} unexpected messages ignored", stray) : "";
  if (per_path) {
    judge_kernel_paths(paths, ignored, p);
    return p;
  }
  if (!primary->active) {
    fail(p, fmt::format("the kernel marked the primary path {} inactive", primary->address),
         "its heartbeats went unanswered (RFC 9260 8.3): is a middlebox dropping HEARTBEAT?");
    return p;
  }
  p.result = Outcome::Skip;
  p.seen = fmt::format("not observable on kernel sockets (no packet view); the primary path stayed active for {} ms, "
                       "srtt {:.1f} ms (SCTP_STATUS){}",
                       p.ms, report_.rtt_ms.value_or(0), ignored);
  return p;
}

void Runner::judge_kernel_paths(const std::vector<PathInfo>& paths, const std::string& ignored, PhaseResult& p) {
  p.expected = "every peer address confirmed by a HEARTBEAT ACK and active in the kernel's view (HEARTBEATs are not "
               "observable on kernel sockets)";
  report_.paths = kernel_path_results(paths, milliseconds(p.ms));
  const auto failed = static_cast<size_t>(std::count_if(report_.paths.begin(), report_.paths.end(),
                                                        [](const PathResult& path) { return path.result == Outcome::Fail; }));
  if (interrupted() && failed > 0) {
    fail(p, fmt::format("interrupted (Ctrl-C) after {} ms", p.ms), "the run was stopped during this phase");
    return;
  }
  for (const auto& path : report_.paths) {
    if (path.result != Outcome::Fail) continue;
    fail(p, fmt::format("{} ({} of {} paths failed)", path.seen, failed, report_.paths.size()), path.hint);
    return;
  }
  pass(p, fmt::format("{} paths, each confirmed and active after {} ms (SCTP_GET_PEER_ADDR_INFO); the HEARTBEAT "
                      "chunks are not observable on kernel sockets{}",
                      report_.paths.size(), p.ms, ignored));
}

PhaseResult Runner::heartbeat(Association& a, size_t from) {
  if (on_kernel()) return heartbeat_on_kernel(a);
  const auto interval = config_.options.heartbeat_interval;
  auto p = make_phase("heartbeat", config_.peer_is_ours ? "HB REQ and HB ACK both ways"
                                                        : "our HB REQ answered by HB ACK (the peer's if it sends one)");
  const auto start = Clock::now();
  const auto deadline = start + config_.phase_timeout;
  auto ours_done = [&] {
    return log_.chunks(ChunkType::Heartbeat, true, from).count > 0 &&
           log_.chunks(ChunkType::HeartbeatAck, false, from).count > 0;
  };
  auto theirs_done = [&] {
    return log_.chunks(ChunkType::Heartbeat, false, from).count > 0 &&
           log_.chunks(ChunkType::HeartbeatAck, true, from).count > 0;
  };
  // Multi-homed (either end with more than one address): every path must show its heartbeats.
  const bool per_path = multi_homed(a);
  // What must pass, and everything (the peer's heartbeats on every path too, worth a short wait
  // when the peer is not ours).
  auto required_done = [&] { return per_path ? all_paths_pass(tally(a, from, config_.peer_is_ours)) : ours_done(); };
  auto all_done = [&] {
    return per_path ? all_paths_pass(tally(a, from, true)) : ours_done() && theirs_done();
  };
  if (per_path)
    p.expected = config_.peer_is_ours ? "HB REQ and HB ACK both ways on every path"
                                      : "our HB REQ answered by HB ACK on every path (the peer's if it sends one)";
  // Against another server, wait for its heartbeat only a little after ours: its interval is its own.
  std::optional<Clock::time_point> peer_grace;
  size_t stray = 0;
  while (Clock::now() < deadline && a.is_open() && !interrupted()) {
    if (all_done()) break;
    if (!config_.peer_is_ours && required_done()) {
      if (!peer_grace) peer_grace = Clock::now() + std::max(milliseconds(2000), interval.value_or(milliseconds(0)) * 3);
      if (Clock::now() >= *peer_grace) break;
    }
    // Receiving drives the protocol (timers, heartbeats); a late or extra echo is only counted.
    if (auto got = a.receive(milliseconds(100))) ++stray;
  }
  p.ms = ms_since(start);
  if (auto info = a.status(); info) {
    for (const auto& path : info->paths)
      if (path.primary && path.srtt.count() > 0) report_.rtt_ms = static_cast<double>(path.srtt.count()) / 1000.0;
  }
  if (!a.is_open()) {
    explain_close(a, p);
    return p;
  }
  const auto sent = log_.chunks(ChunkType::Heartbeat, true, from).count;
  const auto acked = log_.chunks(ChunkType::HeartbeatAck, false, from).count;
  const auto peer_sent = log_.chunks(ChunkType::Heartbeat, false, from).count;
  const auto we_acked = log_.chunks(ChunkType::HeartbeatAck, true, from).count;
  std::string counts = fmt::format("HB REQ {} sent / {} received, HB ACK {} received / {} sent", sent, peer_sent,
                                   acked, we_acked);
  if (stray > 0) counts += fmt::format(" ({} unexpected messages ignored)", stray);
  if (per_path) {
    judge_paths_phase(a, from, counts, p);
    return p;
  }
  if (interrupted() && (!ours_done() || (config_.peer_is_ours && !theirs_done()))) {
    fail(p, fmt::format("{}; interrupted (Ctrl-C) after {} ms", counts, p.ms), "the run was stopped during this phase");
  } else if (!ours_done()) {
    fail(p, sent == 0 ? counts + "; we sent no heartbeat within the timeout"
                      : counts + "; our HB REQ got no HB ACK",
         sent == 0 ? "raise --timeout above the heartbeat interval (--hb-interval)"
                   : "the server does not answer HEARTBEAT (RFC 9260 8.3): is a middlebox dropping it?");
  } else if (!theirs_done() && config_.peer_is_ours) {
    fail(p, counts + "; no HB REQ from the server", "the server's heartbeat interval should be short: use --serve");
  } else if (!theirs_done()) {
    pass(p, counts + "; the peer's HB REQ not seen (the peer's heartbeat interval is its own)");
  } else {
    pass(p, counts);
  }
  return p;
}

void Runner::judge_paths_phase(const Association& a, size_t from, const std::string& counts, PhaseResult& p) {
  report_.paths = tally(a, from, config_.peer_is_ours);
  const size_t failed = judge_paths(report_.paths, config_.phase_timeout);
  if (interrupted() && failed > 0) {
    fail(p, fmt::format("{}; interrupted (Ctrl-C) after {} ms", counts, p.ms), "the run was stopped during this phase");
    return;
  }
  for (const auto& path : report_.paths) {
    if (path.result != Outcome::Fail) continue;
    fail(p, fmt::format("{} ({} of {} paths failed)", path.seen, failed, report_.paths.size()), path.hint);
    return;
  }
  const auto unheard = std::count_if(report_.paths.begin(), report_.paths.end(),
                                     [](const PathResult& path) { return path.hb_received == 0; });
  pass(p, unheard == 0 ? fmt::format("{}; {} paths, each answered both ways", counts, report_.paths.size())
                       : fmt::format("{}; {} paths, each answered; the peer's HB REQ not seen on {} (the peer's "
                                     "heartbeat interval is its own)",
                                     counts, report_.paths.size(), unheard));
}

bool Runner::multi_homed(const Association& a) const {
  if (config_.options.local_addresses.size() > 1) return true;
  auto info = a.status();
  return info && info->paths.size() > 1;
}

std::vector<PathResult> Runner::tally(const Association& a, size_t from, bool peer_heartbeats_required) const {
  PathCheckInput input;
  if (auto info = a.status()) input.peer_paths = info->paths;
  // The primary path first (the address connected to, RFC 9260 6.4), then in the association's order.
  std::stable_partition(input.peer_paths.begin(), input.peer_paths.end(), [](const PathInfo& p) { return p.primary; });
  input.peer_heartbeats_required = peer_heartbeats_required;
  for (const auto& text : config_.options.local_addresses)
    if (auto address = wire::IpAddress::parse(text); address && !address->is_unspecified())
      input.local_addresses.push_back(*address);
  return log_.with_packets([&](const std::vector<LoggedPacket>& packets) {
    // RFC 9260 5.1.2: an INIT listing none of our addresses leaves the peer only the one its
    // packets came to.
    if (input.local_addresses.empty())
      for (auto it = packets.rbegin(); it != packets.rend() && input.local_addresses.empty(); ++it)
        if (!it->sent && it->association == 0) input.local_addresses.push_back(it->destination);
    return tally_paths(packets, from, input);
  });
}

PhaseResult Runner::shutdown(Association& a) {
  auto p = make_phase("shutdown", "SHUTDOWN, SHUTDOWN ACK, SHUTDOWN COMPLETE");
  const auto start = Clock::now();
  const size_t from = log_.mark();
  auto status = a.shutdown();
  p.ms = ms_since(start);
  const auto shutdowns = log_.chunks(ChunkType::Shutdown, true, from).count;
  const auto acks = log_.chunks(ChunkType::ShutdownAck, false, from).count;
  const auto completes = log_.chunks(ChunkType::ShutdownComplete, true, from).count;
  const std::string reason = a.close_reason();
  if (auto abort = describe_abort(reason)) {
    fail(p, *abort, "the server aborted instead of shutting down: see its log");
  } else if (on_kernel() && (!status || reason.rfind("shut down", 0) != 0)) {
    fail(p, fmt::format("no SCTP_SHUTDOWN_COMP: {}", status ? reason : status.error().message),
         "the server does not complete a graceful shutdown (RFC 9260 9.2)");
  } else if (on_kernel()) {
    pass(p, "SCTP_SHUTDOWN_COMP (SCTP_ASSOC_CHANGE); the chunks are not observable on kernel sockets");
  } else if (!status || reason.rfind("shut down", 0) != 0) {
    fail(p, acks == 0 ? fmt::format("SHUTDOWN sent {}, no SHUTDOWN ACK", times(shutdowns))
                      : fmt::format("SHUTDOWN ACK received, association not closed: {}", reason),
         "the server does not complete a graceful shutdown (RFC 9260 9.2)");
  } else if (shutdowns == 0 || acks == 0 || completes == 0) {
    fail(p, fmt::format("SHUTDOWN {} sent, SHUTDOWN ACK {} received, SHUTDOWN COMPLETE {} sent", shutdowns, acks,
                        completes),
         "see the trace above");
  } else {
    pass(p, "SHUTDOWN, SHUTDOWN ACK, SHUTDOWN COMPLETE");
  }
  return p;
}

PhaseResult Runner::abort_phase() {
  auto p = make_phase("abort", "a second association, aborted by us; the server sees the ABORT");
  const auto start = Clock::now();
  log_.set_association(1);
  const size_t from = log_.mark();
  auto connected = Association::connect(config_.host, config_.port, client_options());
  if (!connected) {
    p.ms = ms_since(start);
    fail(p, "second association not set up: " + connected.error().message, "see the setup phase");
    return p;
  }
  connected->abort("linktest abort phase");
  const auto aborts = log_.chunks(ChunkType::Abort, true, from).count;
  if (on_kernel() && !config_.server_saw_end) {
    p.ms = ms_since(start);
    pass(p, "ABORT requested (SCTP_ABORT); the chunk and the server's side are not observable on kernel sockets");
    return p;
  }
  if (aborts == 0 && !on_kernel()) {
    p.ms = ms_since(start);
    fail(p, "no ABORT left", "report this as a bug");
    return p;
  }
  if (!config_.server_saw_end) {
    p.ms = ms_since(start);
    pass(p, "ABORT sent (the server's side is not observable from here)");
    return p;
  }
  auto seen = config_.server_saw_end(config_.phase_timeout);
  p.ms = ms_since(start);
  if (!seen) {
    fail(p, "ABORT sent, the server still holds the association", "the ABORT did not reach the server");
  } else if (seen->rfind(kAbortedPrefix, 0) != 0) {
    fail(p, "the server saw the association end otherwise: " + *seen, "see the trace above");
  } else {
    pass(p, "ABORT sent; the server saw: " + *seen);
  }
  return p;
}

}  // namespace sctpkit::linktest
