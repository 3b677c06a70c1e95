// Nothing lost silently where an association's data meets its end: what was received whole reaches
// the user before the event that says no more will come.
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

}  // namespace
}  // namespace sctpkit::assoc::testing
