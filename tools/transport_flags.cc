#include "tools/transport_flags.h"

#include <cstdlib>

#include <CLI/CLI.hpp>

namespace sctpkit::tools {

bool TransportFlags::udp_given() const { return udp_option != nullptr && udp_option->count() > 0; }

void add_transport_flags(CLI::App& sub, TransportFlags& flags, const std::string& udp_help) {
  flags.udp_option = sub.add_option("--udp", flags.udp, "SCTP over UDP (RFC 6951); PORT: " + udp_help)->expected(0, 1);
  sub.add_flag("--raw", flags.raw, "SCTP over raw IP (needs CAP_NET_RAW)");
  sub.add_flag("--kernel", flags.kernel, "The kernel's own SCTP (RFC 6458 sockets; needs the sctp module)");
}

std::optional<std::string> check_transport_flags(const TransportFlags& flags) {
  if (static_cast<int>(flags.udp_given()) + static_cast<int>(flags.raw) + static_cast<int>(flags.kernel) > 1)
    return "--udp, --raw and --kernel exclude each other";
  if (flags.udp_given() && !flags.udp.empty()) {
    char* end = nullptr;
    const long port = std::strtol(flags.udp.c_str(), &end, 10);
    if (*end || port < 0 || port > 65535) return "--udp=PORT takes a UDP port";
  }
  return std::nullopt;
}

std::optional<uint16_t> udp_port(const TransportFlags& flags) {
  if (!flags.udp_given() || flags.udp.empty()) return std::nullopt;
  return static_cast<uint16_t>(std::strtol(flags.udp.c_str(), nullptr, 10));
}

TransportKind chosen_transport(const TransportFlags& flags, bool kernel_if_loaded) {
  if (flags.kernel) return TransportKind::Kernel;
  if (flags.udp_given()) return TransportKind::Udp;
  if (flags.raw) return TransportKind::RawIp;
  return kernel_if_loaded && kernel_sctp_loaded() ? TransportKind::Kernel : TransportKind::RawIp;
}

const char* transport_name(TransportKind kind) {
  switch (kind) {
    case TransportKind::Udp: return "udp";
    case TransportKind::Kernel: return "kernel";
    default: return "raw";
  }
}

}  // namespace sctpkit::tools
