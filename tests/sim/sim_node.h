// What the simulated network drives: anything with the engine's pull-style contract
// (assoc/endpoint.h), so the simulator works with the real Endpoint and with trivial test nodes.
#pragma once

#include <optional>

#include "sim/sim_time.h"
#include "wire/byte_io.h"
#include "wire/ip_address.h"

namespace sctpkit::sim {

struct Transmit {
  // An all-zero IPv4 source means "any" (as Endpoint's Transmit documents): the network picks the
  // sending host's first address with a link to the destination.
  wire::IpAddress source;
  wire::IpAddress destination;
  wire::Bytes packet;  // valid until the next call into the node; the network copies it at once
};

class SimNode {
 public:
  virtual ~SimNode() = default;
  virtual void handle_packet(wire::Bytes packet, const wire::IpAddress& source, const wire::IpAddress& destination,
                             TimePoint now) = 0;
  // Called once now >= next_timeout().
  virtual void handle_timeout(TimePoint now) = 0;
  // Drained until nullopt after every input.
  virtual std::optional<Transmit> poll_transmit(TimePoint now) = 0;
  [[nodiscard]] virtual std::optional<TimePoint> next_timeout() const = 0;
};

}  // namespace sctpkit::sim
