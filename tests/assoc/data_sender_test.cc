#include "assoc/data_sender.h"

#include <gtest/gtest.h>

#include <array>
#include <vector>

#include "wire/data_chunks.h"

namespace sctpkit::assoc {
namespace {

using namespace std::chrono_literals;

const wire::IpAddress kA = wire::IpAddress::v4(10, 0, 0, 1);
const wire::IpAddress kB = wire::IpAddress::v4(10, 0, 0, 2);
constexpr uint32_t kTsn = 1000;

struct Sent {
  std::vector<uint32_t> tsns;
  std::vector<size_t> sizes;
};

class DataSenderTest : public ::testing::Test {
 protected:
  DataSenderTest() {
    config.max_packet_size = 1200;
    config.rto_initial = 1s;
    config.rto_min = 100ms;
    config.path_max_retransmits = 2;
    config.association_max_retransmits = 3;
    config.send_buffer = 10'000;
    config.max_message_size = 8'000;
  }
  void make(std::vector<wire::IpAddress> addresses = {kA}, uint32_t peer_rwnd = 100'000) {
    addresses_ = std::move(addresses);
    paths.emplace(config, addresses_, addresses_.front(), addresses_, random, now);
    sender.emplace(config, wire::Tsn(kTsn), 4, peer_rwnd, *paths);
  }
  // One packet to `path`; returns the DATA chunks' TSNs and payload sizes.
  Sent packet(Path& path) {
    wire::PacketBuilder builder(buffer, config.max_packet_size, {1, 2, wire::VerificationTag(9), 0});
    sender->begin_burst();  // each packet() stands for its own input (RFC 9260 6.1 rule 4)
    sender->write_data(builder, path, now);
    Sent out;
    const auto bytes = builder.finish();
    auto view = wire::PacketView::parse(bytes);
    EXPECT_TRUE(view);
    for (const wire::RawChunk& raw : *view) {
      auto data = wire::DataChunk::parse(raw);
      EXPECT_TRUE(data);
      out.tsns.push_back(data->tsn.value());
      out.sizes.push_back(data->user_data.size());
    }
    return out;
  }
  void sack(uint32_t cum, uint32_t a_rwnd, std::vector<wire::GapAckBlock> gaps = {}) {
    wire::SackChunk s{wire::Tsn(cum), a_rwnd, wire::WireList<wire::GapAckBlock>::of(gaps), {}};
    last_sack = sender->on_sack(s, *paths, now);
  }
  SendResult send(size_t size, uint16_t stream = 0) {
    std::vector<uint8_t> m(size, 0xAB);
    return sender->send(m, wire::StreamId(stream), wire::Ppid(0), false);
  }

  EndpointConfig config;
  SeededRandom random{1};
  TimePoint now{};
  std::vector<wire::IpAddress> addresses_;
  std::optional<PathManager> paths;
  std::optional<DataSender> sender;
  DataSender::SackOutcome last_sack;
  std::array<uint8_t, 2048> buffer{};
};

TEST_F(DataSenderTest, RegistersEveryPathAsADestination) {
  make({kA, kB});
  EXPECT_EQ(sender->retransmissions().destination_count(), 2u);
  EXPECT_NE(paths->find(kA)->destination, paths->find(kB)->destination);
  EXPECT_EQ(paths->find(kA)->rto, 1s);
}

TEST_F(DataSenderTest, SendMapsQueueRefusals) {
  make();
  EXPECT_EQ(send(0), SendResult::EmptyMessage);           // RFC 9260 6: at least one byte
  EXPECT_EQ(send(10, 4), SendResult::InvalidStream);      // only 4 outbound streams
  EXPECT_EQ(send(9'000), SendResult::MessageTooLarge);
  EXPECT_EQ(send(8'000), SendResult::Ok);
  EXPECT_EQ(send(8'000), SendResult::WouldBlock);  // the 10 000 byte buffer is full
}

// RFC 9260 6.1 / 6.9: a message larger than a packet is cut into fragments that each fit an empty
// packet, with consecutive TSNs, bundled as many per packet as fit.
TEST_F(DataSenderTest, FragmentsFitThePacketAndUseConsecutiveTsns) {
  make();
  ASSERT_EQ(send(3000), SendResult::Ok);
  const Sent first = packet(paths->primary());
  ASSERT_EQ(first.tsns.size(), 1u);
  EXPECT_EQ(first.tsns[0], kTsn);
  // 1200 - 12 (common header) - 16 (DATA header) = 1172, a multiple of 4.
  EXPECT_EQ(first.sizes[0], 1172u);
  const Sent second = packet(paths->primary());
  ASSERT_EQ(second.tsns.size(), 1u);
  EXPECT_EQ(second.tsns[0], kTsn + 1);
  ASSERT_EQ(send(100), SendResult::Ok);
  ASSERT_EQ(send(100), SendResult::Ok);
  const Sent third = packet(paths->primary());
  // The message's tail (656 bytes) and both small messages share one packet.
  ASSERT_EQ(third.tsns.size(), 3u);
  EXPECT_EQ(third.sizes[0], 3000u - 2 * 1172u);
}

// RFC 9260 6.1 A: nothing beyond the peer's rwnd (except one probe when nothing is in flight).
TEST_F(DataSenderTest, PeerRwndLimitsNewData) {
  make({kA}, 2000);
  for (int i = 0; i < 4; ++i) ASSERT_EQ(send(1000), SendResult::Ok);
  EXPECT_EQ(packet(paths->primary()).tsns.size(), 1u);
  EXPECT_EQ(packet(paths->primary()).tsns.size(), 1u);
  EXPECT_TRUE(packet(paths->primary()).tsns.empty());
  EXPECT_FALSE(sender->wants_to_send(paths->primary()) && !packet(paths->primary()).tsns.empty());
}

// RFC 9260 6.2.1 / 8.1: a SACK that acknowledges new data says so; a stale one is ignored.
TEST_F(DataSenderTest, SackAcknowledgesAndStaleSackIsIgnored) {
  make();
  ASSERT_EQ(send(100), SendResult::Ok);
  ASSERT_EQ(send(100), SendResult::Ok);
  packet(paths->primary());
  EXPECT_FALSE(sender->idle());
  now += 50ms;
  sack(kTsn + 1, 100'000);
  EXPECT_TRUE(last_sack.accepted);
  EXPECT_TRUE(last_sack.new_data_acked);
  EXPECT_TRUE(sender->idle());
  sack(kTsn, 100'000);
  EXPECT_FALSE(last_sack.accepted);
  AssociationStatus status;
  sender->fill_status(status);
  EXPECT_EQ(status.counters.messages_sent, 2u);
  EXPECT_EQ(status.counters.bytes_sent, 200u);
  EXPECT_EQ(status.counters.data_chunks_sent, 2u);
  EXPECT_EQ(status.unacked_chunks, 0u);
}

// RFC 9260 12: a SACK for a TSN never sent is a protocol violation.
TEST_F(DataSenderTest, SackForUnsentTsnIsFlagged) {
  make();
  ASSERT_EQ(send(100), SendResult::Ok);
  packet(paths->primary());
  sack(kTsn + 5, 100'000);
  EXPECT_FALSE(last_sack.accepted);
  EXPECT_TRUE(last_sack.acks_unsent_tsn);
}

// RFC 9260 6.3.1 C2/C3: the RTT of a timed chunk feeds the destination's RTO, which the Path sees.
TEST_F(DataSenderTest, RttMeasurementUpdatesThePathRto) {
  make();
  ASSERT_EQ(send(100), SendResult::Ok);
  packet(paths->primary());
  now += 200ms;
  sack(kTsn, 100'000);
  // SRTT = 200 ms, RTTVAR = 100 ms: RTO = 200 + 4 * 100 = 600 ms.
  EXPECT_EQ(paths->primary().rto, 600ms);
  PathStatus ps;
  sender->fill_path_status(ps, paths->primary());
  EXPECT_EQ(ps.srtt, 200ms);
  EXPECT_EQ(ps.rto, 600ms);
}

// RFC 9260 8.3: heartbeat RTTs feed the same estimator.
TEST_F(DataSenderTest, HeartbeatRttSampleFeedsTheEstimator) {
  make({kA, kB});
  Path& b = *paths->find(kB);
  sender->on_rtt_sample(b, 300ms);
  EXPECT_EQ(sender->rto(b), 900ms);
  EXPECT_EQ(b.rto, 900ms);
  EXPECT_EQ(sender->rto(*paths->find(kA)), 1s);
}

// RFC 9260 6.3.3: T3-rtx expiry backs off the RTO, counts a path error and retransmits the chunk.
TEST_F(DataSenderTest, T3ExpiryBacksOffCountsAndRetransmits) {
  make();
  ASSERT_EQ(send(100), SendResult::Ok);
  packet(paths->primary());
  const auto deadline = sender->next_deadline();
  ASSERT_TRUE(deadline);
  EXPECT_EQ(*deadline, now + 1s);
  now = *deadline;
  bool failed = true;
  sender->on_timeout(*paths, now, failed);
  EXPECT_FALSE(failed);
  EXPECT_EQ(paths->primary().rto, 2s);
  EXPECT_EQ(paths->primary().error_count, 1u);
  EXPECT_EQ(paths->association_error_count(), 1u);
  const Sent again = packet(paths->primary());
  ASSERT_EQ(again.tsns.size(), 1u);
  EXPECT_EQ(again.tsns[0], kTsn);
  AssociationStatus status;
  sender->fill_status(status);
  EXPECT_EQ(status.counters.t3_expirations, 1u);
  EXPECT_EQ(status.counters.retransmitted_chunks, 1u);
  // The acknowledgement clears the path's error count (8.2).
  sack(kTsn, 100'000);
  EXPECT_EQ(paths->primary().error_count, 0u);
}

// RFC 9260 8.1: repeated T3 expiries fail the association.
TEST_F(DataSenderTest, RepeatedT3ExpiriesFailTheAssociation) {
  make();
  ASSERT_EQ(send(100), SendResult::Ok);
  packet(paths->primary());
  bool failed = false;
  int expiries = 0;
  while (!failed && expiries < 20) {
    now = *sender->next_deadline();
    sender->on_timeout(*paths, now, failed);
    ++expiries;
    packet(paths->primary());
  }
  EXPECT_TRUE(failed);
  EXPECT_EQ(expiries, 4);  // Association.Max.Retrans = 3
}

// RFC 9260 7.2.4: three miss indications trigger a fast retransmit of the missing TSN.
TEST_F(DataSenderTest, FastRetransmitAfterThreeMissIndications) {
  make();
  for (int i = 0; i < 5; ++i) ASSERT_EQ(send(100), SendResult::Ok);
  packet(paths->primary());  // TSNs 1000..1004
  now += 10ms;
  sack(kTsn - 1, 100'000, {{2, 2}});
  sack(kTsn - 1, 100'000, {{2, 3}});
  EXPECT_TRUE(packet(paths->primary()).tsns.empty());
  sack(kTsn - 1, 100'000, {{2, 4}});
  const Sent fr = packet(paths->primary());
  ASSERT_EQ(fr.tsns.size(), 1u);
  EXPECT_EQ(fr.tsns[0], kTsn);
  AssociationStatus status;
  sender->fill_status(status);
  EXPECT_EQ(status.counters.fast_retransmits, 1u);
}

// RFC 9260 9.2: SHUTDOWN's Cumulative TSN Ack acknowledges data like a SACK.
TEST_F(DataSenderTest, CumulativeAckFromShutdownAcknowledges) {
  make();
  ASSERT_EQ(send(100), SendResult::Ok);
  packet(paths->primary());
  const uint32_t rwnd_before = sender->retransmissions().peer_rwnd();
  sender->on_cumulative_ack(wire::Tsn(kTsn), *paths, now);
  EXPECT_TRUE(sender->idle());
  EXPECT_GE(sender->retransmissions().peer_rwnd(), rwnd_before);
}

// The send buffer signals space once after a WouldBlock, when it has drained.
TEST_F(DataSenderTest, SpaceAvailableOnceAfterWouldBlock) {
  make();
  ASSERT_EQ(send(8'000), SendResult::Ok);
  EXPECT_FALSE(sender->take_space_available());
  ASSERT_EQ(send(8'000), SendResult::WouldBlock);
  // cwnd lets about 4 packets go: the queue drains below its low-water mark (half the buffer).
  for (int i = 0; i < 7; ++i) packet(paths->primary());
  const auto space = sender->take_space_available();
  ASSERT_TRUE(space);
  AssociationStatus status;
  sender->fill_status(status);
  EXPECT_GE(*space, 5'000u);
  EXPECT_EQ(*space, 10'000u - status.queued_bytes);
  EXPECT_FALSE(sender->take_space_available());
}

// RFC 9260 5.2.6 / 5.1.1: a Stale Cookie retry granting fewer streams. A message on a stream gone
// comes back once, whole, though its first fragment had been sent (the peer discarded it) and the
// rest still waited; what is left goes again from the first TSN.
TEST_F(DataSenderTest, FewerOutboundStreamsHandBackTheirMessagesOnceAndRenumberTheRest) {
  make();
  ASSERT_EQ(send(3000, 3), SendResult::Ok);
  ASSERT_EQ(packet(paths->primary()).tsns, std::vector<uint32_t>{kTsn});  // its first fragment
  ASSERT_EQ(send(10, 0), SendResult::Ok);
  ASSERT_EQ(send(20, 3), SendResult::Ok);
  sender->resend_discarded();
  const auto lost = sender->set_outbound_streams(2);
  ASSERT_EQ(lost.size(), 2u);
  EXPECT_EQ(lost[0].stream, wire::StreamId(3));
  EXPECT_EQ(lost[0].data, std::vector<uint8_t>(3000, 0xAB));
  EXPECT_EQ(lost[1].data.size(), 20u);
  EXPECT_EQ(sender->queued_bytes(), 10u);
  EXPECT_EQ(sender->retransmissions().unacked_chunks(), 0u);
  const Sent again = packet(paths->primary());
  EXPECT_EQ(again.tsns, std::vector<uint32_t>{kTsn});
  EXPECT_EQ(again.sizes, std::vector<size_t>{10});
  EXPECT_EQ(sender->send(std::vector<uint8_t>(5, 1), wire::StreamId(2), wire::Ppid(0), false),
            SendResult::InvalidStream);
  // More streams than now: nothing is lost.
  EXPECT_TRUE(sender->set_outbound_streams(6).empty());
  EXPECT_EQ(send(5, 5), SendResult::Ok);
}

}  // namespace
}  // namespace sctpkit::assoc
