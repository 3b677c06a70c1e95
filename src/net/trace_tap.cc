#include "net/trace_tap.h"

#include <unistd.h>

#include "net/socket_util.h"

namespace sctpkit::net {

std::optional<wire::IpAddress> route_source(const wire::IpAddress& destination) {
  UniqueFd fd(::socket(destination.is_v4() ? AF_INET : AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  if (fd.get() < 0) return std::nullopt;
  // connect() on a UDP socket only selects the route and with it the source address.
  sockaddr_storage sa;
  const socklen_t length = to_sockaddr(destination, 9, sa);
  if (::connect(fd.get(), reinterpret_cast<sockaddr*>(&sa), length) != 0) return std::nullopt;
  sockaddr_storage local;
  socklen_t local_length = sizeof local;
  if (::getsockname(fd.get(), reinterpret_cast<sockaddr*>(&local), &local_length) != 0) return std::nullopt;
  return from_sockaddr(local);
}

const wire::IpAddress& TraceTap::source_for(const wire::IpAddress& destination) {
  auto it = routes_.find(destination);
  if (it != routes_.end()) return it->second;
  if (routes_.size() >= kMaxRoutes) routes_.clear();
  // Without a route the packet does not leave either; the unspecified address says so.
  auto source = route_source(destination);
  const auto unspecified = destination.is_v4() ? wire::IpAddress::v4(0, 0, 0, 0) : *wire::IpAddress::parse("::");
  return routes_.emplace(destination, source.value_or(unspecified)).first->second;
}

void TraceTap::on_wire(const WirePacket& packet) {
  const wire::IpAddress& source =
      packet.sent && is_unspecified(packet.source) ? source_for(packet.destination) : packet.source;
  PacketTrace t;
  t.sent = packet.sent;
  t.source_ip = std::span(source.bytes().data(), source.size());
  t.destination_ip = std::span(packet.destination.bytes().data(), packet.destination.size());
  t.udp_source_port = packet.udp_source_port;
  t.udp_destination_port = packet.udp_destination_port;
  t.packet = packet.data;
  t.time = std::chrono::system_clock::now();
  callback_(t);
}

}  // namespace sctpkit::net
