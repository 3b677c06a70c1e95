// The SCTP ports a perf client's swarm associations use: each its own (see Swarm), counting up
// from the control association's and wrapping within 1024..65535, never the control association's
// port nor the server's.
#pragma once

#include <cstdint>
#include <optional>

#include "net/port_claim.h"

namespace sctpkit::perf {

class SwarmPorts {
 public:
  // Ports a client can hold at once, whatever the control association's and the server's ports.
  static constexpr uint32_t kDistinct = 65536 - 1024 - 2;

  explicit SwarmPorts(uint16_t control_port, uint16_t server_port = 0)
      : control_(control_port), server_(server_port), next_(control_port) {}

  // A setup test makes more associations than there are ports: after the wrap a port comes round
  // again once its earlier association has shut down, but never the control association's. Its
  // port once came round after 64,511 setups (about 3 s at four at a time): the server took the
  // INIT from the same ports as an INIT for the control association (RFC 9260 5.2.2) and the test
  // ended "aborted by the peer". The server's port is skipped too: over raw IP on one host (no
  // bind() for SCTP ports) the server's raw socket sees every packet to its port, the swarm's INIT
  // ACK included, and answers it as out of the blue (RFC 9260 8.4).
  uint16_t next() {
    do {
      next_ = next_ < kFirst || next_ >= 65535 ? kFirst : next_ + 1;
    } while (next_ == control_ || next_ == server_);
    return static_cast<uint16_t>(next_);
  }

  // As next(), from blocks of net::PortClaim::kBlockPorts ports that `usable(block)` accepts (the
  // raw swarm's claims, Swarm::connect): the rest of a block it refuses is skipped, and nullopt
  // once it has refused more blocks than the range has. Asked for every port handed out, so it
  // should remember what it accepted (a setup must not cost a claim).
  template <typename Usable>
  std::optional<uint16_t> next(Usable&& usable) {
    for (uint32_t refused = 0; refused <= kBlocks;) {
      const uint16_t port = next();
      const uint32_t block = port / kBlockPorts;
      if (usable(block)) return port;
      ++refused;
      next_ = (block + 1) * kBlockPorts - 1;  // next() moves on to the following block (or wraps)
    }
    return std::nullopt;
  }

 private:
  static constexpr uint32_t kFirst = 1024;
  static constexpr uint32_t kBlockPorts = net::PortClaim::kBlockPorts;
  static constexpr uint32_t kBlocks = (65536 - kFirst) / kBlockPorts;  // in the range
  uint32_t control_;
  uint32_t server_;
  uint32_t next_;
};

}  // namespace sctpkit::perf
