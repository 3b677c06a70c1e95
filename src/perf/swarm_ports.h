// The SCTP ports a perf client's swarm associations use: each its own (see Swarm), counting up
// from the control association's and wrapping within 1024..65535.
#pragma once

#include <cstdint>

namespace sctpkit::perf {

class SwarmPorts {
 public:
  // Ports a client can hold at once besides the control association's.
  static constexpr uint32_t kDistinct = 65536 - 1024 - 1;

  explicit SwarmPorts(uint16_t control_port) : control_(control_port), next_(control_port) {}

  // A setup test makes more associations than there are ports: after the wrap a port comes round
  // again once its earlier association has shut down, but never the control association's. Its
  // port once came round after 64,511 setups (about 3 s at four at a time): the server took the
  // INIT from the same ports as an INIT for the control association (RFC 9260 5.2.2) and the test
  // ended "aborted by the peer".
  uint16_t next() {
    do {
      next_ = next_ < kFirst || next_ >= 65535 ? kFirst : next_ + 1;
    } while (next_ == control_);
    return static_cast<uint16_t>(next_);
  }

 private:
  static constexpr uint32_t kFirst = 1024;
  uint32_t control_;
  uint32_t next_;
};

}  // namespace sctpkit::perf
