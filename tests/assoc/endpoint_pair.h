// Two Endpoints joined by an in-memory link with a virtual clock, a fixed one-way delay and seeded
// loss: enough to run whole associations in unit tests (the full simulator lives in tests/sim).
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <deque>
#include <functional>
#include <optional>
#include <variant>
#include <vector>

#include "assoc/endpoint.h"
#include "assoc/random.h"
#include "event_recorder.h"

namespace sctpkit::assoc::testing {

using namespace std::chrono_literals;

struct InFlight {
  TimePoint arrival;
  int to;  // 0 or 1
  wire::IpAddress source;
  wire::IpAddress destination;
  std::vector<uint8_t> bytes;
};

class EndpointPair {
 public:
  static EndpointConfig default_config(uint16_t port, bool listen) {
    EndpointConfig c;
    c.local_port = port;
    c.listen = listen;
    return c;
  }

  EndpointPair(EndpointConfig client = default_config(5000, false), EndpointConfig server = default_config(7, true),
               uint64_t seed = 1)
      : random_{SeededRandom(seed), SeededRandom(seed + 1)}, loss_random_(seed + 2) {
    nodes_[0].emplace(client, random_[0], now);
    nodes_[1].emplace(server, random_[1], now);
  }

  Endpoint& client() { return *nodes_[0]; }
  Endpoint& server() { return *nodes_[1]; }
  Endpoint& node(int i) { return *nodes_[i]; }

  // Address of each node; node 1 may have a second address.
  wire::IpAddress address[2] = {wire::IpAddress::v4(10, 0, 0, 1), wire::IpAddress::v4(10, 0, 0, 2)};

  AssociationId connect(std::vector<wire::IpAddress> remotes = {}) {
    ConnectRequest r;
    r.remote_addresses = remotes.empty() ? std::vector<wire::IpAddress>{address[1]} : remotes;
    r.remote_port = server().config().local_port;
    auto result = client().connect(r, now);
    EXPECT_TRUE(std::holds_alternative<AssociationId>(result));
    return std::get<AssociationId>(result);
  }

  // Moves packets and fires timers until `done` holds or `limit` of virtual time passes. Events
  // are appended to events[0] / events[1].
  bool run_until(const std::function<bool()>& done, Duration limit = 120s) {
    const TimePoint end = now + limit;
    while (now <= end) {
      drain();
      if (done()) return true;
      // Next thing to happen: a packet arrival or a timer.
      std::optional<TimePoint> next;
      for (const auto& p : link_) next = next ? std::min(*next, p.arrival) : p.arrival;
      for (int i = 0; i < 2; ++i) {
        if (auto t = nodes_[i]->next_timeout()) next = next ? std::min(*next, *t) : *t;
      }
      if (!next) return done();
      now = std::max(now, *next);
      deliver_due();
      for (int i = 0; i < 2; ++i) {
        if (auto t = nodes_[i]->next_timeout(); t && *t <= now) nodes_[i]->handle_timeout(now);
      }
    }
    return done();
  }

  void drain() {
    for (int round = 0; round < 10000; ++round) {
      bool any = false;
      for (int i = 0; i < 2; ++i) {
        while (auto t = nodes_[i]->poll_transmit(now)) {
          any = true;
          ++packets_sent[i];
          if (drop_filter && drop_filter(i, *t)) continue;
          if (loss_percent > 0 && loss_random_.next_u32() % 100 < loss_percent) continue;
          // An unset source means "any local address": the link fills in the node's address.
          const wire::IpAddress source = t->source == wire::IpAddress{} ? address[i] : t->source;
          link_.push_back(InFlight{now + delay, 1 - i, source, t->destination,
                                   std::vector<uint8_t>(t->packet.begin(), t->packet.end())});
        }
        if (message_sink) {
          const uint64_t taken = recorders_[i].taken();
          while (auto e = nodes_[i]->poll_event(recorders_[i])) {
            any = true;
            events[i].push_back(std::move(*e));
          }
          any = any || recorders_[i].taken() != taken;
          continue;
        }
        while (auto e = nodes_[i]->poll_event()) {
          any = true;
          events[i].push_back(std::move(*e));
        }
      }
      if (!any) return;
    }
  }

  template <typename E>
  std::vector<E> events_of(int node) const {
    std::vector<E> out;
    for (const Event& e : events[node]) {
      if (auto* x = std::get_if<E>(&e)) out.push_back(*x);
    }
    return out;
  }
  template <typename E>
  bool has(int node) const {
    return !events_of<E>(node).empty();
  }

  TimePoint now{};
  Duration delay = 10ms;
  uint32_t loss_percent = 0;
  // Returns true to drop a packet sent by node `from`.
  std::function<bool(int from, const Transmit&)> drop_filter;
  std::vector<Event> events[2];
  uint64_t packets_sent[2] = {0, 0};
  // Messages are taken with poll_event(MessageSink&) and recorded in events[] as MessageEvents.
  bool message_sink = false;

 private:
  void deliver_due() {
    // Stable: packets with the same arrival time keep their sending order.
    std::stable_sort(link_.begin(), link_.end(),
                     [](const InFlight& a, const InFlight& b) { return a.arrival < b.arrival; });
    while (!link_.empty() && link_.front().arrival <= now) {
      InFlight p = std::move(link_.front());
      link_.pop_front();
      nodes_[p.to]->handle_packet(p.bytes, p.source, p.destination, now);
    }
  }

  SeededRandom random_[2];
  SeededRandom loss_random_;
  std::optional<Endpoint> nodes_[2];
  std::deque<InFlight> link_;
  EventRecorder recorders_[2] = {EventRecorder(events[0]), EventRecorder(events[1])};
};

// The INIT of a peer that restarted on the client's address and SCTP port (a new endpoint there).
inline std::vector<uint8_t> restart_init(EndpointPair& pair) {
  SeededRandom random(99);
  Endpoint restarted(pair.client().config(), random, pair.now);
  ConnectRequest request;
  request.remote_addresses = {pair.address[1]};
  request.remote_port = pair.server().config().local_port;
  EXPECT_TRUE(std::holds_alternative<AssociationId>(restarted.connect(request, pair.now)));
  auto t = restarted.poll_transmit(pair.now);
  return t ? std::vector<uint8_t>(t->packet.begin(), t->packet.end()) : std::vector<uint8_t>{};
}

}  // namespace sctpkit::assoc::testing
