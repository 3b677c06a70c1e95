// One SCTP association: the state machine of RFC 9260 section 4 and the chunk handling of sections
// 5 (setup, collisions, restart), 8.5 (verification tags) and 9 (shutdown, abort). Data transfer is
// delegated to DataSender / DataReceiver, paths to PathManager.
#pragma once

#include <deque>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "assoc/clock.h"
#include "assoc/config.h"
#include "assoc/cookie.h"
#include "assoc/data_sender.h"
#include "assoc/deadline.h"
#include "assoc/endpoint.h"
#include "assoc/events.h"
#include "assoc/handshake.h"
#include "assoc/path_manager.h"
#include "assoc/random.h"
#include "assoc/sparse_queue.h"
#include "assoc/tx/ring.h"
#include "assoc/rx/data_receiver.h"
#include "assoc/tx/rto.h"
#include "assoc/status.h"
#include "wire/chunk.h"
#include "wire/packet.h"

namespace sctpkit::assoc {

// Room for every gap block and duplicate one SACK could carry (RFC 9260 3.3.4), sized once per
// endpoint from the packet size: a SACK is built whole within one call, so the associations of an
// endpoint (driven one at a time) share it instead of holding 4 KiB each.
struct SackScratch {
  explicit SackScratch(size_t max_packet_size)
      : gaps(max_packet_size / 4), duplicates(max_packet_size / 4) {
    wire_gaps.reserve(max_packet_size / 4);
  }
  std::vector<GapAckBlock> gaps;
  std::vector<wire::Tsn> duplicates;
  std::vector<wire::GapAckBlock> wire_gaps;
};

// What an association borrows from its endpoint.
struct EndpointServices {
  const EndpointConfig& config;
  RandomSource& random;
  CookieAuthority& cookies;
  SackScratch& sack_scratch;
  // The association counts there why it dropped a packet (the disposition alone does not say).
  EndpointCounters& counters;
};

class Association {
 public:
  // Active open (RFC 9260 5.1 step 1): COOKIE-WAIT, an INIT ready to go.
  // `services` belongs to the endpoint and outlives the association.
  Association(AssociationId id, const EndpointServices& services, const ConnectRequest& request, TimePoint now);
  // Passive open from a verified State Cookie (5.1.5 step 5): ESTABLISHED. The endpoint then feeds
  // the packet that carried the cookie, so the COOKIE ECHO is answered (5.2.4 case D) and bundled
  // DATA is processed by the same code as any other.
  Association(AssociationId id, const EndpointServices& services, const CookieContents& cookie,
              const wire::InitChunk& peer_init, std::vector<wire::IpAddress> peer_addresses,
              const wire::IpAddress& local_address, TimePoint now);

  // Dropped when the packet failed the verification-tag rules (RFC 9260 8.5), its State Cookie
  // did not verify (5.1.5), it had no chunk, or the association has closed; AnsweredStateless when
  // it was answered but nothing verified its sender (a stale cookie's ERROR); Accepted otherwise.
  // Why a packet was dropped goes into the endpoint's counters. An INIT (tag 0) is the endpoint's
  // to classify.
  PacketDisposition handle_packet(const wire::PacketView& packet, const wire::IpAddress& source,
                                  const wire::IpAddress& destination, TimePoint now) {
    return receive(packet, source, destination, now, nullptr);
  }
  // A packet whose COOKIE ECHO the endpoint has verified, with its check of that very cookie: the one
  // that made this association (5.1.5 step 5, Ok: answered as 5.2.4 action D), or one whose INIT
  // names an address of this association (5.1.2 rule 4, Ok or Stale). No second MAC.
  PacketDisposition handle_packet(const wire::PacketView& packet, const wire::IpAddress& source,
                                  const wire::IpAddress& destination, TimePoint now, const CookieCheck& cookie) {
    return receive(packet, source, destination, now, &cookie);
  }
  void handle_timeout(TimePoint now);
  [[nodiscard]] std::optional<TimePoint> next_timeout() const;
  // Builds the next packet into `buffer`; the Transmit's bytes view into it.
  std::optional<Transmit> poll_transmit(TimePoint now, wire::MutableBytes buffer);
  // The next event into `out` (left empty when there is none).
  void poll_event(std::optional<Event>& out);
  // The same, except that messages go to `sink`: those ready before the next other event are
  // handed to it, in poll_event's order, and `out` gets that event (or stays empty).
  void poll_event(std::optional<Event>& out, MessageSink& sink) {
    for (;;) {
      // Messages come after an owed ConnectedEvent and what events_ holds, as in poll_event.
      if (receiver_ && !connected_event_owed_ && events_.empty()) {
        receiver_->drain_messages([&](ReceivedMessage& message) {
          ++counters_.messages_received;
          counters_.bytes_received += message.payload.size();
          sink.take(id_, message.stream, message.ppid, message.unordered, std::move(message.payload));
        });
      }
      poll_event(out);
      auto* message = out ? std::get_if<MessageEvent>(&*out) : nullptr;
      if (!message) return;
      // One queued in events_ (of a TSN space that ended, 5.2.4 action B), counted then.
      sink.take(message->id, message->stream, message->ppid, message->unordered, std::move(message->data));
      out.reset();
    }
  }
  // A MessageEvent's buffer the user is done with: the next received message is built in it.
  void recycle(std::vector<uint8_t>&& buffer) {
    if (receiver_) receiver_->recycle(std::move(buffer));
  }
  // EndpointConfig::hold_window_until_consumed: the user is done with `bytes` of received messages.
  // Returns whether a window update SACK is now due.
  bool consumed(size_t bytes) { return receiver_ && receiver_->consumed(bytes); }
  // A SACK is due now (not at the delayed-ack deadline): poll_transmit has one to send.
  // A prebuilt answer waits that did not fit the last poll_transmit's buffer.
  [[nodiscard]] bool prebuilt_waiting() const { return !prebuilt_.empty(); }
  [[nodiscard]] bool sack_owed() const {
    return receiver_ && receiver_->ack_decision().kind == AckDecision::Kind::Now;
  }

  // Inline while established (Endpoint::send's call to it is once per message sent); the other
  // states go through send_unestablished().
  SendResult send(wire::Bytes message, wire::StreamId stream, wire::Ppid ppid, bool unordered, TimePoint now) {
    if (!closed_ && state_ == AssociationState::Established && sender_) [[likely]] {
      sender_->begin_burst();
      return sender_->send(message, stream, ppid, unordered);
    }
    return send_unestablished(message, stream, ppid, unordered, now);
  }
  // Takes over `message` on Ok (no copy); leaves it untouched otherwise.
  SendResult send(std::vector<uint8_t>&& message, wire::StreamId stream, wire::Ppid ppid, bool unordered,
                  TimePoint now);
  // Whether poll_transmit might send DATA now (cheap; may say yes and then send nothing, never
  // no when it would send): no while the congestion window is full (RFC 9260 6.1 B).
  // Inline: asked after each send() while the association is not listed for transmission.
  [[nodiscard]] bool data_may_leave() {
    // Before ESTABLISHED data rides with the COOKIE ECHO (RFC 9260 5.1), and a closing association
    // has its own chunks to send: only an established one is asked about its window.
    if (closed_ || state_ != AssociationState::Established || !sender_) return true;
    return sender_->wants_to_send(paths_->data_destination());
  }
  // A buffer of a message sent and acknowledged, emptied, for the next send(&&).
  std::vector<uint8_t> take_send_buffer() { return sender_ ? sender_->take_send_buffer() : std::vector<uint8_t>{}; }
  // RFC 9260 6.1 / 11.1 sack-immediately: the I bit on the last DATA chunk of the message sent
  // last. False when there is none, or its chunks have already left.
  bool mark_last_sack_immediately();
  void shutdown(TimePoint now);
  void abort(std::string_view reason, TimePoint now);
  void set_heartbeat(bool enabled, Duration interval);

  [[nodiscard]] AssociationStatus status() const;
  [[nodiscard]] AssociationId id() const { return id_; }
  [[nodiscard]] AssociationState state() const { return state_; }
  [[nodiscard]] uint16_t peer_port() const { return peer_port_; }
  [[nodiscard]] uint16_t local_port() const { return local_port_; }
  [[nodiscard]] wire::VerificationTag local_tag() const { return local_tag_; }
  [[nodiscard]] std::vector<wire::IpAddress> peer_addresses() const;
  // The same addresses without a vector made: the endpoint indexes an association by them when it
  // is made and unindexes it when forgotten, on every setup and teardown.
  template <typename F>
  void for_each_peer_address(F&& f) const {
    for (const Path& p : paths_->paths()) f(p.address);
  }
  // Closed, with its last packets sent and its events drained: the endpoint may forget it.
  [[nodiscard]] bool finished() const;
  // The peer's address list changed (INIT ACK, restart) since the last call: the endpoint must
  // index the new addresses, or packets from them would look out of the blue (RFC 9260 8.4).
  bool take_peer_addresses_changed() {
    const bool changed = peer_addresses_changed_;  // a bit-field: std::exchange cannot bind it
    peer_addresses_changed_ = false;
    return changed;
  }

 private:
  // ---- chunk handling (association.cc, association_setup.cc, association_teardown.cc)
  // `verified_cookie`: the check of the packet's COOKIE ECHO's cookie, if the endpoint made one.
  PacketDisposition receive(const wire::PacketView& packet, const wire::IpAddress& source,
                            const wire::IpAddress& destination, TimePoint now, const CookieCheck* verified_cookie);
  bool accept_verification_tag(const wire::PacketView& packet) const;
  void handle_chunk(const wire::RawChunk& raw, const wire::IpAddress& source, const wire::IpAddress& destination,
                    TimePoint now, bool& stop);
  void handle_init(const wire::InitChunk& init, const wire::IpAddress& source, const wire::IpAddress& destination,
                   TimePoint now);
  void handle_init_ack(const wire::InitAckChunk& ack, const wire::IpAddress& source,
                       const wire::IpAddress& destination, TimePoint now);
  // Accepted when the cookie verified (5.1.5); the packet's other chunks follow if its tag is ours.
  PacketDisposition handle_cookie_echo(const CookieCheck& check, const wire::PacketView& packet,
                                       const wire::IpAddress& source, TimePoint now);
  void restart_from_cookie(const CookieContents& cookie, const wire::InitChunk& peer_init, TimePoint now);
  // The address parameters of `init` (and its source) the association does not know, encoded.
  std::vector<uint8_t> new_addresses_in(const wire::InitChunk& init, const wire::IpAddress& source) const;
  void handle_cookie_ack(TimePoint now);
  void handle_abort(const wire::AbortChunk& abort);
  void handle_shutdown(const wire::ShutdownChunk& shutdown, TimePoint now);
  bool shutdown_cumulative_ack(const wire::ShutdownChunk& shutdown, TimePoint now);  // false: aborted
  void handle_shutdown_ack(const wire::IpAddress& source, TimePoint now);
  void handle_shutdown_complete(TimePoint now);
  void handle_error(const wire::ErrorChunk& error, TimePoint now);
  void handle_data(const wire::DataChunk& data, const wire::IpAddress& source, TimePoint now, bool& stop);
  void handle_sack(const wire::SackChunk& sack, TimePoint now);
  void handle_heartbeat(const wire::HeartbeatChunk& heartbeat, const wire::IpAddress& source,
                        const wire::IpAddress& destination);
  void handle_heartbeat_ack(const wire::HeartbeatAckChunk& ack, TimePoint now);
  void handle_unknown(const wire::RawChunk& raw, bool& stop);

  // ---- transitions
  void enter_established(TimePoint now, bool passive);
  void start_data_transfer(wire::Tsn peer_initial_tsn, uint32_t peer_rwnd, uint16_t peer_inbound_streams,
                           uint16_t peer_outbound_streams);
  void start_receiver(wire::Tsn peer_initial_tsn, uint16_t peer_outbound_streams);
  // The receiver's complete messages into events_, before it is replaced (5.2.4 action B).
  void hand_over_received_messages();
  void maybe_progress_shutdown(TimePoint now);
  void close(CloseReason reason, std::optional<uint16_t> cause, std::string detail);
  void send_abort_and_close(std::vector<uint8_t> causes, CloseReason reason, std::string detail);
  void abort_protocol_violation(std::string_view why);  // ABORT with cause 13 (RFC 9260 3.3.10.13)
  void queue_error(std::vector<uint8_t> causes);
  void queue_prebuilt(OwnedPacket packet);  // bounded: the oldest goes

  // ---- output
  bool build_control(wire::PacketBuilder& builder, TimePoint now);
  // RFC 9260 6.2 / 3.3.4: a SACK from the receiver's state into the packet being built.
  bool write_sack(wire::PacketBuilder& builder);
  // poll_transmit would build no packet (and change nothing but the idle window decay): checked
  // first, as most polls find nothing.
  [[nodiscard]] bool nothing_to_transmit(TimePoint now) const;
  Duration primary_rto() const;
  [[nodiscard]] bool heartbeats_run() const;
  // The source address for a packet to `to`: see Path::local_source.
  [[nodiscard]] wire::IpAddress source_for(const wire::IpAddress& to) const;
  void restart_t1(TimePoint now);
  void restart_t2(TimePoint now);

  // Replies a peer can make us queue faster than we send them are bounded: the oldest is dropped.
  static constexpr size_t kMaxQueuedErrors = 8;
  static constexpr size_t kMaxQueuedHeartbeatAcks = 8;
  static constexpr size_t kMaxPrebuilt = 8;
  // PeerErrorEvents not yet polled: one per cause of an ERROR chunk, so a packet of 4-byte causes
  // made ~16,000 events (each a string) and a burst of such packets grew events_ without bound.
  // Beyond this many the rest are dropped until the user reads them (RFC 9260 14).
  static constexpr uint16_t kMaxQueuedPeerErrors = 16;

  // Members are grouped by size so that an idle association carries little padding, and what only
  // an active open or the end of an association needs lives behind pointers allocated then: the
  // budget is 2 KiB of server memory per idle association (issue 5, association_memory_test).
  const EndpointServices& services_;
  const EndpointConfig& config_;
  AssociationId id_;
  AssociationState state_ = AssociationState::Closed;
  // One bit each for the flags not read per message or packet: 11 of them in 3 bytes take
  // sizeof(Association) from 1,216 to 1,208, so its malloc block from 1,232 to 1,216 bytes
  // (issue 5's budget). closed_, data_with_cookie_echo_ and connected_event_owed_ (read per
  // packet, per DATA chunk, per poll_event) stay whole bytes: as bits they cost instructions per
  // message (callgrind: +2 per 64 B message with data_with_cookie_echo_ a bit).
  bool closed_ = false;
  bool peer_addresses_changed_ : 1 = false;
  // What the next packets must carry.
  bool send_init_ : 1 = false;
  bool send_cookie_echo_ : 1 = false;
  bool send_cookie_ack_ : 1 = false;
  bool send_shutdown_ : 1 = false;
  bool send_shutdown_ack_ : 1 = false;
  bool send_shutdown_complete_ : 1 = false;
  bool data_with_cookie_echo_ = false;  // RFC 9260 5.1.5 step 7: SACK bundled DATA at once
  bool shutdown_requested_ : 1 = false;
  bool pending_refused_ : 1 = false;  // a send() got WouldBlock: a SendSpaceEvent is owed
  bool closed_event_delivered_ : 1 = false;
  // The ConnectedEvent, owed and not yet in events_: built by poll_event from the association's
  // state, so that an idle association keeps no ring slot (an Event is ~90 bytes) for it. Only
  // while events_ is empty; push_event puts it in the ring first to keep the order.
  bool connected_event_owed_ = false;
  bool connected_event_passive_ : 1 = false;
  // The 1-byte-aligned addresses next to the flags, then the 16- and 32-bit fields: no holes.
  wire::IpAddress local_address_;  // the address the peer reached us on (source of our packets)
  std::optional<wire::IpAddress> sack_destination_;
  uint16_t connected_event_primary_ = 0;  // index of the primary path when it was established

  uint16_t local_port_ = 0;
  uint16_t peer_port_ = 0;
  uint16_t requested_outbound_streams_ = 0;
  uint16_t outbound_streams_ = 0;
  uint16_t inbound_streams_ = 0;
  uint16_t peer_errors_queued_ = 0;  // PeerErrorEvents in events_ (kMaxQueuedPeerErrors)
  wire::VerificationTag local_tag_;
  wire::VerificationTag peer_tag_;
  wire::VerificationTag local_tie_tag_;
  wire::VerificationTag peer_tie_tag_;
  wire::Tsn local_initial_tsn_;
  uint32_t initial_peer_rwnd_ = 0;
  // User messages handed back unsent (AssociationCounters::messages_failed); beside the 32-bit
  // field above, in what was padding, not in Counters (sizeof(Association) is budgeted).
  uint32_t messages_failed_ = 0;

  // Our side of a handshake we started (RFC 9260 5.1: COOKIE-WAIT and COOKIE-ECHOED); released
  // when the association is established, absent in one accepted from a cookie.
  struct ActiveOpen {
    explicit ActiveOpen(const RtoConfig& rto) : t1_rto(rto) {}
    // RFC 9260 6.3: T1-init and T1-cookie follow the RTO rules before any DataSender (and its
    // per-destination estimators) exists.
    RtoEstimator t1_rto;
    TimePoint t1_started{};
    int t1_retransmits = 0;
    std::vector<wire::IpAddress> connect_addresses;  // as the user gave them, for INIT collisions
    std::vector<uint8_t> cookie;                     // from the INIT ACK, for COOKIE ECHO
    int stale_cookies = 0;                           // RFC 9260 5.2.6: Stale Cookie errors so far
    uint32_t cookie_preservative_ms = 0;             // asked for in the INITs after one
  };
  std::unique_ptr<ActiveOpen> active_open_;
  std::optional<PathManager> paths_;
  std::optional<DataSender> sender_;
  std::optional<DataReceiver> receiver_;

  // Timers (RFC 9260 5.1, 9.2); data, SACK and heartbeat timers live in their owners.
  Deadline t1_;
  Deadline t2_;
  Deadline t5_;

  std::unique_ptr<std::vector<uint8_t>> abort_causes_;  // an ABORT to send, then nothing more
  SparseQueue<std::vector<uint8_t>> errors_;            // ERROR chunks' causes
  struct HeartbeatReply {
    wire::IpAddress source;  // RFC 9260 6.4: the reply leaves from where the HEARTBEAT arrived
    wire::IpAddress destination;
    std::vector<uint8_t> info;  // the Heartbeat Info TLV, echoed whole (RFC 9260 8.3)
  };
  SparseQueue<HeartbeatReply> heartbeat_acks_;
  SparseQueue<OwnedPacket> prebuilt_;  // INIT ACKs of collisions, out-of-association replies

  // RFC 9260 5.1: messages sent in COOKIE-WAIT, before the DataSender exists (the peer's window and
  // streams are not known yet); handed to it when the INIT ACK arrives, so the first can ride with
  // the COOKIE ECHO. Bounded by the send buffer.
  struct PendingMessage {
    wire::StreamId stream;
    wire::Ppid ppid;
    bool unordered = false;
    std::vector<uint8_t> data;
    bool sack_immediately = false;
  };
  SparseQueue<PendingMessage> pending_messages_;
  size_t pending_bytes_ = 0;
  void flush_pending_messages();
  // A user message that will never be sent goes back to the user, and is counted.
  void fail_send(SendFailedEvent event) {
    ++messages_failed_;
    push_event(std::move(event));
  }
  // RFC 9260 11.2.2: the association ends (or restarts, 5.2.4 action A) with messages the user
  // sent that the peer has not cumulatively acknowledged, queued before setup, sent, or in the
  // DataSender's queue: each goes back to the user (DataSender::take_unacknowledged_messages()
  // gives the order), and `why` says what ended it.
  void fail_unacknowledged_messages(std::string_view why);
  // send()'s checks before the association is up: Ok when a message of `size` bytes may be queued.
  SendResult check_pending(size_t size, wire::StreamId stream);
  // Where send() goes once the association is set up: the DataSender, or nothing (NotConnected).
  DataSender* data_sender_for_send();
  SendResult send_unestablished(wire::Bytes message, wire::StreamId stream, wire::Ppid ppid, bool unordered,
                                TimePoint now);

  // Connection, restart, send-space, shutdown and error events (messages come from receiver_). A
  // ring: a send-space event per refused send() must not allocate (steady state). Events go in
  // through push_event().
  Ring<Event> events_;
  void push_event(Event event);
  ConnectedEvent connected_event() const;
  void hand_over_connected_event();  // into events_, if owed
  // Held back until every received message has been handed over: a user must read the last
  // messages before learning that the association is gone.
  std::unique_ptr<ClosedEvent> closed_event_;

  // What the association itself counts; status() adds DataSender's (the rest of AssociationCounters).
  struct Counters {
    uint64_t packets_sent = 0;
    uint64_t packets_received = 0;
    uint64_t messages_received = 0;
    uint64_t bytes_received = 0;
    uint64_t sacks_sent = 0;
    uint64_t sacks_received = 0;
    uint64_t duplicate_tsns_received = 0;
    uint64_t gap_blocks_received = 0;
    uint64_t heartbeats_sent = 0;
    uint64_t heartbeat_acks_received = 0;
  };
  Counters counters_;
};

}  // namespace sctpkit::assoc
