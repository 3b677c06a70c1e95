// Where an IPv4 packet to a destination leaves this host, as the kernel would route it: the
// outgoing interface, its MTU and MAC, the source address the route prefers, and the MAC of the
// next hop (the gateway, or the destination itself on-link) from the kernel's neighbour table.
// For PacketTransport, which writes whole Ethernet frames and so does the kernel's routing and
// neighbour work itself. One netlink query (RTM_GETROUTE) and one ioctl (SIOCGARP) per lookup:
// callers cache the answer.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>

#include "net/socket_util.h"
#include "wire/ip_address.h"

namespace sctpkit::net {

using MacAddress = std::array<uint8_t, 6>;

struct NextHop {
  int ifindex = 0;
  size_t mtu = 0;  // of the interface: the largest IP datagram it takes unfragmented
  MacAddress local_mac{};
  MacAddress next_hop_mac{};
  wire::IpAddress preferred_source;  // the route's source (RTA_PREFSRC); unspecified if it has none
};

// Why a destination has no NextHop (the packet then goes through the kernel's own IP output).
enum class NoNextHop : uint8_t {
  NoRoute,         // unreachable, or a netlink failure
  NotEthernet,     // local/loopback route, or an interface without Ethernet framing (tun, ip tunnels)
  NoNeighbour,     // the neighbour entry is missing or incomplete: the kernel must resolve it first
};

class NextHopResolver {
 public:
  // Opens its sockets in the calling thread's network namespace, which it then answers for;
  // ok() is false if it could not.
  NextHopResolver();
  [[nodiscard]] bool ok() const { return netlink_.get() >= 0 && ioctl_.get() >= 0; }

  struct Result {
    std::optional<NextHop> hop;
    NoNextHop why = NoNextHop::NoRoute;
  };
  // IPv4 only. Blocks for one netlink round trip (microseconds; at most 100 ms if the kernel
  // does not answer).
  Result resolve(const wire::IpAddress& destination);

 private:
  struct Route {
    int ifindex = 0;
    uint8_t type = 0;  // RTN_UNICAST, RTN_LOCAL...
    wire::IpAddress gateway;
    wire::IpAddress preferred_source;
  };
  std::optional<Route> route(const wire::IpAddress& destination);
  UniqueFd netlink_;
  UniqueFd ioctl_;  // any AF_INET datagram socket: SIOCGIF* and SIOCGARP go through one
  uint32_t sequence_ = 0;
  std::array<uint8_t, 4096> buffer_{};
};

}  // namespace sctpkit::net
