// Two Endpoints joined in memory, for measuring the engine alone (bench/engine_bench.cc) and
// pinning its steady state (tests/assoc/steady_state_alloc_test.cc): every packet one endpoint polls
// is handed straight to the other, and virtual time advances only when nothing moves (so delayed
// SACKs and timers fire). No I/O, no simulator, no copy of packets in between. The receiving user
// gives every message buffer back (Endpoint::recycle), as an application that wants no allocation
// per message would. Header-only: not part of the library.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <optional>
#include <variant>
#include <vector>

#include "assoc/endpoint.h"

namespace sctpkit::assoc {

class InMemoryPair {
 public:
  static EndpointConfig config(uint16_t port, bool listen, size_t message_size) {
    EndpointConfig c;
    c.local_port = port;
    c.listen = listen;
    c.receive_buffer = 1 << 24;
    // Deep enough for a full window of packets; deeper only makes the queue fall out of the caches.
    c.send_buffer = std::max<size_t>(64 << 10, 16 * message_size);
    c.max_message_size = std::max<size_t>(c.max_message_size, message_size);
    c.heartbeat_enabled = false;
    return c;
  }

  explicit InMemoryPair(size_t message_size)
      : random_a_(1), random_b_(2), a_(config(4000, false, message_size), random_a_, now_),
        b_(config(5000, true, message_size), random_b_, now_) {}

  bool connect() {
    auto r = a_.connect(ConnectRequest{{kAddrB}, 5000, {}}, now_);
    if (!std::holds_alternative<AssociationId>(r)) return false;
    id_ = std::get<AssociationId>(r);
    for (int i = 0; i < 100 && !connected_; ++i) {
      if (!pump()) advance();
    }
    return connected_;
  }

  // Sends one message, moving packets (and time, if nothing moves) until the send buffer takes it.
  bool send(wire::Bytes message, uint16_t stream) {
    for (int stalls = 0; stalls < 1000; ++stalls) {
      if (a_.send(id_, message, wire::StreamId(stream), wire::Ppid(0), false, now_) == SendResult::Ok) return true;
      if (!pump()) advance();
    }
    return false;
  }

  // The same, as a sender that builds each message in a buffer the engine gives back
  // (Endpoint::take_send_buffer) and hands it over without a copy (send(&&)). While none is back
  // yet it lets the packets move (acknowledgements free buffers) and allocates only when nothing
  // moves. Writing the message (`fill`) is the application's work, so it counts.
  bool send_owned(size_t size, uint8_t fill, uint16_t stream) {
    std::vector<uint8_t> message;
    for (int stalls = 0; stalls < 1000; ++stalls) {
      if (message.empty()) {
        message = a_.take_send_buffer(id_);
        if (message.capacity() < size && pump()) continue;
        message.assign(size, fill);
      }
      // Left as it was unless taken (Ok).
      if (a_.send(id_, std::move(message), wire::StreamId(stream), wire::Ppid(0), false, now_) == SendResult::Ok) {
        return true;
      }
      if (!pump()) advance();
    }
    return false;
  }

  // Moves everything there is to move, both ways, until nothing moves. True if anything did.
  bool pump() {
    bool any = false;
    for (;;) {
      bool moved = false;
      while (auto t = a_.poll_transmit(now_)) {
        b_.handle_packet(t->packet, kAddrA, kAddrB, now_);
        ++packets_;
        moved = true;
      }
      drain_events();
      while (auto t = b_.poll_transmit(now_)) {
        a_.handle_packet(t->packet, kAddrB, kAddrA, now_);
        ++packets_;
        moved = true;
      }
      while (auto e = a_.poll_event()) {
        if (std::holds_alternative<ConnectedEvent>(*e)) connected_ = true;
      }
      if (!moved) return any;
      any = true;
    }
  }

  // Nothing moves: jump to the earliest timer (a delayed SACK, usually) and fire it.
  void advance() {
    ++advances_;
    auto next = a_.next_timeout();
    if (auto tb = b_.next_timeout(); tb && (!next || *tb < *next)) next = tb;
    now_ = next && *next > now_ ? *next : now_ + std::chrono::milliseconds(1);
    a_.handle_timeout(now_);
    b_.handle_timeout(now_);
  }

  // Pushes until the receiver has `expected_messages` in all.
  void flush(uint64_t expected_messages) {
    for (int i = 0; i < 100000 && messages_ < expected_messages; ++i) {
      if (!pump()) advance();
    }
  }

  // Whether the receiving user gives message buffers back (Endpoint::recycle); an application that
  // does not makes the engine build every message in a new buffer.
  void set_recycle(bool recycle) { recycle_ = recycle; }
  // Every message received so far had this first and last byte (checked when set).
  void expect_fill(uint8_t fill) { fill_ = fill; }
  [[nodiscard]] bool intact() const { return intact_; }
  [[nodiscard]] uint64_t messages() const { return messages_; }
  [[nodiscard]] uint64_t bytes() const { return bytes_; }
  [[nodiscard]] uint64_t packets() const { return packets_; }
  [[nodiscard]] uint64_t advances() const { return advances_; }

 private:
  static constexpr wire::IpAddress kAddrA = wire::IpAddress::v4(10, 0, 0, 1);
  static constexpr wire::IpAddress kAddrB = wire::IpAddress::v4(10, 0, 0, 2);

  void drain_events() {
    while (auto e = b_.poll_event()) {
      if (auto* m = std::get_if<MessageEvent>(&*e)) {
        ++messages_;
        bytes_ += m->data.size();
        if (fill_) intact_ = intact_ && !m->data.empty() && m->data.front() == *fill_ && m->data.back() == *fill_;
        // Done with it: its buffer carries a later message (no allocation per received message).
        if (recycle_) b_.recycle(std::move(*m));
      }
    }
  }

  TimePoint now_{};
  SeededRandom random_a_;
  SeededRandom random_b_;
  Endpoint a_;
  Endpoint b_;
  AssociationId id_{};
  bool connected_ = false;
  std::optional<uint8_t> fill_;
  bool intact_ = true;
  bool recycle_ = true;
  uint64_t messages_ = 0;
  uint64_t bytes_ = 0;
  uint64_t packets_ = 0;
  uint64_t advances_ = 0;
};

}  // namespace sctpkit::assoc
