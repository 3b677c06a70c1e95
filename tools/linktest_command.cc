// `sctpkit linktest`: checks an SCTP path end to end, phase by phase (docs/linktest.md). The
// phases, checks and reports live in src/linktest/; this file parses arguments and picks the mode.
#include <arpa/inet.h>
#include <netdb.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <condition_variable>
#include <cstdio>
#include <fmt/core.h>
#include <fstream>
#include <mutex>
#include <thread>

#include "linktest/echo_server.h"
#include "linktest/runner.h"
#include "tools/commands.h"
#include "tools/stop_signals.h"
#include "tools/host_resolve.h"
#include "tools/linktest_matrix.h"
#include "tools/transport_flags.h"
#include "wire/ip_address.h"

namespace sctpkit::tools {

namespace {

constexpr uint16_t kDefaultPort = 30102;

struct LinktestArgs {
  std::vector<std::string> targets;  // [HOST [PORT]]
  bool serve = false;
  std::string serve_port;
  std::vector<std::string> sources;  // -s: our addresses, several for a multi-homed end
  TransportFlags transport;
  bool ipv4 = false;
  bool ipv6 = false;
  int hb_interval_ms = 200;
  double timeout_seconds = 10;
  int init_retries = 8;
  int rto_initial_ms = 1000;
  bool no_trace = false;
  bool no_ladder = false;
  bool quiet = false;
  bool json = false;
  std::string junit;
  bool abort = false;
  MatrixArgs matrix;
  int bulk_kib = 4096;
};

int fail(int code, const std::string& reason) {
  fmt::print(stderr, "sctpkit linktest: {}\n", reason);
  return code;
}

std::optional<uint16_t> parse_port(const std::string& text) {
  char* end = nullptr;
  const long port = std::strtol(text.c_str(), &end, 10);
  if (text.empty() || *end || port < 0 || port > 65535) return std::nullopt;
  return static_cast<uint16_t>(port);
}

// The source address the kernel would pick towards `host` (a connected UDP socket sends nothing),
// so that the trace shows our packets from the address the peer sees.
std::optional<wire::IpAddress> source_address_towards(const wire::IpAddress& host) {
  sockaddr_storage ss{};
  socklen_t len = 0;
  if (host.is_v4()) {
    auto* sin = reinterpret_cast<sockaddr_in*>(&ss);
    sin->sin_family = AF_INET;
    sin->sin_port = htons(9);
    std::memcpy(&sin->sin_addr, host.bytes().data(), 4);
    len = sizeof(sockaddr_in);
  } else {
    auto* sin6 = reinterpret_cast<sockaddr_in6*>(&ss);
    sin6->sin6_family = AF_INET6;
    sin6->sin6_port = htons(9);
    std::memcpy(&sin6->sin6_addr, host.bytes().data(), 16);
    len = sizeof(sockaddr_in6);
  }
  const int fd = ::socket(ss.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return std::nullopt;
  std::optional<wire::IpAddress> out;
  sockaddr_storage local{};
  socklen_t local_len = sizeof local;
  if (::connect(fd, reinterpret_cast<sockaddr*>(&ss), len) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&local), &local_len) == 0) {
    if (local.ss_family == AF_INET)
      out = wire::IpAddress::v4(reinterpret_cast<const uint8_t*>(&reinterpret_cast<sockaddr_in*>(&local)->sin_addr));
    else
      out = wire::IpAddress::v6(reinterpret_cast<const uint8_t*>(&reinterpret_cast<sockaddr_in6*>(&local)->sin6_addr));
  }
  ::close(fd);
  return out;
}

// Whether this process may open raw IP sockets (CAP_NET_RAW).
bool raw_allowed(bool v6) {
  const int fd = ::socket(v6 ? AF_INET6 : AF_INET, SOCK_RAW | SOCK_CLOEXEC, 132);
  if (fd < 0) return errno != EPERM && errno != EACCES;
  ::close(fd);
  return true;
}

constexpr const char* kNoPrivilege =
    "raw IP sockets need CAP_NET_RAW: run as root (or setcap cap_net_raw+ep on the binary), "
    "or use --udp for SCTP over UDP (RFC 6951), which needs no privilege";

Options base_options(const LinktestArgs& args) {
  Options o;
  if (args.hb_interval_ms > 0) o.heartbeat_interval = std::chrono::milliseconds(args.hb_interval_ms);
  o.max_init_retransmits = args.init_retries;
  o.rto_initial = std::chrono::milliseconds(args.rto_initial_ms);
  o.rto_min = std::min(o.rto_min, o.rto_initial);
  return o;
}

// The client's Ctrl-C (or SIGTERM): the runner stops after the phase in progress and the report of
// what ran is still printed and written; a second Ctrl-C quits at once (SA_RESETHAND).
std::atomic<bool> g_interrupted{false};

void on_interrupt(int) {
  g_interrupted = true;
  static constexpr char kNote[] =
      "\nsctpkit linktest: interrupted: stopping after this phase (at most --timeout); Ctrl-C again quits now\n";
  (void)!::write(STDERR_FILENO, kNote, sizeof kNote - 1);  // async-signal-safe, unlike stdio
}

void catch_interrupts(linktest::RunConfig& config) {
  catch_stop_signals(on_interrupt, /*first_only=*/true);
  config.interrupted = &g_interrupted;
}

int print_report(const LinktestArgs& args, const linktest::Runner& runner, const linktest::Report& report) {
  if (args.json) {
    fmt::print("{}\n", linktest::to_json(report));
  } else {
    // The kernel transport has no packet view: no trace, no chart.
    const bool traced = report.transport != "kernel";
    if (traced && !args.quiet && !args.no_trace) fmt::print("{}\n", runner.log().tcpdump_lines());
    if (traced && !args.quiet && !args.no_ladder) fmt::print("{}\n", runner.log().ladder());
    fmt::print("{}", linktest::format_table(report));
  }
  std::fflush(stdout);
  for (const auto& p : report.phases)
    if (p.result == linktest::Outcome::Fail) {
      fmt::print(stderr, "sctpkit linktest: {} failed: {}{}{}\n", p.name, p.seen, p.hint.empty() ? "" : ": ", p.hint);
      break;
    }
  if (!args.junit.empty()) {
    std::ofstream out(args.junit);
    out << linktest::to_junit(report);
    if (!out.flush()) return fail(kExitInput, fmt::format("--junit: cannot write {}", args.junit));
  }
  if (g_interrupted) return kExitInterrupted;
  return report.passed() ? kExitOk : kExitFailure;
}

// The local run: our echo server on a thread, the client on this one, over UDP on loopback.
int run_local(const LinktestArgs& args, linktest::RunConfig config) {
  const std::string loopback = args.ipv6 ? "::1" : "127.0.0.1";
  Options server_options = config.options;
  server_options.transport = TransportKind::Udp;
  server_options.udp_local_port = 0;  // a free port: a running `cat --udp` on 9899 stays undisturbed
  server_options.local_addresses = {loopback};
  auto server = linktest::EchoServer::open(kDefaultPort, server_options);
  if (!server) return fail(kExitFailure, "cannot start the local server: " + server.error().message);

  std::mutex mutex;
  std::condition_variable changed;
  std::vector<std::string> ended;
  (*server)->set_event_handler([&](const linktest::ServerEvent& e) {
    if (e.kind != linktest::ServerEvent::Kind::Ended) return;
    std::lock_guard lock(mutex);
    ended.push_back(e.reason);
    changed.notify_all();
  });
  config.host = loopback;
  config.port = kDefaultPort;
  config.peer_is_ours = true;
  config.options.transport = TransportKind::Udp;
  config.options.udp_remote_port = (*server)->udp_port();
  config.options.local_addresses = {loopback};
  config.server_saw_end = [&](std::chrono::milliseconds timeout) -> std::optional<std::string> {
    std::unique_lock lock(mutex);
    std::optional<std::string> found;
    changed.wait_for(lock, timeout, [&] {
      for (const auto& r : ended)
        if (r.rfind("aborted", 0) == 0) found = r;
      return found.has_value();
    });
    return found;
  };

  std::atomic<bool> stop{false};
  std::thread serving([&] { (*server)->run(stop); });
  struct Joiner {
    std::atomic<bool>& stop;
    std::thread& thread;
    ~Joiner() {
      stop = true;
      thread.join();
    }
  } joiner{stop, serving};
  catch_interrupts(config);
  linktest::Runner runner(std::move(config));
  runner.log().set_local_address(wire::IpAddress::parse(loopback));
  const auto report = runner.run();
  return print_report(args, runner, report);
}

std::atomic<bool> g_stop{false};

int run_serve(const LinktestArgs& args, Options options) {
  uint16_t port = kDefaultPort;
  if (!args.serve_port.empty()) {
    auto parsed = parse_port(args.serve_port);
    if (!parsed || *parsed == 0) return fail(kExitUsage, "--serve PORT must be 1..65535");
    port = *parsed;
  }
  options.udp_local_port = udp_port(args.transport);
  options.transport = chosen_transport(args.transport, true);
  if (args.transport.automatic() && options.transport == TransportKind::RawIp && !raw_allowed(args.ipv6))
    options.transport = TransportKind::Udp;
  if (!args.sources.empty()) options.local_addresses = args.sources;
  else if (args.ipv4) options.local_addresses = {"0.0.0.0"};
  auto server = linktest::EchoServer::open(port, options);
  if (!server) {
    const auto& e = server.error();
    return fail(e.code == Error::Code::NoPrivilege ? kExitPrivilege : kExitFailure, open_error(e));
  }
  // Matrix requests: the tests run the way this agent serves (every agent of a matrix is alike).
  (*server)->set_control_handler(matrix_control_handler(
      options.transport == TransportKind::Udp      ? std::vector<std::string>{fmt::format("--udp={}", (*server)->udp_port())}
      : options.transport == TransportKind::Kernel ? std::vector<std::string>{"--kernel"}
                                                   : std::vector<std::string>{"--raw"}));
  (*server)->set_event_handler([](const linktest::ServerEvent& e) {
    if (e.kind == linktest::ServerEvent::Kind::Accepted)
      fmt::print(stderr, "sctpkit linktest: association from {}: accepted\n", e.peer);
    else
      fmt::print(stderr, "sctpkit linktest: association from {}: {}\n", e.peer, e.reason);
  });
  catch_stop_signals([](int) { g_stop = true; });
  if (options.transport == TransportKind::Udp)
    fmt::print(stderr, "sctpkit linktest: serving SCTP port {} over UDP port {}; Ctrl-C stops\n", port,
               (*server)->udp_port());
  else
    fmt::print(stderr, "sctpkit linktest: serving SCTP port {} over {}; Ctrl-C stops\n", port,
               options.transport == TransportKind::Kernel ? "the kernel's SCTP" : "raw IP");
  (*server)->run(g_stop);
  return kExitOk;
}

// --matrix: the targets are the peers; the handshake flags go to every agent's test.
int run_matrix_mode(const LinktestArgs& args) {
  if (args.serve) return fail(kExitUsage, "--matrix and --serve exclude each other");
  if (args.transport.kernel) return fail(kExitUsage, "--matrix drives its agents over sctpkit's stack: drop --kernel");
  if (!args.sources.empty()) return fail(kExitUsage, "--matrix: give -s to each agent's --serve, not to the driver");
  linktest::ControlSettings control;
  control.transport = args.transport.udp_given() ? linktest::ControlTransport::Udp
                      : args.transport.raw       ? linktest::ControlTransport::Raw
                                                 : linktest::ControlTransport::Auto;
  control.udp_port = udp_port(args.transport);
  if (control.transport == linktest::ControlTransport::Raw && !raw_allowed(false))
    return fail(kExitPrivilege, kNoPrivilege);
  control.init_retries = args.init_retries;
  control.rto_initial = std::chrono::milliseconds(args.rto_initial_ms);
  control.phase_timeout = std::chrono::milliseconds(static_cast<int64_t>(args.timeout_seconds * 1000));
  return run_matrix(args.matrix, args.targets, control, args.json);
}

int run_linktest(LinktestArgs& args) {
  reclaim_udp_target(args.transport, args.targets);
  if (args.ipv4 && args.ipv6) return fail(kExitUsage, "-4 and -6 exclude each other");
  if (auto wrong = check_transport_flags(args.transport)) return fail(kExitUsage, *wrong);
  if (args.timeout_seconds <= 0) return fail(kExitUsage, "--timeout needs a positive number of seconds");
  if (args.hb_interval_ms <= 0) return fail(kExitUsage, "--hb-interval needs a positive number of ms");
  if (args.init_retries < 0 || args.init_retries > 100) return fail(kExitUsage, "--init-retries takes 0..100");
  if (args.rto_initial_ms < 10) return fail(kExitUsage, "--rto-initial takes at least 10 ms");
  if (args.matrix.enabled) return run_matrix_mode(args);
  if (!args.matrix.peers_file.empty()) return fail(kExitUsage, "--peers-file needs --matrix");
  if (args.bulk_kib < 0) return fail(kExitUsage, "--bulk takes KiB, 0 to leave the burst out");
  if (args.targets.size() > 2) return fail(kExitUsage, "linktest takes at most HOST and PORT");
  if (args.serve && !args.targets.empty()) return fail(kExitUsage, "--serve takes only its PORT");
  if (auto wrong = check_source_addresses(args.sources)) return fail(kExitUsage, *wrong);

  Options options = base_options(args);
  if (args.serve) return run_serve(args, options);

  linktest::RunConfig config;
  config.options = options;
  config.phase_timeout = std::chrono::milliseconds(static_cast<int64_t>(args.timeout_seconds * 1000));
  config.abort_phase = args.abort;
  config.bulk_bytes = static_cast<size_t>(args.bulk_kib) * 1024;
  if (args.targets.empty()) {
    if (args.transport.raw || args.transport.kernel)
      return fail(kExitUsage, "the local run uses UDP on loopback; --raw and --kernel need a HOST (split mode)");
    if (!args.sources.empty()) return fail(kExitUsage, "the local run binds loopback; -s needs a HOST or --serve");
    return run_local(args, std::move(config));
  }

  std::string error;
  auto host = resolve_host(args.targets[0], args.ipv4, args.ipv6, error);
  if (!host) return fail(kExitUsage, error);
  config.host = *host;
  config.port = kDefaultPort;
  if (args.targets.size() == 2) {
    auto port = parse_port(args.targets[1]);
    if (!port || *port == 0) return fail(kExitUsage, "PORT must be 1..65535");
    config.port = *port;
  }
  const auto address = wire::IpAddress::parse(*host);
  if (auto port = udp_port(args.transport)) config.options.udp_remote_port = *port;
  config.options.local_addresses = args.sources;
  // Automatic transport, as `sctpkit cat`: the kernel's SCTP when its module is loaded (our stack's
  // raw IP would fight it for the packets), else raw IP when privileged, UDP encapsulation otherwise.
  const bool v6 = address && !address->is_v4();
  config.options.transport = chosen_transport(args.transport, true);
  if (config.options.transport == TransportKind::RawIp && !raw_allowed(v6)) {
    if (args.transport.raw) return fail(kExitPrivilege, kNoPrivilege);
    config.options.transport = TransportKind::Udp;
  }
  catch_interrupts(config);
  linktest::Runner runner(std::move(config));
  if (address) runner.log().set_local_address(source_address_towards(*address));
  const auto report = runner.run();
  return print_report(args, runner, report);
}

}  // namespace

void register_linktest(CLI::App& app, CommandRegistry& registry) {
  auto* sub = app.add_subcommand(
      "linktest",
      "Check an SCTP path end to end: handshake, data, heartbeat, shutdown (and abort), with a verdict.\n"
      "Without HOST: a local run needing no privilege, our echo server and client in one process over\n"
      "UDP encapsulation (RFC 6951) on 127.0.0.1, each on a free UDP port. Split mode: `--serve [PORT]`\n"
      "on one host, `linktest HOST [PORT]` on the other (default port 30102; as sctpkit cat: the kernel's\n"
      "SCTP when its module is loaded, else raw IP when privileged, else UDP). Exit 0 when every phase passed, 1 when one failed. See docs/linktest.md.");
  auto args = std::make_shared<LinktestArgs>();
  sub->add_option("target", args->targets,
                  "[HOST [PORT]]: the server to test (none: the local run); with --matrix, the peers NAME=HOST:PORT")
      ->expected(0, -1);
  auto* serve = sub->add_option("--serve", args->serve_port, "Be the server: echo on PORT (default 30102) until SIGINT")
                    ->expected(0, 1);
  add_transport_flags(*sub, args->transport, "the server's UDP port");
  sub->add_option("-s,--source", args->sources,
                  "Our address to bind and announce, client or --serve; repeat it or give a comma list for a "
                  "multi-homed end (RFC 9260 6.4): the heartbeat phase then checks every path")
      ->delimiter(',')
      ->allow_extra_args(false);  // one address per -s: `-s A HOST PORT` leaves HOST PORT alone
  sub->add_flag("-4", args->ipv4, "IPv4 only");
  sub->add_flag("-6", args->ipv6, "IPv6 only");
  sub->add_option("--hb-interval", args->hb_interval_ms, "Heartbeat interval in ms (default 200)");
  sub->add_option("--timeout", args->timeout_seconds, "Timeout of each phase in seconds (default 10)");
  sub->add_option("--init-retries", args->init_retries, "INIT retransmissions before giving up (default 8)");
  sub->add_option("--rto-initial", args->rto_initial_ms, "Initial retransmission timeout in ms (default 1000)");
  sub->add_option("--bulk", args->bulk_kib, "KiB of the data phase's goodput burst (default 4096, at most 1 s; 0: none)");
  sub->add_flag("--abort", args->abort, "Add the abort phase: a second association that we abort");
  sub->add_flag("--no-trace", args->no_trace, "Leave out the tcpdump lines");
  sub->add_flag("--no-ladder", args->no_ladder, "Leave out the sequence chart");
  sub->add_flag("-q,--quiet", args->quiet, "Only the verdict table");
  sub->add_flag("--json", args->json, "Write the JSON report to stdout instead of the human output");
  sub->add_option("--junit", args->junit, "Also write a JUnit XML report to FILE");
  add_matrix_options(*sub, args->matrix);
  registry.on_selected(sub, [args, serve] {
    args->serve = serve->count() > 0;
    return run_linktest(*args);
  });
}

}  // namespace sctpkit::tools
