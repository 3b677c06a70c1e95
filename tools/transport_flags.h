// The transport flags that cat, linktest and perf share: --udp[=PORT], --raw and --kernel, their
// checks, and the automatic choice when none is given; --raw-io for cat and perf.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "sctpkit/sctpkit.h"

// Declared, not included: CLI11 is header-only and costs seconds in every file that includes it.
namespace CLI {
class App;
class Option;
}  // namespace CLI

namespace sctpkit::tools {

struct TransportFlags {
  std::string udp;  // "" for --udp without a port
  bool raw = false;
  bool kernel = false;
  std::string raw_io = "socket";  // --raw-io: "socket" or "packet" (which implies --raw)
  CLI::Option* udp_option = nullptr;

  [[nodiscard]] bool udp_given() const;
  [[nodiscard]] bool packet_io() const { return raw_io == "packet"; }
  [[nodiscard]] bool automatic() const { return !udp_given() && !raw && !kernel && !packet_io(); }
};

// Adds the three flags to `sub`; `udp_help` says whose UDP port --udp=PORT names.
void add_transport_flags(CLI::App& sub, TransportFlags& flags, const std::string& udp_help);

// Adds --raw-io (cat and perf: the commands whose raw IP path it speeds up).
void add_raw_io_flag(CLI::App& sub, TransportFlags& flags);

// A usage error in words (two flags at once, a bad --udp=PORT), or nullopt.
std::optional<std::string> check_transport_flags(const TransportFlags& flags);

// `--udp HOST PORT`: CLI11 gives --udp's optional PORT the next argument, so HOST became the UDP
// port and the command then said "needs HOST PORT". A value that is not a number was meant as the
// first target: moves it back to the front of `targets` (as if --udp came without a port).
void reclaim_udp_target(TransportFlags& flags, std::vector<std::string>& targets);

// Why a listener or server could not open, with the flag that helps when its UDP port was taken.
std::string open_error(const Error& error);

// --udp=PORT, once check_transport_flags() passed.
std::optional<uint16_t> udp_port(const TransportFlags& flags);

// The transport the flags ask for. Without a flag: the kernel's SCTP when `kernel_if_loaded` and its
// module is loaded, else raw IP (the caller falls back to UDP when raw IP lacks the privilege).
TransportKind chosen_transport(const TransportFlags& flags, bool kernel_if_loaded);

// What --raw-io asked for.
RawIo chosen_raw_io(const TransportFlags& flags);

// "raw", "udp" or "kernel": the name reports and JSON use.
const char* transport_name(TransportKind kind);

}  // namespace sctpkit::tools
