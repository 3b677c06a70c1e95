// The sans-IO SCTP engine's entry point: one local port and the associations on it.
//
// The embedder owns I/O and time. It feeds the engine:
//   handle_packet(bytes, source, destination, now[, encapsulation_port])
//                                                     a received SCTP packet (checksum not yet checked)
//   handle_timeout(now)                               once next_timeout() has passed
//   connect / send / shutdown / abort                 user calls
// and then drains, until they return nullopt:
//   poll_transmit(now)   packets to send
//   poll_event()         what happened, for the user
// and sleeps until next_timeout(). The engine never calls back into the embedder (except the
// optional PacketObserver, which must not call the Endpoint), so no call can see half-updated state.
//
// Every input that came from the network is untrusted: malformed packets, forged tags and hostile
// peers get the RFC's answer (or silence), never a crash, and never unbounded memory.
#pragma once

#include <memory>
#include <optional>
#include <span>
#include <string_view>
#include <variant>
#include <vector>

#include "assoc/clock.h"
#include "assoc/config.h"
#include "assoc/events.h"
#include "assoc/random.h"
#include "assoc/status.h"
#include "wire/byte_io.h"
#include "wire/ip_address.h"
#include "wire/types.h"

namespace sctpkit::assoc {

struct Transmit {
  wire::IpAddress source;       // the local address to send from (unset family V4 all-zero: any)
  wire::IpAddress destination;
  wire::Bytes packet;           // valid until the next call into the Endpoint
};

// The largest packet poll_transmit builds (an IP datagram's payload): a caller's buffer is at least
// this large.
inline constexpr size_t kMaxTransmitSize = 65536;

enum class SendResult : uint8_t {
  Ok,
  WouldBlock,       // the send buffer is full: wait for SendSpaceEvent
  MessageTooLarge,  // larger than max_message_size
  InvalidStream,    // stream id >= negotiated outbound streams
  NotConnected,     // unknown association, or shutting down / closed (RFC 9260 9.2: no new data)
  EmptyMessage,     // RFC 9260 6: a DATA chunk carries at least one byte
};

enum class ConnectError : uint8_t { NoAddress, TooManyAssociations, NotAllowed };

struct ConnectRequest {
  std::vector<wire::IpAddress> remote_addresses;  // the first is the primary path
  uint16_t remote_port = 0;
  std::optional<uint16_t> outbound_streams;  // defaults to the endpoint's
  // The association's own SCTP port instead of the endpoint's (nonzero). Each such port is a
  // client-only SCTP endpoint of its own (RFC 9260 2.5 allows one association between two
  // endpoints), so one Endpoint, one socket and one loop can hold thousands of associations to
  // the same peer. Packets to the port are taken only while an association uses it.
  std::optional<uint16_t> local_port;
};

// Sees every packet in or out, for tracing (the tcpdump-style printer hooks in here).
class PacketObserver {
 public:
  enum class Direction : uint8_t { Received, Sent };
  virtual ~PacketObserver() = default;
  virtual void on_packet(Direction direction, const wire::IpAddress& source, const wire::IpAddress& destination,
                         wire::Bytes packet, TimePoint now) = 0;
};

// What the endpoint dropped or answered without an association, for tests and `--stats`.
struct EndpointCounters {
  uint64_t packets_received = 0;
  uint64_t malformed = 0;           // failed wire parsing: dropped (RFC 9260 does not answer garbage)
  uint64_t checksum_errors = 0;     // RFC 9260 6.8: silently discarded
  uint64_t bad_verification_tag = 0;  // RFC 9260 8.5: silently discarded
  // Discarded for another reason the RFC gives, after the lookup found an association: the
  // association has closed (its TCB is gone; only its events wait to be read), or a COOKIE ECHO
  // that verified fits no case of RFC 9260 5.2.4 Table 12.
  uint64_t silently_discarded = 0;
  uint64_t out_of_the_blue = 0;     // RFC 9260 8.4
  uint64_t inits_answered = 0;      // INIT ACKs sent without creating state
  // State Cookies put to their MAC check (RFC 9260 5.1.5 steps 1-2): one per COOKIE ECHO, the one
  // that makes an association and one whose INIT names an address of an existing association
  // (5.1.2 rule 4) included: the endpoint hands its check on to the association.
  uint64_t cookies_verified = 0;
  uint64_t cookies_bad_mac = 0;     // RFC 9260 5.1.5 step 2
  uint64_t cookies_stale = 0;       // RFC 9260 5.1.5 step 4
  uint64_t associations_refused = 0;  // limit reached: ABORT with Out of Resource
  // EndpointConfig::max_associations_per_source reached (same answer; not in associations_refused).
  uint64_t associations_refused_per_source = 0;
  // Addresses a peer's INIT or INIT ACK listed past EndpointConfig::max_peer_addresses: no path.
  uint64_t peer_addresses_ignored = 0;
  // Associations the endpoint polled or ran timers on: the work grows with the associations an
  // input concerns, not with how many are held.
  uint64_t association_visits = 0;
  // Associations whose next timeout the endpoint recomputed (it walks every timer they hold): once
  // per association touched between two next_timeout() / handle_timeout() calls, not per packet.
  uint64_t deadline_refreshes = 0;
};

class EndpointImpl;

// What became of a received packet. An embedder that learns from the network (RFC 6951 5.4: the
// peer's UDP encapsulation port) must learn only from packets the engine verified.
enum class PacketDisposition : uint8_t {
  Dropped,           // malformed, bad checksum, wrong tag, or silently discarded (RFC 9260 8.4, 8.5)
  // No state kept, but answered (INIT ACK, OOTB ABORT / SHUTDOWN COMPLETE), or an INIT for an
  // existing association (RFC 9260 5.2.1, 5.2.2: answered; its tag is 0, nothing verified it).
  AnsweredStateless,
  Accepted,          // an association verified it (its tag, or a valid State Cookie that created it)
};

class Endpoint {
 public:
  // `random` must outlive the endpoint. Tests pass a SeededRandom; production a CryptoRandom.
  Endpoint(const EndpointConfig& config, RandomSource& random, TimePoint now);
  ~Endpoint();
  Endpoint(const Endpoint&) = delete;
  Endpoint& operator=(const Endpoint&) = delete;

  // ---- inputs
  // `encapsulation_port`: the UDP source port of the datagram that carried the packet under RFC 6951
  // (SCTP over UDP), 0 for a packet that was not encapsulated. The engine remembers the port of
  // each peer address's last verified packet (RFC 6951 5.4) and refuses an INIT for an existing
  // association that comes from another port (draft-tuexen-tsvwg-sctp-udp-encaps-cons 4).
  PacketDisposition handle_packet(wire::Bytes packet, const wire::IpAddress& source,
                                  const wire::IpAddress& destination, TimePoint now,
                                  uint16_t encapsulation_port = 0);
  void handle_timeout(TimePoint now);

  // Starts the 4-way handshake (RFC 9260 5.1): INIT goes out on the next poll_transmit().
  std::variant<AssociationId, ConnectError> connect(const ConnectRequest& request, TimePoint now);
  // Copies the message into the send queue.
  SendResult send(AssociationId id, wire::Bytes message, wire::StreamId stream, wire::Ppid ppid, bool unordered,
                  TimePoint now);
  // Takes over the message's buffer instead of copying it, when the result is Ok; on any other
  // result `message` is left as it was, to send again later. With buffers from take_send_buffer()
  // a sender copies nothing into the engine and allocates nothing per message.
  SendResult send(AssociationId id, std::vector<uint8_t>&& message, wire::StreamId stream, wire::Ppid ppid,
                  bool unordered, TimePoint now);
  // The emptied buffer of a message this association sent and the peer acknowledged, to build the
  // next message in and hand to send(&&); no capacity when none is free (or no such association).
  std::vector<uint8_t> take_send_buffer(AssociationId id);
  // RFC 9260 6.1 / 11.1 sack-immediately: asks the peer, with the I bit on the last DATA chunk of
  // the message sent last, to acknowledge it without the delayed-SACK wait (6.2). False when that
  // message's chunks have already left (or no such association).
  bool mark_last_sack_immediately(AssociationId id);
  // RFC 9260 9.2: graceful; queued data is still delivered first.
  void shutdown(AssociationId id, TimePoint now);
  // RFC 9260 9.1: ABORT with a User-Initiated Abort cause carrying `reason`.
  void abort(AssociationId id, std::string_view reason, TimePoint now);

  // ---- outputs
  std::optional<Transmit> poll_transmit(TimePoint now);
  // The same, built in the caller's `buffer` (at least kMaxTransmitSize bytes), which the Transmit's
  // bytes view into: a loop that batches packets has the engine write each one where the send
  // system call reads it, instead of copying it there. A smaller buffer loses no answer sent
  // without an association (an INIT ACK): one that does not fit waits for a call with room.
  std::optional<Transmit> poll_transmit(TimePoint now, wire::MutableBytes buffer);
  std::optional<Event> poll_event();
  // The same sequence of events, except that messages go to `sink` instead of being returned as
  // MessageEvents: every message poll_event() would have returned before the next other event is
  // handed to `sink` (in that order) before that event is returned; nullopt once nothing is left.
  std::optional<Event> poll_event(MessageSink& sink);
  // Optional: hands back a MessageEvent the user has finished with. Its buffer is reused for a later
  // message of the same association, so a steady flow of received messages allocates nothing.
  void recycle(MessageEvent&& message);
  // The same for a message's buffer alone (a MessageSink's, moved out of its message).
  void recycle(AssociationId id, std::vector<uint8_t>&& buffer);
  // With EndpointConfig::hold_window_until_consumed: the user is done with `bytes` of the messages
  // poll_event() handed out (or gave a MessageSink) for `id` (RFC 9260 6.2: they leave the receive
  // window). Returns whether a window update SACK is now due (then poll_transmit() has it). Without
  // that option, or for an unknown association, nothing happens.
  bool consumed(AssociationId id, size_t bytes);
  // consumed(id, bytes) and recycle(id, buffer) for each of `done_with`, with one look-up of the
  // association: for an embedder that hands back the buffers of the messages it is done with as it
  // takes the next ones. A buffer the engine keeps is moved out; one it does not is left in place.
  bool consumed(AssociationId id, size_t bytes, std::span<std::vector<uint8_t>> done_with);
  [[nodiscard]] std::optional<TimePoint> next_timeout() const;

  // ---- inspection
  [[nodiscard]] std::optional<AssociationStatus> status(AssociationId id) const;
  [[nodiscard]] std::vector<AssociationId> associations() const;
  [[nodiscard]] const EndpointConfig& config() const;
  [[nodiscard]] const EndpointCounters& counters() const;
  void set_observer(PacketObserver* observer);

  // RFC 9260 8.3: changes take effect from the next heartbeat.
  void set_heartbeat(AssociationId id, bool enabled, Duration interval);

 private:
  std::unique_ptr<EndpointImpl> impl_;
};

}  // namespace sctpkit::assoc
