// The set-up the engine scenarios over the simulator share: a client host A and a listening server
// host B (their addresses, ports and configurations) and a fixture that owns the simulation and the
// two nodes. One copy, so that a change to how a scenario sets up a pair of engines is made once.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <memory>
#include <variant>
#include <vector>

#include "sim/endpoint_node.h"
#include "sim/simulation.h"

namespace sctpkit::sim::engine_fixture {

// A owns kA (and kA2 when multi-homed), B owns kB1 (and kB2); links join kA-kB1 and kA2-kB2.
inline const auto kA = wire::IpAddress::v4(10, 0, 0, 1);
inline const auto kA2 = wire::IpAddress::v4(10, 0, 0, 2);
inline const auto kB1 = wire::IpAddress::v4(10, 0, 1, 1);
inline const auto kB2 = wire::IpAddress::v4(10, 0, 2, 1);
inline constexpr uint16_t kClientPort = 5000;
inline constexpr uint16_t kServerPort = 7;

inline assoc::EndpointConfig client_config() {
  assoc::EndpointConfig c;
  c.local_port = kClientPort;
  return c;
}

inline assoc::EndpointConfig server_config() {
  assoc::EndpointConfig c;
  c.local_port = kServerPort;
  c.listen = true;
  return c;
}

// Owns the simulation and nodes A and B; a scenario's fixture passes its seed and builds the pair.
class EnginePairTest : public ::testing::Test {
 protected:
  explicit EnginePairTest(uint64_t seed) : sim{seed} {}

  // A on `a_addresses`, B on `b_addresses`, the i-th address of one linked to the i-th of the
  // other. A is made first: the order in which the nodes draw from the seed stays the same.
  void build_pair(const std::vector<wire::IpAddress>& a_addresses, const std::vector<wire::IpAddress>& b_addresses,
                  const assoc::EndpointConfig& client, const assoc::EndpointConfig& server, const LinkConfig& link) {
    a = std::make_unique<EndpointNode>(sim, "A", a_addresses, client, sim.random());
    b = std::make_unique<EndpointNode>(sim, "B", b_addresses, server, sim.random());
    for (size_t i = 0; i < a_addresses.size() && i < b_addresses.size(); ++i) {
      sim.network().connect(a_addresses[i], b_addresses[i], link);
    }
  }

  // A asks B, at kB1, for an association (the INIT leaves now); its id.
  assoc::AssociationId connect() {
    auto r = a->connect(kB1, kServerPort);
    EXPECT_TRUE(std::holds_alternative<assoc::AssociationId>(r));
    return std::get<assoc::AssociationId>(r);
  }

  Simulation sim;
  std::unique_ptr<EndpointNode> a;
  std::unique_ptr<EndpointNode> b;
};

}  // namespace sctpkit::sim::engine_fixture
