// Nothing lost silently where an association's data meets its end: what was received whole reaches
// the user before the event that says no more will come, and what the user sent that never left
// comes back as a SendFailedEvent (RFC 9260 11.2.2) when the association ends or restarts.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "scripted_peer.h"

namespace sctpkit::assoc::testing {
namespace {

// The events in order, as "message <text>", "send failed <text>" or an event's name.
std::vector<std::string> order_of(const std::vector<Event>& events) {
  std::vector<std::string> out;
  for (const Event& e : events) {
    if (const auto* m = std::get_if<MessageEvent>(&e)) {
      out.push_back("message " + std::string(m->data.begin(), m->data.end()));
    } else if (const auto* f = std::get_if<SendFailedEvent>(&e)) {
      out.push_back("send failed " + std::string(f->data.begin(), f->data.end()));
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

TEST(DataAtTheEdges, MessagesThatNeverLeftComeBackWhenThePeerAborts) {
  ScriptedPeer p;
  ASSERT_TRUE(p.establish());
  one_sent_two_queued(p);
  // RFC 9260 9.1 then 11.2.2: the ABORT arrives before the queued messages could leave. They
  // vanished with the association (only CLOSED); now each comes back, stream by stream.
  ASSERT_EQ(p.send(p.local_tag, wire::AbortChunk{false, {}}), PacketDisposition::Accepted);
  p.take();
  EXPECT_EQ(order_of(p.events), (std::vector<std::string>{"send failed queued2", "send failed queued1", "CLOSED"}));
  const auto failed = p.events_of<SendFailedEvent>();
  ASSERT_EQ(failed.size(), 2u);
  EXPECT_EQ(failed[1].stream, wire::StreamId(1));
  EXPECT_EQ(failed[1].ppid, wire::Ppid(2));
  EXPECT_FALSE(failed[1].unordered);
  EXPECT_TRUE(failed[0].unordered);
  EXPECT_NE(failed[0].detail.find("ABORT received"), std::string::npos) << failed[0].detail;
}

TEST(DataAtTheEdges, MessagesThatNeverLeftComeBackWhenThePeerIsUnreachable) {
  ScriptedPeer p;
  ASSERT_TRUE(p.establish());
  const AssociationId id = one_sent_two_queued(p);
  // The peer's window is closed: the queued messages wait while T3-rtx retries the first until
  // Association.Max.Retrans is exceeded (RFC 9260 8.1).
  ASSERT_EQ(p.send(p.local_tag, ScriptedPeer::sack(p.local_tsn - 1, {}, 0)), PacketDisposition::Accepted);
  p.advance(30min, 100ms);
  ASSERT_EQ(p.events_of<ClosedEvent>().size(), 1u);
  EXPECT_EQ(p.events_of<ClosedEvent>()[0].reason, CloseReason::PeerUnreachable);
  EXPECT_EQ(order_of(p.events), (std::vector<std::string>{"send failed queued2", "send failed queued1", "CLOSED"}));
  EXPECT_FALSE(p.endpoint().status(id).has_value());  // forgotten once its events were read
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

TEST(DataAtTheEdges, MessagesThatNeverLeftComeBackBeforeAPeerRestart) {
  ScriptedPeer p;
  ASSERT_TRUE(p.establish());
  const auto cookie = p.cookie_for(0x4242, 9000);  // the restarting peer's INIT, answered
  ASSERT_FALSE(cookie.empty());
  const AssociationId id = one_sent_two_queued(p);
  ASSERT_EQ(p.send(p.local_tag, wire::CookieEchoChunk{cookie}), PacketDisposition::Accepted);
  p.take();
  // RFC 9260 5.2.4 action A: the old DataSender went with its queue, and the user heard RESTART only.
  EXPECT_EQ(order_of(p.events), (std::vector<std::string>{"send failed queued2", "send failed queued1", "RESTART"}));
  EXPECT_EQ(p.endpoint().status(id)->counters.messages_failed, 2u);
  // The restarted association sends what the user sends next.
  EXPECT_EQ(p.endpoint().send(id, text("again"), wire::StreamId(0), wire::Ppid(1), false, p.now), SendResult::Ok);
  const auto out = p.take();
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].parse<wire::DataChunk>().tsn, wire::Tsn(p.local_tsn));
}

}  // namespace
}  // namespace sctpkit::assoc::testing
