// (c) Our wire codec against the Linux kernel: INITs built with wire::PacketBuilder, sent from the
// namespace over a raw socket, and the kernel's answers parsed with our parser.
#include <gtest/gtest.h>
#include <netinet/in.h>

#include <array>
#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "kernel/kernel_peer.h"
#include "kernel/raw_sctp_socket.h"
#include "wire/chunk_types.h"
#include "wire/control_chunks.h"
#include "wire/handshake_chunks.h"
#include "wire/packet.h"
#include "wire/parameters.h"
#include "wire/tlv.h"

namespace sctpkit::kernel_test {
namespace {

using std::chrono::seconds;

constexpr uint32_t kOurTag = 0x5c7a1e01;
constexpr uint16_t kOurStreams = 10;

struct Family {
  const char* name;
  int family;
  const char* guest;
  uint16_t echo_port;
  uint16_t closed_port;
  uint16_t our_port;
};

std::vector<uint8_t> build_init(uint16_t source_port, uint16_t destination_port, uint32_t tag) {
  std::array<uint8_t, 128> buffer{};
  // RFC 9260 8.5.1: a packet carrying INIT has Verification Tag 0.
  wire::PacketBuilder builder(buffer, buffer.size(), {source_port, destination_port, wire::VerificationTag(0), 0});
  wire::InitChunk init;
  init.initiate_tag = wire::VerificationTag(tag);
  init.a_rwnd = 65536;
  init.outbound_streams = kOurStreams;
  init.inbound_streams = kOurStreams;
  init.initial_tsn = wire::Tsn(1000);
  EXPECT_TRUE(builder.add(init));
  const wire::MutableBytes packet = builder.finish();
  return {packet.begin(), packet.end()};
}

// Answers from the guest's port to ours; other SCTP traffic in the namespace is not for this test.
auto from_port(uint16_t guest_port, uint16_t our_port) {
  return [=](wire::Bytes packet) {
    auto header = wire::parse_common_header(packet);
    return header.ok() && header->source_port == guest_port && header->destination_port == our_port;
  };
}

class CodecAgainstKernel : public ::testing::TestWithParam<Family> {};

TEST_P(CodecAgainstKernel, InitToListenerGetsValidInitAck) {
  SCTPKIT_KERNEL_PEER(peer);
  const Family& f = GetParam();
  const std::string program = std::string("echo_") + f.name;
  peer->start_program(program, std::string("echo_stream ") + (f.family == AF_INET6 ? "-6 " : "") +
                                   std::to_string(f.echo_port));
  ASSERT_TRUE(peer->wait_for_line(program, "ready")) << peer->program_log(program);
  const long long checksum_errors = peer->snmp()["SctpChecksumErrors"];

  RawSctpSocket raw(*peer, f.family);
  ASSERT_TRUE(raw.ok());
  const std::vector<uint8_t> init = build_init(f.our_port, f.echo_port, kOurTag);
  ASSERT_TRUE(raw.send_to(f.guest, init));
  const auto answer = raw.receive(from_port(f.echo_port, f.our_port), seconds(10));
  ASSERT_TRUE(answer.has_value()) << "no answer to our INIT; console:\n" << peer->console_log();

  const wire::Bytes packet(*answer);
  EXPECT_TRUE(wire::verify_checksum(packet)) << "the kernel's CRC32c does not match ours";
  auto view = wire::PacketView::parse(packet);
  ASSERT_TRUE(view.ok()) << to_string(view.error());
  // RFC 9260 8.5: the INIT ACK carries the Initiate Tag of our INIT as its Verification Tag.
  EXPECT_EQ(view->header().verification_tag, wire::VerificationTag(kOurTag));
  ASSERT_EQ(view->chunk_count(), 1u);
  const wire::RawChunk chunk = *view->begin();  // a copy: the iterator owns what * refers to
  ASSERT_EQ(chunk.type, wire::to_u8(wire::ChunkType::InitAck));
  auto init_ack = wire::InitAckChunk::parse(chunk);
  ASSERT_TRUE(init_ack.ok()) << to_string(init_ack.error());
  EXPECT_NE(init_ack->initiate_tag.value(), 0u);  // RFC 9260 3.3.3: never 0
  // RFC 9260 5.1.1: the peer may not send on more streams than we said we take in.
  EXPECT_GE(init_ack->outbound_streams, 1);
  EXPECT_LE(init_ack->outbound_streams, kOurStreams);
  EXPECT_GE(init_ack->inbound_streams, 1);

  // RFC 9260 3.3.3: the State Cookie parameter is mandatory; every parameter must parse.
  std::optional<size_t> cookie_size;
  wire::TlvReader parameters(init_ack->parameters);
  while (auto parameter = parameters.next()) {
    ASSERT_TRUE(parameter->ok()) << to_string(parameter->error());
    if (parameter->value().type == wire::StateCookie::kType) {
      auto cookie = wire::StateCookie::parse(parameter->value());
      ASSERT_TRUE(cookie.ok());
      cookie_size = cookie->cookie.size();
    }
  }
  ASSERT_TRUE(cookie_size.has_value()) << "INIT ACK without a State Cookie";
  EXPECT_GT(*cookie_size, 0u);

  // The kernel took our CRC32c: no checksum errors counted.
  EXPECT_EQ(peer->snmp()["SctpChecksumErrors"], checksum_errors);
  peer->stop_program(program);
}

TEST_P(CodecAgainstKernel, InitToClosedPortGetsAbort) {
  SCTPKIT_KERNEL_PEER(peer);
  const Family& f = GetParam();
  const long long out_of_blue = peer->snmp()["SctpOutOfBlues"];
  RawSctpSocket raw(*peer, f.family);
  ASSERT_TRUE(raw.ok());
  const uint32_t tag = kOurTag + 1;
  ASSERT_TRUE(raw.send_to(f.guest, build_init(f.our_port + 1, f.closed_port, tag)));
  const auto answer = raw.receive(from_port(f.closed_port, f.our_port + 1), seconds(10));
  ASSERT_TRUE(answer.has_value()) << "no ABORT for an INIT to a closed port";

  const wire::Bytes packet(*answer);
  EXPECT_TRUE(wire::verify_checksum(packet));
  auto view = wire::PacketView::parse(packet);
  ASSERT_TRUE(view.ok()) << to_string(view.error());
  ASSERT_GE(view->chunk_count(), 1u);
  ASSERT_EQ(view->begin()->type, wire::to_u8(wire::ChunkType::Abort));
  auto abort = wire::AbortChunk::parse(*view->begin());
  ASSERT_TRUE(abort.ok());
  // RFC 9260 8.4 item 3: an ABORT answering an INIT carries the INIT's Initiate Tag, T bit clear.
  EXPECT_EQ(view->header().verification_tag, wire::VerificationTag(tag));
  EXPECT_FALSE(abort->tag_reflected);
  EXPECT_GT(peer->snmp()["SctpOutOfBlues"], out_of_blue);
}

TEST_P(CodecAgainstKernel, BadChecksumIsCountedAndDropped) {
  SCTPKIT_KERNEL_PEER(peer);
  const Family& f = GetParam();
  peer->start_program(std::string("crc_") + f.name, std::string("echo_stream ") +
                                                        (f.family == AF_INET6 ? "-6 " : "") +
                                                        std::to_string(f.echo_port + 10));
  ASSERT_TRUE(peer->wait_for_line(std::string("crc_") + f.name, "ready"));
  const long long checksum_errors = peer->snmp()["SctpChecksumErrors"];
  RawSctpSocket raw(*peer, f.family);
  ASSERT_TRUE(raw.ok());
  std::vector<uint8_t> init = build_init(f.our_port + 2, static_cast<uint16_t>(f.echo_port + 10), kOurTag + 2);
  init[wire::kChecksumOffset] ^= 0xff;
  ASSERT_TRUE(raw.send_to(f.guest, init));
  // RFC 9260 6.8: a packet with an invalid checksum is discarded silently.
  EXPECT_FALSE(raw.receive(from_port(static_cast<uint16_t>(f.echo_port + 10), f.our_port + 2), seconds(2)));
  // The counter the INIT ACK test relies on does move for a bad CRC32c.
  EXPECT_EQ(peer->snmp()["SctpChecksumErrors"], checksum_errors + 1);
  peer->stop_program(std::string("crc_") + f.name);
}

INSTANTIATE_TEST_SUITE_P(Families, CodecAgainstKernel,
                         ::testing::Values(Family{"ipv4", AF_INET, kGuestIpv4, 30102, 30199, 40000},
                                           Family{"ipv6", AF_INET6, kGuestIpv6, 30103, 30198, 40010}),
                         [](const ::testing::TestParamInfo<Family>& info) { return std::string(info.param.name); });

}  // namespace
}  // namespace sctpkit::kernel_test
