// The source address the kernel's routing picks towards a destination, for a multi-homed end whose
// sockets are each bound to one of its addresses. RFC 9260 3 ("Path"): a path is identified by its
// destination "since the routing is assumed to be stable. This includes, in particular, the source
// address being selected when sending packets to the destination address". A packet to a peer
// address the engine has not heard from (no learned source) must leave from the socket of that
// routed source, not from whichever socket comes first: from the first, a packet to the second
// network's peer address left from the first network's address, the peer answered to that, and
// every path's source then drifted to whatever arrived last.
#pragma once

#include <sys/socket.h>

#include <array>
#include <cstddef>
#include <optional>
#include <vector>

#include "wire/ip_address.h"

namespace sctpkit::net {

class RouteSources {
 public:
  // The routed source towards `destination`, or nullopt when there is no route. A miss costs four
  // system calls (a UDP socket connected to it, getsockname); answers are cached, the oldest
  // forgotten first, since a multi-homed peer has a handful of addresses. The cache does not follow
  // later route changes (RFC 9260 7.2.5.2 makes knowing them a MAY).
  std::optional<wire::IpAddress> lookup(const wire::IpAddress& destination);

  static constexpr size_t kEntries = 8;

 private:
  struct Entry {
    wire::IpAddress destination;
    std::optional<wire::IpAddress> source;
  };
  std::array<Entry, kEntries> entries_{};
  size_t used_ = 0;
  size_t next_ = 0;  // the entry a miss overwrites once all are used
};

// Per family (0: IPv4, 1: IPv6): whether a transport's sockets of it are several, each bound to one
// address, none to the wildcard. Only then must a packet with no source have its socket chosen by
// route; computed once when the transport opens, so that the send path tests one flag.
template <typename Socket>
std::array<bool, 2> multi_homed_families(const std::vector<Socket>& sockets) {
  std::array<int, 2> bound{};
  std::array<bool, 2> wildcard{};
  for (const Socket& s : sockets) {
    const size_t family = s.family == AF_INET ? 0 : 1;
    if (s.bound.is_unspecified()) wildcard[family] = true;
    else ++bound[family];
  }
  return {bound[0] > 1 && !wildcard[0], bound[1] > 1 && !wildcard[1]};
}

// The one of `sockets` bound to the source routing picks towards `destination`, when the
// destination's family is multi-homed (multi_homed_families); nullptr: the caller's usual choice.
template <typename Socket>
Socket* routed_socket(std::vector<Socket>& sockets, RouteSources& routes, const std::array<bool, 2>& multi_homed,
                      const wire::IpAddress& destination) {
  if (!multi_homed[destination.is_v4() ? 0 : 1]) return nullptr;
  const auto routed = routes.lookup(destination);
  if (!routed) return nullptr;
  for (Socket& s : sockets)
    if (s.bound == *routed) return &s;
  return nullptr;
}

}  // namespace sctpkit::net
