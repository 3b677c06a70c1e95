#include "net/transport.h"

#include <algorithm>

namespace sctpkit::net {

// Kept sorted: every received packet looks its destination port up, and the perf swarm binds one
// port per association (10,000 in the idle mode), so the lookup is a binary search, not a scan.
void Transport::bind_port(uint16_t port) {
  auto at = std::lower_bound(ports_.begin(), ports_.end(), port);
  if (at == ports_.end() || *at != port) ports_.insert(at, port);
}

void Transport::unbind_port(uint16_t port) {
  auto at = std::lower_bound(ports_.begin(), ports_.end(), port);
  if (at != ports_.end() && *at == port) ports_.erase(at);
}

bool Transport::is_bound(uint16_t port) const { return std::binary_search(ports_.begin(), ports_.end(), port); }

bool Transport::accept(wire::Bytes packet) {
  auto port = sctp_destination_port(packet);
  if (port && is_bound(*port)) return true;
  ++dropped_;
  return false;
}

}  // namespace sctpkit::net
