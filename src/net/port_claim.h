// Raw IP has no bind() for SCTP ports: every raw socket sees every SCTP packet, so two stacks on one
// port would both answer the same INITs. A PortClaim stands in for the bind: it holds abstract
// AF_UNIX socket names, which live in the network namespace (as ports do) and vanish with the
// process that held them (no stale lock after a crash). Taken once when a stack opens; nothing on
// the packet path looks at it.
//
// A client that needs thousands of ports (perf's swarm) claims them in aligned blocks of
// kBlockPorts, one name and one descriptor per block: 1,024 makes the 1024-65535 range 63 blocks,
// so a whole-range swarm holds at most 63 descriptors (well under the usual soft RLIMIT_NOFILE of
// 1,024; one per port ran out at 1,000 associations), and one port held by another stack costs
// such a client 1/63 of the range. A block claim and a claim of a port inside it exclude each
// other as two claims of one port do.
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

  static constexpr uint32_t kBlockPorts = 1024;
  static constexpr uint32_t kBlocks = 65536 / kBlockPorts;

  // Claims every port of block `block` (ports block * kBlockPorts and up) on every address: fails
  // with AddressInUse when another block claim holds it or any port in it is claimed (one read of
  // /proc's socket list). The holder uses its ports without further claims.
  static std::variant<PortClaim, TransportError> claim_block(uint32_t block);

  // The abstract socket name (without its leading NUL) that stands for `port` on `address`
  // (nullptr: the wildcard). Public for the tests.
  static std::string name(uint16_t port, const wire::IpAddress* address);
  static std::string block_name(uint32_t block);

 private:
  std::vector<UniqueFd> held_;
};

}  // namespace sctpkit::net
