#include "net/raw_ip_transport.h"

#include <gtest/gtest.h>
#include <poll.h>

#include <array>
#include <filesystem>
#include <fstream>

#include "as_nobody.h"
#include "net/netns.h"
#include "net/receive_wait.h"
#include "net/test_packets.h"

namespace sctpkit::net {
namespace {

using testing::NetnsPair;
using testing::receive_wait;

std::unique_ptr<RawIpTransport> open_raw_in(const std::string& netns) {
  testing::InNetns in(netns);
  if (!in.ok()) return nullptr;
  auto opened = RawIpTransport::open({});
  if (auto* error = std::get_if<TransportError>(&opened)) {
    ADD_FAILURE() << error->message;
    return nullptr;
  }
  return std::move(std::get<std::unique_ptr<RawIpTransport>>(opened));
}

class RawIpAcrossNamespaces : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!pair_.available()) GTEST_SKIP() << pair_.reason();
    // Both ends hold their raw socket open for the whole test: a namespace without one answers
    // SCTP with ICMP protocol-unreachable (design.md 5).
    a_ = open_raw_in(pair_.a());
    b_ = open_raw_in(pair_.b());
    ASSERT_TRUE(a_ && b_);
    a_->bind_port(5000);
    b_->bind_port(6000);
  }
  void round_trip(const wire::IpAddress& a_address, const wire::IpAddress& b_address) {
    const auto packet = testing::sctp_packet(6000, 5000, 0xa1b2c3d4, 37);
    ASSERT_EQ(b_->send(std::array{OutgoingPacket{{}, a_address, packet}}), 1u);
    std::array<ReceivedPacket, 8> in;
    ASSERT_EQ(receive_wait(*a_, in, 2000), 1u);
    EXPECT_EQ(in[0].source, b_address);
    EXPECT_EQ(in[0].destination, a_address);
    // The IPv4 header is stripped: what comes out is the SCTP packet exactly as sent.
    ASSERT_EQ(in[0].data.size(), packet.size());
    EXPECT_TRUE(std::equal(packet.begin(), packet.end(), in[0].data.begin()));

    const auto reply = testing::sctp_packet(5000, 6000, 0x0badcafe);
    ASSERT_EQ(a_->send(std::array{OutgoingPacket{a_address, b_address, reply}}), 1u);
    ASSERT_EQ(receive_wait(*b_, in, 2000), 1u);
    EXPECT_EQ(wire::load_u32(in[0].data, 4), 0x0badcafeu);
    EXPECT_EQ(in[0].source, a_address);
  }

  NetnsPair pair_;
  std::unique_ptr<RawIpTransport> a_, b_;
};

TEST_F(RawIpAcrossNamespaces, Ipv4RoundTrip) { round_trip(NetnsPair::a_v4(), NetnsPair::b_v4()); }

TEST_F(RawIpAcrossNamespaces, Ipv6RoundTrip) { round_trip(NetnsPair::a_v6(), NetnsPair::b_v6()); }

TEST_F(RawIpAcrossNamespaces, OneCallSendsRunsForEitherSocketAndMoreThanABatch) {
  // send() cuts the packets into runs per socket (IPv4, IPv6) of at most one batch each: every
  // packet must leave exactly once, through its own family's socket, whatever the run boundaries.
  std::vector<std::vector<uint8_t>> bytes;
  std::vector<OutgoingPacket> out;
  std::vector<bool> v6;
  const size_t count = 2 * BatchIo::kBatch + 5;
  for (size_t k = 0; k < count; ++k) {
    // Runs of 1, 2, then a long IPv4 one across two batches, then alternating.
    const bool six = k == 0 || k == 3 || k == 4 || (k > 2 * BatchIo::kBatch && k % 2 == 1);
    v6.push_back(six);
    bytes.push_back(testing::sctp_packet(6000, 5000, static_cast<uint32_t>(k), 8));
  }
  for (size_t k = 0; k < count; ++k)
    out.push_back(OutgoingPacket{{}, v6[k] ? NetnsPair::a_v6() : NetnsPair::a_v4(), bytes[k]});
  ASSERT_EQ(b_->send(out), count);
  std::vector<int> seen(count, 0);
  std::array<ReceivedPacket, 8> in;
  for (size_t got = 0; got < count;) {
    const size_t n = receive_wait(*a_, in, 2000);
    ASSERT_GT(n, 0u) << "received " << got << " of " << count;
    for (size_t j = 0; j < n; ++j) {
      const uint32_t tag = wire::load_u32(in[j].data, 4);
      ASSERT_LT(tag, count);
      ++seen[tag];
      EXPECT_EQ(in[j].source, v6[tag] ? NetnsPair::b_v6() : NetnsPair::b_v4()) << tag;
    }
    got += n;
  }
  EXPECT_EQ(std::count(seen.begin(), seen.end(), 1), static_cast<long>(count));
}

TEST_F(RawIpAcrossNamespaces, PacketToAPortWeDidNotBindIsIgnoredNotAnswered) {
  for (const auto& [to, from] : {std::pair{NetnsPair::a_v4(), NetnsPair::b_v4()},
                                 std::pair{NetnsPair::a_v6(), NetnsPair::b_v6()}}) {
    const uint64_t dropped_before = a_->dropped();
    const auto other = testing::sctp_packet(6000, 5001);
    ASSERT_EQ(b_->send(std::array{OutgoingPacket{from, to, other}}), 1u);
    std::array<ReceivedPacket, 8> in;
    EXPECT_EQ(receive_wait(*a_, in, 300), 0u);  // not handed to our engine...
    EXPECT_EQ(a_->dropped(), dropped_before + 1);
    EXPECT_EQ(receive_wait(*b_, in, 300), 0u);  // ...and nothing came back to the sender
  }
}

TEST_F(RawIpAcrossNamespaces, Ipv4PacketLargerThanTheLinkMtuStillArrivesFragmented) {
  // We write IPv4 headers ourselves (IP_HDRINCL), and then the kernel refuses rather than fragments
  // a packet larger than the device MTU: the transport must hand fragmentation back to the kernel.
  const std::string veth = fmt::format("sk-vb{}", ::getpid() % 100000);
  ASSERT_EQ(std::system(fmt::format("ip -n {} link set {} mtu 1280", pair_.b(), veth).c_str()), 0);
  std::array<ReceivedPacket, 8> in;
  for (size_t size : {1400u, 1500u}) {  // the second goes out after the switch, as the first did
    const auto big = testing::sctp_packet(6000, 5000, 0x5eedf00d, size);
    ASSERT_EQ(b_->send(std::array{OutgoingPacket{{}, NetnsPair::a_v4(), big}}), 1u) << size;
    ASSERT_EQ(receive_wait(*a_, in, 2000), 1u) << size;
    ASSERT_EQ(in[0].data.size(), big.size());
    EXPECT_TRUE(std::equal(big.begin(), big.end(), in[0].data.begin()));
    EXPECT_EQ(in[0].source, NetnsPair::b_v4());
  }
  // A small packet still goes, and nothing else was queued (no duplicates of the big ones).
  const auto small = testing::sctp_packet(6000, 5000, 0x5eedf00d, 8);
  ASSERT_EQ(b_->send(std::array{OutgoingPacket{{}, NetnsPair::a_v4(), small}}), 1u);
  ASSERT_EQ(receive_wait(*a_, in, 2000), 1u);
  EXPECT_EQ(in[0].data.size(), small.size());
}

TEST(RawIpTransport, WithoutCapNetRawTheErrorSaysSoAndSuggestsUdp) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root to drop privileges in a child";
  test::NobodyOutcome child;
  ASSERT_NO_FATAL_FAILURE(test::run_as_nobody(
      [] {
        auto opened = RawIpTransport::open({});
        const auto* error = std::get_if<TransportError>(&opened);
        const int code = error == nullptr ? 3 : (error->code == TransportError::Code::NoPrivilege ? 0 : 4);
        return std::pair{code, error ? error->message : std::string()};
      },
      child));
  const std::string& message = child.message;
  EXPECT_EQ(child.exit_code, 0) << message;
  EXPECT_NE(message.find("CAP_NET_RAW"), std::string::npos) << message;
  EXPECT_NE(message.find("--udp"), std::string::npos) << message;
  EXPECT_EQ(message.find('\n'), std::string::npos);
}

TEST(RawIpTransport, DetectsTheKernelSctpModule) {
  const auto root = std::filesystem::temp_directory_path() / fmt::format("sctpkit-kmod-{}", ::getpid());
  std::filesystem::create_directories(root / "proc/net");
  std::filesystem::create_directories(root / "sys/module");
  EXPECT_FALSE(RawIpTransport::kernel_sctp_loaded(root / "proc", root / "sys"));
  std::ofstream(root / "proc/net/sctp").put('\n');
  EXPECT_TRUE(RawIpTransport::kernel_sctp_loaded(root / "proc", root / "sys"));
  std::filesystem::remove(root / "proc/net/sctp");
  std::filesystem::create_directories(root / "sys/module/sctp");
  EXPECT_TRUE(RawIpTransport::kernel_sctp_loaded(root / "proc", root / "sys"));
  std::filesystem::remove_all(root);
  // The warning, when there is one, names both ways out.
  if (auto warning = RawIpTransport::kernel_sctp_warning()) {
    EXPECT_NE(warning->find("--udp"), std::string::npos);
    EXPECT_NE(warning->find("kernel backend"), std::string::npos);
  }
}

TEST(StripIpv4Header, AcceptsSctpAndRejectsMalformedHeaders) {
  std::vector<uint8_t> d(20 + 12, 0);
  d[0] = 0x45;
  wire::store_u16(d, 2, static_cast<uint16_t>(d.size()));
  d[9] = kIpProtocolSctp;
  d[16] = 10, d[17] = 0, d[18] = 0, d[19] = 7;
  auto ok = strip_ipv4_header(d);
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->payload.size(), 12u);
  EXPECT_EQ(ok->destination, wire::IpAddress::v4(10, 0, 0, 7));
  auto bad = d;
  bad[0] = 0x4f;  // a 60-byte header in a 32-byte datagram
  EXPECT_FALSE(strip_ipv4_header(bad));
  bad = d;
  bad[0] = 0x44;  // IHL 4: shorter than the fixed header
  EXPECT_FALSE(strip_ipv4_header(bad));
  bad = d;
  wire::store_u16(bad, 2, 200);  // total length beyond what we read
  EXPECT_FALSE(strip_ipv4_header(bad));
  bad = d;
  bad[9] = 17;
  EXPECT_FALSE(strip_ipv4_header(bad));
  EXPECT_FALSE(strip_ipv4_header(std::span(d).first(19)));
}

TEST(WriteIpv4Header, WritesWhatStripIpv4HeaderReadsAndLeavesTheKernelItsFields) {
  std::vector<uint8_t> d(kIpv4HeaderSize + 16, 0xee);
  write_ipv4_header(std::span<uint8_t, kIpv4HeaderSize>(d.data(), kIpv4HeaderSize), wire::IpAddress::v4(10, 0, 0, 1),
                    wire::IpAddress::v4(10, 0, 0, 7), 16, 61);
  auto stripped = strip_ipv4_header(d);
  ASSERT_TRUE(stripped);
  EXPECT_EQ(stripped->destination, wire::IpAddress::v4(10, 0, 0, 7));
  EXPECT_EQ(stripped->payload.size(), 16u);
  EXPECT_EQ(wire::load_u16(d, 6), 0x4000);  // DF, offset 0
  EXPECT_EQ(d[8], 61);                      // the TTL given
  EXPECT_EQ(wire::load_u16(d, 4), 0);       // identification: the kernel chooses one
  EXPECT_EQ(wire::load_u16(d, 10), 0);      // checksum: the kernel computes it
  EXPECT_EQ(wire::IpAddress::v4(d.data() + 12), wire::IpAddress::v4(10, 0, 0, 1));
  // An unspecified source stays 0.0.0.0, which the kernel replaces with the route's.
  write_ipv4_header(std::span<uint8_t, kIpv4HeaderSize>(d.data(), kIpv4HeaderSize), wire::IpAddress{},
                    wire::IpAddress::v4(10, 0, 0, 7), 16, 64);
  EXPECT_EQ(wire::load_u32(d, 12), 0u);
  EXPECT_EQ(d[kIpv4HeaderSize], 0xee);  // the payload is not touched
}

}  // namespace
}  // namespace sctpkit::net
