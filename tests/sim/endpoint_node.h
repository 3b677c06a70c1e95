// An assoc::Endpoint as a simulated host: the network drives it through the SimNode contract, and
// the node records every event the engine reports so that tests can inspect the whole history.
//
// A template over the endpoint type so that the adapter is tested today with a fake of the same
// shape (tests/sim/sim_endpoint_node_test.cc); EndpointNode, the real one, links once the engine
// exists. Header-only.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "assoc/endpoint.h"
#include "sim/simulation.h"

namespace sctpkit::sim {

struct RecordedEvent {
  TimePoint at;
  assoc::Event event;
};

template <typename EndpointT>
class BasicEndpointNode final : public SimNode {
 public:
  // Registers itself with `sim` as host `name` owning `addresses`. `random` must outlive the node;
  // pass sim.random() so the seed decides everything.
  BasicEndpointNode(Simulation& sim, std::string name, std::vector<wire::IpAddress> addresses,
                    const assoc::EndpointConfig& config, assoc::RandomSource& random)
      : sim_(sim), endpoint_(config, random, sim.now()), addresses_(addresses) {
    host_ = sim.add_node(std::move(name), std::move(addresses), *this);
  }
  BasicEndpointNode(const BasicEndpointNode&) = delete;
  BasicEndpointNode& operator=(const BasicEndpointNode&) = delete;

  EndpointT& endpoint() { return endpoint_; }
  [[nodiscard]] const EndpointT& endpoint() const { return endpoint_; }
  [[nodiscard]] const std::vector<wire::IpAddress>& addresses() const { return addresses_; }
  [[nodiscard]] HostId host() const { return host_; }

  // ---- user calls: the engine's, at the simulation's current time, with the packets they cause
  // sent at once (not at the start of the next run).
  std::variant<assoc::AssociationId, assoc::ConnectError> connect(const assoc::ConnectRequest& request) {
    auto result = endpoint_.connect(request, sim_.now());
    after_user_call();
    return result;
  }
  std::variant<assoc::AssociationId, assoc::ConnectError> connect(wire::IpAddress peer, uint16_t port) {
    return connect(assoc::ConnectRequest{{peer}, port});
  }
  assoc::SendResult send(assoc::AssociationId id, wire::Bytes message, uint16_t stream = 0, uint32_t ppid = 0,
                         bool unordered = false) {
    auto result = endpoint_.send(id, message, wire::StreamId(stream), wire::Ppid(ppid), unordered, sim_.now());
    after_user_call();
    return result;
  }
  assoc::SendResult send(assoc::AssociationId id, std::string_view text, uint16_t stream = 0, uint32_t ppid = 0,
                         bool unordered = false) {
    return send(id, wire::Bytes(reinterpret_cast<const uint8_t*>(text.data()), text.size()), stream, ppid,
                unordered);
  }
  // A message with the sack-immediately flag (RFC 9260 11.1), marked as sctpkit::Association::send
  // does: after the engine took it, before it leaves. Returns what the marking returned.
  bool send_sack_immediately(assoc::AssociationId id, std::string_view text) {
    auto result = endpoint_.send(id, wire::Bytes(reinterpret_cast<const uint8_t*>(text.data()), text.size()),
                                 wire::StreamId(0), wire::Ppid(0), false, sim_.now());
    const bool marked = result == assoc::SendResult::Ok && endpoint_.mark_last_sack_immediately(id);
    after_user_call();
    return marked;
  }
  void shutdown(assoc::AssociationId id) {
    endpoint_.shutdown(id, sim_.now());
    after_user_call();
  }
  void abort(assoc::AssociationId id, std::string_view reason = {}) {
    endpoint_.abort(id, reason, sim_.now());
    after_user_call();
  }
  // EndpointConfig::hold_window_until_consumed: the user is done with `bytes` of received messages.
  bool consumed(assoc::AssociationId id, size_t bytes) {
    const bool update_due = endpoint_.consumed(id, bytes);
    after_user_call();
    return update_due;
  }

  // ---- what the engine reported, in order, with the simulated time it was drained at
  [[nodiscard]] const std::vector<RecordedEvent>& events() const { return events_; }
  template <typename E>
  [[nodiscard]] std::vector<E> events_of() const {
    std::vector<E> out;
    for (const auto& r : events_) {
      if (const E* e = std::get_if<E>(&r.event)) out.push_back(*e);
    }
    return out;
  }
  template <typename E>
  [[nodiscard]] size_t count() const {
    size_t n = 0;
    for (const auto& r : events_) n += std::holds_alternative<E>(r.event) ? 1 : 0;
    return n;
  }
  template <typename E>
  [[nodiscard]] std::optional<E> first() const {
    for (const auto& r : events_) {
      if (const E* e = std::get_if<E>(&r.event)) return *e;
    }
    return std::nullopt;
  }
  template <typename E>
  [[nodiscard]] bool has() const {
    return count<E>() > 0;
  }
  // The payloads of every delivered message, as strings: handy for text exchanges.
  [[nodiscard]] std::vector<std::string> message_texts() const {
    std::vector<std::string> out;
    for (const auto& m : events_of<assoc::MessageEvent>()) out.emplace_back(m.data.begin(), m.data.end());
    return out;
  }
  void clear_events() { events_.clear(); }

  // A reader that stalls: while paused the node takes nothing from the endpoint, so delivered
  // messages stay in its receive buffer and the advertised window closes (RFC 9260 6.2). Resuming
  // takes everything waiting, which lets the endpoint send its window update at once.
  void pause_reading() { reading_ = false; }
  void resume_reading() {
    reading_ = true;
    after_user_call();
  }
  [[nodiscard]] bool reading() const { return reading_; }

  // ---- running
  RunResult run_until(const std::function<bool()>& done, Duration time_limit) {
    return sim_.run_until(done, time_limit);
  }
  template <typename E>
  RunResult run_until_event(Duration time_limit) {
    return sim_.run_until([this] { return has<E>(); }, time_limit);
  }
  RunResult run_until_connected(Duration time_limit) { return run_until_event<assoc::ConnectedEvent>(time_limit); }
  RunResult run_until_closed(Duration time_limit) { return run_until_event<assoc::ClosedEvent>(time_limit); }
  RunResult run_until_messages(size_t n, Duration time_limit) {
    return sim_.run_until([this, n] { return count<assoc::MessageEvent>() >= n; }, time_limit);
  }

  // ---- SimNode
  void handle_packet(wire::Bytes packet, const wire::IpAddress& source, const wire::IpAddress& destination,
                     TimePoint now) override {
    endpoint_.handle_packet(packet, source, destination, now);
    record_events(now);
  }
  void handle_timeout(TimePoint now) override {
    endpoint_.handle_timeout(now);
    record_events(now);
  }
  std::optional<Transmit> poll_transmit(TimePoint now) override {
    auto t = endpoint_.poll_transmit(now);
    if (!t) return std::nullopt;
    return Transmit{t->source, t->destination, t->packet};
  }
  [[nodiscard]] std::optional<TimePoint> next_timeout() const override { return endpoint_.next_timeout(); }

 private:
  void record_events(TimePoint now) {
    if (!reading_) return;
    while (auto e = endpoint_.poll_event()) events_.push_back(RecordedEvent{now, std::move(*e)});
  }
  void after_user_call() {
    record_events(sim_.now());
    sim_.drain_all();
  }

  Simulation& sim_;
  EndpointT endpoint_;
  std::vector<wire::IpAddress> addresses_;
  HostId host_ = 0;
  std::vector<RecordedEvent> events_;
  bool reading_ = true;
};

using EndpointNode = BasicEndpointNode<assoc::Endpoint>;

}  // namespace sctpkit::sim
