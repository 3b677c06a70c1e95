// Drives one or more engines over one Transport with epoll:
//   readable transport -> Engine::handle_packet (dispatched by SCTP destination port)
//   timer expiry       -> Engine::handle_timeout
// and after every input hands out poll_event (to the event handler). Timers come from
// Engine::next_timeout through a CLOCK_MONOTONIC timerfd, the clock behind
// std::chrono::steady_clock and so behind assoc::TimePoint: deadlines need no mapping.
//
// What the engines answer to the last input read (a SACK, data a SACK made room for) is left in
// the engines, "owed", until the next call (flush(), run_once(), a user call that flushes): an
// application that replies to a message at once gets its reply and the SACK into one packet
// instead of two (RFC 9260 6.2 asks for a SACK for every second packet; 6.1 lets it ride with
// DATA). Owed output never waits on a blocked poll: run_once() sends it before it waits, and while
// any is owed an eventfd in the epoll set is made readable, so fd() polls readable (unless
// run_once was told that its caller comes straight back). The Transport reads only the sockets epoll named.
//
// fd() is an epoll descriptor that is readable whenever there is work; an embedder with its own
// poll loop waits on it and calls run_once(0).
#pragma once

#include <sys/epoll.h>

#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <variant>
#include <vector>

#include "net/engine.h"
#include "net/socket_util.h"
#include "net/transport.h"

namespace sctpkit::net {

// Whether a packet in `pending` goes to the peer that sent `packet` (its address and SCTP port).
[[nodiscard]] bool goes_to_sender(std::span<const OutgoingPacket> pending, const ReceivedPacket& packet);

// Tells `transport` what the engine made of `packet` (call before taking the engine's answers).
// RFC 6951 5.4: a stateless answer, and only it, goes back to the UDP port its packet came from.
// The transport gives that port to the NEXT packet to the peer, and the answer is the engine's
// first one to it (stateless answers and an association's prebuilt ones go first): packets to the
// peer already waiting in `pending` leave first, to their own port (send_pending() is called).
// A caller that reorders its batches must keep the answer ahead of the peer's other packets.
template <typename SendPending>
void report_disposition(Transport& transport, const ReceivedPacket& packet, assoc::PacketDisposition disposition,
                        std::span<const OutgoingPacket> pending, SendPending&& send_pending) {
  switch (disposition) {
    case assoc::PacketDisposition::Accepted: transport.on_verified(packet); break;
    case assoc::PacketDisposition::AnsweredStateless:
      if (goes_to_sender(pending, packet)) send_pending();
      transport.on_answered_stateless(packet);
      break;
    case assoc::PacketDisposition::Dropped: break;
  }
}

class EventLoop {
 public:
  using EventHandler = std::function<void(Engine& engine, assoc::Event&& event)>;

  static std::variant<std::unique_ptr<EventLoop>, TransportError> create(Transport& transport);

  // The engine's port is bound on the transport; the engine must outlive its registration. Not to be
  // called from inside the event handler.
  void add(Engine& engine);
  void remove(Engine& engine);
  // `calls_engines` false: the handler never calls an engine (the Stack's only files events), so
  // an event it got leaves the engines with no new events to hand out (see deliver_events()).
  void set_event_handler(EventHandler handler, bool calls_engines = true) {
    handler_ = std::move(handler);
    handler_calls_engines_ = calls_engines;
  }
  // Received messages go to `sink` (null: to the handler, as MessageEvents), which must not call
  // an engine; every other event still goes to the handler, in the same order relative to them.
  void set_message_sink(assoc::MessageSink* sink) { sink_ = sink; }
  // Busy polling (sctpkit::Options::busy_poll): run_once polls without sleeping for up to this long
  // before it blocks; zero (the default) blocks at once.
  void set_busy_poll(assoc::Duration spin) { busy_poll_ = spin; }

  [[nodiscard]] int fd() const { return epoll_.get(); }
  static assoc::TimePoint now() { return std::chrono::steady_clock::now(); }

  // Sends what is owed, waits up to `timeout` (nullopt: until something happens) for packets or a
  // timer, handles whatever is ready and hands out the events; the answers are owed (see above).
  // Returns true if anything was handled. `wake_when_owed` false: the caller comes back at once
  // (a blocking API call about to return to an application that replies or calls again), so the
  // eventfd is not signalled for what is owed (two system calls saved per round trip).
  bool run_once(std::optional<assoc::Duration> timeout, bool wake_when_owed = true);
  // Sends what the engines have queued and hands out their events; call after user calls
  // (connect, send, shutdown, abort) so their effects leave without waiting for the next input.
  // Returns how many packets the engines gave.
  size_t flush() { return flush(now()); }
  // The same, at `now` (a caller that just read the clock for the engine).
  size_t flush(assoc::TimePoint now);
  // Hands out the engines' events without sending anything (what is owed stays owed). Walks the
  // engines only if one may hold events: since the last walk, one was called outside the loop
  // (touched()), ran a timer, or sent outside a flush, or the handler (if it calls engines) got an
  // event. A ping-pong asked an engine with no events twice per round trip.
  void deliver_events();
  // An embedder called an engine outside the loop (a user call: connect, send, shutdown...): the
  // next run_once() flushes first. run_once() skips that flush when nothing happened since the
  // last one (neither such a call, nor input, nor an event handed to the handler, which may call an
  // engine): in a ping-pong the reply's send() has just flushed, and the empty second flush (a
  // poll_transmit, a poll_event and a next_timeout walk) was ~390 instructions per round trip.
  void touched() {
    dirty_ = true;
    undrained_ = true;
  }
  [[nodiscard]] bool owed() const { return owed_; }
  // Inputs handed to the engines so far (packets read, timer expiries): what can open a window
  // that was full (a SACK) or start a retransmission. Only user calls change the engines otherwise.
  [[nodiscard]] uint64_t inputs() const { return counters_.packets_received + counters_.timeouts; }
  // The time the loop read last (a wake-up, a flush).
  [[nodiscard]] assoc::TimePoint last_now() const { return last_now_; }
  static constexpr size_t kBatch = 32;      // packets asked of the transport per receive
  static constexpr size_t kMaxBatches = 8;  // reads per run_once (see receive_all)

  struct Counters {
    uint64_t packets_received = 0;
    uint64_t packets_sent = 0;
    uint64_t unknown_port = 0;  // received for a port no engine owns (a bound port was removed)
    uint64_t timeouts = 0;
    uint64_t timer_settings = 0;  // timerfd_settime calls (see arm_timer)
    uint64_t spins = 0;           // non-blocking reads while busy polling
    uint64_t epoll_waits = 0;     // epoll_wait calls, blocking or not
    uint64_t sleeps = 0;          // waits that could block (a timeout other than zero)
    uint64_t flushes = 0;         // flushes done (by flush() or at the start of run_once)
    uint64_t events = 0;          // events handed to the handler, and messages to the sink
  };
  [[nodiscard]] const Counters& counters() const { return counters_; }

 private:
  explicit EventLoop(Transport& transport) : transport_(transport) {}
  // Reads and handles packets; `first_batch`: that many are in received_ already (a spin read them).
  void receive_all(assoc::TimePoint now, size_t first_batch = 0);
  struct TimerSweep {
    bool fired = false;  // a timer ran: that engine's deadlines moved and must be asked again
    // The earliest deadline of the engines whose timers did not run (none: they have none): when
    // none fired, what the timerfd must be armed for.
    std::optional<assoc::TimePoint> earliest;
  };
  // Runs the timers that are due.
  TimerSweep fire_timers(assoc::TimePoint now);
  size_t drain_transmits(Engine& engine, assoc::TimePoint now);  // returns the packets taken
  // Returns whether an association began shutting down (RFC 9260 9.2) or closed.
  bool drain_events(Engine& engine);
  void send_pending();
  void arm_timer();
  void arm_timer(std::optional<assoc::TimePoint> earliest);  // earliest: the engines' earliest deadline
  // Busy polling: non-blocking reads of the transport for up to busy_poll_ (and `wait_ms`, if not
  // -1, and the armed timer); returns the packets read into received_ or the epoll events found
  // (neither: nothing came) and takes the time spun from wait_ms.
  struct Spin {
    int events = 0;
    size_t packets = 0;
  };
  Spin spin(epoll_event* events, int capacity, int& wait_ms);
  void clear_owed_signal();

  Transport& transport_;
  UniqueFd epoll_;
  UniqueFd timer_;
  std::vector<Engine*> engines_;
  EventHandler handler_;
  assoc::MessageSink* sink_ = nullptr;
  Counters counters_;
  // Outgoing packets are copied here back to back (a Transmit's bytes die with the next engine
  // call) and sent in batches, so that a train of equal-size packets can leave as UDP GSO messages;
  // sized once and left uninitialised, so that only the bytes in use take memory.
  static constexpr size_t kMaxPending = 256;
  static constexpr size_t kSlabBytes = 2 << 20;
  std::unique_ptr<uint8_t[]> slab_;
  size_t slab_used_ = 0;
  // The deadline the timerfd holds (nullopt: disarmed); never later than the engines' earliest.
  std::optional<assoc::TimePoint> armed_;
  assoc::TimePoint last_now_{};
  assoc::Duration busy_poll_{};
  bool owed_ = false;                      // the engines may hold answers to input (see above)
  bool dirty_ = true;                      // something may have changed the engines since the last flush
  bool undrained_ = true;                  // an engine may hold events not yet handed out
  bool handler_calls_engines_ = true;
  UniqueFd owed_fd_;                       // eventfd, readable while owed_ is signalled to embedders
  bool owed_signaled_ = false;
  std::vector<int> ready_fds_;             // the transport's descriptors epoll reported readable
  std::vector<OutgoingPacket> pending_;
  std::vector<ReceivedPacket> received_;
};

}  // namespace sctpkit::net
