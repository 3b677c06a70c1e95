// What stands behind the public API's handles (include/sctpkit/): one transport, one engine
// endpoint and one event loop, shared by a Listener and the associations it accepted, or owned by
// one connecting Association. Turns engine events into per-association inboxes and states.
#pragma once

#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>

#include "assoc/endpoint.h"
#include "assoc/node_cache.h"
#include "assoc/random.h"
#include "assoc/sparse_queue.h"
#include "assoc/tx/ring.h"
#include "net/endpoint_engine.h"
#include "net/event_loop.h"
#include "net/pooled_random.h"
#include "net/port_claim.h"
#include "net/transport.h"
#include "net/udp_encap_transport.h"
#include "sctpkit/association.h"

namespace sctpkit::detail {

// Received messages receive() has not returned, oldest first. One pointer until the first
// message (an idle association holds no buffer); then a ring that keeps its slots, so a steady flow
// allocates nothing (a std::deque freed and allocated a block every dozen 64 B messages).
class Inbox {
 public:
  [[nodiscard]] bool empty() const { return !ring_ || ring_->empty(); }
  [[nodiscard]] size_t size() const { return ring_ ? ring_->size() : 0; }
  void push_back(Message&& message) { emplace_back() = std::move(message); }
  // A new last message, empty (a ring slot rebuilt when its message was popped): filled in place.
  Message& emplace_back() {
    if (!ring_) ring_ = std::make_unique<assoc::Ring<Message>>();
    return ring_->emplace_back();
  }
  // Not empty(): the first message moved into `to` (a buffer `to` still holds is freed).
  void pop_front_into(Message& to) {
    to = std::move(ring_->front());
    ring_->pop_front();
  }
  // Not empty().
  Message pop_front() {
    Message m = std::move(ring_->front());
    ring_->pop_front();
    return m;
  }

 private:
  std::unique_ptr<assoc::Ring<Message>> ring_;
};

// Received messages go straight from the engine into their association's inbox (the Stack is the
// loop's MessageSink); every other event comes through the loop's handler (on_event).
class Stack final : private assoc::MessageSink {
 public:
  static constexpr uint64_t kNever = ~uint64_t{0};
  struct AssociationState {
    Inbox inbox;
    assoc::SparseQueue<SendFailure> send_failures;  // rare: allocated by the first
    // The loop's input count (EventLoop::inputs) when a send()'s flush found nothing to transmit:
    // the association's window (cwnd, the peer's rwnd, RFC 9260 6.1) was full, and stays full
    // until an input (a SACK, a timer), so until then a send() only queues (see window_full).
    uint64_t window_full_at = kNever;
    bool connected = false;
    bool closed = false;
    bool peer_shutdown = false;
    bool send_space = false;  // set by SendSpaceEvent, cleared before each wait for it
    bool accepted = false;    // handed out by accept() (or owned by the connecting handle)
    // Why it closed: the ClosedEvent's reason, put into words with its detail (Stack's
    // close_details_) only when asked (close_reason()), not for every association that closes
    // (two allocations per setup). The reason's byte and the 16 bits below fill the bools' padding.
    assoc::CloseReason close_why = assoc::CloseReason::Graceful;
    uint16_t peer_restarts = 0;  // RestartEvents, saturating
  };

  // `listen_port` nullopt: a client stack on an ephemeral (or Options::local_port) SCTP port.
  // `remote_family_v4`: the client's peer is IPv4, so the IP header is 20 bytes (for the packet size).
  static Expected<std::shared_ptr<Stack>> open(const Options& options, std::optional<uint16_t> listen_port,
                                               bool remote_family_v4);
  ~Stack();

  // Runs the protocol until `done()` holds or the timeout passes (nullopt: the options' timeout;
  // milliseconds::max(): forever, as the public calls document it). In non-blocking mode it runs
  // once without waiting. Returns whether done() holds.
  // A template, not a std::function: it runs once per blocking call (twice per ping-pong round trip).
  template <typename Done>
  bool wait(const Done& done, std::optional<std::chrono::milliseconds> timeout) {
    // Events only: what the last input made the engine answer stays owed (net/event_loop.h), so
    // that a reply the caller sends next carries the SACK; run_once() sends it before it waits.
    loop_->deliver_events();
    if (done()) return true;
    if (options_.non_blocking) {
      process();
      return done();
    }
    const auto limit = timeout ? timeout : options_.timeout;
    return wait_blocking(done, limit == std::chrono::milliseconds::max() ? std::nullopt : limit);
  }
  void process() { loop_->run_once(assoc::Duration::zero()); }
  // Waits in the loop itself; the caller comes straight back, so what is owed is not signalled.
  void process(std::chrono::milliseconds timeout) { loop_->run_once(timeout, /*wake_when_owed=*/false); }
  void flush() { loop_->flush(); }
  void flush(assoc::TimePoint now) { loop_->flush(now); }

  // The state of an association the stack knows, or null: one it never had, or forgot (its handle
  // went). Looking never makes an entry, so a call through a stale handle, or an engine event for
  // a forgotten association, leaves nothing behind. The last one found is remembered: an
  // application calls for the same association over and over (std::map keeps its nodes in place,
  // so the pointer holds until forget()).
  AssociationState* find(uint32_t id) {
    if (cached_ && cached_id_ == id) return cached_;
    auto it = associations_.find(id);
    if (it == associations_.end()) return nullptr;
    cached_id_ = id;
    cached_ = &it->second;
    return cached_;
  }
  // The state of a new association: one connect() started, or one the engine accepted.
  AssociationState& add(uint32_t id) {
    cached_id_ = id;
    cached_ = &state_nodes_.emplace(associations_, id)->second;
    return *cached_;
  }
  void forget(uint32_t id) {
    if (cached_id_ == id) cached_ = nullptr;
    if (auto detail = close_details_.find(id); detail != close_details_.end()) {
      detail_nodes_.erase(close_details_, detail);
    }
    auto it = associations_.find(id);
    if (it == associations_.end()) return;
    // Its node stays for the next association, emptied (an inbox's ring, a close reason freed).
    state_nodes_.erase(associations_, it, [](AssociationState& kept) { kept = AssociationState{}; });
  }
  // Why `s` (of `id`) closed, in words; empty while open.
  [[nodiscard]] std::string close_reason(uint32_t id, const AssociationState& s) const;
  // The association was aborted locally (Association::abort), before its ClosedEvent came.
  static void closed_locally(AssociationState& s);
  // The associations the stack keeps state for (every handle's, and those not yet accepted).
  [[nodiscard]] size_t association_count() const { return associations_.size(); }
  // Whether a send() on `s` can only queue: its window was found full with no input since. Such a
  // send() skips the flush: no poll_transmit, no deadline to recompute, no clock to read (the
  // engine queues a message without the time; T3-rtx starts when DATA is transmitted, RFC 9260
  // 6.3.2 R1). What an input makes owed is not held back: the first send() after it flushes.
  // Nor is a message stranded: a full window has DATA in flight, whose SACK or T3-rtx is an input
  // (and a peer's zero window is probed from the loop, RFC 9260 6.1 A).
  [[nodiscard]] bool window_full(const AssociationState& s) const { return s.window_full_at == loop_->inputs(); }
  // After a send() the engine took: sends what it can, and remembers for `s` if that was nothing.
  void flush_after_send(AssociationState& s, assoc::TimePoint now) {
    s.window_full_at = loop_->flush(now) == 0 ? loop_->inputs() : kNever;
  }
  // The time the loop last read (for an engine call that queues only).
  [[nodiscard]] assoc::TimePoint last_now() const { return loop_->last_now(); }
  std::optional<uint32_t> pop_accept();
  // A received message's buffer back to the engine, for the association's next message.
  // Inline, and no MessageEvent built around the buffer: once per message read.
  void recycle(uint32_t id, std::vector<uint8_t>&& buffer) {
    endpoint_->recycle(assoc::AssociationId{id}, std::move(buffer));
  }
  // The application took `bytes` of messages out of the association's inbox: they leave the
  // receive window (the engine runs with hold_window_until_consumed, so the inbox never holds more
  // than Options::receive_buffer, RFC 9260 6.2). A window update the engine now owes leaves at once.
  void consumed(uint32_t id, size_t bytes);
  // The same, and `done_with` (message buffers the application handed back) kept for the
  // association's next messages: recycle() and consumed() in one engine call. A buffer the engine
  // does not keep (it holds a receive buffer's worth of spares) stays in `done_with`.
  void consumed(uint32_t id, size_t bytes, std::span<std::vector<uint8_t>> done_with);
  // Association::receive_many with `s` (of `id`) holding a message: `out`'s buffers go back, and up
  // to `max` messages of the inbox take their place; the engine is told once. Returns the count.
  size_t take_messages(uint32_t id, AssociationState& s, std::vector<Message>& out, size_t max);

  // For a user call into the engine: the loop's next run_once() flushes what it queued
  // (EventLoop::touched()).
  assoc::Endpoint& endpoint() {
    loop_->touched();
    return *endpoint_;
  }
  [[nodiscard]] const Options& options() const { return options_; }
  [[nodiscard]] int fd() const { return loop_->fd(); }
  [[nodiscard]] uint16_t udp_port() const { return udp_ ? udp_->local_port() : 0; }
  static assoc::TimePoint now() { return net::EventLoop::now(); }

 private:
  Stack() = default;
  template <typename Done>
  bool wait_blocking(const Done& done, std::optional<std::chrono::milliseconds> limit) {
    // The clock is read once before the first wait, which gets the whole limit.
    const auto start = limit ? now() : assoc::TimePoint{};
    for (bool first = true; !done(); first = false) {
      std::optional<assoc::Duration> left;
      if (limit) {
        left = first ? assoc::Duration(*limit) : start + *limit - now();
        if (*left <= assoc::Duration::zero()) return false;
      }
      // Blocking callers come back (with a reply, or to wait again) before anything owed matters.
      loop_->run_once(left, /*wake_when_owed=*/false);
    }
    return true;
  }
  void on_event(assoc::Event&& event);
  void on_message(assoc::AssociationId id, wire::StreamId stream, wire::Ppid ppid, bool unordered,
                  std::vector<uint8_t>&& data) override;

  Options options_;
  // Declaration order is destruction order reversed: the loop goes before the transport it uses,
  // the endpoint before the random source it holds, and the raw IP port claim after all of them.
  std::optional<net::PortClaim> port_claim_;
  std::unique_ptr<net::Transport> transport_;
  net::UdpEncapTransport* udp_ = nullptr;
  net::PooledRandom random_;
  std::unique_ptr<net::WireTap> tap_;  // Options::packet_trace's adapter, set on the transport
  std::unique_ptr<assoc::Endpoint> endpoint_;
  std::unique_ptr<net::EndpointEngine> engine_;
  std::unique_ptr<net::EventLoop> loop_;
  std::map<uint32_t, AssociationState> associations_;
  // A server made and freed a node of associations_ per setup (an 80-byte chunk).
  assoc::NodeCache<std::map<uint32_t, AssociationState>> state_nodes_;
  // The ClosedEvents' details, of the closed associations whose handles have not gone yet: apart
  // from AssociationState, whose std::string (32 bytes) every idle association paid for.
  std::map<uint32_t, std::string> close_details_;
  assoc::NodeCache<std::map<uint32_t, std::string>> detail_nodes_;
  AssociationState* cached_ = nullptr;  // state(cached_id_), or null
  uint32_t cached_id_ = 0;
  std::deque<uint32_t> accept_queue_;
  // take_messages()'s buffers handed back, gathered for the engine: kept, so a batch allocates nothing.
  std::vector<std::vector<uint8_t>> done_buffers_;
};

// The error a transport failure means to an embedder.
Error to_error(const net::TransportError& error);

}  // namespace sctpkit::detail
