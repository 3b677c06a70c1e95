#include "net/packet_transport.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>

#include <array>

#include "net/netns.h"
#include "net/receive_wait.h"
#include "net/test_packets.h"

namespace sctpkit::net {
namespace {

using testing::NetnsPair;
using testing::receive_wait;
using namespace std::chrono_literals;

template <class T, class Options>
std::unique_ptr<T> open_in(const std::string& netns, const Options& options) {
  testing::InNetns in(netns);
  if (!in.ok()) return nullptr;
  auto opened = T::open(options);
  if (auto* error = std::get_if<TransportError>(&opened)) {
    ADD_FAILURE() << error->message;
    return nullptr;
  }
  return std::move(std::get<std::unique_ptr<T>>(opened));
}

// The next-hop cache's clock for A: moved by the tests, never by time passing.
std::chrono::steady_clock::time_point fake_now;

// A: PacketTransport; b: the ordinary raw-socket transport, whose kernel accepting A's frames is the
// proof that they are valid (Ethernet addresses, IPv4 header and checksum).
class PacketAcrossNamespaces : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!pair_.available()) GTEST_SKIP() << pair_.reason();
    a_ = open_in<PacketTransport>(pair_.a(), PacketOptions{});
    b_ = open_in<RawIpTransport>(pair_.b(), RawIpOptions{});
    ASSERT_TRUE(a_ && b_);
    fake_now = std::chrono::steady_clock::now();
    a_->set_clock([] { return fake_now; });
    a_->bind_port(5000);
    b_->bind_port(6000);
  }
  // Sends one packet each way, b first; both must arrive intact.
  void exchange(size_t size) {
    const auto packet = testing::sctp_packet(6000, 5000, 0xa1b2c3d4, size);
    ASSERT_EQ(b_->send(std::array{OutgoingPacket{{}, NetnsPair::a_v4(), packet}}), 1u);
    std::array<ReceivedPacket, 8> in;
    ASSERT_EQ(receive_wait(*a_, in, 2000), 1u) << size;
    EXPECT_EQ(in[0].source, NetnsPair::b_v4());
    EXPECT_EQ(in[0].destination, NetnsPair::a_v4());
    ASSERT_EQ(in[0].data.size(), packet.size());
    EXPECT_TRUE(std::equal(packet.begin(), packet.end(), in[0].data.begin()));

    const auto reply = testing::sctp_packet(5000, 6000, 0x0badcafe, size);
    ASSERT_EQ(a_->send(std::array{OutgoingPacket{{}, NetnsPair::b_v4(), reply}}), 1u);
    ASSERT_EQ(receive_wait(*b_, in, 2000), 1u) << size;
    EXPECT_EQ(in[0].source, NetnsPair::a_v4());  // the route's preferred source
    ASSERT_EQ(in[0].data.size(), reply.size());
    EXPECT_TRUE(std::equal(reply.begin(), reply.end(), in[0].data.begin()));
  }

  NetnsPair pair_{"packet15"};
  std::unique_ptr<PacketTransport> a_;
  std::unique_ptr<RawIpTransport> b_;
};

TEST_F(PacketAcrossNamespaces, UnknownNeighbourGoesThroughTheKernelThenFramesAreSentDirectly) {
  // Fresh namespaces: no neighbour entry, so the first packet goes through the raw socket, which
  // makes the kernel resolve b's MAC. (A first packet from b would have taught a's kernel b's MAC
  // in b's ARP request.)
  const auto first = testing::sctp_packet(5000, 6000, 0xf125, 10);
  ASSERT_EQ(a_->send(std::array{OutgoingPacket{{}, NetnsPair::b_v4(), first}}), 1u);
  std::array<ReceivedPacket, 8> in;
  ASSERT_EQ(receive_wait(*b_, in, 2000), 1u);
  EXPECT_EQ(wire::load_u32(in[0].data, 4), 0xf125u);
  EXPECT_EQ(a_->sent_through_raw_socket(), 1u);
  fake_now += PacketTransport::kRetry;
  for (size_t size : {4u, 100u, 1468u}) exchange(size);  // 1468 + 12 + 20: exactly the MTU
  EXPECT_EQ(a_->sent_through_raw_socket(), 1u) << "later packets were framed by us";
  EXPECT_EQ(a_->dropped(), 0u);
}

TEST_F(PacketAcrossNamespaces, PacketsLargerThanTheMtuLeaveThroughTheKernelWhichFragmentsThem) {
  exchange(8);
  fake_now += PacketTransport::kRetry;
  const uint64_t raw_before = a_->sent_through_raw_socket();
  const auto big = testing::sctp_packet(5000, 6000, 0x5eedf00d, 3000);
  ASSERT_EQ(a_->send(std::array{OutgoingPacket{{}, NetnsPair::b_v4(), big}}), 1u);
  std::array<ReceivedPacket, 8> in;
  ASSERT_EQ(receive_wait(*b_, in, 2000), 1u);
  ASSERT_EQ(in[0].data.size(), big.size());
  EXPECT_TRUE(std::equal(big.begin(), big.end(), in[0].data.begin()));
  EXPECT_EQ(a_->sent_through_raw_socket(), raw_before + 1);
}

TEST_F(PacketAcrossNamespaces, PacketsThroughTheKernelLeaveInTheirPlaceAmongFramedOnes) {
  // One send of framed, too-large (kernel), framed packets: they arrive in that order. Held back
  // to the end of the batch, the kernel's packet arrived last.
  exchange(8);
  fake_now += PacketTransport::kRetry;
  const auto small1 = testing::sctp_packet(5000, 6000, 1, 100);
  const auto big = testing::sctp_packet(5000, 6000, 2, 3000);
  const auto small2 = testing::sctp_packet(5000, 6000, 3, 100);
  const auto to_b = NetnsPair::b_v4();
  ASSERT_EQ(a_->send(std::array{OutgoingPacket{{}, to_b, small1}, OutgoingPacket{{}, to_b, big},
                                OutgoingPacket{{}, to_b, small2}}),
            3u);
  std::vector<uint32_t> tags;
  std::array<ReceivedPacket, 8> in;
  while (tags.size() < 3) {
    const size_t n = receive_wait(*b_, in, 2000);
    ASSERT_GT(n, 0u) << "got " << tags.size() << " of 3";
    for (size_t i = 0; i < n; ++i) tags.push_back(wire::load_u32(in[i].data, 4));
  }
  EXPECT_EQ(tags, (std::vector<uint32_t>{1, 2, 3}));
}

// Receives one packet; anything more within 300 ms (a second copy) fails the test.
void expect_once(PacketTransport& t, const std::vector<uint8_t>& packet, const std::string& what) {
  std::array<ReceivedPacket, 8> in;
  ASSERT_EQ(receive_wait(t, in, 2000), 1u) << what;
  ASSERT_EQ(in[0].data.size(), packet.size()) << what;
  EXPECT_TRUE(std::equal(packet.begin(), packet.end(), in[0].data.begin())) << what;
  EXPECT_EQ(receive_wait(t, in, 300), 0u) << what << " arrived twice";
}

// Sends `packet` from b's namespace to a through the kernel, without DF.
void send_without_df(const NetnsPair& pair, const std::vector<uint8_t>& packet) {
  testing::InNetns in_b(pair.b());
  const int raw = ::socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC, kIpProtocolSctp);
  ASSERT_GE(raw, 0);
  const int dont = IP_PMTUDISC_DONT;
  ASSERT_EQ(::setsockopt(raw, IPPROTO_IP, IP_MTU_DISCOVER, &dont, sizeof dont), 0);
  sockaddr_in to{};
  to.sin_family = AF_INET;
  ::inet_pton(AF_INET, "10.201.0.1", &to.sin_addr);
  EXPECT_GT(::sendto(raw, packet.data(), packet.size(), 0, reinterpret_cast<sockaddr*>(&to), sizeof to), 0);
  ::close(raw);
}

TEST_F(PacketAcrossNamespaces, TheRawSocketIsReadOnlyAfterPollNamedIt) {
  // A busy-polling loop reads spin_fds() round after round: the ring only. Reading the raw socket
  // after every empty round as well cost a failed recvmmsg each (~3 per ping-pong round trip).
  ASSERT_EQ(a_->spin_fds().size(), 1u);
  EXPECT_EQ(a_->spin_fds()[0], a_->fds()[0]);
  const auto small = testing::sctp_packet(6000, 5000, 0x0df0, 100);
  send_without_df(pair_, small);
  pollfd raw{a_->fds()[1], POLLIN, 0};
  ASSERT_EQ(::poll(&raw, 1, 2000), 1);
  std::array<ReceivedPacket, 8> in;
  a_->set_ready(a_->spin_fds());
  for (int round = 0; round < 3; ++round) EXPECT_EQ(a_->receive(in), 0u) << round;
  EXPECT_EQ(a_->received_through_raw_socket(), 0u);
  const int named = raw.fd;
  a_->set_ready(std::span(&named, 1));
  ASSERT_EQ(a_->receive(in), 1u);
  EXPECT_EQ(a_->received_through_raw_socket(), 1u);
  ASSERT_EQ(in[0].data.size(), small.size());
}

TEST_F(PacketAcrossNamespaces, FragmentedDatagramsArriveWholeOnceThroughTheRawSocket) {
  // b's kernel fragments what is larger than the MTU (without DF); the ring sees the fragments
  // before reassembly, the raw socket the datagram after it.
  const auto big = testing::sctp_packet(6000, 5000, 0x5eedf00d, 3000);
  ASSERT_EQ(b_->send(std::array{OutgoingPacket{{}, NetnsPair::a_v4(), big}}), 1u);
  expect_once(*a_, big, "fragmented");
  EXPECT_EQ(a_->dropped_fragments(), 3u);  // 3012 bytes of SCTP in 1480-byte pieces
  EXPECT_EQ(a_->received_through_raw_socket(), 1u);
  EXPECT_EQ(a_->dropped(), 0u) << "fragments are expected, not drops";

  // An ordinary packet (DF set) comes through the ring only.
  const auto small = testing::sctp_packet(6000, 5000, 0x5ca1ab1e, 100);
  ASSERT_EQ(b_->send(std::array{OutgoingPacket{{}, NetnsPair::a_v4(), small}}), 1u);
  expect_once(*a_, small, "with DF");
  EXPECT_EQ(a_->received_through_raw_socket(), 1u);

  // One without DF (a peer that does not do path MTU discovery): through the raw socket only.
  send_without_df(pair_, small);
  expect_once(*a_, small, "without DF");
  EXPECT_EQ(a_->received_through_raw_socket(), 2u);
  EXPECT_EQ(a_->dropped(), 0u);
}

TEST_F(PacketAcrossNamespaces, OtherProtocolsNeverReachUsOtherPortsAreCounted) {
  {
    // UDP to a: the kernel's filter keeps it out of the ring (not even counted).
    testing::InNetns in_b(pair_.b());
    const int udp = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    ASSERT_GE(udp, 0);
    sockaddr_in to{};
    to.sin_family = AF_INET;
    to.sin_port = htons(5000);
    ::inet_pton(AF_INET, "10.201.0.1", &to.sin_addr);
    const auto payload = testing::sctp_packet(6000, 5000);
    EXPECT_GT(::sendto(udp, payload.data(), payload.size(), 0, reinterpret_cast<sockaddr*>(&to), sizeof to), 0);
    ::close(udp);
  }
  // SCTP to a port nobody bound, through the ring and through the raw socket: seen, dropped, counted.
  std::array<ReceivedPacket, 8> in;
  ASSERT_EQ(b_->send(std::array{OutgoingPacket{{}, NetnsPair::a_v4(), testing::sctp_packet(6000, 5001)}}), 1u);
  EXPECT_EQ(receive_wait(*a_, in, 300), 0u);
  EXPECT_EQ(a_->dropped(), 1u);
  ASSERT_EQ(b_->send(std::array{OutgoingPacket{{}, NetnsPair::a_v4(), testing::sctp_packet(6000, 5001, 1, 3000)}}),
            1u);
  EXPECT_EQ(receive_wait(*a_, in, 300), 0u);
  EXPECT_EQ(a_->dropped(), 2u);
  exchange(20);  // and the transport still works
}

TEST_F(PacketAcrossNamespaces, DatagramsTooLongForARingFrameComeThroughTheRawSocket) {
  // Loopback's MTU is 64 KiB: a datagram there can be longer than a ring frame (sized for the
  // Ethernet MTU) and is not fragmented. c sends from a's namespace through its raw socket (a
  // local route), with DF.
  auto c = open_in<PacketTransport>(pair_.a(), PacketOptions{{NetnsPair::a_v4()}});
  ASSERT_TRUE(c);
  const size_t limit = a_->ring_datagram_limit();
  ASSERT_GE(limit, 1500u);
  for (size_t ip_size : {limit, limit + 1, size_t{9000}}) {
    const auto packet = testing::sctp_packet(7000, 5000, 0x1009, ip_size - kIpv4HeaderSize - 12);
    ASSERT_EQ(c->send(std::array{OutgoingPacket{{}, NetnsPair::a_v4(), packet}}), 1u);
    expect_once(*a_, packet, std::to_string(ip_size) + " bytes");
    EXPECT_EQ(a_->received_through_raw_socket(), ip_size == limit ? 0u : ip_size == limit + 1 ? 1u : 2u) << ip_size;
  }
  EXPECT_EQ(a_->dropped(), 0u);
}

TEST_F(PacketAcrossNamespaces, LoopbackDestinationGoesThroughTheKernelAndArrivesInTheRing) {
  // A second PacketTransport in a's namespace: loopback frames reach its ring, and what it sends to
  // a local address (a local route, not Ethernet) goes through its raw socket.
  auto c = open_in<PacketTransport>(pair_.a(), PacketOptions{{NetnsPair::a_v4()}});
  ASSERT_TRUE(c);
  c->bind_port(7000);
  for (const auto& to : {wire::IpAddress::v4(127, 0, 0, 1), NetnsPair::a_v4()}) {
    const auto packet = testing::sctp_packet(7000, 5000, 0x10c0, 64);
    ASSERT_EQ(c->send(std::array{OutgoingPacket{{}, to, packet}}), 1u);
    std::array<ReceivedPacket, 8> in;
    ASSERT_EQ(receive_wait(*a_, in, 2000), 1u) << to.to_string();
    EXPECT_EQ(in[0].destination, to);
    EXPECT_TRUE(std::equal(packet.begin(), packet.end(), in[0].data.begin()));
    // c is bound to 10.201.0.1: its filter lets through only what is addressed there.
    const auto back = testing::sctp_packet(5000, 7000, 0x10c1, 64);
    ASSERT_EQ(a_->send(std::array{OutgoingPacket{{}, to, back}}), 1u);
    EXPECT_EQ(receive_wait(*c, in, to == NetnsPair::a_v4() ? 2000 : 300), to == NetnsPair::a_v4() ? 1u : 0u)
        << to.to_string();
  }
  EXPECT_EQ(c->sent_through_raw_socket(), 2u);
}

TEST(PacketTransport, RefusesIpv6AddressesWithAMessageThatSaysWhatToDo) {
  auto opened = PacketTransport::open(PacketOptions{{*wire::IpAddress::parse("::1")}});
  auto* error = std::get_if<TransportError>(&opened);
  ASSERT_NE(error, nullptr);
  EXPECT_EQ(error->code, TransportError::Code::AddressInvalid);
  EXPECT_NE(error->message.find("--raw-io socket"), std::string::npos) << error->message;
}

TEST(ParseIpv4Frame, TakesAtomicDatagramsThatFitLeavesTheRestToTheRawSocket) {
  constexpr size_t kLimit = 1968;
  const auto sctp = testing::sctp_packet(1, 2);
  std::vector<uint8_t> datagram(kIpv4HeaderSize + sctp.size());
  write_frame_ipv4_header(std::span(datagram).first<kIpv4HeaderSize>(), wire::IpAddress::v4(10, 0, 0, 1),
                          wire::IpAddress::v4(10, 0, 0, 2), sctp.size(), 0x1234);
  std::copy(sctp.begin(), sctp.end(), datagram.begin() + kIpv4HeaderSize);
  RingFrame kind = RingFrame::Malformed;
  auto ok = parse_ipv4_frame(datagram, kLimit, kind);
  ASSERT_TRUE(ok);
  EXPECT_EQ(kind, RingFrame::Sctp);
  EXPECT_EQ(ok->payload.size(), sctp.size());
  EXPECT_EQ(ok->destination, wire::IpAddress::v4(10, 0, 0, 2));
  // The checksum we wrote sums to 0xffff with it included (RFC 1071).
  uint32_t sum = 0;
  for (size_t i = 0; i < kIpv4HeaderSize; i += 2) sum += wire::load_u16(datagram, i);
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  EXPECT_EQ(sum, 0xffffu);
  EXPECT_EQ(wire::load_u16(datagram, 4), 0x1234);
  EXPECT_EQ(datagram[8], 64);
  EXPECT_EQ(wire::load_u16(datagram, 6), 0x4000);  // DF

  for (uint16_t flags : {uint16_t{0x2000}, uint16_t{0x0001}, uint16_t{0x20b9}, uint16_t{0x6000}}) {
    auto f = datagram;  // MF; an offset; both; MF with DF
    wire::store_u16(f, 6, flags);
    EXPECT_FALSE(parse_ipv4_frame(f, kLimit, kind));
    EXPECT_EQ(kind, RingFrame::Fragment) << flags;
  }
  auto no_df = datagram;
  wire::store_u16(no_df, 6, 0);
  EXPECT_FALSE(parse_ipv4_frame(no_df, kLimit, kind));
  EXPECT_EQ(kind, RingFrame::RawSocket);
  // Longer than a ring frame holds: truncated in the ring, whole through the raw socket.
  auto too_long = datagram;
  wire::store_u16(too_long, 2, static_cast<uint16_t>(kLimit + 1));
  EXPECT_FALSE(parse_ipv4_frame(too_long, kLimit, kind));
  EXPECT_EQ(kind, RingFrame::RawSocket);
  EXPECT_TRUE(parse_ipv4_frame(datagram, datagram.size(), kind));  // exactly the limit
  EXPECT_EQ(kind, RingFrame::Sctp);

  auto long_total = datagram;
  wire::store_u16(long_total, 2, static_cast<uint16_t>(datagram.size() + 1));  // longer than the frame
  EXPECT_FALSE(parse_ipv4_frame(long_total, kLimit, kind));
  EXPECT_EQ(kind, RingFrame::Malformed);
  auto long_header = datagram;
  long_header[0] = 0x4f;  // 60 bytes of header in a 36-byte datagram
  EXPECT_FALSE(parse_ipv4_frame(long_header, kLimit, kind));
  EXPECT_EQ(kind, RingFrame::Malformed);
  auto v6 = datagram;
  v6[0] = 0x65;
  EXPECT_FALSE(parse_ipv4_frame(v6, kLimit, kind));
  EXPECT_EQ(kind, RingFrame::Malformed);
  auto udp = datagram;
  udp[9] = 17;
  EXPECT_FALSE(parse_ipv4_frame(udp, kLimit, kind));
  EXPECT_EQ(kind, RingFrame::Malformed);
  EXPECT_FALSE(parse_ipv4_frame(std::span(datagram).first(19), kLimit, kind));
  EXPECT_EQ(kind, RingFrame::Malformed);
}

}  // namespace
}  // namespace sctpkit::net
