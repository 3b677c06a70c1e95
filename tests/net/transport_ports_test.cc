// Transport's set of bound SCTP ports: what receive() hands out and what it drops.
#include <gtest/gtest.h>

#include <array>

#include "net/transport.h"

namespace sctpkit::net {
namespace {

// Exposes the protected filter; sends and receives nothing.
class FilterOnly : public Transport {
 public:
  std::span<const int> fds() const override { return {}; }
  size_t receive(std::span<ReceivedPacket>) override { return 0; }
  size_t send(std::span<const OutgoingPacket>) override { return 0; }
  size_t overhead() const override { return 0; }
  bool filter(wire::Bytes packet) { return accept(packet); }
};

std::array<uint8_t, 12> header_to(uint16_t port) {
  std::array<uint8_t, 12> h{};
  h[2] = static_cast<uint8_t>(port >> 8);
  h[3] = static_cast<uint8_t>(port);
  return h;
}

TEST(TransportPorts, ManyPortsBoundInAnyOrderAreFoundAndUnbound) {
  FilterOnly t;
  // The perf swarm binds one port per association: thousands, and not in order.
  for (uint32_t i = 0; i < 5000; ++i) t.bind_port(static_cast<uint16_t>(10000 + (i * 7919) % 5000));
  t.bind_port(10003);  // twice: still one entry, one unbind removes it
  for (uint16_t p = 10000; p < 15000; ++p) ASSERT_TRUE(t.is_bound(p)) << p;
  EXPECT_FALSE(t.is_bound(9999));
  EXPECT_FALSE(t.is_bound(15000));
  t.unbind_port(10003);
  t.unbind_port(20000);  // never bound: nothing happens
  EXPECT_FALSE(t.is_bound(10003));
  EXPECT_TRUE(t.is_bound(10002));
  EXPECT_TRUE(t.is_bound(10004));
}

TEST(TransportPorts, OnlyPacketsToBoundPortsPassAndDropsAreCounted) {
  FilterOnly t;
  t.bind_port(5000);
  t.bind_port(7);
  auto to_bound = header_to(5000), to_other = header_to(5001);
  EXPECT_TRUE(t.filter(to_bound));
  EXPECT_FALSE(t.filter(to_other));
  EXPECT_FALSE(t.filter(wire::Bytes(to_bound.data(), 11)));  // shorter than a common header
  EXPECT_EQ(t.dropped(), 2u);
}

}  // namespace
}  // namespace sctpkit::net
