#include "net/transport.h"

#include <algorithm>

namespace sctpkit::net {

void Transport::bind_port(uint16_t port) {
  if (!is_bound(port)) ports_.push_back(port);
}

void Transport::unbind_port(uint16_t port) { std::erase(ports_, port); }

bool Transport::is_bound(uint16_t port) const {
  return std::find(ports_.begin(), ports_.end(), port) != ports_.end();
}

bool Transport::accept(wire::Bytes packet) {
  auto port = sctp_destination_port(packet);
  if (port && is_bound(*port)) return true;
  ++dropped_;
  return false;
}

}  // namespace sctpkit::net
