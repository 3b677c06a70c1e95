// RFC 9260's handshake and verification tag rules (5.2, 8.5) against a scripted peer
// (scripted_peer.h): what a hostile or odd peer's INIT, ERROR and SHUTDOWN ACK get, and which tag
// each chunk must carry. What a COOKIE ECHO gets: handshake_cookie_test.cc.
#include <gtest/gtest.h>

#include "assoc/endpoint.h"
#include "assoc/random.h"
#include "wire/control_chunks.h"
#include "wire/error_causes.h"
#include "wire/handshake_chunks.h"
#include "wire/packet.h"
#include "wire/tlv.h"
#include "scripted_peer.h"

namespace sctpkit::assoc {
namespace handshake_rfc_test {

using testing::ScriptedPeer;
using testing::SentPacket;
using testing::client_endpoint;
using testing::connect_to_peer;
using testing::cookie_echoed;
using testing::first_cause;
using testing::ipv4_parameter;
using testing::text;

constexpr uint8_t kAbort = wire::AbortChunk::kType;

TEST(Rfc9260Setup, InitInCookieWaitIsAnsweredWithOurOwnInitiateTagAndTsn) {
  ScriptedPeer p = client_endpoint();
  std::vector<SentPacket> sent;
  const auto init = connect_to_peer(p, sent);
  // RFC 9260 5.2.1: "MUST respond with an INIT ACK chunk using the same parameters it sent in its
  // original INIT chunk (including its Initiate Tag, unchanged)", tagged with the INIT's tag.
  // Answered, not Accepted: an INIT's tag is 0, so nothing verified that it came from the peer.
  EXPECT_EQ(p.send(0, ScriptedPeer::init_chunk(0xABCD, 77)), PacketDisposition::AnsweredStateless);
  sent = p.take();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].tag(), 0xABCDu);
  EXPECT_EQ(sent[0].destination, p.peer);
  const auto ack = sent[0].parse<wire::InitAckChunk>();
  EXPECT_EQ(ack.initiate_tag, init.initiate_tag);
  EXPECT_EQ(ack.initial_tsn, init.initial_tsn);
  // 5.2.2: "Only when a TCB exists and the association is not in a COOKIE-WAIT ... state are the
  // Tie-Tags populated".
  const auto cookie = ScriptedPeer::state_cookie(ack);
  EXPECT_EQ(ScriptedPeer::cookie_field(cookie, ScriptedPeer::kCookieLocalTag), init.initiate_tag.value());
  EXPECT_EQ(ScriptedPeer::cookie_tie_tag(cookie, true), 0u);
  EXPECT_EQ(ScriptedPeer::cookie_tie_tag(cookie, false), 0u);
  EXPECT_EQ(ScriptedPeer::cookie_field(cookie, ScriptedPeer::kCookieLifetime), 60000u);  // the configured 60 s
  // A Cookie Preservative in the colliding INIT is granted as the listener grants it (3.3.2.1.3).
  const std::vector<uint8_t> preservative = {0, 9, 0, 8, 0, 0, 0x13, 0x88};  // 5000 ms more
  p.send(0, ScriptedPeer::init_chunk(0xABCD, 77, preservative));
  sent = p.take();
  ASSERT_EQ(sent.size(), 1u);
  const auto longer = ScriptedPeer::state_cookie(sent[0].parse<wire::InitAckChunk>());
  EXPECT_EQ(ScriptedPeer::cookie_field(longer, ScriptedPeer::kCookieLifetime), 65000u);
  // "the endpoint MUST NOT change its state, the T1-init timer MUST be left running".
  EXPECT_EQ(p.state(), AssociationState::CookieWait);
  sent = p.advance(4s);
  ASSERT_FALSE(sent.empty());
  EXPECT_TRUE(sent[0].has(wire::InitChunk::kType));
  // Rules 1 and 2: only to an address the user gave (10.0.0.2) that the INIT lists, even when the
  // INIT came from another (10.0.0.5, rule 3 being only a SHOULD).
  const std::vector<uint8_t> listed = {0, 5, 0, 8, 10, 0, 0, 2};
  p.send_from(wire::IpAddress::v4(10, 0, 0, 5), 0, ScriptedPeer::init_chunk(0xABCE, 78, listed));
  sent = p.take();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_TRUE(sent[0].has(wire::InitAckChunk::kType));
  EXPECT_EQ(sent[0].destination, p.peer);
}

TEST(Rfc9260Setup, InitInCookieEchoedWithANewAddressGetsAnAbortListingIt) {
  ScriptedPeer p = client_endpoint();
  const auto init = cookie_echoed(p, 0x5151, 500);
  // RFC 9260 5.2.1: the same INIT ACK while no address is added...
  p.send(0, ScriptedPeer::init_chunk(0x6262, 600));
  auto sent = p.take();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].tag(), 0x6262u);
  EXPECT_EQ(sent[0].parse<wire::InitAckChunk>().initiate_tag, init.initiate_tag);
  // "it MUST populate its Tie-Tags within both the association TCB and inside the State Cookie".
  const auto cookie = ScriptedPeer::state_cookie(sent[0].parse<wire::InitAckChunk>());
  EXPECT_EQ(ScriptedPeer::cookie_tie_tag(cookie, true), init.initiate_tag.value());
  EXPECT_EQ(ScriptedPeer::cookie_tie_tag(cookie, false), 0x5151u);
  // ... and "If the INIT chunk indicates that a new address has been added ... An ABORT chunk SHOULD
  // be sent in a response that MAY include the 'Restart of an Association with New Addresses'
  // error cause. The error SHOULD list the addresses that were added".
  const auto added = ipv4_parameter(9);
  p.send(0, ScriptedPeer::init_chunk(0x7373, 700, added));
  sent = p.take();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].tag(), 0x7373u);
  const auto abort = sent[0].chunk(kAbort);
  ASSERT_TRUE(abort);
  EXPECT_EQ(abort->flags & 1, 0);
  EXPECT_EQ(first_cause(*abort), 11);
  EXPECT_NE(std::search(abort->value.begin(), abort->value.end(), added.begin(), added.end()), abort->value.end());
  EXPECT_EQ(p.state(), AssociationState::CookieEchoed);
}

TEST(Rfc9260Setup, UnexpectedInitWhenEstablishedGetsANewTagAndTheCookieRestartsTheAssociation) {
  ScriptedPeer p;
  ASSERT_TRUE(p.establish());
  const uint32_t old_local = p.local_tag;
  // RFC 9260 5.2.2: INIT ACK tagged with the INIT's Initiate Tag, carrying a new random Initiate
  // Tag; "the existing association, including its current state ... MUST NOT be changed".
  p.send(0, ScriptedPeer::init_chunk(0x4242, 9000));
  auto sent = p.take();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].tag(), 0x4242u);
  const auto ack = sent[0].parse<wire::InitAckChunk>();
  EXPECT_NE(ack.initiate_tag.value(), old_local);
  // "the endpoint MUST copy its current Tie-Tags to a reserved place within the State Cookie".
  const auto tied = ScriptedPeer::state_cookie(ack);
  EXPECT_EQ(ScriptedPeer::cookie_tie_tag(tied, true), old_local);
  EXPECT_EQ(ScriptedPeer::cookie_tie_tag(tied, false), p.peer_tag);
  EXPECT_EQ(p.state(), AssociationState::Established);
  EXPECT_EQ(p.endpoint().status(p.only_association())->local_tag.value(), old_local);
  // A DATA chunk on the old tags still arrives.
  EXPECT_EQ(p.send(old_local, ScriptedPeer::data(p.peer_tsn, text("old"))), PacketDisposition::Accepted);
  p.take();
  // The peer restarted: its COOKIE ECHO carries the cookie (tie-tags = the old tags): Table 12
  // action A. RESTART to the user, the new tags, and the new TSN space.
  const auto cookie = p.cookie_for(0x4242, 9000);
  p.send(p.local_tag, wire::CookieEchoChunk{cookie});
  sent = p.take();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_TRUE(sent[0].has(wire::CookieAckChunk::kType));
  EXPECT_EQ(sent[0].tag(), 0x4242u);
  EXPECT_EQ(p.events_of<RestartEvent>().size(), 1u);
  EXPECT_EQ(p.endpoint().status(p.only_association())->local_tag.value(), p.local_tag);
  p.send(p.local_tag, ScriptedPeer::data(9000, text("new")));
  sent = p.advance(1s);
  ASSERT_FALSE(sent.empty());
  EXPECT_EQ(sent[0].tag(), 0x4242u);
  EXPECT_EQ(sent[0].parse<wire::SackChunk>().cumulative_tsn_ack.value(), 9000u);
  // Packets with the old tag are now out of place (RFC 9260 8.5).
  EXPECT_EQ(p.send(old_local, ScriptedPeer::data(p.peer_tsn + 1, text("x"))), PacketDisposition::Dropped);
}

TEST(Rfc9260Setup, MessagesThatArrivedBeforeAPeerRestartAreDeliveredBeforeTheRestart) {
  for (const bool sink : {false, true}) {
    SCOPED_TRACE(sink ? "poll_event(MessageSink&)" : "poll_event()");
    ScriptedPeer p;
    p.message_sink = sink;
    ASSERT_TRUE(p.establish());
    const uint32_t old_local = p.local_tag;
    const auto cookie = p.cookie_for(0x4242, 9000);  // the restarting peer's INIT, answered
    ASSERT_FALSE(cookie.empty());
    // Two messages arrive whole on the old tags and the user has read neither when the peer's
    // COOKIE ECHO restarts the association (Table 12 action A).
    ASSERT_EQ(p.send(old_local, ScriptedPeer::data(p.peer_tsn, text("one"))), PacketDisposition::Accepted);
    ASSERT_EQ(p.send(old_local, ScriptedPeer::data(p.peer_tsn + 1, text("two"), 0, 1)), PacketDisposition::Accepted);
    ASSERT_EQ(p.send(p.local_tag, wire::CookieEchoChunk{cookie}), PacketDisposition::Accepted);
    p.take();
    // RFC 9260 5.2.4 action A: as after an ABORT (9.1), what was received whole is the user's; then
    // RESTART. They were dropped with the old TSN space's receiver.
    std::vector<std::string> order;
    for (const Event& e : p.events) {
      if (const auto* m = std::get_if<MessageEvent>(&e)) order.emplace_back(m->data.begin(), m->data.end());
      if (std::holds_alternative<RestartEvent>(e)) order.emplace_back("RESTART");
    }
    EXPECT_EQ(order, (std::vector<std::string>{"one", "two", "RESTART"}));
  }
}

TEST(Rfc9260Setup, UnexpectedInitAddingAnAddressGetsAnAbortAndChangesNothing) {
  ScriptedPeer p;
  ASSERT_TRUE(p.establish());
  const auto added = ipv4_parameter(7);
  // RFC 9260 5.2.2: "the endpoint MUST respond with an ABORT chunk, copying the 'Initiate Tag' of
  // the unexpected INIT chunk into the 'Verification Tag'"; the cause lists the new address.
  p.send(0, ScriptedPeer::init_chunk(0x4343, 1, added));
  auto sent = p.take();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].tag(), 0x4343u);
  ASSERT_TRUE(sent[0].has(kAbort));
  EXPECT_EQ(first_cause(*sent[0].chunk(kAbort)), 11);
  const auto abort = *sent[0].chunk(kAbort);
  EXPECT_NE(std::search(abort.value.begin(), abort.value.end(), added.begin(), added.end()), abort.value.end());
  EXPECT_EQ(p.state(), AssociationState::Established);
  // The same INIT from an address the association does not know, listing a known one (5.1.2
  // rule 4): the new source is listed too.
  const std::vector<uint8_t> known = {0, 5, 0, 8, 10, 0, 0, 2};
  p.send_from(wire::IpAddress::v4(10, 0, 0, 5), 0, ScriptedPeer::init_chunk(0x4444, 1, known));
  sent = p.take();
  ASSERT_EQ(sent.size(), 1u);
  ASSERT_TRUE(sent[0].has(kAbort));
  const auto abort2 = *sent[0].chunk(kAbort);
  EXPECT_EQ(first_cause(abort2), 11);
  const std::vector<uint8_t> source = {0, 5, 0, 8, 10, 0, 0, 5};
  EXPECT_NE(std::search(abort2.value.begin(), abort2.value.end(), source.begin(), source.end()), abort2.value.end());
  EXPECT_EQ(p.state(), AssociationState::Established);
}

TEST(Rfc9260Tags, EveryChunkTypeMeetsItsVerificationTagRule) {
  ScriptedPeer p;
  ASSERT_TRUE(p.establish());
  // RFC 9260 8.5: a packet not carrying our tag is discarded, its DATA neither taken nor acked.
  EXPECT_EQ(p.send(p.peer_tag, ScriptedPeer::data(p.peer_tsn, text("x"))), PacketDisposition::Dropped);
  EXPECT_TRUE(p.advance(1s).empty());
  // 8.5.1 A: an INIT needs tag 0 (and to travel alone).
  EXPECT_EQ(p.send(p.local_tag, ScriptedPeer::init_chunk(0x99, 1)), PacketDisposition::Dropped);
  EXPECT_EQ(p.send(0, ScriptedPeer::init_chunk(0x99, 1), wire::CookieAckChunk{}), PacketDisposition::Dropped);
  EXPECT_TRUE(p.take().empty());
  // 8.5.1 B: an ABORT with T set needs the peer's tag; without T, ours.
  EXPECT_EQ(p.send(p.local_tag, wire::AbortChunk{true, {}}), PacketDisposition::Dropped);
  EXPECT_EQ(p.send(p.peer_tag, wire::AbortChunk{false, {}}), PacketDisposition::Dropped);
  EXPECT_EQ(p.state(), AssociationState::Established);
  EXPECT_EQ(p.send(p.peer_tag, wire::AbortChunk{true, {}}), PacketDisposition::Accepted);
  p.take();
  ASSERT_EQ(p.events_of<ClosedEvent>().size(), 1u);
  EXPECT_EQ(p.events_of<ClosedEvent>()[0].reason, CloseReason::AbortedByPeer);
}

TEST(Rfc9260Tags, CookieEchoMustCarryTheTagInItsCookie) {
  ScriptedPeer p;
  const auto cookie = p.cookie_for(p.peer_tag, p.peer_tsn);
  // RFC 9260 5.1.5 step 3 (8.5.1 D): the packet's tag must be the cookie's Local Tag.
  EXPECT_EQ(p.send(p.local_tag ^ 1, wire::CookieEchoChunk{cookie}), PacketDisposition::Dropped);
  EXPECT_TRUE(p.take().empty());
  EXPECT_TRUE(p.endpoint().associations().empty());
  EXPECT_EQ(p.send(p.local_tag, wire::CookieEchoChunk{cookie}), PacketDisposition::Accepted);
  EXPECT_EQ(p.endpoint().associations().size(), 1u);
}

TEST(Rfc9260Tags, ShutdownCompleteNeedsItsTagRuleAndShutdownAckSent) {
  ScriptedPeer p;
  ASSERT_TRUE(p.establish());
  // 8.5.1 C: "An endpoint MUST ignore the SHUTDOWN COMPLETE chunk if it is not in the
  // SHUTDOWN-ACK-SENT state."
  p.send(p.local_tag, wire::ShutdownCompleteChunk{false});
  EXPECT_EQ(p.state(), AssociationState::Established);
  p.send(p.local_tag, wire::ShutdownChunk{wire::Tsn(p.local_tsn - 1)});
  auto sent = p.take();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_TRUE(sent[0].has(wire::ShutdownAckChunk::kType));
  EXPECT_EQ(p.state(), AssociationState::ShutdownAckSent);
  EXPECT_EQ(p.send(p.local_tag, wire::ShutdownCompleteChunk{true}), PacketDisposition::Dropped);
  EXPECT_EQ(p.send(p.peer_tag, wire::ShutdownCompleteChunk{false}), PacketDisposition::Dropped);
  EXPECT_EQ(p.state(), AssociationState::ShutdownAckSent);
  EXPECT_EQ(p.send(p.peer_tag, wire::ShutdownCompleteChunk{true}), PacketDisposition::Accepted);
  p.take();
  ASSERT_EQ(p.events_of<ClosedEvent>().size(), 1u);
  EXPECT_EQ(p.events_of<ClosedEvent>()[0].reason, CloseReason::Graceful);
}

TEST(Rfc9260Tags, ShutdownAckBeforeEstablishedOrOutOfTheBlueGetsAReflectedShutdownComplete) {
  auto expect_reflected_complete = [](ScriptedPeer& p, uint32_t tag) {
    auto sent = p.take();
    ASSERT_EQ(sent.size(), 1u);
    EXPECT_EQ(sent[0].tag(), tag);
    const auto complete = sent[0].chunk(wire::ShutdownCompleteChunk::kType);
    ASSERT_TRUE(complete);
    EXPECT_EQ(complete->flags & 1, 1);  // T: the tag is the one we were sent
  };
  // 8.5.1 E: a SHUTDOWN ACK in COOKIE-WAIT is out of the blue; 8.4 rule 5 answers it.
  ScriptedPeer p = client_endpoint();
  std::vector<SentPacket> sent;
  connect_to_peer(p, sent);
  p.send(0xFEED, wire::ShutdownAckChunk{});
  expect_reflected_complete(p, 0xFEED);
  EXPECT_EQ(p.state(), AssociationState::CookieWait);
  // ... and in COOKIE-ECHOED.
  ScriptedPeer e = client_endpoint();
  cookie_echoed(e, 0x5151, 500);
  e.send(0xBEEF, wire::ShutdownAckChunk{});
  expect_reflected_complete(e, 0xBEEF);
  EXPECT_EQ(e.state(), AssociationState::CookieEchoed);
  // With no association at all.
  ScriptedPeer q;
  EXPECT_EQ(q.send(0xCAFE, wire::ShutdownAckChunk{}), PacketDisposition::AnsweredStateless);
  expect_reflected_complete(q, 0xCAFE);
}

// RFC 9260 5.1.2 rule 4: "An INIT or INIT ACK chunk MUST be treated as belonging to an already
// established association (or one in the process of being established) if the use of any of the
// valid address parameters contained within the chunk would identify an existing TCB." usrsctp,
// bound to two addresses, answered our INIT to its first from its second; we took the INIT ACK for
// out of the blue and sent an ABORT, and no multi-homed association with it ever came up.
TEST(Rfc9260Setup, InitAckFromAnotherAddressListingTheOneWeSentToIsOurs) {
  ScriptedPeer p = client_endpoint();
  std::vector<SentPacket> sent;
  const auto init = connect_to_peer(p, sent);
  const auto second = wire::IpAddress::v4(10, 0, 0, 3);
  std::vector<uint8_t> parameters = {0, 7, 0, 8, 'c', 'o', 'o', 'k'};
  for (uint8_t last : {2, 3}) {
    const auto address = ipv4_parameter(last);
    parameters.insert(parameters.end(), address.begin(), address.end());
  }
  auto ack = ScriptedPeer::init_chunk(0x7777, 900, parameters);
  const auto& init_ack = static_cast<const wire::InitAckChunk&>(static_cast<const wire::InitFields&>(ack));
  // Not with a wrong tag: the verification tag is still the association's to check (8.5).
  EXPECT_EQ(p.send_from(second, init.initiate_tag.value() + 1, init_ack), PacketDisposition::Dropped);
  EXPECT_TRUE(p.take().empty());
  EXPECT_EQ(p.send_from(second, init.initiate_tag.value(), init_ack), PacketDisposition::Accepted);
  sent = p.take();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_TRUE(sent[0].has(wire::CookieEchoChunk::kType));
  EXPECT_FALSE(sent[0].has(kAbort));
  EXPECT_EQ(p.state(), AssociationState::CookieEchoed);
  const auto status = p.endpoint().status(p.only_association());
  ASSERT_TRUE(status);
  EXPECT_EQ(status->paths.size(), 2u) << "both of the peer's addresses are paths";
}

}  // namespace handshake_rfc_test
}  // namespace sctpkit::assoc
