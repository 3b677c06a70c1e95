#include "assoc/path_manager.h"

#include <gtest/gtest.h>

#include <vector>

namespace sctpkit::assoc {
namespace {

using namespace std::chrono_literals;

const wire::IpAddress kA = wire::IpAddress::v4(10, 0, 0, 1);
const wire::IpAddress kB = wire::IpAddress::v4(10, 0, 0, 2);

struct Fixture {
  explicit Fixture(std::vector<wire::IpAddress> addresses = {kA, kB}) : addresses_(std::move(addresses)) {
    config.path_max_retransmits = 2;
    config.association_max_retransmits = 4;
    config.heartbeat_interval = 30s;
    config.rto_initial = 1s;
  }
  // Every address CONFIRMED (RFC 9260 5.4 rule 1: the user gave them all).
  PathManager make() { return PathManager(config, addresses_, addresses_.front(), addresses_, random, start); }
  // Only the primary CONFIRMED: the others came from the peer (5.4 rules 2 and 3).
  PathManager make_learned() {
    return PathManager(config, addresses_, addresses_.front(), std::span<const wire::IpAddress>{}, random, start);
  }

  EndpointConfig config;
  SeededRandom random{7};
  TimePoint start{};
  std::vector<wire::IpAddress> addresses_;
};

std::vector<std::pair<wire::IpAddress, PathEvent::State>> drain(PathManager& pm) {
  std::vector<std::pair<wire::IpAddress, PathEvent::State>> out;
  wire::IpAddress a;
  while (auto s = pm.pop_event(a)) out.emplace_back(a, *s);
  return out;
}

TEST(PathManagerTest, PrimaryIsTheGivenAddressAndCarriesData) {
  Fixture f;
  PathManager pm = f.make();
  ASSERT_EQ(pm.paths().size(), 2u);
  EXPECT_EQ(pm.primary().address, kA);
  EXPECT_EQ(pm.data_destination().address, kA);
  EXPECT_EQ(pm.primary().rto, 1s);
}

TEST(PathManagerTest, DuplicateAddressesMakeOnePath) {
  Fixture f({kA, kA, kB});
  PathManager pm = f.make();
  EXPECT_EQ(pm.paths().size(), 2u);
}

// RFC 9260 8.2: a path becomes inactive once its error count exceeds Path.Max.Retrans, and 6.4.1
// moves data to an active alternate.
TEST(PathManagerTest, PathGoesDownAfterPathMaxRetransAndDataFailsOver) {
  Fixture f;
  PathManager pm = f.make();
  Path& a = *pm.find(kA);
  EXPECT_FALSE(pm.on_timeout(a, f.start));
  EXPECT_FALSE(pm.on_timeout(a, f.start));
  EXPECT_TRUE(a.active);
  EXPECT_TRUE(drain(pm).empty());
  EXPECT_FALSE(pm.on_timeout(a, f.start));  // 3 > Path.Max.Retrans = 2
  EXPECT_FALSE(a.active);
  EXPECT_EQ(pm.data_destination().address, kB);
  EXPECT_EQ(pm.primary().address, kA);  // the primary stays what the user chose
  const auto events = drain(pm);
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0], std::make_pair(kA, PathEvent::State::Down));
  EXPECT_EQ(events[1], std::make_pair(kB, PathEvent::State::NewPrimary));
}

// RFC 9260 8.3: a HEARTBEAT ACK (or acknowledged data, 8.2) marks the path active again; data
// returns to the primary.
TEST(PathManagerTest, SuccessBringsAPathBackUp) {
  Fixture f;
  PathManager pm = f.make();
  Path& a = *pm.find(kA);
  for (int i = 0; i < 3; ++i) pm.on_timeout(a, f.start);
  drain(pm);
  pm.on_success(a);
  EXPECT_TRUE(a.active);
  EXPECT_EQ(a.error_count, 0u);
  EXPECT_EQ(pm.data_destination().address, kA);
  const auto events = drain(pm);
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0], std::make_pair(kA, PathEvent::State::Up));
  EXPECT_EQ(events[1], std::make_pair(kA, PathEvent::State::NewPrimary));
}

// RFC 9260 8.1: the association fails when its error count exceeds Association.Max.Retrans; an
// acknowledgement resets the count.
TEST(PathManagerTest, AssociationFailsAfterAssociationMaxRetrans) {
  Fixture f;
  PathManager pm = f.make();
  Path& a = *pm.find(kA);
  Path& b = *pm.find(kB);
  EXPECT_FALSE(pm.on_timeout(a, f.start));
  EXPECT_FALSE(pm.on_timeout(b, f.start));
  EXPECT_FALSE(pm.on_timeout(a, f.start));
  pm.reset_association_errors();
  EXPECT_EQ(pm.association_error_count(), 0u);
  for (int i = 0; i < 4; ++i) EXPECT_FALSE(pm.on_timeout(b, f.start));
  EXPECT_TRUE(pm.on_timeout(b, f.start));  // 5 > 4
}

// RFC 9260 6.4: retransmissions go to another active address than the last one used.
TEST(PathManagerTest, RetransmissionPrefersAnotherActivePath) {
  Fixture f;
  PathManager pm = f.make();
  EXPECT_EQ(pm.retransmission_destination(kA).address, kB);
  EXPECT_EQ(pm.retransmission_destination(kB).address, kA);
  Fixture single({kA});
  PathManager one = single.make();
  EXPECT_EQ(one.retransmission_destination(kA).address, kA);
}

// RFC 9260 8.3: an idle path is heartbeated once per RTO + HB.interval, jittered by +/- 50% RTO.
TEST(PathManagerTest, HeartbeatIntervalIsRtoPlusIntervalWithJitter) {
  Fixture f;
  PathManager pm = f.make();
  for (const Path& p : pm.paths()) {
    EXPECT_GE(p.next_heartbeat, f.start + 30s + 500ms);
    EXPECT_LE(p.next_heartbeat, f.start + 30s + 1500ms);
  }
  bool failed = false;
  EXPECT_FALSE(pm.poll_heartbeat(f.start + 30s + 400ms, failed));
  const TimePoint due = *pm.next_deadline();
  auto hb = pm.poll_heartbeat(due, failed);
  ASSERT_TRUE(hb);
  EXPECT_FALSE(failed);
  EXPECT_EQ(hb->info_size, PathManager::kHeartbeatInfoSize);
}

// RFC 9260 8.3: data sent to a path keeps it from being idle.
TEST(PathManagerTest, DataSentPostponesTheHeartbeat) {
  Fixture f({kA});
  PathManager pm = f.make();
  const TimePoint later = f.start + 20s;
  pm.on_data_sent(pm.primary(), later);
  EXPECT_GE(pm.primary().next_heartbeat, later + 30s + 500ms);
  bool failed = false;
  EXPECT_FALSE(pm.poll_heartbeat(f.start + 32s, failed));
}

// RFC 9260 8.3: jitter is per heartbeat; postponing the heartbeat for every packet of data draws
// no random bytes (it drew 4 per packet, a CSPRNG call on the hot path), and the postponed
// heartbeat still gets a jitter within +/- 50% of the RTO.
TEST(PathManagerTest, DataSentDrawsNoRandomBytes) {
  struct CountingRandom final : RandomSource {
    SeededRandom inner{3};
    size_t draws = 0;
    void fill(wire::MutableBytes out) override {
      ++draws;
      inner.fill(out);
    }
  } random;
  Fixture f({kA});
  PathManager pm(f.config, std::vector{kA}, kA, std::vector{kA}, random, f.start);
  const size_t draws_before = random.draws;
  for (int i = 0; i < 1000; ++i) {
    const TimePoint t = f.start + std::chrono::milliseconds(i);
    pm.on_data_sent(pm.primary(), t);
    EXPECT_GE(pm.primary().next_heartbeat, t + 30s + 500ms);
    EXPECT_LE(pm.primary().next_heartbeat, t + 30s + 1500ms);
  }
  EXPECT_EQ(random.draws, draws_before);
}

// RFC 9260 8.3: the ACK's Heartbeat Info gives the RTT and clears the error counts.
TEST(PathManagerTest, HeartbeatAckMeasuresRttAndClearsErrors) {
  Fixture f({kA});
  PathManager pm = f.make();
  pm.on_timeout(pm.primary(), f.start);
  bool failed = false;
  const TimePoint sent = *pm.next_deadline();
  auto hb = pm.poll_heartbeat(sent, failed);
  ASSERT_TRUE(hb);
  auto ack = pm.on_heartbeat_ack(wire::Bytes(hb->info.data(), hb->info_size), sent + 40ms);
  ASSERT_TRUE(ack);
  EXPECT_EQ(ack->path, &pm.primary());
  EXPECT_EQ(ack->rtt, 40ms);
  EXPECT_EQ(pm.primary().error_count, 0u);
  EXPECT_EQ(pm.association_error_count(), 0u);
  // A second copy of the same ACK (duplicated by the network) is not a new measurement.
  EXPECT_FALSE(pm.on_heartbeat_ack(wire::Bytes(hb->info.data(), hb->info_size), sent + 50ms));
}

// RFC 9260 8.3 / design: a forged HEARTBEAT ACK (wrong nonce, wrong time, unknown address,
// truncated) is ignored.
TEST(PathManagerTest, ForgedHeartbeatAcksAreRejected) {
  Fixture f({kA});
  PathManager pm = f.make();
  bool failed = false;
  const TimePoint sent = *pm.next_deadline();
  auto hb = pm.poll_heartbeat(sent, failed);
  ASSERT_TRUE(hb);
  auto tampered = [&](size_t at) {
    auto info = hb->info;
    info[at] ^= 0x01;
    return pm.on_heartbeat_ack(wire::Bytes(info.data(), hb->info_size), sent + 10ms);
  };
  EXPECT_FALSE(tampered(0));   // nonce
  EXPECT_FALSE(tampered(15));  // send time
  EXPECT_FALSE(tampered(20));  // address
  EXPECT_FALSE(pm.on_heartbeat_ack(wire::Bytes(hb->info.data(), 20), sent + 10ms));
  EXPECT_TRUE(pm.on_heartbeat_ack(wire::Bytes(hb->info.data(), hb->info_size), sent + 10ms));
}

// RFC 9260 8.3: a HEARTBEAT not acknowledged within one RTO counts as a path error; enough of them
// take the path down and then fail the association.
TEST(PathManagerTest, UnansweredHeartbeatsTakeThePathDownThenFailTheAssociation) {
  Fixture f({kA});
  PathManager pm = f.make();
  bool failed = false;
  TimePoint now = f.start;
  int heartbeats = 0;
  while (!failed && heartbeats < 100) {
    now = *pm.next_deadline();
    if (pm.poll_heartbeat(now, failed)) ++heartbeats;
  }
  EXPECT_TRUE(failed);
  EXPECT_FALSE(pm.primary().active);
  EXPECT_EQ(heartbeats, 5);  // Association.Max.Retrans = 4: the fifth unanswered one fails it
  const auto events = drain(pm);
  ASSERT_FALSE(events.empty());
  EXPECT_EQ(events[0], std::make_pair(kA, PathEvent::State::Down));
}

// RFC 9260 8.3: with heartbeats disabled nothing is sent.
TEST(PathManagerTest, DisabledHeartbeatsSendNothing) {
  Fixture f({kA});
  PathManager pm = f.make();
  pm.set_heartbeat(false, 30s);
  EXPECT_FALSE(pm.next_deadline());
  bool failed = false;
  EXPECT_FALSE(pm.poll_heartbeat(f.start + 1h, failed));
}

// RFC 9260 5.4: an address the peer gave is UNCONFIRMED: neither failover (6.4.1) nor a
// retransmission (6.4) goes to it; its HEARTBEAT probe goes at once, the next ones every RTO
// (jittered), not RTO + HB.interval; the nonce coming back confirms it.
TEST(PathManagerTest, UnconfirmedPathIsProbedEveryRtoAndCarriesNoDataUntilConfirmed) {
  Fixture f;
  PathManager pm = f.make_learned();
  Path& a = *pm.find(kA);
  Path& b = *pm.find(kB);
  EXPECT_TRUE(a.confirmed);
  EXPECT_FALSE(b.confirmed);
  EXPECT_EQ(pm.retransmission_destination(kA).address, kA);
  for (int i = 0; i < 3; ++i) pm.on_timeout(a, f.start);
  EXPECT_FALSE(a.active);
  EXPECT_EQ(pm.data_destination().address, kA);  // not to kB, not yet the peer's for all we know

  bool failed = false;
  auto probe = pm.poll_heartbeat(f.start, failed);
  ASSERT_TRUE(probe);
  EXPECT_EQ(probe->destination, kB);
  EXPECT_LE(b.next_heartbeat, f.start + 1500ms);  // RTO +/- 50%, no HB.interval
  // A wrong nonce confirms nothing.
  auto forged = probe->info;
  forged[0] ^= 1;
  EXPECT_FALSE(pm.on_heartbeat_ack(wire::Bytes(forged.data(), probe->info_size), f.start + 10ms));
  EXPECT_FALSE(b.confirmed);
  ASSERT_TRUE(pm.on_heartbeat_ack(wire::Bytes(probe->info.data(), probe->info_size), f.start + 10ms));
  EXPECT_TRUE(b.confirmed);
  EXPECT_EQ(pm.data_destination().address, kB);  // 6.4.1: failover now that kB is known good
  EXPECT_GE(b.next_heartbeat, f.start + 30s);     // confirmed: the normal heartbeat rate
}

// RFC 9260 5.4: "When probing UNCONFIRMED addresses, however, the association overall error count
// is not incremented": an address the peer does not own takes itself down, not the association.
// Once inactive it is probed at the normal heartbeat rate.
TEST(PathManagerTest, UnansweredProbesCountOnThePathOnly) {
  Fixture f;
  PathManager pm = f.make_learned();
  pm.set_heartbeat(false, 30s);  // path verification runs anyway
  Path& b = *pm.find(kB);
  bool failed = false;
  int probes = 0;
  TimePoint now = f.start;
  while (b.active && probes < 10) {
    const auto due = pm.next_deadline();
    ASSERT_TRUE(due);
    now = *due;
    if (pm.poll_heartbeat(now, failed)) ++probes;
    EXPECT_FALSE(failed);
  }
  EXPECT_FALSE(b.active);
  EXPECT_EQ(probes, 3);  // Path.Max.Retrans = 2: the third unanswered probe takes it down
  EXPECT_EQ(pm.association_error_count(), 0u);
  EXPECT_GE(b.next_heartbeat, now + 30s);
}

// RFC 9260 5.4: "The number of packets containing HEARTBEAT chunks sent at each RTO SHOULD be
// limited by the 'HB.Max.Burst' parameter" (1 here): a peer listing addresses it does not own
// gets one probe per RTO in all, not one per address.
TEST(PathManagerTest, ProbesOfManyUnconfirmedAddressesGoOnePerRto) {
  const wire::IpAddress kC = wire::IpAddress::v4(10, 0, 0, 3), kD = wire::IpAddress::v4(10, 0, 0, 4),
                        kE = wire::IpAddress::v4(10, 0, 0, 5);
  Fixture f({kA, kB, kC, kD, kE});
  PathManager pm = f.make_learned();
  std::vector<wire::IpAddress> probed;
  bool failed = false;
  for (TimePoint now = f.start; now < f.start + 4s;) {
    if (auto hb = pm.poll_heartbeat(now, failed)) {
      probed.push_back(hb->destination);
      continue;
    }
    const auto due = pm.next_deadline();
    ASSERT_TRUE(due);
    now = *due;
  }
  EXPECT_EQ(probed, (std::vector{kB, kC, kD, kE}));  // one a second (RTO 1 s), none yet again
}

}  // namespace
}  // namespace sctpkit::assoc
