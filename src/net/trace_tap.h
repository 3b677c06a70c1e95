// Options::packet_trace fed from the transport (Transport::set_tap), so that a trace shows each
// packet's real addresses and UDP encapsulation ports: the local address the kernel chose for a
// wildcard socket, the peer's learned encapsulation port, the port an INIT came from.
#pragma once

#include <functional>
#include <unordered_map>

#include "net/transport.h"
#include "sctpkit/options.h"

namespace sctpkit::net {

// The source address the kernel picks for packets to `destination` (a route lookup through a
// connected UDP socket; nothing is sent); nullopt when there is no route.
std::optional<wire::IpAddress> route_source(const wire::IpAddress& destination);

class TraceTap final : public WireTap {
 public:
  explicit TraceTap(std::function<void(const PacketTrace&)> callback) : callback_(std::move(callback)) {}
  void on_wire(const WirePacket& packet) override;

 private:
  // The kernel's choice of source for a wildcard socket, per destination; bounded.
  const wire::IpAddress& source_for(const wire::IpAddress& destination);
  static constexpr size_t kMaxRoutes = 256;

  std::function<void(const PacketTrace&)> callback_;
  std::unordered_map<wire::IpAddress, wire::IpAddress> routes_;
};

}  // namespace sctpkit::net
