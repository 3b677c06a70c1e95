// The ConnectedEvent is owed as a flag, not held in the event ring (an idle association keeps no
// ring slot): these pin down that it still says what it said and comes where it came.
#include <gtest/gtest.h>

#include <string>

#include "endpoint_pair.h"

namespace sctpkit::assoc::testing {
namespace {

template <typename E>
long index_of(const std::vector<Event>& events) {
  for (size_t i = 0; i < events.size(); ++i)
    if (std::holds_alternative<E>(events[i])) return static_cast<long>(i);
  return -1;
}

TEST(AssociationEventOrder, BothEndsReportTheNegotiatedAssociation) {
  EndpointConfig client = EndpointPair::default_config(5000, false);
  client.outbound_streams = 9;
  client.max_inbound_streams = 6;
  EndpointConfig server = EndpointPair::default_config(7, true);
  server.outbound_streams = 5;
  server.max_inbound_streams = 3;
  EndpointPair pair(client, server);
  const AssociationId id = pair.connect();
  ASSERT_TRUE(pair.run_until([&] { return pair.has<ConnectedEvent>(0) && pair.has<ConnectedEvent>(1); }, 10s));
  const ConnectedEvent active = pair.events_of<ConnectedEvent>(0).at(0);
  const ConnectedEvent passive = pair.events_of<ConnectedEvent>(1).at(0);
  // Each end's first event is its ConnectedEvent.
  EXPECT_EQ(index_of<ConnectedEvent>(pair.events[0]), 0);
  EXPECT_EQ(index_of<ConnectedEvent>(pair.events[1]), 0);
  EXPECT_EQ(active.id, id);
  EXPECT_FALSE(active.passive);
  EXPECT_TRUE(passive.passive);
  EXPECT_EQ(active.peer_primary, pair.address[1]);
  EXPECT_EQ(passive.peer_primary, pair.address[0]);
  EXPECT_EQ(active.peer_port, 7);
  EXPECT_EQ(passive.peer_port, 5000);
  // RFC 9260 5.1.1: outbound = min(our OS, peer's MIS), inbound = min(our MIS, peer's OS).
  EXPECT_EQ(active.outbound_streams, 3);
  EXPECT_EQ(active.inbound_streams, 5);
  EXPECT_EQ(passive.outbound_streams, 5);
  EXPECT_EQ(passive.inbound_streams, 3);
  EXPECT_EQ(active.local_tag, passive.peer_tag);
  EXPECT_EQ(active.peer_tag, passive.local_tag);
  EXPECT_NE(active.local_tag.value(), 0u);
  EXPECT_EQ(active.peer_rwnd, server.receive_buffer);
  EXPECT_EQ(passive.peer_rwnd, client.receive_buffer);
}

TEST(AssociationEventOrder, EventsRaisedDuringTheHandshakeStayAheadOfConnected) {
  EndpointConfig server = EndpointPair::default_config(7, true);
  server.max_inbound_streams = 2;  // our 10 outbound streams are cut to 2 by the INIT ACK
  EndpointPair pair(EndpointPair::default_config(5000, false), server);
  const AssociationId id = pair.connect();
  const std::string text = "queued in COOKIE-WAIT";
  const wire::Bytes message(reinterpret_cast<const uint8_t*>(text.data()), text.size());
  // RFC 9260 5.1.1: stream 5 is not granted, which the INIT ACK tells, before the COOKIE ACK.
  ASSERT_EQ(pair.client().send(id, message, wire::StreamId(5), wire::Ppid(0), false, pair.now), SendResult::Ok);
  ASSERT_TRUE(pair.run_until([&] { return pair.has<ConnectedEvent>(0); }, 10s));
  const long failed = index_of<SendFailedEvent>(pair.events[0]);
  const long connected = index_of<ConnectedEvent>(pair.events[0]);
  ASSERT_GE(failed, 0);
  EXPECT_LT(failed, connected);
  EXPECT_EQ(pair.events_of<ConnectedEvent>(0).at(0).outbound_streams, 2);
}

TEST(AssociationEventOrder, AShutDownAssociationIsForgottenWithItsEventsDelivered) {
  EndpointPair pair;
  const AssociationId id = pair.connect();
  ASSERT_TRUE(pair.run_until([&] { return pair.has<ConnectedEvent>(0) && pair.has<ConnectedEvent>(1); }, 10s));
  pair.client().shutdown(id, pair.now);
  ASSERT_TRUE(pair.run_until([&] { return pair.has<ClosedEvent>(0) && pair.has<ClosedEvent>(1); }, 10s));
  EXPECT_EQ(pair.events_of<ClosedEvent>(0).at(0).reason, CloseReason::Graceful);
  EXPECT_EQ(pair.events_of<ClosedEvent>(1).at(0).reason, CloseReason::Graceful);
  // Closed last on each side, after the ConnectedEvent.
  EXPECT_LT(index_of<ConnectedEvent>(pair.events[1]), index_of<ClosedEvent>(pair.events[1]));
  EXPECT_TRUE(pair.client().associations().empty());
  EXPECT_TRUE(pair.server().associations().empty());
}

}  // namespace
}  // namespace sctpkit::assoc::testing
