// Nothing lost silently where an association's data meets its end: what was received whole reaches
// the user before the event that says no more will come, and what the user sent that the peer did
// not acknowledge cumulatively comes back as a SendFailedEvent (RFC 9260 11.2.2) when the
// association ends or restarts: first what was sent (may_have_arrived), in TSN order, then what
// never left.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "scripted_peer.h"

namespace sctpkit::assoc::testing {
namespace {

// The events in order, as "message <text>", "send failed <text>" (with " (sent)" when it may have
// arrived) or an event's name.
std::vector<std::string> order_of(const std::vector<Event>& events) {
  std::vector<std::string> out;
  for (const Event& e : events) {
    if (const auto* m = std::get_if<MessageEvent>(&e)) {
      out.push_back("message " + std::string(m->data.begin(), m->data.end()));
    } else if (const auto* f = std::get_if<SendFailedEvent>(&e)) {
      out.push_back("send failed " + std::string(f->data.begin(), f->data.end()) + (f->may_have_arrived ? " (sent)" : ""));
    } else if (std::holds_alternative<PeerShutdownEvent>(e)) {
      out.emplace_back("PEER SHUTDOWN");
    } else if (std::holds_alternative<RestartEvent>(e)) {
      out.emplace_back("RESTART");
    } else if (std::holds_alternative<ClosedEvent>(e)) {
      out.emplace_back("CLOSED");
    }
  }
  return out;
}

TEST(DataAtTheEdges, MessagesReceivedBeforeThePeersShutdownComeBeforeItsEvent) {
  for (const bool sink : {false, true}) {
    SCOPED_TRACE(sink ? "poll_event(MessageSink&)" : "poll_event()");
    ScriptedPeer p;
    p.message_sink = sink;
    ASSERT_TRUE(p.establish());
    // RFC 9260 9.2: the peer's last messages and its SHUTDOWN in one packet; it sends no more.
    ASSERT_EQ(p.send(p.local_tag, ScriptedPeer::data(p.peer_tsn, text("one")),
                     ScriptedPeer::data(p.peer_tsn + 1, text("two"), 0, 1),
                     wire::ShutdownChunk{wire::Tsn(p.local_tsn - 1)}),
              PacketDisposition::Accepted);
    p.take();
    // The SHUTDOWN's event came first, the messages after the event that said no more would come.
    EXPECT_EQ(order_of(p.events), (std::vector<std::string>{"message one", "message two", "PEER SHUTDOWN"}));
  }
}

// One message out and unacknowledged ("sent"), two queued behind it that never left (on streams
// 1 then 0: handed back stream by stream), on an association established already.
AssociationId one_sent_two_queued(ScriptedPeer& p) {
  const AssociationId id = p.only_association();
  EXPECT_EQ(p.endpoint().send(id, text("sent"), wire::StreamId(0), wire::Ppid(1), false, p.now), SendResult::Ok);
  EXPECT_EQ(p.take().size(), 1u);
  EXPECT_EQ(p.endpoint().send(id, text("queued1"), wire::StreamId(1), wire::Ppid(2), false, p.now), SendResult::Ok);
  EXPECT_EQ(p.endpoint().send(id, text("queued2"), wire::StreamId(0), wire::Ppid(3), true, p.now), SendResult::Ok);
  return id;
}

TEST(DataAtTheEdges, MessagesNotAcknowledgedComeBackWhenThePeerAborts) {
  ScriptedPeer p;
  ASSERT_TRUE(p.establish());
  one_sent_two_queued(p);
  // RFC 9260 9.1 then 11.2.2: the ABORT arrives before the queued messages could leave, and before
  // the one sent was acknowledged. The queued ones came back alone (the sent one vanished); now the
  // sent one comes first, flagged, then the queued ones, stream by stream.
  ASSERT_EQ(p.send(p.local_tag, wire::AbortChunk{false, {}}), PacketDisposition::Accepted);
  p.take();
  EXPECT_EQ(order_of(p.events),
            (std::vector<std::string>{"send failed sent (sent)", "send failed queued2", "send failed queued1", "CLOSED"}));
  const auto failed = p.events_of<SendFailedEvent>();
  ASSERT_EQ(failed.size(), 3u);
  EXPECT_EQ(failed[0].ppid, wire::Ppid(1));
  EXPECT_NE(failed[0].detail.find("sent and not acknowledged"), std::string::npos) << failed[0].detail;
  EXPECT_EQ(failed[2].stream, wire::StreamId(1));
  EXPECT_EQ(failed[2].ppid, wire::Ppid(2));
  EXPECT_FALSE(failed[2].unordered);
  EXPECT_TRUE(failed[1].unordered);
  EXPECT_NE(failed[1].detail.find("not sent: ABORT received"), std::string::npos) << failed[1].detail;
}

TEST(DataAtTheEdges, MessagesNotAcknowledgedComeBackWhenThePeerIsUnreachable) {
  ScriptedPeer p;
  ASSERT_TRUE(p.establish());
  const AssociationId id = one_sent_two_queued(p);
  // The peer's window is closed: the queued messages wait while T3-rtx retries the first until
  // Association.Max.Retrans is exceeded (RFC 9260 8.1).
  ASSERT_EQ(p.send(p.local_tag, ScriptedPeer::sack(p.local_tsn - 1, {}, 0)), PacketDisposition::Accepted);
  p.advance(30min, 100ms);
  ASSERT_EQ(p.events_of<ClosedEvent>().size(), 1u);
  EXPECT_EQ(p.events_of<ClosedEvent>()[0].reason, CloseReason::PeerUnreachable);
  EXPECT_EQ(order_of(p.events),
            (std::vector<std::string>{"send failed sent (sent)", "send failed queued2", "send failed queued1", "CLOSED"}));
  EXPECT_FALSE(p.endpoint().status(id).has_value());  // forgotten once its events were read
}

// Sends `texts` on stream 0, one message each, and returns how many DATA chunks left.
size_t send_all(ScriptedPeer& p, AssociationId id, std::initializer_list<const char*> texts, uint16_t stream = 0) {
  for (const char* t : texts)
    EXPECT_EQ(p.endpoint().send(id, text(t), wire::StreamId(stream), wire::Ppid(0), false, p.now), SendResult::Ok);
  size_t chunks = 0;
  for (const auto& sent : p.take()) {
    for (const wire::RawChunk& c : sent.view()) chunks += c.type == wire::DataChunk::kType;
  }
  return chunks;
}

TEST(DataAtTheEdges, OnAnAbortWhatWasSentComesBackInTsnOrderThenWhatNeverLeft) {
  ScriptedPeer p;
  ASSERT_TRUE(p.establish());
  const AssociationId id = p.only_association();
  ASSERT_EQ(send_all(p, id, {"m0", "m1"}) + send_all(p, id, {"x2"}, 1) + send_all(p, id, {"m3", "m4"}), 5u);
  // The peer got m0 (cumulatively acknowledged: delivered) and x2 (gap-acked only: it may renege,
  // RFC 9260 6.2.1), lost the rest, and closed its window: what is sent next only queues.
  const std::vector<wire::GapAckBlock> gap{{2, 2}};
  ASSERT_EQ(p.send(p.local_tag, ScriptedPeer::sack(p.local_tsn, gap, 0)), PacketDisposition::Accepted);
  ASSERT_EQ(send_all(p, id, {"u1"}, 1) + send_all(p, id, {"u0"}), 0u);
  ASSERT_EQ(p.send(p.local_tag, wire::AbortChunk{false, {}}), PacketDisposition::Accepted);
  p.take();
  // The sent ones in TSN order (each stream's in the order sent), flagged; then the unsent, stream
  // by stream. m0 does not come back: the peer has it for sure.
  EXPECT_EQ(order_of(p.events),
            (std::vector<std::string>{"send failed m1 (sent)", "send failed x2 (sent)", "send failed m3 (sent)",
                                      "send failed m4 (sent)", "send failed u0", "send failed u1", "CLOSED"}));
  EXPECT_EQ(p.events_of<SendFailedEvent>()[1].stream, wire::StreamId(1));
}

TEST(DataAtTheEdges, AMessagePartlySentComesBackWholeAndFlagged) {
  ScriptedPeer p;
  ASSERT_TRUE(p.establish());
  const AssociationId id = p.only_association();
  // More than the initial cwnd (RFC 9260 7.2.1): a few fragments leave, the rest waits queued.
  std::vector<uint8_t> big(30000);
  for (size_t i = 0; i < big.size(); ++i) big[i] = static_cast<uint8_t>(i * 7);
  ASSERT_EQ(p.endpoint().send(id, big, wire::StreamId(0), wire::Ppid(5), false, p.now), SendResult::Ok);
  const size_t fragments = send_all(p, id, {"after"});  // queued behind the big one on its stream
  ASSERT_GE(fragments, 2u);
  ASSERT_LT(fragments * 1400, big.size()) << "the whole message left";
  // The first fragment is acknowledged cumulatively, and the window closes: the message is in
  // three parts (acknowledged, in flight, queued) when the peer aborts.
  ASSERT_EQ(p.send(p.local_tag, ScriptedPeer::sack(p.local_tsn, {}, 0)), PacketDisposition::Accepted);
  ASSERT_EQ(p.send(p.local_tag, wire::AbortChunk{false, {}}), PacketDisposition::Accepted);
  p.take();
  const auto failed = p.events_of<SendFailedEvent>();
  ASSERT_EQ(failed.size(), 2u);
  EXPECT_EQ(failed[0].data, big);
  EXPECT_EQ(failed[0].ppid, wire::Ppid(5));
  EXPECT_TRUE(failed[0].may_have_arrived);
  EXPECT_EQ(std::string(failed[1].data.begin(), failed[1].data.end()), "after");
  EXPECT_FALSE(failed[1].may_have_arrived);
}

TEST(DataAtTheEdges, AMessageWhollySentWithItsFirstFragmentAcknowledgedComesBackWhole) {
  ScriptedPeer p;
  ASSERT_TRUE(p.establish());
  const AssociationId id = p.only_association();
  std::vector<uint8_t> message(3000);  // three fragments (RFC 9260 6.9), all within the first window
  for (size_t i = 0; i < message.size(); ++i) message[i] = static_cast<uint8_t>(i * 13);
  ASSERT_EQ(p.endpoint().send(id, message, wire::StreamId(2), wire::Ppid(6), true, p.now), SendResult::Ok);
  ASSERT_EQ(send_all(p, id, {}), 3u);
  // Its first fragment is acknowledged cumulatively: the chunks left unacknowledged begin in the
  // middle of the message, which still comes back whole.
  ASSERT_EQ(p.send(p.local_tag, ScriptedPeer::sack(p.local_tsn, {}, 0)), PacketDisposition::Accepted);
  ASSERT_EQ(p.send(p.local_tag, wire::AbortChunk{false, {}}), PacketDisposition::Accepted);
  p.take();
  const auto failed = p.events_of<SendFailedEvent>();
  ASSERT_EQ(failed.size(), 1u);
  EXPECT_EQ(failed[0].data, message);
  EXPECT_EQ(failed[0].stream, wire::StreamId(2));
  EXPECT_EQ(failed[0].ppid, wire::Ppid(6));
  EXPECT_TRUE(failed[0].unordered);
  EXPECT_TRUE(failed[0].may_have_arrived);
}

TEST(DataAtTheEdges, MessagesQueuedBeforeSetupComeBackWhenTheInitIsNeverAnswered) {
  ScriptedPeer p = client_endpoint();
  std::vector<SentPacket> sent;
  connect_to_peer(p, sent);
  const AssociationId id = p.only_association();
  // RFC 9260 5.1: queued in COOKIE-WAIT, to ride with the COOKIE ECHO that never comes.
  ASSERT_EQ(p.endpoint().send(id, text("early"), wire::StreamId(0), wire::Ppid(4), false, p.now), SendResult::Ok);
  p.advance(10min, 100ms);
  ASSERT_EQ(p.events_of<ClosedEvent>().size(), 1u);
  EXPECT_EQ(p.events_of<ClosedEvent>()[0].reason, CloseReason::InitFailed);
  EXPECT_EQ(order_of(p.events), (std::vector<std::string>{"send failed early", "CLOSED"}));
}

TEST(DataAtTheEdges, MessagesNotAcknowledgedComeBackBeforeAPeerRestart) {
  ScriptedPeer p;
  ASSERT_TRUE(p.establish());
  const auto cookie = p.cookie_for(0x4242, 9000);  // the restarting peer's INIT, answered
  ASSERT_FALSE(cookie.empty());
  const AssociationId id = one_sent_two_queued(p);
  ASSERT_EQ(p.send(p.local_tag, wire::CookieEchoChunk{cookie}), PacketDisposition::Accepted);
  p.take();
  // RFC 9260 5.2.4 action A: the old DataSender went with its queue and what it had in flight; the
  // user heard of the queued ones only, then RESTART.
  EXPECT_EQ(order_of(p.events), (std::vector<std::string>{"send failed sent (sent)", "send failed queued2",
                                                          "send failed queued1", "RESTART"}));
  EXPECT_EQ(p.endpoint().status(id)->counters.messages_failed, 3u);
  const auto failed = p.events_of<SendFailedEvent>();
  EXPECT_NE(failed[0].detail.find("the peer restarted"), std::string::npos) << failed[0].detail;
  // The restarted association sends what the user sends next.
  EXPECT_EQ(p.endpoint().send(id, text("again"), wire::StreamId(0), wire::Ppid(1), false, p.now), SendResult::Ok);
  const auto out = p.take();
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].parse<wire::DataChunk>().tsn, wire::Tsn(p.local_tsn));
}

}  // namespace
}  // namespace sctpkit::assoc::testing
