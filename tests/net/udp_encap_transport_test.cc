#include "net/udp_encap_transport.h"

#include <gtest/gtest.h>
#include <poll.h>

#include <array>

#include "net/test_packets.h"
#include "wire/packet.h"

namespace sctpkit::net {
namespace udp_encap_transport_test {

const wire::IpAddress kLoopback = wire::IpAddress::v4(127, 0, 0, 1);

std::unique_ptr<UdpEncapTransport> open_loopback(uint16_t remote_port = kSctpUdpPort) {
  UdpEncapOptions options;
  options.local_port = 0;
  options.remote_port = remote_port;
  options.local_addresses = {kLoopback};
  auto opened = UdpEncapTransport::open(options);
  if (auto* error = std::get_if<TransportError>(&opened)) ADD_FAILURE() << error->message;
  return std::move(std::get<std::unique_ptr<UdpEncapTransport>>(opened));
}

// Waits until the transport has something and receives it (the sockets are non-blocking).
size_t receive_wait(Transport& t, std::span<ReceivedPacket> out, int timeout_ms = 2000) {
  std::vector<pollfd> fds;
  for (int fd : t.fds()) fds.push_back({fd, POLLIN, 0});
  size_t n = t.receive(out);
  while (n == 0 && ::poll(fds.data(), fds.size(), timeout_ms) > 0) {
    n = t.receive(out);
    if (n == 0) timeout_ms = 100;  // everything that arrived was filtered: give stragglers a moment
  }
  return n;
}

TEST(UdpEncapTransport, DeliversToBoundPortWithAddressesAndValidChecksum) {
  auto a = open_loopback();
  auto b = open_loopback(a->local_port());
  ASSERT_NE(a->local_port(), 0);
  EXPECT_EQ(a->overhead(), kUdpHeaderSize);
  a->bind_port(5000);

  const auto packet = testing::sctp_packet(6000, 5000);
  EXPECT_EQ(b->send(std::array{OutgoingPacket{{}, kLoopback, packet}}), 1u);

  std::array<ReceivedPacket, 4> in;
  ASSERT_EQ(receive_wait(*a, in), 1u);
  EXPECT_EQ(in[0].source, kLoopback);
  EXPECT_EQ(in[0].destination, kLoopback);
  ASSERT_EQ(in[0].data.size(), packet.size());
  EXPECT_TRUE(std::equal(packet.begin(), packet.end(), in[0].data.begin()));
  EXPECT_TRUE(wire::verify_checksum(in[0].data));
}

TEST(UdpEncapTransport, LearnsThePeersEncapsulationPortOnlyOnceTheEngineVerifiedAPacket) {
  auto server = open_loopback();
  auto client = open_loopback(server->local_port());
  server->bind_port(5000);
  client->bind_port(6000);
  // Before the client spoke, the server would use the default port.
  EXPECT_EQ(server->remote_port(kLoopback, 6000), kSctpUdpPort);

  const auto init = testing::sctp_packet(6000, 5000);
  client->send(std::array{OutgoingPacket{{}, kLoopback, init}});
  std::array<ReceivedPacket, 4> in;
  ASSERT_EQ(receive_wait(*server, in), 1u);
  EXPECT_EQ(in[0].encapsulation_port, client->local_port());
  // Receiving alone teaches nothing: anyone can send a datagram.
  EXPECT_EQ(server->remote_port(kLoopback, 6000), kSctpUdpPort);
  // RFC 6951 5.4: once verified, replies go to the UDP source port the packet came from.
  server->on_verified(in[0]);
  EXPECT_EQ(server->remote_port(kLoopback, 6000), client->local_port());
  EXPECT_EQ(server->remote_port(kLoopback, 6001), kSctpUdpPort);  // per SCTP port of the peer

  const auto reply = testing::sctp_packet(5000, 6000, 0x55);
  EXPECT_EQ(server->send(std::array{OutgoingPacket{{}, kLoopback, reply}}), 1u);
  ASSERT_EQ(receive_wait(*client, in), 1u);
  EXPECT_EQ(wire::load_u32(in[0].data, 4), 0x55u);
}

TEST(UdpEncapTransport, AStatelessAnswerGoesBackToTheSendersPortOnceWithoutLearningIt) {
  auto server = open_loopback();
  auto client = open_loopback(server->local_port());
  server->bind_port(5000);
  client->bind_port(6000);
  client->send(std::array{OutgoingPacket{{}, kLoopback, testing::sctp_packet(6000, 5000)}});
  std::array<ReceivedPacket, 4> in;
  ASSERT_EQ(receive_wait(*server, in), 1u);
  server->on_answered_stateless(in[0]);
  EXPECT_EQ(server->remote_port(kLoopback, 6000), kSctpUdpPort);

  // The answer (an INIT ACK, say) reaches the client's port...
  EXPECT_EQ(server->send(std::array{OutgoingPacket{{}, kLoopback, testing::sctp_packet(5000, 6000, 0x66)}}), 1u);
  ASSERT_EQ(receive_wait(*client, in), 1u);
  EXPECT_EQ(wire::load_u32(in[0].data, 4), 0x66u);
  // ...and the next packet goes to the default port again: nothing was learned.
  EXPECT_EQ(server->remote_port(kLoopback, 6000), kSctpUdpPort);
  EXPECT_EQ(server->port_map().size(), 0u);
}

TEST(UdpEncapTransport, IgnoresPacketsForPortsNotBoundAndRunts) {
  auto a = open_loopback();
  auto b = open_loopback(a->local_port());
  a->bind_port(5000);
  const auto other_port = testing::sctp_packet(6000, 5001);
  const std::vector<uint8_t> runt(8, 0);
  const auto good = testing::sctp_packet(6000, 5000, 7);
  b->send(std::array{OutgoingPacket{{}, kLoopback, other_port}, OutgoingPacket{{}, kLoopback, runt},
                     OutgoingPacket{{}, kLoopback, good}});
  std::array<ReceivedPacket, 4> in;
  ASSERT_EQ(receive_wait(*a, in), 1u);
  EXPECT_EQ(wire::load_u32(in[0].data, 4), 7u);
  EXPECT_EQ(a->dropped(), 2u);
  // A packet to an unbound port teaches no encapsulation port either: only the good one did.
  a->unbind_port(5000);
  EXPECT_FALSE(a->is_bound(5000));
}

TEST(UdpEncapTransport, BatchesManyPacketsBothWays) {
  auto a = open_loopback();
  auto b = open_loopback(a->local_port());
  a->bind_port(5000);
  constexpr size_t kCount = 100;  // more than one recvmmsg/sendmmsg batch
  std::vector<std::vector<uint8_t>> packets;
  std::vector<OutgoingPacket> out;
  for (size_t i = 0; i < kCount; ++i) packets.push_back(testing::sctp_packet(6000, 5000, static_cast<uint32_t>(i)));
  for (const auto& p : packets) out.push_back({{}, kLoopback, p});
  EXPECT_EQ(b->send(out), kCount);
  std::array<ReceivedPacket, 64> in;
  std::vector<uint32_t> tags;
  while (tags.size() < kCount) {
    const size_t n = receive_wait(*a, in);
    if (n == 0) break;
    EXPECT_LE(n, in.size());
    for (size_t i = 0; i < n; ++i) tags.push_back(wire::load_u32(in[i].data, 4));
  }
  ASSERT_EQ(tags.size(), kCount);
  for (size_t i = 0; i < kCount; ++i) EXPECT_EQ(tags[i], i);  // loopback keeps order
}

TEST(UdpEncapTransport, BusyPortIsAnErrorThatSaysWhatToDo) {
  auto a = open_loopback();
  UdpEncapOptions options;
  options.local_port = a->local_port();
  options.local_addresses = {kLoopback};
  auto second = UdpEncapTransport::open(options);
  ASSERT_TRUE(std::holds_alternative<TransportError>(second));
  const auto& error = std::get<TransportError>(second);
  EXPECT_EQ(error.code, TransportError::Code::AddressInUse);
  EXPECT_NE(error.message.find("another program holds UDP port"), std::string::npos) << error.message;
  // The library names no command's flag: the tools add theirs (they named a --udp-port none had).
  EXPECT_EQ(error.message.find("--"), std::string::npos) << error.message;
  EXPECT_EQ(error.message.find('\n'), std::string::npos);
}

TEST(UdpEncapTransport, WildcardSocketChoosesTheRequestedSourceAddress) {
  UdpEncapOptions options;
  options.local_port = 0;
  auto opened = UdpEncapTransport::open(options);
  ASSERT_TRUE(std::holds_alternative<std::unique_ptr<UdpEncapTransport>>(opened));
  auto& wildcard = std::get<std::unique_ptr<UdpEncapTransport>>(opened);
  auto receiver = open_loopback();
  receiver->bind_port(5000);
  wildcard->set_remote_port(kLoopback, receiver->local_port());
  // 127.0.0.2 is local too (all of 127/8 is); pktinfo must make it the source.
  const auto source = wire::IpAddress::v4(127, 0, 0, 2);
  const auto packet = testing::sctp_packet(6000, 5000);
  ASSERT_EQ(wildcard->send(std::array{OutgoingPacket{source, kLoopback, packet}}), 1u);
  std::array<ReceivedPacket, 4> in;
  ASSERT_EQ(receive_wait(*receiver, in), 1u);
  EXPECT_EQ(in[0].source, source);
}

// RFC 9260 3 ("Path"): with no source learned for a destination, a multi-homed end sends from the
// address routing picks for it. From the first socket bound (here 127.0.0.2), a packet to the
// second network's peer address left from the first network's address.
TEST(UdpEncapTransport, AMultiHomedEndSendsFromTheRoutedSourceWhenNoneWasLearned) {
  auto receiver = open_loopback();
  receiver->bind_port(5000);
  UdpEncapOptions options;
  options.local_port = 0;
  options.remote_port = receiver->local_port();
  options.local_addresses = {wire::IpAddress::v4(127, 0, 0, 2), kLoopback};
  auto opened = UdpEncapTransport::open(options);
  ASSERT_TRUE(std::holds_alternative<std::unique_ptr<UdpEncapTransport>>(opened));
  auto& sender = *std::get<std::unique_ptr<UdpEncapTransport>>(opened);
  const auto packet = testing::sctp_packet(6000, 5000);
  std::array<ReceivedPacket, 4> in;
  for (int round = 0; round < 2; ++round) {  // the second from the cache
    ASSERT_EQ(sender.send(std::array{OutgoingPacket{{}, kLoopback, packet}}), 1u);
    ASSERT_EQ(receive_wait(*receiver, in), 1u);
    EXPECT_EQ(in[0].source, kLoopback) << "the kernel routes 127.0.0.1 from 127.0.0.1";
  }
  // A source the engine learned still wins.
  ASSERT_EQ(sender.send(std::array{OutgoingPacket{wire::IpAddress::v4(127, 0, 0, 2), kLoopback, packet}}), 1u);
  ASSERT_EQ(receive_wait(*receiver, in), 1u);
  EXPECT_EQ(in[0].source, wire::IpAddress::v4(127, 0, 0, 2));
}

TEST(RouteSources, AnswersAndForgetsTheOldestBeyondItsSize) {
  RouteSources routes;
  for (uint8_t i = 1; i <= RouteSources::kEntries + 2; ++i) {
    const auto destination = wire::IpAddress::v4(127, 0, 0, i);
    // `ip route get 127.0.0.5`: "local 127.0.0.5 dev lo src 127.0.0.1".
    EXPECT_EQ(routes.lookup(destination), kLoopback) << int(i);
  }
  EXPECT_EQ(routes.lookup(kLoopback), kLoopback) << "looked up again after it was forgotten";
}

}  // namespace udp_encap_transport_test
}  // namespace sctpkit::net
