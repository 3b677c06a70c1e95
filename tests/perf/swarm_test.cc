#include "perf/swarm.h"

#include <gtest/gtest.h>

#include <vector>

namespace sctpkit::perf {
namespace {

// An SCTP packet of `size` bytes from SCTP port `port` (only the source port and the size matter).
std::vector<uint8_t> packet(uint16_t port, size_t size) {
  std::vector<uint8_t> p(size, 0);
  p[0] = static_cast<uint8_t>(port >> 8);
  p[1] = static_cast<uint8_t>(port);
  return p;
}

std::vector<size_t> sizes(const std::vector<net::OutgoingPacket>& packets) {
  std::vector<size_t> out;
  for (const auto& p : packets) out.push_back(p.data.size());
  return out;
}

TEST(OrderLargestFirst, PutsTheNextInitAheadOfTheLastShutdown) {
  // The setup mode's flights: a SHUTDOWN (20 bytes) queued before the next INIT (32), and a
  // SHUTDOWN COMPLETE (16) before a COOKIE ECHO (136): larger first makes each one GSO message.
  const auto shutdown = packet(50001, 20), init = packet(50002, 32), complete = packet(50003, 16),
             echo = packet(50004, 136), other_complete = packet(50005, 16);
  std::vector<net::OutgoingPacket> flight{{{}, {}, shutdown}, {{}, {}, init}};
  order_largest_first(flight);
  EXPECT_EQ(sizes(flight), (std::vector<size_t>{32, 20}));
  EXPECT_EQ(flight[0].data.data(), init.data());
  std::vector<net::OutgoingPacket> second{{{}, {}, complete}, {{}, {}, echo}, {{}, {}, other_complete}};
  const uint8_t* first_small = second[0].data.data();
  order_largest_first(second);
  EXPECT_EQ(sizes(second), (std::vector<size_t>{136, 16, 16}));
  EXPECT_EQ(second[1].data.data(), first_small);  // equal sizes keep their order
}

TEST(GiveUnsetSources, TheNewInitLeavesFromTheLearnedAddressLikeTheRest) {
  const auto server = wire::IpAddress::v4(127, 0, 0, 1), learned = wire::IpAddress::v4(127, 0, 0, 2),
             elsewhere = wire::IpAddress::v4(10, 0, 0, 9);
  const auto shutdown = packet(50001, 20), init = packet(50002, 32), other = packet(50003, 32);
  std::vector<net::OutgoingPacket> flight{{learned, server, shutdown}, {{}, server, init}, {{}, elsewhere, other}};
  give_unset_sources(flight, server, learned);
  EXPECT_EQ(flight[0].source, learned);
  EXPECT_EQ(flight[1].source, learned);  // the INIT: one source with the SHUTDOWN, one GSO message
  EXPECT_EQ(flight[2].source, wire::IpAddress{});  // not to the server: routing still chooses
}

TEST(OrderLargestFirst, LeavesOneAssociationsPacketsInOrder) {
  // Two packets from one SCTP port are one association's: reordering them could, say, put a
  // retransmission behind newer data, so the batch is left as it came.
  const auto a = packet(50001, 20), b = packet(50001, 100), c = packet(50002, 60);
  std::vector<net::OutgoingPacket> batch{{{}, {}, a}, {{}, {}, b}, {{}, {}, c}};
  order_largest_first(batch);
  EXPECT_EQ(sizes(batch), (std::vector<size_t>{20, 100, 60}));
}

}  // namespace
}  // namespace sctpkit::perf
