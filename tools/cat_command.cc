// `sctpkit cat`: netcat for SCTP, modelled on `ncat --sctp` (docs in README).
#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fmt/core.h>
#include <string>

#include "sctpkit/sctpkit.h"
#include "tools/cat_trace.h"
#include "tools/commands.h"
#include "tools/host_resolve.h"
#include "tools/transport_flags.h"

namespace sctpkit::tools {

namespace {

struct CatArgs {
  bool listen = false;
  bool keep_open = false;
  std::string source;
  std::string host;
  int port = 0;
  TransportFlags transport;
  bool lines = false;
  bool echo = false;
  bool zero_io = false;
  double wait_seconds = 10;
  int stream = 0;
  uint32_t ppid = 0;
  bool unordered = false;
  std::string streams;
  bool trace = false;
  std::string trace_file;
  int hb_interval_ms = 0;
  bool ipv4 = false;
  bool ipv6 = false;
  std::vector<std::string> targets;  // [HOST] PORT as given
};

int fail(int code, const std::string& reason) {
  fmt::print(stderr, "sctpkit cat: {}\n", reason);
  return code;
}

int exit_code_for(const Error& error) {
  switch (error.code) {
    case Error::Code::Timeout: return kExitTimeout;
    case Error::Code::NoPrivilege: return kExitPrivilege;
    case Error::Code::InvalidArgument: return kExitUsage;
    case Error::Code::ConnectFailed:
      return error.message.find("aborted by the peer") != std::string::npos ? kExitAborted : kExitUnreachable;
    default: return kExitFailure;
  }
}

// Why an association ended (Association::close_reason) -> the exit code.
int exit_code_for_close(const std::string& reason) {
  if (reason.rfind("shut down", 0) == 0) return kExitOk;
  if (reason.rfind("aborted by the peer", 0) == 0) return kExitAborted;
  if (reason.rfind("peer unreachable", 0) == 0 || reason.rfind("no answer", 0) == 0) return kExitUnreachable;
  if (reason.rfind("shutdown timed out", 0) == 0) return kExitTimeout;
  return kExitFailure;
}

bool write_all(int fd, const uint8_t* data, size_t size) {
  while (size > 0) {
    const ssize_t n = ::write(fd, data, size);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    data += n;
    size -= static_cast<size_t>(n);
  }
  return true;
}

class Session {
 public:
  Session(Association& association, const CatArgs& args, bool read_stdin)
      : a_(association), args_(args), read_stdin_(read_stdin) {
    send_.stream = static_cast<uint16_t>(args.stream);
    send_.ppid = args.ppid;
    send_.unordered = args.unordered;
  }

  // Runs until the association ends; the exit code and its one-line reason.
  int run() {
    pollfd fds[2] = {{a_.fd(), POLLIN, 0}, {STDIN_FILENO, POLLIN, 0}};
    for (;;) {
      a_.process();
      if (auto code = drain()) return *code;
      if (::poll(fds, read_stdin_ ? 2 : 1, -1) < 0 && errno != EINTR)
        return fail(kExitFailure, fmt::format("poll: {}", std::strerror(errno)));
      if (read_stdin_ && (fds[1].revents & (POLLIN | POLLHUP | POLLERR))) {
        if (auto code = read_input()) return *code;
      }
    }
  }

 private:
  // Delivers what arrived; a value once the association is over.
  std::optional<int> drain() {
    for (;;) {
      auto message = a_.receive(std::chrono::milliseconds(0));
      if (!message) {
        if (message.error().code == Error::Code::Closed) return finish();
        return std::nullopt;  // nothing more for now
      }
      if (args_.echo) {
        SendOptions reply{message->stream, message->ppid, message->unordered};
        if (auto status = a_.send(message->data, reply); !status && !a_.is_open()) return finish();
      } else if (!write_all(STDOUT_FILENO, message->data.data(), message->data.size())) {
        a_.abort("stdout closed");
        return fail(kExitFailure, "stdout closed; association aborted");
      }
    }
  }

  std::optional<int> read_input() {
    const ssize_t n = ::read(STDIN_FILENO, buffer_, sizeof buffer_);
    if (n < 0 && (errno == EINTR || errno == EAGAIN)) return std::nullopt;
    if (n <= 0) {
      // EOF on stdin starts a graceful shutdown (RFC 9260 9.2).
      if (!pending_.empty() && !send(pending_)) return finish();
      pending_.clear();
      read_stdin_ = false;
      a_.shutdown();
      if (auto code = drain()) return code;  // what arrived before the close, then the outcome
      return finish();
    }
    if (!args_.lines) {
      if (!send(std::string_view(buffer_, static_cast<size_t>(n)))) return finish();
      return std::nullopt;
    }
    pending_.append(buffer_, static_cast<size_t>(n));
    size_t start = 0;
    for (size_t eol; (eol = pending_.find('\n', start)) != std::string::npos; start = eol + 1)
      if (!send(std::string_view(pending_).substr(start, eol + 1 - start))) return finish();
    pending_.erase(0, start);
    return std::nullopt;
  }

  bool send(std::string_view data) {
    auto status = a_.send(data, send_);
    if (status) return true;
    if (!a_.is_open()) return false;
    fmt::print(stderr, "sctpkit cat: send: {}\n", status.error().message);
    return true;
  }

  int finish() {
    // The peer shut down: our side completes the exchange (RFC 9260 9.2) before we report.
    if (a_.close_reason().empty()) a_.shutdown();
    const std::string reason = a_.close_reason();
    const int code = exit_code_for_close(reason);
    if (code != kExitOk) fmt::print(stderr, "sctpkit cat: association ended: {}\n", reason);
    return code;
  }

  Association& a_;
  const CatArgs& args_;
  bool read_stdin_;
  SendOptions send_;
  std::string pending_;
  char buffer_[65536];
};

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
  if (!args.source.empty()) options.local_addresses.push_back(args.source);

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
  const char* transport_name = options.transport == TransportKind::Kernel ? "kernel" : "raw IP";

  if (!args.listen) {
    auto host = resolve_host(args.host, args.ipv4, args.ipv6, error);
    if (!host) return finish(fail(kExitUsage, error));
    auto connected = Association::connect(*host, static_cast<uint16_t>(args.port), options);
    if (!connected && automatic && connected.error().code == Error::Code::NoPrivilege) {
      options.transport = TransportKind::Udp;
      connected = Association::connect(*host, static_cast<uint16_t>(args.port), options);
    }
    if (!connected) return finish(fail(exit_code_for(connected.error()), connected.error().message));
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
  if (!listener) return finish(fail(exit_code_for(listener.error()), listener.error().message));
  for (;;) {
    auto association = listener->accept(std::chrono::milliseconds::max());
    if (!association) return finish(fail(exit_code_for(association.error()), association.error().message));
    // With --echo or -k the listener serves peers, so stdin is not theirs.
    const int code = Session(*association, args, !args.echo && !args.keep_open).run();
    if (!args.keep_open) return finish(code);
  }
}

}  // namespace

void register_cat(CLI::App& app, CommandRegistry& registry) {
  auto* sub = app.add_subcommand("cat", "Netcat for SCTP: connect or listen, stdin to messages, messages to stdout");
  auto args = std::make_shared<CatArgs>();
  sub->add_flag("-l,--listen", args->listen, "Listen for an association on PORT");
  sub->add_flag("-k,--keep-open", args->keep_open, "With -l: accept associations one after another");
  sub->add_option("-s,--source", args->source, "Local address to bind and announce");
  sub->add_option("target", args->targets, "[HOST] PORT")->required()->expected(1, 2);
  // Without a flag: the kernel's SCTP when its module is loaded, else raw IP or UDP.
  add_transport_flags(*sub, args->transport, "the listener's, or the peer's, UDP port");
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
  registry.on_selected(sub, [args] {
    const auto& targets = args->targets;
    if (targets.size() == 2) args->host = targets[0];
    if (targets.size() == 2 && args->listen) return fail(kExitUsage, "-l takes only PORT");
    if (targets.size() == 1 && !args->listen) return fail(kExitUsage, "connecting needs HOST PORT");
    char* end = nullptr;
    const long port = std::strtol(targets.back().c_str(), &end, 10);
    if (*end || targets.back().empty()) return fail(kExitUsage, "PORT must be a number");
    args->port = static_cast<int>(port);
    return run_cat(*args);
  });
}

}  // namespace sctpkit::tools
