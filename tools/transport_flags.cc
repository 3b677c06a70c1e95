#include "tools/transport_flags.h"

#include <cstdlib>
#include <utility>

#include <CLI/CLI.hpp>

namespace sctpkit::tools {

bool TransportFlags::udp_given() const { return udp_option != nullptr && udp_option->count() > 0; }

void add_transport_flags(CLI::App& sub, TransportFlags& flags, const std::string& udp_help) {
  flags.udp_option = sub.add_option("--udp", flags.udp, "SCTP over UDP (RFC 6951); PORT: " + udp_help)->expected(0, 1);
  sub.add_flag("--raw", flags.raw, "SCTP over raw IP (needs CAP_NET_RAW)");
  sub.add_flag("--kernel", flags.kernel, "The kernel's own SCTP (RFC 6458 sockets; needs the sctp module)");
}

void add_raw_io_flag(CLI::App& sub, TransportFlags& flags) {
  sub.add_option("--raw-io", flags.raw_io,
                 "How raw IP reaches the network: socket (raw IP sockets, the default) or packet (AF_PACKET: "
                 "IPv4 over Ethernet only, fewer kernel cycles per packet; implies --raw). CAUTION: packet "
                 "frames bypass netfilter, NAT and conntrack: use it in a namespace of its own (a pod)")
      ->check(CLI::IsMember({"socket", "packet"}));
}

std::optional<std::string> check_transport_flags(const TransportFlags& flags) {
  if (static_cast<int>(flags.udp_given()) + static_cast<int>(flags.raw) + static_cast<int>(flags.kernel) > 1)
    return "--udp, --raw and --kernel exclude each other";
  if (flags.packet_io() && (flags.udp_given() || flags.kernel)) return "--raw-io packet is for raw IP, not --udp or --kernel";
  if (flags.udp_given() && !flags.udp.empty()) {
    char* end = nullptr;
    const long port = std::strtol(flags.udp.c_str(), &end, 10);
    if (*end || port < 0 || port > 65535) return "--udp=PORT takes a UDP port";
  }
  return std::nullopt;
}

void reclaim_udp_target(TransportFlags& flags, std::vector<std::string>& targets) {
  if (!flags.udp_given() || flags.udp.empty()) return;
  char* end = nullptr;
  (void)std::strtol(flags.udp.c_str(), &end, 10);
  if (*end == '\0') return;  // a number, even a wrong one: check_transport_flags() says what is wrong
  targets.insert(targets.begin(), std::exchange(flags.udp, std::string()));
}

std::string open_error(const Error& error) {
  if (error.code != Error::Code::AddressInUse || error.message.find("UDP port") == std::string::npos)
    return error.message;
  // Inside the library's "(another program holds UDP port N)".
  std::string message = error.message;
  if (!message.empty() && message.back() == ')') message.pop_back();
  return message + "; choose another with --udp=PORT" + (message.size() < error.message.size() ? ")" : "");
}

std::optional<uint16_t> udp_port(const TransportFlags& flags) {
  if (!flags.udp_given() || flags.udp.empty()) return std::nullopt;
  return static_cast<uint16_t>(std::strtol(flags.udp.c_str(), nullptr, 10));
}

TransportKind chosen_transport(const TransportFlags& flags, bool kernel_if_loaded) {
  if (flags.kernel) return TransportKind::Kernel;
  if (flags.udp_given()) return TransportKind::Udp;
  if (flags.raw || flags.packet_io()) return TransportKind::RawIp;
  return kernel_if_loaded && kernel_sctp_loaded() ? TransportKind::Kernel : TransportKind::RawIp;
}

RawIo chosen_raw_io(const TransportFlags& flags) { return flags.packet_io() ? RawIo::Packet : RawIo::Socket; }

const char* transport_name(TransportKind kind) {
  switch (kind) {
    case TransportKind::Udp: return "udp";
    case TransportKind::Kernel: return "kernel";
    default: return "raw";
  }
}

}  // namespace sctpkit::tools
