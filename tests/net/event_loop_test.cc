#include "net/event_loop.h"

#include <gtest/gtest.h>
#include <poll.h>

#include <array>
#include <deque>
#include <string>

#include "net/test_packets.h"
#include "net/udp_encap_transport.h"

namespace sctpkit::net {
namespace {

using namespace std::chrono_literals;
const wire::IpAddress kLoopback = wire::IpAddress::v4(127, 0, 0, 1);

// Echoes every packet back with the ports swapped, reports each as an event, and asks for a
// timer when told to.
class EchoEngine final : public Engine {
 public:
  explicit EchoEngine(uint16_t port) : port_(port) {}
  uint16_t local_port() const override { return port_; }
  assoc::PacketDisposition handle_packet(wire::Bytes packet, const wire::IpAddress& source,
                                         const wire::IpAddress& destination, assoc::TimePoint now,
                                         uint16_t encapsulation_port) override {
    received.emplace_back(packet.begin(), packet.end());
    if (deadline_after_packet) deadline = now + *deadline_after_packet;
    encapsulation_ports.push_back(encapsulation_port);
    auto reply = testing::sctp_packet(port_, wire::load_u16(packet, 0), wire::load_u32(packet, 4));
    replies_.push_back({destination, source, std::move(reply)});
    const assoc::AssociationId id{static_cast<uint32_t>(received.size())};
    if (sends_messages) events_.push_back(assoc::MessageEvent{id, wire::StreamId(0), wire::Ppid(0), false, {}});
    if (shuts_down) {
      events_.push_back(assoc::PeerShutdownEvent{id});
    } else {
      events_.push_back(assoc::SendSpaceEvent{id, 0});
    }
    if (dispositions.empty()) return disposition;
    const assoc::PacketDisposition next = dispositions.front();
    dispositions.pop_front();
    return next;
  }
  void handle_timeout(assoc::TimePoint now) override {
    timeouts.push_back(now);
    deadline.reset();
  }
  std::optional<assoc::Transmit> poll_transmit(assoc::TimePoint, wire::MutableBytes) override {
    if (replies_.empty()) return std::nullopt;
    current_ = std::move(replies_.front());
    replies_.pop_front();
    return assoc::Transmit{current_.source, current_.destination, current_.bytes};
  }
  std::optional<assoc::Event> poll_event() override {
    ++event_polls;
    if (events_.empty()) return std::nullopt;
    auto e = events_.front();
    events_.pop_front();
    return e;
  }
  std::optional<assoc::TimePoint> next_timeout() const override { return deadline; }

  std::vector<std::vector<uint8_t>> received;
  std::vector<uint16_t> encapsulation_ports;  // handed with each packet received
  std::vector<assoc::TimePoint> timeouts;
  size_t event_polls = 0;  // poll_event calls
  std::optional<assoc::Duration> deadline_after_packet;  // a packet starts a timer this long
  std::optional<assoc::TimePoint> deadline;
  assoc::PacketDisposition disposition = assoc::PacketDisposition::Accepted;  // what handle_packet says
  std::deque<assoc::PacketDisposition> dispositions;  // ... for the next packets, before `disposition`
  bool sends_messages = false;  // each packet reports a MessageEvent first
  bool shuts_down = false;  // each packet reports a PeerShutdownEvent (a SHUTDOWN), not a SendSpaceEvent

 private:
  struct Reply {
    wire::IpAddress source, destination;
    std::vector<uint8_t> bytes;
  };
  uint16_t port_;
  std::deque<Reply> replies_;
  Reply current_;
  std::deque<assoc::Event> events_;
};

struct Rig {
  std::unique_ptr<UdpEncapTransport> server, client;
  std::unique_ptr<EventLoop> loop;
  Rig() {
    UdpEncapOptions options;
    options.local_port = 0;
    options.local_addresses = {kLoopback};
    server = std::move(std::get<std::unique_ptr<UdpEncapTransport>>(UdpEncapTransport::open(options)));
    options.remote_port = server->local_port();
    client = std::move(std::get<std::unique_ptr<UdpEncapTransport>>(UdpEncapTransport::open(options)));
    loop = std::move(std::get<std::unique_ptr<EventLoop>>(EventLoop::create(*server)));
  }
  size_t client_receive(std::span<ReceivedPacket> in) {
    pollfd p{client->fds()[0], POLLIN, 0};
    ::poll(&p, 1, 2000);
    return client->receive(in);
  }
};

// A Rig whose loop serves one echo engine on port 5000, answering the client's port 7000.
struct EchoRig : Rig {
  EchoEngine engine{5000};
  EchoRig() {
    loop->add(engine);
    client->bind_port(7000);
    server->set_remote_port(kLoopback, client->local_port());
  }
  // Runs the loop until the engine has received `count` packets (or 5 s passed).
  void run_until_received(size_t count) {
    const auto deadline = EventLoop::now() + 5s;
    while (engine.received.size() < count && EventLoop::now() < deadline) loop->run_once(100ms);
  }
};

TEST(EventLoop, DispatchesByPortAndSendsTheEnginesAnswers) {
  Rig rig;
  EchoEngine five(5000), six(5001);
  rig.loop->add(five);
  rig.loop->add(six);
  std::vector<std::pair<uint16_t, assoc::Event>> events;
  rig.loop->set_event_handler([&](Engine& e, assoc::Event&& ev) { events.emplace_back(e.local_port(), ev); });
  rig.client->bind_port(7000);

  const auto to_five = testing::sctp_packet(7000, 5000, 11);
  const auto to_six = testing::sctp_packet(7000, 5001, 22);
  const auto to_nobody = testing::sctp_packet(7000, 5002, 33);
  rig.client->send(std::array{OutgoingPacket{{}, kLoopback, to_five}, OutgoingPacket{{}, kLoopback, to_six},
                              OutgoingPacket{{}, kLoopback, to_nobody}});
  const auto deadline = EventLoop::now() + 2s;
  while (five.received.size() + six.received.size() < 2 && EventLoop::now() < deadline) rig.loop->run_once(100ms);

  ASSERT_EQ(five.received.size(), 1u);
  ASSERT_EQ(six.received.size(), 1u);
  EXPECT_EQ(wire::load_u32(five.received[0], 4), 11u);
  EXPECT_EQ(wire::load_u32(six.received[0], 4), 22u);
  // RFC 6951: each packet comes with the UDP port it was encapsulated from, for the engine's
  // encapsulation port rules (5.4, and the INIT rule of draft-tuexen-tsvwg-sctp-udp-encaps-cons).
  EXPECT_EQ(five.encapsulation_ports, std::vector<uint16_t>{rig.client->local_port()});
  EXPECT_EQ(six.encapsulation_ports, std::vector<uint16_t>{rig.client->local_port()});
  EXPECT_EQ(rig.server->dropped(), 1u);  // port 5002: nobody's, not handed to any engine
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].first, 5000);
  EXPECT_EQ(events[1].first, 5001);

  rig.loop->flush();  // the answers are owed until the next call (see the test below)
  std::array<ReceivedPacket, 8> in;
  std::vector<uint32_t> tags;
  while (tags.size() < 2) {
    const size_t n = rig.client_receive(in);
    if (n == 0) break;
    for (size_t i = 0; i < n; ++i) tags.push_back(wire::load_u32(in[i].data, 4));
  }
  EXPECT_EQ(tags, (std::vector<uint32_t>{11, 22}));
  EXPECT_EQ(rig.loop->counters().packets_sent, 2u);
}

TEST(EventLoop, WakesForTheEnginesDeadline) {
  Rig rig;
  EchoEngine engine(5000);
  // Compared with the deadline itself, not with a clock read after add(): under load add() may
  // take milliseconds, and the timer rightly fires at the deadline all the same.
  const auto deadline = EventLoop::now() + 50ms;
  engine.deadline = deadline;
  rig.loop->add(engine);
  // The loop's fd becomes readable when the deadline passes: an embedder's poll sees it.
  pollfd p{rig.loop->fd(), POLLIN, 0};
  ASSERT_EQ(::poll(&p, 1, 2000), 1);
  EXPECT_GE(EventLoop::now(), deadline);
  EXPECT_TRUE(rig.loop->run_once(0s));
  ASSERT_EQ(engine.timeouts.size(), 1u);
  EXPECT_GE(engine.timeouts[0], deadline);
  // No deadline left: waiting returns on the timeout of the call, with nothing handled.
  EXPECT_FALSE(rig.loop->run_once(20ms));
  EXPECT_EQ(engine.timeouts.size(), 1u);
}

TEST(EventLoop, ProgramsTheTimerOnlyWhenADeadlineComesEarlier) {
  Rig rig;
  EchoEngine engine(5000);
  const auto t0 = EventLoop::now();
  engine.deadline = t0 + 30ms;
  rig.loop->add(engine);
  const auto settings = [&] { return rig.loop->counters().timer_settings; };
  EXPECT_EQ(settings(), 1u);
  // A deadline restarted later or stopped (T3-rtx in a ping-pong) leaves the timer alone.
  engine.deadline = t0 + 300ms;
  rig.loop->flush();
  engine.deadline.reset();
  rig.loop->flush();
  engine.deadline = t0 + 300ms;
  rig.loop->flush();
  EXPECT_EQ(settings(), 1u);
  engine.deadline = t0 + 20ms;  // earlier: programmed
  rig.loop->flush();
  EXPECT_EQ(settings(), 2u);
  // The timer then fires early once: nothing is due, and it is programmed for the real deadline.
  engine.deadline = t0 + 300ms;
  const auto limit = EventLoop::now() + 5s;
  while (engine.timeouts.empty() && EventLoop::now() < limit) rig.loop->run_once(100ms);
  ASSERT_EQ(engine.timeouts.size(), 1u);
  EXPECT_GE(engine.timeouts[0], t0 + 300ms);
  EXPECT_EQ(settings(), 3u);
}

// run_once() flushes before it waits only when something may have changed the engines since the
// last flush: a user call (touched()), input, an event handed out. A ping-pong's reply has just
// flushed; the second, empty flush was ~390 instructions per round trip.
TEST(EventLoop, RunOnceFlushesOnlyAfterSomethingChangedTheEngines) {
  EchoRig rig;
  auto& engine = rig.engine;
  const auto flushes = [&] { return rig.loop->counters().flushes; };
  rig.loop->flush();
  const uint64_t before = flushes();
  EXPECT_FALSE(rig.loop->run_once(0ms));
  EXPECT_EQ(flushes(), before);
  // A user call queued a packet (as send() does) and said so: the next run_once sends it.
  const auto p = testing::sctp_packet(7000, 5000, 77);
  engine.handle_packet(p, kLoopback, kLoopback, EventLoop::now(), 0);
  rig.loop->touched();
  rig.loop->run_once(0ms);
  EXPECT_EQ(flushes(), before + 1);
  std::array<ReceivedPacket, 4> in;
  ASSERT_EQ(rig.client_receive(in), 1u);
  EXPECT_EQ(wire::load_u32(in[0].data, 4), 77u);
  // A deadline a user call brought in (none was armed) is armed before the loop sleeps: the
  // wait ends at the deadline, not at the call's timeout.
  rig.loop->flush();
  const auto start = EventLoop::now();
  engine.deadline = start + 30ms;
  rig.loop->touched();
  EXPECT_TRUE(rig.loop->run_once(10s));
  ASSERT_EQ(engine.timeouts.size(), 1u);
  EXPECT_GE(engine.timeouts[0], start + 30ms);
  EXPECT_LT(EventLoop::now() - start, 5s);
}

// The engines are asked for events only when they may hold some: after a user call (touched()),
// a timer, or an event given to a handler that calls engines. A ping-pong asked twice per round
// trip for nothing.
TEST(EventLoop, AsksForEventsOnlyWhenAnEngineMayHoldSome) {
  for (const bool handler_calls_engines : {false, true}) {
    SCOPED_TRACE(handler_calls_engines ? "handler calls engines" : "handler only files events");
    EchoRig rig;
    auto& engine = rig.engine;
    size_t handed = 0;
    rig.loop->set_event_handler([&](Engine&, assoc::Event&&) { ++handed; }, handler_calls_engines);
    rig.loop->flush();
    size_t polls = engine.event_polls;
    rig.loop->deliver_events();
    rig.loop->run_once(0ms);
    EXPECT_EQ(engine.event_polls, polls);
    // An input's events are handed out with it; the wake-up's final walk follows only if the
    // handler may have called an engine.
    const auto p = testing::sctp_packet(7000, 5000, 3);
    rig.client->send(std::array{OutgoingPacket{{}, kLoopback, p}});
    polls = engine.event_polls;
    rig.run_until_received(1);
    ASSERT_EQ(handed, 1u);
    EXPECT_EQ(engine.event_polls, polls + 2 + (handler_calls_engines ? 1 : 0));
    // A user call that raised an event, said with touched(): handed out by the next walk.
    engine.handle_packet(p, kLoopback, kLoopback, EventLoop::now(), 0);
    rig.loop->touched();
    rig.loop->deliver_events();
    EXPECT_EQ(handed, 2u);
    // A timer that ran: the same wake-up asks for its events.
    engine.deadline = EventLoop::now();
    rig.loop->touched();
    rig.loop->flush();
    polls = engine.event_polls;
    ASSERT_TRUE(rig.loop->run_once(0ms));
    EXPECT_EQ(engine.timeouts.size(), 1u);
    EXPECT_EQ(engine.event_polls, polls + 1);
  }
}

// A message sink gets the messages (through Engine's default poll_nonmessage_event here), the
// handler every other event, in the order the engine reported them; both count as events.
TEST(EventLoop, MessagesGoToTheSinkAndOtherEventsToTheHandlerInOrder) {
  struct Sink final : assoc::MessageSink {
    std::vector<std::string>& log;
    explicit Sink(std::vector<std::string>& l) : log(l) {}
    void on_message(assoc::AssociationId id, wire::StreamId, wire::Ppid, bool, std::vector<uint8_t>&&) override {
      log.push_back("message " + std::to_string(id.value));
    }
  };
  EchoRig rig;
  rig.engine.sends_messages = true;
  std::vector<std::string> log;
  Sink sink(log);
  rig.loop->set_message_sink(&sink);
  rig.loop->set_event_handler(
      [&](Engine&, assoc::Event&& e) {
        const auto* space = std::get_if<assoc::SendSpaceEvent>(&e);
        log.push_back(space ? "event " + std::to_string(space->id.value) : "other event");
      },
      /*calls_engines=*/false);
  const auto p = testing::sctp_packet(7000, 5000, 1);
  rig.client->send(std::array{OutgoingPacket{{}, kLoopback, p}, OutgoingPacket{{}, kLoopback, p}});
  rig.run_until_received(2);
  rig.loop->deliver_events();
  EXPECT_EQ(log, (std::vector<std::string>{"message 1", "event 1", "message 2", "event 2"}));
  EXPECT_EQ(sink.taken(), 2u);
  EXPECT_EQ(rig.loop->counters().events, 4u);
}

// The wake-up's last arming reuses the deadlines fire_timers read (the handler only files
// events): a timer a packet started is still programmed, and an embedder's poll wakes for it.
TEST(EventLoop, ATimerAPacketStartedIsArmedByTheSameWakeUp) {
  EchoRig rig;
  auto& engine = rig.engine;
  rig.loop->set_event_handler([](Engine&, assoc::Event&&) {}, /*calls_engines=*/false);
  engine.deadline_after_packet = 40ms;
  const uint64_t settings = rig.loop->counters().timer_settings;  // no deadline yet: none
  const auto p = testing::sctp_packet(7000, 5000, 1);
  rig.client->send(std::array{OutgoingPacket{{}, kLoopback, p}});
  rig.run_until_received(1);
  ASSERT_EQ(engine.received.size(), 1u);
  ASSERT_TRUE(engine.deadline.has_value());
  EXPECT_EQ(rig.loop->counters().timer_settings, settings + 1);  // by the wake-up that read the packet
  rig.loop->flush();  // what is owed leaves; the fd then polls readable only for the timer
  engine.deadline_after_packet.reset();
  pollfd loop_fd{rig.loop->fd(), POLLIN, 0};
  ASSERT_EQ(::poll(&loop_fd, 1, 5000), 1);
  EXPECT_GE(EventLoop::now(), *engine.deadline);
  EXPECT_TRUE(rig.loop->run_once(0s));
  EXPECT_EQ(engine.timeouts.size(), 1u);
}

TEST(EventLoop, FlushSendsWhatAUserCallQueued) {
  Rig rig;
  EchoEngine engine(5000);
  rig.loop->add(engine);
  rig.client->bind_port(7000);
  rig.server->set_remote_port(kLoopback, rig.client->local_port());
  // Simulate a user call that produced output without any input: handle_packet queues a reply.
  const auto p = testing::sctp_packet(7000, 5000, 99);
  engine.handle_packet(p, kLoopback, kLoopback, EventLoop::now(), 0);
  rig.loop->flush();
  std::array<ReceivedPacket, 4> in;
  ASSERT_EQ(rig.client_receive(in), 1u);
  EXPECT_EQ(wire::load_u32(in[0].data, 4), 99u);
  rig.loop->remove(engine);
  EXPECT_FALSE(rig.server->is_bound(5000));
}

TEST(EventLoop, AnswersToInputStayOwedUntilTheNextCallAndTheFdSaysSo) {
  EchoRig rig;
  auto& engine = rig.engine;
  std::vector<uint32_t> events;
  rig.loop->set_event_handler([&](Engine&, assoc::Event&& e) { events.push_back(std::get<assoc::SendSpaceEvent>(e).id.value); });
  const auto p = testing::sctp_packet(7000, 5000, 42);
  rig.client->send(std::array{OutgoingPacket{{}, kLoopback, p}});
  rig.run_until_received(1);
  ASSERT_EQ(engine.received.size(), 1u);
  // The event was handed out, the echo was not sent: a reply the application makes now could
  // carry it (a SACK riding on DATA).
  EXPECT_EQ(events, std::vector<uint32_t>{1});
  EXPECT_TRUE(rig.loop->owed());
  EXPECT_EQ(rig.loop->counters().packets_sent, 0u);
  pollfd client{rig.client->fds()[0], POLLIN, 0};
  EXPECT_EQ(::poll(&client, 1, 50), 0);
  // An embedder polling the loop's fd is woken at once to send it...
  pollfd loop_fd{rig.loop->fd(), POLLIN, 0};
  EXPECT_EQ(::poll(&loop_fd, 1, 2000), 1);
  // ... and its next call does.
  rig.loop->run_once(0s);
  EXPECT_FALSE(rig.loop->owed());
  std::array<ReceivedPacket, 4> in;
  ASSERT_EQ(rig.client_receive(in), 1u);
  EXPECT_EQ(wire::load_u32(in[0].data, 4), 42u);
  // Nothing owed: the fd goes quiet again.
  EXPECT_EQ(::poll(&loop_fd, 1, 0), 0);
}

TEST(EventLoop, OnlyTheAnswerToTheLastPacketReadIsOwed) {
  EchoRig rig;
  auto& engine = rig.engine;
  const auto p = testing::sctp_packet(7000, 5000, 5);
  rig.client->send(std::vector<OutgoingPacket>(4, OutgoingPacket{{}, kLoopback, p}));
  rig.run_until_received(4);
  ASSERT_EQ(engine.received.size(), 4u);
  // The engine is asked for its answers between packets (RFC 9260 6.2: a SACK for every second
  // packet, which a sender's window grows by), so only the last one waits for a reply to ride on.
  const uint64_t owed = 1;
  EXPECT_EQ(rig.loop->counters().packets_sent, engine.received.size() - owed);
  EXPECT_TRUE(rig.loop->owed());
  rig.loop->flush();
  EXPECT_EQ(rig.loop->counters().packets_sent, 4u);
}

TEST(EventLoop, AnAnswerNoReplyCanRideWithIsNotOwed) {
  // A stateless answer (an INIT ACK, RFC 9260 5.1: there is no association to reply on), and the
  // answer to a packet that shut its association down (RFC 9260 9.2: the user may send no new
  // data, so nothing can carry the SHUTDOWN ACK), leave with the rest of the read's answers, in
  // the same sendmmsg, instead of waiting for the next call.
  for (const bool stateless : {true, false}) {
    SCOPED_TRACE(stateless ? "stateless" : "shutting down");
    EchoRig rig;
    auto& engine = rig.engine;
    if (stateless) {
      engine.disposition = assoc::PacketDisposition::AnsweredStateless;
    } else {
      engine.shuts_down = true;
    }
    const auto p = testing::sctp_packet(7000, 5000, 8);
    rig.client->send(std::vector<OutgoingPacket>(2, OutgoingPacket{{}, kLoopback, p}));
    rig.run_until_received(2);
    ASSERT_EQ(engine.received.size(), 2u);
    EXPECT_EQ(rig.loop->counters().packets_sent, 2u);
    EXPECT_FALSE(rig.loop->owed());
  }
}

// RFC 6951 5.4: a stateless answer goes back to the UDP port its packet came from, and only it:
// an answer to a verified packet from the same peer address and SCTP port, waiting in the same
// send batch, goes to the port learned from that packet, not to the stateless answer's.
TEST(EventLoop, OnlyTheStatelessAnswerGoesToThePortItsPacketCameFrom) {
  EchoRig rig;
  UdpEncapOptions options;
  options.local_port = 0;
  options.local_addresses = {kLoopback};
  options.remote_port = rig.server->local_port();
  auto other = std::move(std::get<std::unique_ptr<UdpEncapTransport>>(UdpEncapTransport::open(options)));
  other->bind_port(7000);  // the same peer address and SCTP port, another UDP port
  rig.engine.dispositions = {assoc::PacketDisposition::Accepted, assoc::PacketDisposition::AnsweredStateless};
  // Both wait in the server's socket, so one read takes them.
  rig.client->send(std::array{OutgoingPacket{{}, kLoopback, testing::sctp_packet(7000, 5000, 1)}});
  other->send(std::array{OutgoingPacket{{}, kLoopback, testing::sctp_packet(7000, 5000, 2)}});
  rig.run_until_received(2);
  ASSERT_EQ(rig.engine.received.size(), 2u);
  rig.loop->flush();
  auto tags_at = [](UdpEncapTransport& t) {
    std::vector<uint32_t> tags;
    std::array<ReceivedPacket, 8> in;
    pollfd p{t.fds()[0], POLLIN, 0};
    // Both answers left in flush(): wait for the first, then take whatever else came.
    while (::poll(&p, 1, tags.empty() ? 2000 : 0) > 0) {
      const size_t n = t.receive(in);
      if (n == 0) break;
      for (size_t i = 0; i < n; ++i) tags.push_back(wire::load_u32(in[i].data, 4));
    }
    return tags;
  };
  EXPECT_EQ(tags_at(*rig.client), std::vector<uint32_t>{1});
  EXPECT_EQ(tags_at(*other), std::vector<uint32_t>{2});
}

TEST(EventLoop, OneWakeUpReadsABoundedNumberOfBatches) {
  EchoRig rig;
  auto& engine = rig.engine;
  const size_t bound = EventLoop::kMaxBatches * EventLoop::kBatch;
  const auto p = testing::sctp_packet(7000, 5000, 9);
  const std::vector<OutgoingPacket> burst(bound + 40, OutgoingPacket{{}, kLoopback, p});
  ASSERT_EQ(rig.client->send(burst), burst.size());
  pollfd ready{rig.server->fds()[0], POLLIN, 0};
  ASSERT_EQ(::poll(&ready, 1, 2000), 1);
  // Loopback delivers within sendmmsg: everything is queued. One wake-up stops after `bound`
  // packets so that the application gets to what was delivered (a fast sender would otherwise
  // keep it in this loop, its messages piling up); the rest waits for the next.
  rig.loop->run_once(0s);
  EXPECT_EQ(engine.received.size(), bound);
  rig.run_until_received(burst.size());
  EXPECT_EQ(engine.received.size(), burst.size());
}

TEST(EventLoop, PacketsAGroReadBroughtBeyondTheBoundAreHandledWithoutWaiting) {
  UdpEncapOptions options;
  options.local_port = 0;
  options.local_addresses = {kLoopback};
  options.offload = true;
  auto server = std::move(std::get<std::unique_ptr<UdpEncapTransport>>(UdpEncapTransport::open(options)));
  options.remote_port = server->local_port();
  auto client = std::move(std::get<std::unique_ptr<UdpEncapTransport>>(UdpEncapTransport::open(options)));
  if (!client->gso()) GTEST_SKIP() << "this kernel has no UDP_SEGMENT (UDP GSO, Linux 4.18)";
  auto loop = std::move(std::get<std::unique_ptr<EventLoop>>(EventLoop::create(*server)));
  EchoEngine engine{5000};
  loop->add(engine);
  // Five GSO trains of 64 equal packets: over loopback each reaches the GRO socket as one datagram,
  // so the first wake-up's one read takes all 320 from the kernel and hands out the bound of them.
  const size_t bound = EventLoop::kMaxBatches * EventLoop::kBatch;
  const auto p = testing::sctp_packet(7000, 5000, 9);
  const std::vector<OutgoingPacket> burst(5 * 64, OutgoingPacket{{}, kLoopback, p});
  ASSERT_EQ(client->send(burst), burst.size());
  pollfd ready{server->fds()[0], POLLIN, 0};
  ASSERT_EQ(::poll(&ready, 1, 2000), 1);
  loop->run_once(0s);
  ASSERT_EQ(engine.received.size(), bound);
  if (server->gro_packets() == 0) GTEST_SKIP() << "the trains were not coalesced (no UDP GRO on this kernel)";
  // Nothing is left in the kernel, so no descriptor is readable; the rest must not wait for the
  // peer's next packet (it slept the whole 10 s here, and a real peer's next one is a T3-rtx).
  ASSERT_TRUE(server->holds_input());
  loop->run_once(10s);
  EXPECT_EQ(engine.received.size(), burst.size());
  EXPECT_FALSE(server->holds_input());
}

TEST(EventLoop, ReadsOnlyTheSocketsPollNamedAndStopsAtAShortRead) {
  // A wildcard transport: an IPv4 and an IPv6 socket.
  UdpEncapOptions options;
  options.local_port = 0;
  auto opened = UdpEncapTransport::open(options);
  auto& server = *std::get<std::unique_ptr<UdpEncapTransport>>(opened);
  if (server.fds().size() < 2) GTEST_SKIP() << "no IPv6 socket on this host";
  options.local_addresses = {kLoopback};
  options.remote_port = server.local_port();
  auto client = std::move(std::get<std::unique_ptr<UdpEncapTransport>>(UdpEncapTransport::open(options)));
  server.bind_port(5000);
  const auto p = testing::sctp_packet(7000, 5000, 7);
  client->send(std::array{OutgoingPacket{{}, kLoopback, p}, OutgoingPacket{{}, kLoopback, p}});
  pollfd v4{server.fds()[0], POLLIN, 0};
  ASSERT_EQ(::poll(&v4, 1, 2000), 1);
  // Told that only the IPv4 socket is ready, the transport reads it once (a short read: the
  // kernel had no more) and then answers 0 without reading again; the next call starts over.
  server.set_ready(server.fds().first(1));
  std::array<ReceivedPacket, 8> in;
  size_t got = 0;
  for (int i = 0; i < 10 && got < 2; ++i) got += server.receive(in);
  EXPECT_EQ(got, 2u);
  client->send(std::array{OutgoingPacket{{}, kLoopback, p}});
  ASSERT_EQ(::poll(&v4, 1, 2000), 1);
  EXPECT_EQ(server.receive(in), 0u);  // the round ended: every socket was found empty
  EXPECT_EQ(server.receive(in), 1u);  // a new round reads both again
}

TEST(EventLoop, BusyPollingStillDeliversAndStillSleepsWhenIdle) {
  EchoRig rig;
  rig.loop->set_busy_poll(std::chrono::microseconds(500));
  // Idle: the spin ends and the loop goes to sleep in epoll_wait (no busy loop for the whole timeout).
  EXPECT_FALSE(rig.loop->run_once(20ms));
  EXPECT_GE(rig.loop->counters().spins, 1u);
  EXPECT_EQ(rig.loop->counters().sleeps, 1u);
  // A packet is still handled and answered.
  const auto ping = testing::sctp_packet(7000, 5000, 42);
  rig.client->send(std::array{OutgoingPacket{{}, kLoopback, ping}});
  rig.run_until_received(1);
  ASSERT_EQ(rig.engine.received.size(), 1u);
  EXPECT_EQ(wire::load_u32(rig.engine.received[0], 4), 42u);
  rig.loop->flush();
  std::array<ReceivedPacket, 8> in;
  ASSERT_EQ(rig.client_receive(in), 1u);
  EXPECT_EQ(wire::load_u32(in[0].data, 4), 42u);
  // A zero timeout never spins: an embedder's run_once(0) returns at once.
  const uint64_t spins = rig.loop->counters().spins;
  rig.loop->run_once(0ms);
  EXPECT_EQ(rig.loop->counters().spins, spins);
}

TEST(EventLoop, BusyPollingReadsTheSocketsDirectlyAndStopsForATimer) {
  EchoRig rig;
  rig.loop->set_busy_poll(20s);
  // A packet waiting when the spin starts is taken by its first read: one system call, with no
  // epoll_wait naming the socket before it (a busy ping-pong pays for each on every one-way trip).
  rig.client->send(std::array{OutgoingPacket{{}, kLoopback, testing::sctp_packet(7000, 5000, 42)}});
  pollfd p{rig.server->fds()[0], POLLIN, 0};
  ASSERT_EQ(::poll(&p, 1, 2000), 1);
  const uint64_t waits = rig.loop->counters().epoll_waits;
  EXPECT_TRUE(rig.loop->run_once(20s));
  ASSERT_EQ(rig.engine.received.size(), 1u);
  EXPECT_EQ(rig.loop->counters().epoll_waits, waits);
  // A timer due during a long spin still runs on time: the spin stops for it.
  const auto start = EventLoop::now();
  rig.engine.deadline = start + 30ms;
  rig.loop->touched();
  while (rig.engine.timeouts.empty() && EventLoop::now() - start < 15s) rig.loop->run_once(20s);
  ASSERT_EQ(rig.engine.timeouts.size(), 1u);
  EXPECT_LT(EventLoop::now() - start, 10s);
}

}  // namespace
}  // namespace sctpkit::net
