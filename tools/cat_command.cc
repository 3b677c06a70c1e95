// `sctpkit cat`: netcat for SCTP, modelled on `ncat --sctp` (docs in README).
#include <arpa/inet.h>
#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fmt/core.h>
#include <string>

#include "sctpkit/sctpkit.h"
#include "tools/cat_session.h"
#include "tools/cat_trace.h"
#include "tools/commands.h"
#include "tools/host_resolve.h"

namespace sctpkit::tools {

namespace {

bool wire_literal(const std::string& text) {
  sockaddr_in6 v6{};
  sockaddr_in v4{};
  return ::inet_pton(AF_INET, text.c_str(), &v4.sin_addr) == 1 || ::inet_pton(AF_INET6, text.c_str(), &v6.sin6_addr) == 1;
}

int run_cat(CatArgs& args) {
  if (args.ipv4 && args.ipv6) return fail(kExitUsage, "-4 and -6 exclude each other");
  if (auto wrong = check_transport_flags(args.transport)) return fail(kExitUsage, *wrong);
  const bool tracing = args.trace || !args.trace_file.empty();
  if (args.transport.kernel && tracing)
    return fail(kExitUsage, "--trace and --trace-file need sctpkit's own stack (--udp or --raw), not --kernel");
  if (args.port <= 0 || args.port > 65535) return fail(kExitUsage, "PORT must be 1..65535");
  if (args.keep_open && !args.listen) return fail(kExitUsage, "-k needs -l");
  if (args.echo && !args.listen) return fail(kExitUsage, "--echo needs -l");

  Options options;
  if (args.wait_seconds <= 0) return fail(kExitUsage, "-w needs a positive number of seconds");
  options.timeout = std::chrono::milliseconds(static_cast<int64_t>(args.wait_seconds * 1000));
  if (args.hb_interval_ms < 0) return fail(kExitUsage, "--hb-interval needs a positive number of ms");
  if (args.hb_interval_ms > 0) options.heartbeat_interval = std::chrono::milliseconds(args.hb_interval_ms);
  if (!args.streams.empty()) {
    unsigned os = 0, mis = 65535;
    char extra = 0;
    const int n = std::sscanf(args.streams.c_str(), "%u:%u%c", &os, &mis, &extra);
    if ((n != 1 && n != 2) || os < 1 || os > 65535 || mis < 1 || mis > 65535)
      return fail(kExitUsage, "--streams takes OS[:MIS], each 1..65535");
    options.outbound_streams = static_cast<uint16_t>(os);
    options.max_inbound_streams = static_cast<uint16_t>(mis);
  }
  if (args.stream < 0 || args.stream > 65535) return fail(kExitUsage, "--stream must be 0..65535");
  if (auto wrong = check_source_addresses(args.source)) return fail(kExitUsage, *wrong);
  options.local_addresses = args.source;
  if (args.local_port < 0 || args.local_port > 65535) return fail(kExitUsage, "-p takes a port 1..65535");
  if (!args.listen) options.local_port = static_cast<uint16_t>(args.local_port);

  const auto udp_port = tools::udp_port(args.transport);
  // --udp=PORT: the listener's own encapsulation port, or the port a client sends to (RFC 6951 5.1).
  if (udp_port && args.listen) options.udp_local_port = *udp_port;
  if (udp_port && !args.listen) options.udp_remote_port = *udp_port;

  std::string error;
  std::unique_ptr<CatTrace> trace;
  if (args.trace || !args.trace_file.empty()) {
    trace = CatTrace::open(args.trace, args.trace_file, error);
    if (!trace) return fail(kExitInput, "--trace-file: " + error);
    options.packet_trace = [t = trace.get()](const PacketTrace& p) { t->on_packet(p); };
  }
  auto finish = [&](int code) {
    if (trace) {
      if (auto e = trace->close(); e && code == kExitOk) return fail(kExitFailure, "--trace-file: " + *e);
    }
    return code;
  };

  // Automatic transport: the kernel's SCTP when its module is loaded (and no trace asks for our
  // stack), else raw IP when privileged, UDP encapsulation otherwise.
  const bool automatic = args.transport.automatic();
  options.transport = chosen_transport(args.transport, !tracing);
  options.raw_io = chosen_raw_io(args.transport);
  const char* transport_name = options.transport == TransportKind::Kernel ? "kernel" : "raw IP";

  if (!args.listen) {
    if (args.numeric && !wire_literal(args.host))
      return finish(fail(kExitUsage, "-n: " + args.host + " is not a numeric address"));
    auto host = resolve_host(args.host, args.ipv4, args.ipv6, error);
    if (!host) return finish(fail(kExitUsage, error));
    auto connected = Association::connect(*host, static_cast<uint16_t>(args.port), options);
    if (!connected && automatic && connected.error().code == Error::Code::NoPrivilege) {
      options.transport = TransportKind::Udp;
      connected = Association::connect(*host, static_cast<uint16_t>(args.port), options);
    }
    if (!connected) return finish(fail(exit_code_for(connected.error()), connected.error().message));
    if (args.verbose && !args.zero_io)
      fmt::print(stderr, "sctpkit cat: connected to {} port {} ({} transport)\n", *host, args.port,
                 options.transport == TransportKind::Udp ? "UDP" : transport_name);
    if (args.zero_io) {
      auto info = connected->status();
      fmt::print(stderr, "sctpkit cat: connected to {} port {} ({} transport, streams {} out / {} in)\n", *host,
                 args.port, options.transport == TransportKind::Udp ? "UDP" : transport_name,
                 info ? info->outbound_streams : 0, info ? info->inbound_streams : 0);
      if (auto status = connected->shutdown(); !status)
        return finish(fail(exit_code_for(status.error()), status.error().message));
      return finish(exit_code_for_close(connected->close_reason()));
    }
    return finish(Session(*connected, args, true).run());
  }

  auto listener = Listener::listen(static_cast<uint16_t>(args.port), options);
  if (!listener && automatic && listener.error().code == Error::Code::NoPrivilege) {
    options.transport = TransportKind::Udp;
    listener = Listener::listen(static_cast<uint16_t>(args.port), options);
  }
  if (!listener) return finish(fail(exit_code_for(listener.error()), open_error(listener.error())));
  if (args.verbose)
    fmt::print(stderr, "sctpkit cat: listening on port {} ({} transport)\n", args.port,
               options.transport == TransportKind::Udp ? fmt::format("UDP port {}", listener->udp_port())
                                                       : std::string(transport_name));
  if (args.keep_open) return finish(serve_keep_open(*listener, args));
  for (;;) {
    auto association = listener->accept(std::chrono::milliseconds::max());
    if (!association) return finish(fail(exit_code_for(association.error()), association.error().message));
    // With --echo the peer's own messages are the answers, so stdin is not read.
    return finish(Session(*association, args, !args.echo).run());
  }
}

// ncat's forms: `HOST PORT`; `-l PORT`, `-l ADDR PORT`, `-l -p PORT`, `-l ADDR -p PORT`.
bool parse_targets(CatArgs& args) {
  reclaim_udp_target(args.transport, args.targets);
  auto targets = args.targets;
  if (args.listen && args.local_port > 0 && targets.size() < 2) targets.push_back(std::to_string(args.local_port));
  // `-l --udp 5000`: --udp took the only number as its own port.
  const std::string took = args.transport.udp.empty() ? "" : fmt::format(" (--udp took {} as its UDP port)", args.transport.udp);
  if (targets.empty())
    return fail(kExitUsage, (args.listen ? "-l needs PORT (or -p PORT)" : "connecting needs HOST PORT") + took), false;
  if (targets.size() == 1 && !args.listen) return fail(kExitUsage, "connecting needs HOST PORT" + took), false;
  if (targets.size() > 2) return fail(kExitUsage, "too many arguments: [HOST] PORT"), false;
  char* end = nullptr;
  const long port = std::strtol(targets.back().c_str(), &end, 10);
  if (*end || targets.back().empty()) return fail(kExitUsage, "PORT must be a number"), false;
  args.port = static_cast<int>(port);
  if (targets.size() == 2 && !args.listen) args.host = targets[0];
  if (targets.size() == 2 && args.listen) {
    // ncat -l ADDR PORT: listen on ADDR only, as -s ADDR does (ADDR must then be one of -s's).
    if (!args.source.empty() && std::find(args.source.begin(), args.source.end(), targets[0]) == args.source.end())
      return fail(kExitUsage, "-l ADDR and -s name different addresses"), false;
    if (args.source.empty()) args.source = {targets[0]};
  }
  return true;
}

}  // namespace

void register_cat(CLI::App& app, CommandRegistry& registry) {
  auto* sub = app.add_subcommand("cat", "Netcat for SCTP: connect or listen, stdin to messages, messages to stdout");
  auto args = std::make_shared<CatArgs>();
  sub->add_flag("-l,--listen", args->listen, "Listen for an association on PORT");
  sub->add_flag("-k,--keep-open", args->keep_open,
                "With -l: serve every peer that connects, at once, until killed; stdin goes to all of them");
  sub->add_option("-s,--source", args->source,
                  "Local address to bind and announce (with -l, also -l ADDR PORT); repeat it or give a comma list "
                  "for a multi-homed end (RFC 9260 6.4): all are bound and listed in the INIT / INIT ACK")
      ->delimiter(',')
      ->allow_extra_args(false);  // one address per -s: `-s A HOST PORT` leaves HOST PORT alone
  sub->add_option("-p,--source-port", args->local_port,
                  "With -l: the port to listen on (ncat -l -p PORT); else the local SCTP port to connect from");
  sub->add_option("target", args->targets, "[HOST] PORT (with -l: [ADDR] [PORT])")->expected(0, 2);
  // Without a flag: the kernel's SCTP when its module is loaded, else raw IP or UDP.
  add_transport_flags(*sub, args->transport, "the listener's, or the peer's, UDP port");
  add_raw_io_flag(*sub, args->transport);
  sub->add_flag("--lines", args->lines, "One message per stdin line (default: one per read)");
  sub->add_flag("--echo", args->echo, "With -l: answer each message on its stream with its PPID");
  sub->add_flag("-z", args->zero_io, "Connect, report, and shut down");
  sub->add_option("-w,--wait", args->wait_seconds, "Timeout in seconds for connect and shutdown (default 10)");
  sub->add_option("--stream", args->stream, "Stream to send on (default 0)");
  sub->add_option("--ppid", args->ppid, "Payload protocol identifier to send (default 0)");
  sub->add_flag("--unordered", args->unordered, "Send unordered messages (RFC 9260 6.6)");
  sub->add_option("--streams", args->streams, "OS[:MIS]: outbound streams asked for, inbound accepted");
  sub->add_flag("--trace", args->trace, "Print every packet sent and received to stderr, as sctpkit dump does");
  sub->add_option("--trace-file", args->trace_file, "Write every packet sent and received to a pcap file");
  sub->add_option("--hb-interval", args->hb_interval_ms, "Heartbeat interval in milliseconds (RFC 9260 8.3)");
  sub->add_flag("-4", args->ipv4, "IPv4 only");
  sub->add_flag("-6", args->ipv6, "IPv6 only");
  sub->add_flag("-n,--nodns", args->numeric, "HOST must be a numeric address (no name resolution)");
  sub->add_flag("-v,--verbose", args->verbose, "Say on stderr who connected and how each association ended");
  sub->add_flag("--sctp", args->sctp, "Accepted for ncat compatibility: sctpkit cat always speaks SCTP");
  registry.on_selected(sub, [args] {
    return parse_targets(*args) ? run_cat(*args) : kExitUsage;
  });
}

}  // namespace sctpkit::tools
