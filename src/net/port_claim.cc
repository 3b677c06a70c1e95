#include "net/port_claim.h"

#include <fmt/format.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <optional>

namespace sctpkit::net {

namespace {

socklen_t abstract_address(const std::string& name, sockaddr_un& out) {
  std::memset(&out, 0, sizeof out);
  out.sun_family = AF_UNIX;
  // A leading NUL makes the name abstract: no file, gone with the last descriptor.
  const size_t n = std::min(name.size(), sizeof out.sun_path - 1);
  std::memcpy(out.sun_path + 1, name.data(), n);
  return static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + 1 + n);
}

TransportError in_use(uint16_t port) {
  TransportError e;
  e.code = TransportError::Code::AddressInUse;
  e.error_number = EADDRINUSE;
  e.message = fmt::format("SCTP port {} is in use by another raw IP SCTP stack in this network namespace", port);
  return e;
}

uint32_t block_of(uint16_t port) { return port / PortClaim::kBlockPorts; }

// The message names the port (what the user asked for) and the block (why: no single stack may
// show as holding that port).
TransportError in_use_by_block(uint16_t port) {
  TransportError e = in_use(port);
  const uint32_t first = block_of(port) * PortClaim::kBlockPorts;
  e.message += fmt::format(" (one holding all of ports {}-{}, as sctpkit perf's raw IP swarm does)", first,
                           first + PortClaim::kBlockPorts - 1);
  return e;
}

TransportError block_in_use(uint32_t block, std::optional<uint16_t> port) {
  const uint32_t first = block * PortClaim::kBlockPorts;
  TransportError e;
  e.code = TransportError::Code::AddressInUse;
  e.error_number = EADDRINUSE;
  e.message = port ? fmt::format("SCTP port {} (of ports {}-{}) is in use by another raw IP SCTP stack in this "
                                 "network namespace",
                                 *port, first, first + PortClaim::kBlockPorts - 1)
                   : fmt::format("SCTP ports {}-{} are claimed by another raw IP SCTP stack in this network namespace",
                                 first, first + PortClaim::kBlockPorts - 1);
  return e;
}

// Binds `name`: the descriptor, or EADDRINUSE's error, or another system error.
std::variant<UniqueFd, TransportError> hold(const std::string& name, uint16_t port) {
  UniqueFd fd(::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  if (fd.get() < 0) return system_error("socket(AF_UNIX) for the SCTP port claim", errno);
  sockaddr_un sa;
  const socklen_t len = abstract_address(name, sa);
  if (::bind(fd.get(), reinterpret_cast<sockaddr*>(&sa), len) != 0) {
    if (errno == EADDRINUSE) return in_use(port);
    return system_error("bind the SCTP port claim", errno);
  }
  return fd;
}

// Whether someone holds `name`: a datagram connect() to a bound name succeeds, to none is refused.
bool held_by_someone(const std::string& name) {
  UniqueFd fd(::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  if (fd.get() < 0) return false;
  sockaddr_un sa;
  const socklen_t len = abstract_address(name, sa);
  return ::connect(fd.get(), reinterpret_cast<sockaddr*>(&sa), len) == 0;
}

// Whether any name starting with `prefix` is held in this namespace, besides the one `own`. The
// calling thread's view: a thread moved into another namespace (setns) sees that one's sockets.
// Without /proc this finds none: a wildcard claim then misses specific ones made before it
// (those made after it still see it).
bool any_held_with_prefix(const std::string& prefix, const std::string& own) {
  std::ifstream unix_sockets("/proc/thread-self/net/unix");
  std::string line;
  // Each line ends with the path; an abstract name shows as "@name".
  const std::string at_prefix = "@" + prefix;
  const std::string at_own = "@" + own;
  while (std::getline(unix_sockets, line)) {
    const auto at = line.rfind(' ');
    if (at == std::string::npos) continue;
    const std::string_view path = std::string_view(line).substr(at + 1);
    if (path.starts_with(at_prefix) && path != at_own) return true;
  }
  return false;
}

// A port of `block` that someone claims (on any address), in one read of /proc (as
// any_held_with_prefix: the calling thread's namespace; without /proc, none).
std::optional<uint16_t> any_port_held_in(uint32_t block) {
  std::ifstream unix_sockets("/proc/thread-self/net/unix");
  std::string line;
  const std::string_view prefix = "@sctpkit-raw-sctp-port:";
  while (std::getline(unix_sockets, line)) {
    const auto at = line.rfind(' ');
    if (at == std::string::npos) continue;
    std::string_view path = std::string_view(line).substr(at + 1);
    if (!path.starts_with(prefix)) continue;
    path.remove_prefix(prefix.size());
    uint32_t port = 0;
    size_t digits = 0;
    for (; digits < path.size() && digits < 6 && path[digits] >= '0' && path[digits] <= '9'; ++digits)
      port = port * 10 + static_cast<uint32_t>(path[digits] - '0');
    if (digits == 0 || digits == path.size() || path[digits] != ':' || port > 65535) continue;  // not ours
    if (block_of(static_cast<uint16_t>(port)) == block) return static_cast<uint16_t>(port);
  }
  return std::nullopt;
}

}  // namespace

std::string PortClaim::block_name(uint32_t block) { return fmt::format("sctpkit-raw-sctp-block:{}", block); }

std::variant<PortClaim, TransportError> PortClaim::claim_block(uint32_t block) {
  if (block >= kBlocks) return system_error(fmt::format("claim SCTP port block {} of {}", block, kBlocks), EINVAL);
  PortClaim claim;
  // As claim(): our name first, then the look for theirs, so that a racing claim of a port in the
  // block (which looks for the block's name after taking its own) and this one never both succeed.
  auto held = hold(block_name(block), 0);
  if (auto* e = std::get_if<TransportError>(&held)) {
    if (e->code == TransportError::Code::AddressInUse) return block_in_use(block, std::nullopt);
    return *e;
  }
  claim.held_.push_back(std::move(std::get<UniqueFd>(held)));
  if (auto port = any_port_held_in(block)) return block_in_use(block, port);
  return claim;
}

std::string PortClaim::name(uint16_t port, const wire::IpAddress* address) {
  return fmt::format("sctpkit-raw-sctp-port:{}:{}", port, address ? address->to_string() : "*");
}

std::variant<PortClaim, TransportError> PortClaim::claim(uint16_t port, std::span<const wire::IpAddress> addresses) {
  PortClaim claim;
  const bool wildcard = addresses.empty() || std::any_of(addresses.begin(), addresses.end(),
                                                         [](const auto& a) { return a.is_unspecified(); });
  const std::string any = name(port, nullptr);
  // Each side takes its own names first and looks for the other's second, so that of two racing
  // claims at least one sees the other (at worst both fail; never both succeed).
  if (wildcard) {
    auto held = hold(any, port);
    if (auto* e = std::get_if<TransportError>(&held)) return *e;
    claim.held_.push_back(std::move(std::get<UniqueFd>(held)));
    if (any_held_with_prefix(fmt::format("sctpkit-raw-sctp-port:{}:", port), any)) return in_use(port);
    if (held_by_someone(block_name(block_of(port)))) return in_use_by_block(port);
    return claim;
  }
  std::vector<std::string> names;
  for (const auto& address : addresses) names.push_back(name(port, &address));
  std::sort(names.begin(), names.end());
  names.erase(std::unique(names.begin(), names.end()), names.end());  // an address listed twice is one
  for (const auto& n : names) {
    auto held = hold(n, port);
    if (auto* e = std::get_if<TransportError>(&held)) return *e;
    claim.held_.push_back(std::move(std::get<UniqueFd>(held)));
  }
  if (held_by_someone(any)) return in_use(port);
  if (held_by_someone(block_name(block_of(port)))) return in_use_by_block(port);
  return claim;
}

}  // namespace sctpkit::net
