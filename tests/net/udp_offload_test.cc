// UDP GSO on send and GRO on receive (BatchIo, UdpEncapTransport): trains of equal-size packets
// leave as one message and still arrive as separate SCTP packets, in order, with valid checksums;
// the transport falls back to plain datagrams when the kernel refuses a train.
#include <gtest/gtest.h>
#include <poll.h>
#include <sys/socket.h>

#include <array>

#include "net/test_packets.h"
#include "net/udp_encap_transport.h"
#include "wire/packet.h"

namespace sctpkit::net {
namespace udp_offload_test {

const wire::IpAddress kLoopback = wire::IpAddress::v4(127, 0, 0, 1);

std::unique_ptr<UdpEncapTransport> open_loopback(uint16_t remote_port, bool offload) {
  UdpEncapOptions options;
  options.local_port = 0;
  options.remote_port = remote_port;
  options.local_addresses = {kLoopback};
  options.offload = offload;
  auto opened = UdpEncapTransport::open(options);
  if (auto* error = std::get_if<TransportError>(&opened)) ADD_FAILURE() << error->message;
  return std::move(std::get<std::unique_ptr<UdpEncapTransport>>(opened));
}

// Packets of the given payload sizes, tagged 0, 1, 2... in their verification tag.
std::vector<std::vector<uint8_t>> make_packets(const std::vector<size_t>& sizes) {
  std::vector<std::vector<uint8_t>> packets;
  for (size_t i = 0; i < sizes.size(); ++i)
    packets.push_back(testing::sctp_packet(6000, 5000, static_cast<uint32_t>(i), sizes[i], static_cast<uint8_t>(i)));
  return packets;
}

std::vector<OutgoingPacket> outgoing(const std::vector<std::vector<uint8_t>>& packets) {
  std::vector<OutgoingPacket> out;
  for (const auto& p : packets) out.push_back({{}, kLoopback, p});
  return out;
}

// Receives until `count` packets came (or 5 s of nothing), `room` at a time, and checks that they
// are `sent`, in order, byte for byte, each with a valid CRC32c.
void expect_received(Transport& t, const std::vector<std::vector<uint8_t>>& sent, size_t room) {
  std::vector<ReceivedPacket> in(room);
  pollfd p{t.fds()[0], POLLIN, 0};
  size_t got = 0;
  while (got < sent.size()) {
    size_t n = t.receive(in);
    if (n == 0) {
      if (::poll(&p, 1, 5000) <= 0) break;
      continue;
    }
    ASSERT_LE(n, room);
    for (size_t i = 0; i < n; ++i, ++got) {
      ASSERT_LT(got, sent.size());
      const auto& want = sent[got];
      ASSERT_EQ(in[i].data.size(), want.size()) << "packet " << got;
      EXPECT_TRUE(std::equal(want.begin(), want.end(), in[i].data.begin())) << "packet " << got;
      EXPECT_TRUE(wire::verify_checksum(in[i].data)) << "packet " << got;
      EXPECT_EQ(in[i].source, kLoopback);
      EXPECT_EQ(in[i].destination, kLoopback);
    }
  }
  EXPECT_EQ(got, sent.size());
}

// Sizes of a bulk transfer's packets: trains of full packets, a shorter one ending a message.
std::vector<size_t> bulk_sizes() {
  std::vector<size_t> sizes(70, 1440);  // more than one train (BatchIo::kMaxSegments)
  sizes.push_back(300);
  sizes.insert(sizes.end(), 20, 1440);
  sizes.push_back(1000);
  sizes.push_back(1440);  // longer than the packet before it: starts a new train
  return sizes;
}

TEST(UdpOffload, GsoTrainsArriveAsSeparatePacketsWithValidChecksums) {
  auto receiver = open_loopback(kSctpUdpPort, /*offload=*/false);  // no GRO: the kernel cuts the trains
  auto sender = open_loopback(receiver->local_port(), /*offload=*/true);
  receiver->bind_port(5000);
  if (!sender->gso()) GTEST_SKIP() << "this kernel has no UDP_SEGMENT (UDP GSO, Linux 4.18)";
  const auto packets = make_packets(bulk_sizes());
  EXPECT_EQ(sender->send(outgoing(packets)), packets.size());
  expect_received(*receiver, packets, 32);
  EXPECT_EQ(receiver->gro_packets(), 0u);
  EXPECT_TRUE(sender->gso());
}

TEST(UdpOffload, GroTrainsAreCutIntoPacketsEvenWhenTheCallerHasLittleRoom) {
  auto receiver = open_loopback(kSctpUdpPort, /*offload=*/true);
  auto sender = open_loopback(receiver->local_port(), /*offload=*/true);
  receiver->bind_port(5000);
  if (!sender->gso()) GTEST_SKIP() << "this kernel has no UDP_SEGMENT (UDP GSO, Linux 4.18)";
  const auto packets = make_packets(bulk_sizes());
  EXPECT_EQ(sender->send(outgoing(packets)), packets.size());
  // 3 at a time: a train of 64 is handed out over many calls from the same buffer.
  expect_received(*receiver, packets, 3);
  // Over loopback a GSO train reaches a UDP_GRO socket whole (Linux 5.0 and later).
  EXPECT_GT(receiver->gro_packets(), 0u);
}

TEST(UdpOffload, AGroTrainAfterAPlainDatagramIsStillCutIntoPackets) {
  // The kernel shrinks a read's control length to what it wrote (IP_PKTINFO alone for a plain
  // datagram); the next read must offer the whole buffer again or a train's segment size is cut off.
  auto receiver = open_loopback(kSctpUdpPort, /*offload=*/true);
  auto plain = open_loopback(receiver->local_port(), /*offload=*/false);
  auto trains = open_loopback(receiver->local_port(), /*offload=*/true);
  receiver->bind_port(5000);
  if (!trains->gso()) GTEST_SKIP() << "this kernel has no UDP_SEGMENT (UDP GSO, Linux 4.18)";
  for (int round = 0; round < 2; ++round) {
    const auto one = make_packets({200});
    EXPECT_EQ(plain->send(outgoing(one)), 1u);
    expect_received(*receiver, one, 32);
    const auto packets = make_packets(std::vector<size_t>(20, 1200));
    EXPECT_EQ(trains->send(outgoing(packets)), packets.size());
    expect_received(*receiver, packets, 32);
  }
  EXPECT_GT(receiver->gro_packets(), 0u);
}

TEST(UdpOffload, FallsBackToPlainDatagramsWhenTheKernelRefusesATrain) {
  auto receiver = open_loopback(kSctpUdpPort, /*offload=*/false);
  auto sender = open_loopback(receiver->local_port(), /*offload=*/true);
  receiver->bind_port(5000);
  if (!sender->gso()) GTEST_SKIP() << "this kernel has no UDP_SEGMENT (UDP GSO, Linux 4.18)";
  // Linux refuses GSO (EINVAL) on a socket that sends without UDP checksums; plain datagrams still go.
  int on = 1;
  ASSERT_EQ(::setsockopt(sender->fds()[0], SOL_SOCKET, SO_NO_CHECK, &on, sizeof on), 0);
  const auto packets = make_packets(std::vector<size_t>(10, 1200));
  EXPECT_EQ(sender->send(outgoing(packets)), packets.size());
  EXPECT_FALSE(sender->gso());
  expect_received(*receiver, packets, 32);
}

TEST(UdpOffload, OffloadOffSendsOneDatagramPerPacket) {
  auto receiver = open_loopback(kSctpUdpPort, /*offload=*/true);
  auto sender = open_loopback(receiver->local_port(), /*offload=*/false);
  receiver->bind_port(5000);
  EXPECT_FALSE(sender->gso());
  // Off unless asked for: captures on the sending host would show trains as one datagram.
  EXPECT_FALSE(UdpEncapOptions{}.offload);
  const auto packets = make_packets(std::vector<size_t>(40, 1200));
  EXPECT_EQ(sender->send(outgoing(packets)), packets.size());
  expect_received(*receiver, packets, 32);
  EXPECT_EQ(receiver->gro_packets(), 0u);  // nothing to coalesce: each was its own datagram
}

TEST(UdpOffload, TrainsStopAtADestinationChange) {
  auto first = open_loopback(kSctpUdpPort, /*offload=*/false);
  auto second = open_loopback(kSctpUdpPort, /*offload=*/false);
  auto sender = open_loopback(first->local_port(), /*offload=*/true);
  first->bind_port(5000);
  second->bind_port(5001);
  // Two SCTP peers on one address, told apart by their encapsulation ports (RFC 6951 5.4): the one
  // on SCTP port 5001 spoke from second's UDP port.
  sender->set_remote_port(kLoopback, first->local_port());
  const auto from_second = testing::sctp_packet(5001, 6000);
  ReceivedPacket learned;
  learned.source = kLoopback;
  learned.data = from_second;
  learned.encapsulation_port = second->local_port();
  sender->on_verified(learned);
  const auto a = make_packets(std::vector<size_t>(5, 800));
  const std::vector<std::vector<uint8_t>> b{testing::sctp_packet(6000, 5001, 100, 800)};
  std::vector<OutgoingPacket> out = outgoing(a);
  // A packet of the same size for the second peer in the middle of the first's train.
  out.insert(out.begin() + 2, OutgoingPacket{{}, kLoopback, b[0]});
  EXPECT_EQ(sender->send(out), out.size());
  expect_received(*first, a, 32);
  expect_received(*second, b, 32);
}

}  // namespace udp_offload_test
}  // namespace sctpkit::net
