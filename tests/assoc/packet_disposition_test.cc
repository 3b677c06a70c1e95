// Endpoint::handle_packet says what became of each packet, so that an embedder learns from the
// network (RFC 6951 5.4: UDP encapsulation ports) only what the engine verified.
#include <gtest/gtest.h>

#include "assoc/endpoint.h"
#include "assoc/random.h"
#include "wire/packet.h"
#include "endpoint_pair.h"

namespace sctpkit::assoc {
namespace {

using testing::EndpointPair;

std::vector<uint8_t> next_packet(Endpoint& e, TimePoint now) {
  auto t = e.poll_transmit(now);
  if (!t) return {};
  return {t->packet.begin(), t->packet.end()};
}

TEST(PacketDisposition, HandshakePacketsAreStatelessThenAcceptedAndForgeriesDropped) {
  EndpointPair pair;
  pair.connect();
  const auto client = pair.address[0], server = pair.address[1];
  const TimePoint now = pair.now;

  const auto init = next_packet(pair.client(), now);
  ASSERT_FALSE(init.empty());
  // RFC 9260 5.1.3: the INIT is answered without state.
  EXPECT_EQ(pair.server().handle_packet(init, client, server, now), PacketDisposition::AnsweredStateless);
  const auto init_ack = next_packet(pair.server(), now);
  ASSERT_FALSE(init_ack.empty());

  // A forged INIT ACK (its tag altered, checksum fixed up) is not the client's.
  auto forged = init_ack;
  forged[4] ^= 0xff;
  forged[8] = forged[9] = forged[10] = forged[11] = 0;
  const uint32_t crc = wire::compute_checksum(forged);
  for (int i = 0; i < 4; ++i) forged[8 + i] = static_cast<uint8_t>(crc >> (8 * i));
  EXPECT_EQ(pair.client().handle_packet(forged, server, client, now), PacketDisposition::Dropped);
  // RFC 9260 6.8: a bad checksum.
  auto corrupt = init_ack;
  corrupt.back() ^= 1;
  EXPECT_EQ(pair.client().handle_packet(corrupt, server, client, now), PacketDisposition::Dropped);
  // Truncated: not even a packet.
  EXPECT_EQ(pair.client().handle_packet(std::span(init_ack).first(10), server, client, now),
            PacketDisposition::Dropped);

  EXPECT_EQ(pair.client().handle_packet(init_ack, server, client, now), PacketDisposition::Accepted);
  const auto cookie_echo = next_packet(pair.client(), now);
  ASSERT_FALSE(cookie_echo.empty());
  // RFC 9260 5.1.5: a cookie that passes its MAC check creates the association.
  EXPECT_EQ(pair.server().handle_packet(cookie_echo, client, server, now), PacketDisposition::Accepted);
  EXPECT_EQ(pair.server().associations().size(), 1u);
}

TEST(PacketDisposition, OutOfTheBlueAnswersAreStatelessAndSilentDiscardsAreDropped) {
  EndpointPair pair;
  const auto client = pair.address[0], server = pair.address[1];
  // RFC 9260 8.4 (8): a HEARTBEAT out of the blue gets an ABORT.
  std::vector<uint8_t> heartbeat = {0x13, 0x88, 0x00, 0x07, 0x12, 0x34, 0x56, 0x78, 0, 0, 0, 0,
                                    4,    0,    0,    12,   0,    1,    0,    8,    1, 2, 3, 4};
  auto seal = [](std::vector<uint8_t>& p) {
    const uint32_t crc = wire::compute_checksum(p);
    for (int i = 0; i < 4; ++i) p[8 + i] = static_cast<uint8_t>(crc >> (8 * i));
  };
  seal(heartbeat);
  EXPECT_EQ(pair.server().handle_packet(heartbeat, client, server, pair.now), PacketDisposition::AnsweredStateless);
  // RFC 9260 8.4 (2): an ABORT out of the blue is discarded in silence.
  std::vector<uint8_t> abort = {0x13, 0x88, 0x00, 0x07, 0x12, 0x34, 0x56, 0x78, 0, 0, 0, 0, 6, 0, 0, 4};
  seal(abort);
  EXPECT_EQ(pair.server().handle_packet(abort, client, server, pair.now), PacketDisposition::Dropped);
}

}  // namespace
}  // namespace sctpkit::assoc
