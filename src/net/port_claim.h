// Raw IP has no bind() for SCTP ports: every raw socket sees every SCTP packet, so two stacks on one
// port would both answer the same INITs. A PortClaim stands in for the bind: it holds abstract
// AF_UNIX socket names, which live in the network namespace (as ports do) and vanish with the
// process that held them (no stale lock after a crash). Taken once when a stack opens; nothing on
// the packet path looks at it.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <variant>
#include <vector>

#include "net/socket_util.h"
#include "net/transport.h"
#include "wire/ip_address.h"

namespace sctpkit::net {

class PortClaim {
 public:
  // Claims SCTP `port` on `addresses` (empty, or an unspecified address: every address, IPv4 and
  // IPv6) in the calling thread's network namespace. As bind() rules: the same port on two
  // different specific addresses is fine; on one address twice, or on the wildcard beside any
  // specific address, is TransportError::Code::AddressInUse.
  static std::variant<PortClaim, TransportError> claim(uint16_t port, std::span<const wire::IpAddress> addresses);

  // The abstract socket name (without its leading NUL) that stands for `port` on `address`
  // (nullptr: the wildcard). Public for the tests.
  static std::string name(uint16_t port, const wire::IpAddress* address);

 private:
  std::vector<UniqueFd> held_;
};

}  // namespace sctpkit::net
