#include "perf/swarm.h"

#include <gtest/gtest.h>
#include <poll.h>

#include <array>
#include <map>
#include <utility>
#include <vector>

#include "free_port.h"
#include "net/event_loop.h"
#include "net/pooled_random.h"
#include "net/udp_encap_transport.h"
#include "wire/control_chunks.h"
#include "wire/handshake_chunks.h"

namespace sctpkit::perf {
namespace swarm_test {

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

TEST(OrderLargestFirst, FlightsSmallAndFullComeOutLargestFirstWithTiesInTheirOrder) {
  // Sizes in a repeating pattern with ties: a few packets (one after another) take the insertion
  // sort, 64 (a --parallel batch) the sorting one; a repeated port leaves either alone.
  for (const uint16_t count : {3, 5, 8, 9, 64}) {
    std::vector<std::vector<uint8_t>> storage;
    for (uint16_t i = 0; i < count; ++i) storage.push_back(packet(static_cast<uint16_t>(40000 + i), 16 + 4 * ((i * 7) % 5)));
    std::vector<net::OutgoingPacket> batch;
    for (const auto& p : storage) batch.push_back({{}, {}, p});
    order_largest_first(batch);
    for (size_t i = 1; i < batch.size(); ++i) {
      ASSERT_GE(batch[i - 1].data.size(), batch[i].data.size()) << count << " packets, at " << i;
      if (batch[i - 1].data.size() == batch[i].data.size()) {
        EXPECT_LT(wire::load_u16(batch[i - 1].data, 0), wire::load_u16(batch[i].data, 0)) << "ties keep their order";
      }
    }
    storage.back()[0] = storage.front()[0];  // the last packet now from the first one's port
    storage.back()[1] = storage.front()[1];
    std::vector<net::OutgoingPacket> repeated;
    for (const auto& p : storage) repeated.push_back({{}, {}, p});
    order_largest_first(repeated);
    for (size_t i = 0; i < repeated.size(); ++i) EXPECT_EQ(repeated[i].data.data(), storage[i].data()) << count;
  }
}

// A server played by the test: a real endpoint behind two UDP sockets on one address, so that its
// packets can come from the SCTP port it listens on but from two UDP ports.
struct TwoPortServer {
  static constexpr uint16_t kPort = 5000;
  const wire::IpAddress loopback = wire::IpAddress::v4(127, 0, 0, 1);
  const uint16_t swarm_udp_port = test::free_udp_port();
  net::PooledRandom random;
  assoc::Endpoint endpoint{config(), random, net::EventLoop::now()};
  std::unique_ptr<net::UdpEncapTransport> a = open(), b = open();
  std::map<uint16_t, std::vector<uint8_t>> init_acks;  // by the swarm port they answer
  std::map<uint16_t, uint32_t> tags;                   // the swarm ports' Initiate Tags

  static assoc::EndpointConfig config() {
    assoc::EndpointConfig c;
    c.local_port = kPort;
    c.listen = true;
    return c;
  }
  std::unique_ptr<net::UdpEncapTransport> open() const {
    net::UdpEncapOptions options;
    options.local_port = 0;
    options.local_addresses = {loopback};
    options.remote_port = swarm_udp_port;
    auto t = std::move(std::get<std::unique_ptr<net::UdpEncapTransport>>(net::UdpEncapTransport::open(options)));
    t->bind_port(kPort);
    return t;
  }
  // What reached `t` within 2 s (the first) and at once (the rest): (first chunk type, SCTP source port).
  static std::vector<std::pair<uint8_t, uint16_t>> read(net::UdpEncapTransport& t, size_t expected) {
    std::vector<std::pair<uint8_t, uint16_t>> out;
    std::array<net::ReceivedPacket, 8> in;
    pollfd p{t.fds()[0], POLLIN, 0};
    while (::poll(&p, 1, out.size() < expected ? 2000 : 0) > 0) {
      // 0 after a short read (Transport::receive): the next call reads the socket again.
      const size_t n = t.receive(in);
      for (size_t i = 0; i < n; ++i) out.emplace_back(in[i].data[12], wire::load_u16(in[i].data, 0));
    }
    return out;
  }
  // Answers the swarm's INITs, keeping the INIT ACKs for the test to send.
  void take_inits(size_t count) {
    std::array<net::ReceivedPacket, 8> in;
    pollfd p{a->fds()[0], POLLIN, 0};
    while (tags.size() < count && ::poll(&p, 1, 2000) > 0) {
      for (size_t i = 0, n = a->receive(in); i < n; ++i) {
        const uint16_t port = wire::load_u16(in[i].data, 0);
        tags[port] = wire::load_u32(in[i].data, 20);  // RFC 9260 3.3.2: the Initiate Tag
        endpoint.handle_packet(in[i].data, in[i].source, in[i].destination, net::EventLoop::now());
        while (auto t = endpoint.poll_transmit(net::EventLoop::now()))
          init_acks[port].assign(t->packet.begin(), t->packet.end());
      }
    }
  }
  void send_init_ack(uint16_t to) {
    a->send(std::array{net::OutgoingPacket{loopback, loopback, init_acks.at(to)}});
  }
  // RFC 9260 8.5.1 E: a SHUTDOWN ACK in COOKIE-WAIT is out of the blue, answered statelessly by a
  // SHUTDOWN COMPLETE (8.4 rule 5); it comes from the server's SCTP port but UDP socket b.
  void send_shutdown_ack(uint16_t to) {
    std::vector<uint8_t> buffer(64);
    wire::PacketBuilder builder(buffer, buffer.size(), {kPort, to, wire::VerificationTag(tags.at(to)), 0});
    builder.add(wire::ShutdownAckChunk{});
    b->send(std::array{net::OutgoingPacket{loopback, loopback, builder.finish()}});
  }
};

// RFC 6951 5.4: a stateless answer goes back to the UDP port its packet came from, and only it:
// neither an answer to a verified packet of the same read that waits before it, nor one that a
// larger size would put ahead of it, may take that port (every swarm packet goes to the server's
// address and SCTP port).
TEST(Swarm, OnlyTheStatelessAnswerGoesToThePortItsPacketCameFrom) {
  TwoPortServer server;
  Options options;
  options.udp_local_port = server.swarm_udp_port;
  options.udp_remote_port = server.a->local_port();
  auto opened = Swarm::open(options, "127.0.0.1", TwoPortServer::kPort, [](uint32_t, Swarm::Outcome, const std::string&) {});
  ASSERT_TRUE(opened) << opened.error().message;
  Swarm& swarm = **opened;
  const std::array<uint16_t, 4> ports{40001, 40002, 40003, 40004};
  for (uint16_t port : ports) ASSERT_TRUE(swarm.connect(port));
  ASSERT_TRUE(swarm.run_once(std::chrono::milliseconds(0)));
  server.take_inits(ports.size());
  ASSERT_EQ(server.init_acks.size(), ports.size());
  using Seen = std::vector<std::pair<uint8_t, uint16_t>>;
  const uint8_t echo = wire::CookieEchoChunk::kType, complete = wire::ShutdownCompleteChunk::kType;
  // The verified packet's answer (a COOKIE ECHO) waits when the stateless one is made.
  server.send_init_ack(ports[0]);
  server.send_shutdown_ack(ports[1]);
  ASSERT_TRUE(swarm.run_once(std::chrono::milliseconds(2000)));
  EXPECT_EQ(TwoPortServer::read(*server.a, 1), Seen(size_t{1}, {echo, ports[0]}));
  EXPECT_EQ(TwoPortServer::read(*server.b, 1), Seen(size_t{1}, {complete, ports[1]}));
  // The stateless answer first; the larger COOKIE ECHO follows in the same batch.
  server.send_shutdown_ack(ports[2]);
  server.send_init_ack(ports[3]);
  ASSERT_TRUE(swarm.run_once(std::chrono::milliseconds(2000)));
  EXPECT_EQ(TwoPortServer::read(*server.a, 1), Seen(size_t{1}, {echo, ports[3]}));
  EXPECT_EQ(TwoPortServer::read(*server.b, 1), Seen(size_t{1}, {complete, ports[2]}));
}

}  // namespace swarm_test
}  // namespace sctpkit::perf
