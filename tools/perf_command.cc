// `sctpkit perf`: iperf3 for SCTP (docs/perf.md). Argument parsing and output only; the tests,
// statistics and writers live in src/perf/.
#include <netdb.h>
#include <signal.h>
#include <sys/socket.h>

#include <atomic>
#include <cstdio>
#include <fstream>
#include <string>

#include <fmt/core.h>
#include <nlohmann/json.hpp>

#include "perf/client.h"
#include "perf/server.h"
#include "perf/swarm_ports.h"
#include "perf/svg_plot.h"
#include "sctpkit/sctpkit.h"
#include "tools/commands.h"
#include "tools/stop_signals.h"
#include "tools/host_resolve.h"
#include "tools/transport_flags.h"

namespace sctpkit::tools {

namespace {

struct PerfArgs {
  bool server = false;
  std::string client;
  int port = 5201;
  bool one_off = false;
  std::string mode = "bulk";
  double seconds = 10;
  long message_size = -1;  // -1: the mode's default
  int streams = 1;
  bool unordered = false;
  double interval = 1;
  bool json = false;
  std::string plot;
  uint64_t count = 0;
  int parallel = 1;
  TransportFlags transport;
  double wait_seconds = 10;
  int64_t busy_poll_us = 0;
  bool ipv4 = false;
  bool ipv6 = false;
};

std::atomic<bool> g_stop{false};

int fail(int code, const std::string& reason) {
  fmt::print(stderr, "sctpkit perf: {}\n", reason);
  return code;
}

int exit_code_for(const Error& error) {
  const auto has = [&](const char* text) { return error.message.find(text) != std::string::npos; };
  switch (error.code) {
    case Error::Code::Timeout: return kExitTimeout;
    case Error::Code::NoPrivilege: return kExitPrivilege;
    case Error::Code::InvalidArgument: return kExitUsage;
    case Error::Code::ConnectFailed: return has("aborted by the peer") ? kExitAborted : kExitUnreachable;
    case Error::Code::Closed:
      if (has("aborted by the peer")) return kExitAborted;
      if (has("peer unreachable") || has("no answer")) return kExitUnreachable;
      return kExitFailure;
    default: return kExitFailure;
  }
}

int write_plot(const std::string& path, const perf::TestResult& result) {
  perf::PlotSeries throughput{"Throughput (Mbit/s)", "throughput", {}};
  perf::PlotSeries cwnd{"Congestion window (KiB)", "cwnd", {}};
  perf::PlotSeries rtt{"Smoothed RTT (ms)", "rtt", {}};
  for (const auto& s : result.intervals) {
    throughput.points.emplace_back(s.end, s.throughput_mbps);
    cwnd.points.emplace_back(s.end, static_cast<double>(s.cwnd) / 1024.0);
    rtt.points.emplace_back(s.end, s.srtt_ms);
  }
  const std::string title = fmt::format("sctpkit perf {} ({}, {} B messages)", perf::to_string(result.mode),
                                        result.transport, result.message_size);
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << perf::render_svg(title, {throughput, cwnd, rtt});
  out.close();
  if (!out) return fail(kExitInput, fmt::format("--plot: cannot write {}", path));
  return kExitOk;
}

void on_signal(int) { g_stop.store(true); }

int run_server(const PerfArgs& args, Options options, bool automatic) {
  options.max_associations = 200000;  // the idle mode holds 10,000 and more
  options.max_associations_per_source = 0;  // ... from one client host
  auto listener = Listener::listen(static_cast<uint16_t>(args.port), options);
  if (!listener && automatic && listener.error().code == Error::Code::NoPrivilege) {
    options.transport = TransportKind::Udp;
    listener = Listener::listen(static_cast<uint16_t>(args.port), options);
  }
  if (!listener) return fail(exit_code_for(listener.error()), open_error(listener.error()));
  catch_stop_signals(on_signal);
  if (options.transport == TransportKind::Udp)
    fmt::print("Server listening on SCTP port {} (UDP encapsulation port {})\n", args.port, listener->udp_port());
  else
    fmt::print("Server listening on SCTP port {} ({})\n", args.port,
               options.transport == TransportKind::Kernel ? "the kernel's SCTP" : "raw IP");
  std::fflush(stdout);
  perf::ServerConfig config;
  config.one_off = args.one_off;
  config.kernel_transport = options.transport == TransportKind::Kernel;
  config.on_result = [](const std::string& line) {
    fmt::print("{}\n", line);
    std::fflush(stdout);
  };
  perf::Server server(*listener, config);
  if (auto status = server.run(g_stop); !status) return fail(kExitFailure, status.error().message);
  return kExitOk;
}

int run_client(const PerfArgs& args, Options options, bool automatic) {
  auto mode = perf::parse_mode(args.mode);
  if (!mode) return fail(kExitUsage, "--mode takes bulk, rate, pingpong, setup or idle");
  if (args.seconds <= 0 && !(*mode == perf::Mode::Setup && args.count)) return fail(kExitUsage, "-t needs a positive number of seconds");
  if (args.interval <= 0) return fail(kExitUsage, "-i needs a positive number of seconds");
  if (args.streams < 1 || args.streams > 65535) return fail(kExitUsage, "--streams must be 1..65535");
  const long default_size = *mode == perf::Mode::Bulk ? 65536 : *mode == perf::Mode::Setup || *mode == perf::Mode::Idle ? 0 : 64;
  const long size = args.message_size < 0 ? default_size : args.message_size;
  const bool carries_data = *mode == perf::Mode::Bulk || *mode == perf::Mode::Rate || *mode == perf::Mode::Pingpong;
  if (carries_data && (size < 1 || static_cast<size_t>(size) > options.max_message_size))
    return fail(kExitUsage, fmt::format("-l must be 1..{} bytes", options.max_message_size));
  if (*mode == perf::Mode::Idle && args.count > perf::SwarmPorts::kDistinct)
    return fail(kExitUsage, fmt::format("--count: idle holds at most {} associations (one SCTP port each)",
                                        perf::SwarmPorts::kDistinct));
  std::string error;
  auto host = resolve_host(args.client, args.ipv4, args.ipv6, error);
  if (!host) return fail(kExitUsage, error);

  perf::ClientConfig config;
  config.host = *host;
  config.port = static_cast<uint16_t>(args.port);
  config.options = options;
  config.automatic_transport = automatic;
  config.mode = *mode;
  config.message_size = carries_data ? static_cast<size_t>(size) : 0;
  config.streams = args.streams;
  config.unordered = args.unordered;
  config.seconds = args.seconds;
  config.count = *mode == perf::Mode::Idle && args.count == 0 ? 1000 : args.count;
  config.parallel = args.parallel;
  config.interval = args.interval;
  if (!args.json) {
    config.on_interval = [mode = *mode](const perf::IntervalSample& s) {
      fmt::print("{}\n", perf::format_interval(s, mode));
      std::fflush(stdout);
    };
    perf::TestResult header;
    header.mode = *mode;
    header.transport = automatic && options.transport == TransportKind::RawIp ? "auto" : transport_name(options.transport);
    header.message_size = config.message_size;
    header.streams = args.streams;
    header.unordered = args.unordered;
    fmt::print("Connecting to host {}, port {}\n{}", *host, args.port, perf::format_header(header));
    std::fflush(stdout);
  }
  // Ctrl-C ends the test early with its summary (a second one quits at once, SA_RESETHAND).
  catch_stop_signals(on_signal, /*first_only=*/true);
  config.stop = &g_stop;
  auto result = perf::run_client(config);
  if (!result) return fail(exit_code_for(result.error()), result.error().message);
  if (args.json) {
    fmt::print("{}\n", perf::to_json(*result).dump(2));
  } else {
    fmt::print("{}", perf::format_summary(*result));
  }
  std::fflush(stdout);
  if (!args.plot.empty())
    if (const int code = write_plot(args.plot, *result); code != kExitOk) return code;
  return g_stop ? kExitInterrupted : kExitOk;
}

int run_perf(PerfArgs& args) {
  if (args.server == !args.client.empty()) return fail(kExitUsage, "give either -s (server) or -c HOST (client)");
  if (args.ipv4 && args.ipv6) return fail(kExitUsage, "-4 and -6 exclude each other");
  if (auto wrong = check_transport_flags(args.transport)) return fail(kExitUsage, *wrong);
  if (args.port <= 0 || args.port > 65535) return fail(kExitUsage, "-p must be 1..65535");
  if (args.wait_seconds <= 0) return fail(kExitUsage, "-w needs a positive number of seconds");
  if (args.one_off && !args.server) return fail(kExitUsage, "--one-off needs -s");

  Options options;
  options.timeout = std::chrono::milliseconds(static_cast<int64_t>(args.wait_seconds * 1000));
  options.outbound_streams = static_cast<uint16_t>(std::clamp(args.streams, 1, 65535));
  // A throughput tool: trains of packets leave as UDP GSO and arrive as GRO (docs/perf.md).
  options.udp_offload = true;
  if (args.busy_poll_us < 0) return fail(kExitUsage, "--busy-poll needs microseconds >= 0 (0: off)");
  options.busy_poll = std::chrono::microseconds(args.busy_poll_us);
  if (auto port = udp_port(args.transport)) {
    // RFC 6951 5.1: the server's own encapsulation port, or the one a client sends to.
    if (args.server) options.udp_local_port = *port;
    else options.udp_remote_port = *port;
  }
  // Automatic transport, as cat's: the kernel's SCTP when its module is loaded, else raw IP when
  // privileged, UDP encapsulation otherwise.
  const bool automatic = args.transport.automatic();
  options.transport = chosen_transport(args.transport, true);
  options.raw_io = chosen_raw_io(args.transport);
  return args.server ? run_server(args, options, automatic) : run_client(args, options, automatic);
}

}  // namespace

void register_perf(CLI::App& app, CommandRegistry& registry) {
  auto* sub = app.add_subcommand("perf", "Measure throughput, message rate, latency and setup rate (like iperf3)");
  auto args = std::make_shared<PerfArgs>();
  sub->add_flag("-s,--server", args->server, "Serve tests until interrupted");
  sub->add_option("-c,--client", args->client, "Run a test against the server on HOST");
  sub->add_option("-p,--port", args->port, "SCTP port (default 5201)");
  sub->add_flag("--one-off", args->one_off, "With -s: exit after one test");
  sub->add_option("--mode", args->mode, "bulk (default), rate, pingpong, setup or idle");
  sub->add_option("-t,--time", args->seconds, "Seconds to run (default 10); idle: seconds to hold");
  sub->add_option("-l,--length", args->message_size, "Message size in bytes (bulk 65536, rate and pingpong 64)");
  sub->add_option("--streams", args->streams, "Streams to spread messages over (default 1)");
  sub->add_flag("--unordered", args->unordered, "Send unordered messages (RFC 9260 6.6)");
  sub->add_option("-i,--interval", args->interval, "Seconds between interval lines (default 1)");
  sub->add_flag("-J,--json", args->json, "Print one JSON object at the end instead of text");
  sub->add_option("--plot", args->plot, "Write throughput, cwnd and RTT over time to an SVG file");
  sub->add_option("--count", args->count, "setup: associations to set up instead of -t; idle: to hold (default 1000)");
  add_transport_flags(*sub, args->transport, "the server's UDP port");
  add_raw_io_flag(*sub, args->transport);
  sub->add_option("--parallel", args->parallel, "setup: associations in setup or shutdown at once (default 1: one after another)")
      ->check(CLI::Range(1, 10000));
  sub->add_option("-w,--wait", args->wait_seconds, "Timeout in seconds for connect, shutdown and answers (default 10)");
  sub->add_option("--busy-poll", args->busy_poll_us,
                  "Poll the sockets for up to USEC microseconds before sleeping (like SO_BUSY_POLL): "
                  "trades CPU (a core spins) for latency; default 0 (off)");
  sub->add_flag("-4", args->ipv4, "IPv4 only");
  sub->add_flag("-6", args->ipv6, "IPv6 only");
  registry.on_selected(sub, [args] { return run_perf(*args); });
}

}  // namespace sctpkit::tools
