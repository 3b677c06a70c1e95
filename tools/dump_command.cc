// sctpkit dump: capture (or read) SCTP packets and print them as tcpdump -nn 4.99 does.
// Argument parsing and output only; decoding lives in trace/ (../shared/design.md section 2).
#include <fmt/core.h>
#include <signal.h>

#include <atomic>
#include <charconv>
#include <memory>
#include <string>
#include <variant>
#include <vector>

#include "tools/commands.h"
#include "tools/stop_signals.h"
#include "tools/dump_sink.h"
#include "trace/capture_source.h"

namespace sctpkit::tools {
namespace {

struct DumpArguments {
  std::string read_file;
  std::string interface;
  std::string write_file;
  int64_t count = -1;
  int buffer_kib = trace::CaptureOptions{}.buffer_bytes / 1024;
  int snaplen = trace::CaptureOptions{}.snaplen;
  bool no_promiscuous = false;
  bool line_buffered = false;
  bool packet_buffered = false;
  int timestamp_flags = 0;
  int verbose_flags = 0;
  int numeric_flags = 0;
  std::vector<uint16_t> udp_ports;
  std::vector<std::string> filter_words;
  bool check = false;
  bool json = false;
  bool summary = false;
  bool ladder = false;
};

std::atomic<trace::CaptureSource*> g_running_source{nullptr};

extern "C" void stop_capture(int) {
  if (auto* source = g_running_source.load()) source->stop();
}

// SIGINT and SIGTERM end the capture loop; the command then prints its summary, as tcpdump does.
void install_stop_handlers() { catch_stop_signals(stop_capture); }

int exit_code_for(const trace::CaptureError& error) {
  switch (error.kind) {
    case trace::CaptureError::Kind::Permission: return kExitPrivilege;
    case trace::CaptureError::Kind::Filter: return kExitUsage;
    case trace::CaptureError::Kind::Open:
    case trace::CaptureError::Kind::Read:
    case trace::CaptureError::Kind::Write:
    case trace::CaptureError::Kind::LinkType: return kExitInput;
  }
  return kExitFailure;
}

int fail(int code, const std::string& message) {
  fmt::print(stderr, "sctpkit dump: {}\n", message);
  return code;
}

std::string plural(uint64_t n, std::string_view what) {
  return fmt::format("{} {}{}", n, what, n == 1 ? "" : "s");
}

trace::TimestampMode timestamp_mode(int flags) {
  switch (flags) {
    case 0: return trace::TimestampMode::TimeOfDay;
    case 1: return trace::TimestampMode::None;
    case 2: return trace::TimestampMode::Epoch;
    case 3: return trace::TimestampMode::DeltaPrevious;
    case 4: return trace::TimestampMode::Date;
    default: return trace::TimestampMode::DeltaFirst;
  }
}

int run_dump(const DumpArguments& args) {
  if (args.read_file.empty() == args.interface.empty()) {
    return fail(kExitUsage, "give exactly one of -r FILE and -i INTERFACE (see sctpkit dump --help)");
  }
  if (args.timestamp_flags > 5) return fail(kExitUsage, "at most -ttttt");
  if (args.ladder && args.json) return fail(kExitUsage, "--ladder is text only; --json goes with --summary or alone");
  if (!args.write_file.empty() && (args.check || args.json || args.summary || args.ladder)) {
    return fail(kExitUsage, "-w writes packets only; --check, --json, --summary and --ladder need -r or -i without -w");
  }
  if (args.verbose_flags > 2) {
    return fail(kExitUsage, "at most -vv (what tcpdump adds at -vvv, ForCES TLV contents, is not printed)");
  }

  trace::CaptureOptions options;
  options.read_file = args.read_file;
  options.interface = args.interface;
  options.write_file = args.write_file;
  options.count = args.count;
  options.buffer_bytes = args.buffer_kib * 1024;
  // tcpdump -s 0: the largest snapshot length.
  options.snaplen = args.snaplen == 0 ? trace::CaptureOptions{}.snaplen : args.snaplen;
  options.promiscuous = !args.no_promiscuous;
  options.packet_buffered = args.packet_buffered;
  if (!args.udp_ports.empty()) options.udp_ports = args.udp_ports;
  for (const auto& word : args.filter_words) {
    if (!options.filter.empty()) options.filter += ' ';
    options.filter += word;
  }

  auto opened = trace::CaptureSource::open(options);
  if (auto* error = std::get_if<trace::CaptureError>(&opened)) return fail(exit_code_for(*error), error->message);
  auto source = std::move(std::get<std::unique_ptr<trace::CaptureSource>>(opened));

  const bool live = !args.interface.empty();
  const bool writing = !args.write_file.empty();
  // tcpdump's banners, on stderr so that stdout stays the packet lines alone.
  if (live) {
    if (!writing && args.verbose_flags == 0) {
      fmt::print(stderr, "sctpkit dump: verbose output suppressed, use -v for full protocol decode\n");
    }
    fmt::print(stderr, "{}listening on {}, link-type {} ({}), snapshot length {} bytes\n",
               writing || args.verbose_flags > 0 ? "sctpkit dump: " : "", args.interface, source->link_type_name(),
               source->link_type_description(), source->snapshot_length());
  } else {
    fmt::print(stderr, "reading from file {}, link-type {} ({}), snapshot length {}\n", args.read_file,
               source->link_type_name(), source->link_type_description(), source->snapshot_length());
  }
  std::fflush(stderr);

  SinkOptions sink_options;
  sink_options.printer.timestamps = timestamp_mode(args.timestamp_flags);
  sink_options.printer.verbose = args.verbose_flags;
  sink_options.line_buffered = live || args.line_buffered;
  sink_options.discard = writing;
  sink_options.check = args.check;
  sink_options.json = args.json;
  sink_options.summary = args.summary;
  sink_options.ladder = args.ladder;
  const auto sink = make_frame_sink(sink_options, stdout);

  g_running_source.store(source.get());
  install_stop_handlers();
  auto result = source->run([&sink](const trace::Frame& frame) { sink->on_frame(frame); });
  g_running_source.store(nullptr);
  const int sink_code = sink->finish();

  if (auto* error = std::get_if<trace::CaptureError>(&result)) return fail(exit_code_for(*error), error->message);
  const auto& stats = std::get<trace::CaptureStats>(result);
  if (live) {
    fmt::print(stderr, "\n{} captured\n{} received by filter\n{} dropped by kernel\n",
               plural(stats.sctp_frames, "packet"), plural(stats.packets_read, "packet"),
               plural(stats.kernel_dropped, "packet"));
    if (stats.kernel_dropped > 0) {
      // A full capture ring loses packets silently; say which knob fixes it, as the count alone
      // reads like a network fault.
      fmt::print(stderr,
                 "sctpkit dump: the kernel dropped packets because the capture buffer ({} KiB) was full; "
                 "give a larger one with -B KiB\n",
                 args.buffer_kib);
    }
  }
  return sink_code;
}

}  // namespace

void register_dump(CLI::App& app, CommandRegistry& registry) {
  auto args = std::make_shared<DumpArguments>();
  auto* sub = app.add_subcommand("dump", "Capture and decode SCTP packets, as tcpdump -nn prints them");
  auto* read = sub->add_option("-r", args->read_file, "Read packets from a pcap or pcapng file ('-': standard input)")
                   ->type_name("FILE");
  auto* iface = sub->add_option("-i", args->interface, "Capture live on this interface (needs CAP_NET_RAW)");
  read->excludes(iface);
  sub->add_option("-w", args->write_file, "Write the captured packets, unmodified, to this pcap file")
      ->type_name("FILE");
  // Not CLI::PositiveNumber: its message for "-c 0" spells out DBL_MAX in 300 digits.
  const CLI::Validator packet_count(
      [](std::string& text) -> std::string {
        int64_t n = 0;
        const char* end = text.data() + text.size();
        const auto [stop, error] = std::from_chars(text.data(), end, n);
        if (error != std::errc() || stop != end || n < 1) return "give a packet count of 1 or more, not '" + text + "'";
        return {};
      },
      "COUNT");
  sub->add_option("-c", args->count, "Stop after this many SCTP packets")->check(packet_count)->type_name("N");
  // In KiB, as tcpdump's -B. int bytes inside libpcap: 2 GiB - 1 KiB at most.
  sub->add_option("-B", args->buffer_kib,
                  "Live capture: the kernel's capture buffer in KiB (as tcpdump -B); a burst larger than it "
                  "is dropped by the kernel")
      ->check(CLI::Range(1, (1 << 21) - 1))
      ->type_name("KiB")
      ->capture_default_str();
  // tcpdump's -s, -p and -l, which operators type out of habit: without them the command was refused.
  sub->add_option("-s", args->snaplen,
                  "Live capture: bytes kept of each packet (as tcpdump -s; 0 means the default, 262144); "
                  "a packet cut short prints [|sctp]")
      ->check(CLI::Range(0, trace::CaptureOptions{}.snaplen))
      ->type_name("SNAPLEN");
  sub->add_flag("-p", args->no_promiscuous,
                "Live capture: do not put the interface into promiscuous mode (as tcpdump -p)");
  sub->add_flag("-U", args->packet_buffered,
                "With -w: write each packet to the file as it is captured (as tcpdump -U), e.g. for -w - into "
                "another reader");
  sub->add_flag("-l", args->line_buffered, "Flush stdout after each line (as tcpdump -l); a live capture always does");
  sub->add_flag("-t", args->timestamp_flags,
                "Time stamps: -t none, -tt epoch seconds, -ttt delta to the previous packet, "
                "-tttt date and time, -ttttt delta to the first packet (default: local time of day)");
  sub->add_flag("-v", args->verbose_flags,
                "-v shows the IP header and the ForCES header; -vv also each chunk on its own line and DATA "
                "payloads in hex (tcpdump -v, -vv)");
  sub->add_flag("-n", args->numeric_flags, "Accepted for tcpdump habits; addresses and ports are always numeric");
  sub->add_option("--udp-port", args->udp_ports,
                  "Decode UDP on this port as SCTP (RFC 6951); repeat for several (default: 9899)")
      ->check(CLI::Range(1, 65535));
  sub->add_flag("--check", args->check,
                "Verify each packet's CRC32c: mark bad ones, count them on stderr, exit 1 if any was bad");
  sub->add_flag("--json", args->json, "One JSON object per packet with every decoded field (with --summary: the summary)");
  auto* summary = sub->add_flag("--summary", args->summary,
                                "A table per association: endpoints, tags, handshake RTT, traffic each way, "
                                "retransmissions, gap reports, heartbeats, how it ended");
  auto* ladder = sub->add_flag("--ladder", args->ladder, "A sequence chart per association, one arrow per chunk");
  summary->excludes(ladder);
  sub->add_option("filter", args->filter_words,
                  "pcap filter expression (default: sctp, plus udp on the --udp-port ports)");
  sub->footer(
      "Output is tcpdump -nn 4.99's, line for line; SCTP inside UDP is printed with an\n"
      "'[udp-encap SPORT > DPORT]' marker before the addresses. See docs/dump.md.\n"
      "Examples:\n"
      "  sctpkit dump -r samples/association.pcap\n"
      "  sctpkit dump -i eth0 -v port 30102\n"
      "  sctpkit dump -i any -w trace.pcap -c 100\n"
      "  sctpkit dump -r trace.pcap --check\n"
      "  sctpkit dump -r trace.pcap --summary\n"
      "  sctpkit dump -r trace.pcap --ladder\n"
      "  tcpdump -i eth0 -w - sctp | sctpkit dump -r - --summary\n"
      "Exit codes: 0 done, 1 a bad checksum with --check, 2 bad arguments or filter,\n"
      "3 the file or interface could not be opened or read (also a capture file cut short),\n"
      "4 no capture privilege.\n");
  registry.on_selected(sub, [args] { return run_dump(*args); });
}

}  // namespace sctpkit::tools
