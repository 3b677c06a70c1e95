// AssociationTracker and the --summary table on hand-built conversations.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "extras_test_util.h"
#include "trace/association_tracker.h"

namespace sctpkit::trace {
namespace {

using namespace extras_testing;

// Handshake, a bundle, a retransmission, a gap report, a heartbeat, and an ABORT with a cause.
Conversation aborted_association() {
  Conversation c;
  c.add(0, true, 0, {init(100, 1000)});
  c.add(1, false, 100, {init(200, 5000, 2)});
  c.add(3, true, 200, {{10, 0, std::vector<uint8_t>(8, 0xC0)}});
  c.add(4, false, 100, {{11, 0, {}}});
  c.add(10, true, 200, {data(1000, 0x02), data(1001, 0x01)});
  c.add(11, true, 200, {data(1002, 0x03)});
  c.add(12, false, 100, {sack(1000, {{2, 2}})});
  c.add(20, true, 200, {data(1001, 0x01)});
  c.add(21, false, 100, {sack(1002, {}, {1001})});
  c.add(30, false, 100, {{4, 0, tlv(1, std::vector<uint8_t>(8, 1))}});
  c.add(31, true, 200, {{5, 0, tlv(1, std::vector<uint8_t>(8, 1))}});
  c.add(40, true, 200, {{6, 0, tlv(12, {'b', 'y', 'e'})}});
  return c;
}

AssociationTracker track(const Conversation& c) {
  AssociationTracker tracker;
  for (const Frame& f : c.frames()) EXPECT_TRUE(tracker.on_frame(f).has_value()) << "frame " << f.number;
  return tracker;
}

TEST(Summary, CountsEachDirectionAndDecodesTheAbort) {
  const auto tracker = track(aborted_association());
  ASSERT_EQ(tracker.associations().size(), 1u);
  EXPECT_EQ(format_summary(tracker),
            "association 1: 10.0.0.1.5000 (A) <-> 10.0.0.2.30102 (B)\n"
            "  time               +0.000000 s to +0.040000 s (0.040000 s)\n"
            "  verification tags  A 100 (0x00000064), B 200 (0x000000c8)\n"
            "  handshake RTT      INIT -> INIT ACK 1.000 ms, COOKIE ECHO -> COOKIE ACK 1.000 ms\n"
            "  end                aborted by A at +0.040000 s: User-Initiated Abort \"bye\"\n"
            "                                 A -> B      B -> A\n"
            "  packets                             7           5\n"
            "  bytes                             224         140\n"
            "  DATA chunks                         4           0\n"
            "  messages                            2           0\n"
            "  user data bytes                    12           0\n"
            "  retransmitted TSNs                  1           0\n"
            "  SACKs                               0           2\n"
            "  gap reports                         0           1\n"
            "  duplicate TSNs reported             0           1\n"
            "  heartbeats                          0           1\n"
            "  heartbeat acks                      1           0\n"
            "  malformed packets                   0           0\n");
}

TEST(Summary, JsonCarriesTheSameNumbers) {
  const auto j = summary_to_json(track(aborted_association()));
  ASSERT_EQ(j["associations"].size(), 1u);
  const auto& a = j["associations"][0];
  EXPECT_EQ(a["a"]["address"], "10.0.0.1");
  EXPECT_EQ(a["b"]["port"], 30102);
  EXPECT_EQ(a["a"]["tag"], 100);
  EXPECT_EQ(a["init_rtt_us"], 1000);
  EXPECT_EQ(a["a_to_b"]["retransmitted_tsns"], 1);
  EXPECT_EQ(a["b_to_a"]["gap_reports"], 1);
  EXPECT_EQ(a["end"]["kind"], "abort");
  EXPECT_EQ(a["end"]["by"], "A");
  EXPECT_EQ(a["end"]["causes"], "User-Initiated Abort \"bye\"");
  EXPECT_EQ(j["unattributed_packets"], 0);
}

TEST(Summary, ShutdownCompleteEndsAndANewInitStartsAnotherAssociation) {
  Conversation c;
  c.add(0, true, 0, {init(1, 10)});
  c.add(1, false, 1, {init(2, 20, 2)});
  c.add(5, false, 1, {{7, 0, be32(9)}});  // SHUTDOWN from the server
  c.add(6, true, 2, {{8, 0, {}}});
  c.add(7, false, 1, {{14, 0, {}}});
  c.add(9, true, 0, {init(3, 30)});
  const auto tracker = track(c);
  ASSERT_EQ(tracker.associations().size(), 2u);
  const auto& first = tracker.associations()[0];
  EXPECT_EQ(first.end, EndKind::ShutdownComplete);
  EXPECT_EQ(first.ended_by, Direction::BtoA);
  EXPECT_EQ(first.shutdown_by, Direction::BtoA);
  EXPECT_FALSE(first.cookie_rtt_us.has_value());
  const auto& second = tracker.associations()[1];
  EXPECT_EQ(second.tag_a, 3u);
  EXPECT_EQ(second.end, EndKind::Open);
  const std::string text = format_summary(tracker);
  EXPECT_NE(text.find("shutdown complete at +0.007000 s (SHUTDOWN COMPLETE sent by B, SHUTDOWN sent by B)"),
            std::string::npos) << text;
  EXPECT_NE(text.find("still open at end of capture"), std::string::npos) << text;
  EXPECT_NE(text.find("COOKIE ECHO -> COOKIE ACK not seen"), std::string::npos) << text;
}

TEST(Summary, ARetransmittedInitStaysInItsAssociation) {
  Conversation c;
  c.add(0, true, 0, {init(1, 10)});
  c.add(1000, true, 0, {init(1, 10)});
  c.add(1002, false, 1, {init(2, 20, 2)});
  const auto tracker = track(c);
  ASSERT_EQ(tracker.associations().size(), 1u);
  // Measured from the INIT that was answered, the latest one.
  EXPECT_EQ(tracker.associations()[0].init_rtt_us, 2000);
}

TEST(Summary, CaptureStartedMidAssociationLearnsTagsFromTraffic) {
  Conversation c;
  c.add(0, false, 77, {data(5, 0x03)});
  c.add(1, true, 88, {sack(5)});
  const auto tracker = track(c);
  ASSERT_EQ(tracker.associations().size(), 1u);
  const auto& s = tracker.associations()[0];
  EXPECT_EQ(s.a.port, 30102) << "A is the first sender seen";
  EXPECT_EQ(s.tag_b, 77u);
  EXPECT_EQ(s.tag_a, 88u);
  EXPECT_FALSE(s.saw_init);
  EXPECT_NE(format_summary(tracker).find("(capture began after the INIT)"), std::string::npos);
}

TEST(Summary, AnotherAddressOfAMultihomedPeerJoinsByTag) {
  Conversation c;
  c.add(0, true, 0, {init(100, 1)});
  c.add(1, false, 100, {init(200, 2, 2)});
  // The server answers from its second address 10.0.0.9 with the client's tag.
  Frame other = c.add(2, false, 100, {sack(0)});
  other.ip.source = {10, 0, 0, 9};
  AssociationTracker tracker;
  tracker.on_frame(c.frames()[0]);
  tracker.on_frame(c.frames()[1]);
  const auto tracked = tracker.on_frame(other);
  ASSERT_TRUE(tracked.has_value());
  EXPECT_EQ(tracked->association, 0u);
  EXPECT_EQ(tracked->direction, Direction::BtoA);
  // The summary says which other path carried traffic (it did not before: the table read as if all
  // went between 10.0.0.1 and 10.0.0.2).
  const auto& summary = tracker.associations()[0];
  ASSERT_EQ(summary.other_addresses_b.size(), 1u);
  EXPECT_EQ(summary.other_addresses_b[0].to_string(), "10.0.0.9");
  EXPECT_TRUE(summary.other_addresses_a.empty());
  EXPECT_NE(format_summary(tracker).find("  other addresses    A none; B 10.0.0.9\n"), std::string::npos)
      << format_summary(tracker);
  EXPECT_EQ(summary_to_json(tracker)["associations"][0]["b"]["other_addresses"][0], "10.0.0.9");
  // With a tag that is not the association's, it is another association.
  Frame stranger = other;
  std::vector<uint8_t> bytes(stranger.sctp.begin(), stranger.sctp.end());
  bytes[7] = 99;
  stranger.sctp = bytes;
  EXPECT_EQ(tracker.on_frame(stranger)->association, 1u);
}

TEST(Summary, MalformedAndTruncatedPacketsAreCountedNotFatal) {
  Conversation c;
  c.add(0, true, 0, {init(1, 10)});
  c.add(1, true, 5, {{0, 3, {1, 2, 3}}});               // DATA too short for its fields
  c.add_bytes(2, true, {0x13, 0x88, 0x75});              // no common header
  c.add(3, true, 5, {{3, 0, {}, uint16_t{40}}});         // chunk length past the end
  AssociationTracker tracker;
  for (const Frame& f : c.frames()) tracker.on_frame(f);
  ASSERT_EQ(tracker.associations().size(), 1u);
  EXPECT_EQ(tracker.associations()[0].from(Direction::AtoB).malformed, 2u);
  EXPECT_EQ(tracker.unattributed(), 1u);
  EXPECT_NE(format_summary(tracker).find("1 packet(s) not attributed"), std::string::npos);
}

// tcpdump -s 96 or an IP fragment cuts a healthy packet inside a chunk: not the sender's fault.
TEST(Summary, PacketsNotCapturedWholeAreNotMalformed) {
  Conversation c;
  c.add(0, true, 0, {init(1, 10)});
  auto whole = printer_testing::sctp_packet({data(10, 0x03, 200)}, 5000, 30102, 5);
  const auto length = static_cast<uint32_t>(whole.size());
  whole.resize(40);  // the snapshot length ends inside the DATA chunk
  c.add_bytes(1, true, whole, length);
  auto fragment = printer_testing::sctp_packet({data(11, 0x03, 200)}, 5000, 30102, 5);
  fragment.resize(64);  // the first IP fragment: the IP length ends inside the chunk
  c.add_bytes(2, true, fragment);
  AssociationTracker tracker;
  for (size_t i = 0; i < c.frames().size(); ++i) {
    Frame f = c.frames()[i];
    f.ip.more_fragments = i == 2;
    tracker.on_frame(f);
  }
  ASSERT_EQ(tracker.associations().size(), 1u);
  EXPECT_EQ(tracker.associations()[0].from(Direction::AtoB).packets, 3u);
  EXPECT_EQ(tracker.associations()[0].from(Direction::AtoB).malformed, 0u);
}

TEST(Summary, EmptyCapture) {
  AssociationTracker tracker;
  EXPECT_EQ(format_summary(tracker), "no SCTP associations\n");
  EXPECT_TRUE(summary_to_json(tracker)["associations"].empty());
}

}  // namespace
}  // namespace sctpkit::trace
