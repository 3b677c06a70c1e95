// What the engine tells its embedder, drained with Endpoint::poll_event().
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "wire/ip_address.h"
#include "wire/types.h"

namespace sctpkit::assoc {

// Opaque and never reused within one Endpoint.
struct AssociationId {
  uint32_t value = 0;
  constexpr auto operator<=>(const AssociationId&) const = default;
};

struct ConnectedEvent {
  AssociationId id;
  bool passive = false;  // true: accepted on a listening endpoint; false: our connect() completed
  wire::IpAddress peer_primary;
  uint16_t peer_port = 0;
  uint16_t outbound_streams = 0;  // negotiated (RFC 9260 5.1.1)
  uint16_t inbound_streams = 0;
  wire::VerificationTag local_tag;
  wire::VerificationTag peer_tag;
  uint32_t peer_rwnd = 0;
};

struct MessageEvent {
  AssociationId id;
  wire::StreamId stream;
  wire::Ppid ppid;
  bool unordered = false;
  std::vector<uint8_t> data;
};

// The send buffer drained below the low-water mark after a send() returned WouldBlock.
struct SendSpaceEvent {
  AssociationId id;
  size_t available = 0;
};

// A message send() accepted that the peer will not (or may not) get, handed back whole (RFC 9260
// 11.2.2, like RFC 6458's SCTP_SEND_FAILED_EVENT): it was queued in COOKIE-WAIT (5.1) on a stream
// the peer then did not grant, the outbound streams being min(our OS, the peer's MIS) (5.1.1); or
// the association ended (before the ClosedEvent) or the peer restarted (before the RestartEvent,
// 5.2.4) before the peer acknowledged all of it cumulatively. A message gap-acked only is handed
// back too: the peer may still renege on it (6.2.1). Order at an end or restart: first the
// messages with chunks sent, in TSN order (the order sent, so each stream's own order), then
// those no chunk of which left, stream by stream, each stream's in the order sent.
struct SendFailedEvent {
  AssociationId id;
  wire::StreamId stream;
  wire::Ppid ppid;
  bool unordered = false;
  std::vector<uint8_t> data;
  std::string detail;  // what went wrong, for the user
  // RFC 6458 6.1.11's SCTP_DATA_SENT (true: some chunk of it was sent, so the peer may have
  // received it, or part of it) or SCTP_DATA_UNSENT (false: none of it left).
  bool may_have_arrived = false;
};

// The peer started a graceful shutdown (SHUTDOWN received): it will send no more data.
struct PeerShutdownEvent {
  AssociationId id;
};

enum class CloseReason : uint8_t {
  Graceful,            // SHUTDOWN sequence completed
  AbortedByPeer,       // ABORT received
  AbortedLocally,      // abort() called, or we sent ABORT because of a protocol violation or limit
  PeerUnreachable,     // Association.Max.Retrans exceeded (RFC 9260 8.1)
  InitFailed,          // Max.Init.Retransmits exceeded in COOKIE-WAIT / COOKIE-ECHOED (5.1)
  ShutdownTimedOut,    // T5-shutdown-guard expired (9.2)
};

struct ClosedEvent {
  AssociationId id;
  CloseReason reason = CloseReason::Graceful;
  std::optional<uint16_t> cause_code;  // the first error cause of the ABORT, if any
  // Human-readable: the cause decoded, or what we violated. Empty for a graceful close (RFC 9260
  // 9.2: SHUTDOWN COMPLETE says it all): "shutdown complete" is 17 characters, past std::string's
  // inline 15, and cost an allocation per association end.
  std::string detail;
};

// RFC 9260 5.2.4: the peer restarted; what the user sent and the peer had not acknowledged
// cumulatively came back just before, as SendFailedEvents (may_have_arrived for what was sent).
struct RestartEvent {
  AssociationId id;
};

struct PathEvent {
  AssociationId id;
  wire::IpAddress address;
  enum class State : uint8_t { Up, Down, NewPrimary } state = State::Up;
};

// An ERROR chunk arrived (RFC 9260 3.3.10); the association goes on.
struct PeerErrorEvent {
  AssociationId id;
  uint16_t cause_code = 0;
  std::string detail;
};

// Where Endpoint::poll_event(MessageSink&) puts received messages instead of returning them as
// MessageEvents. An embedder that files each message in a queue of its own (the net layer's
// per-association inbox) gets it without an Event built around it, returned through its callers and
// visited apart (~190 of the ~1,290 instructions a 64 B message cost the net layer's receiver).
class MessageSink {
 public:
  // Messages taken so far.
  [[nodiscard]] uint64_t taken() const { return taken_; }
  void take(AssociationId id, wire::StreamId stream, wire::Ppid ppid, bool unordered, std::vector<uint8_t>&& data) {
    ++taken_;
    on_message(id, stream, ppid, unordered, std::move(data));
  }

 protected:
  ~MessageSink() = default;
  // Called from inside the engine's poll_event: must not call the engine.
  virtual void on_message(AssociationId id, wire::StreamId stream, wire::Ppid ppid, bool unordered,
                          std::vector<uint8_t>&& data) = 0;

 private:
  uint64_t taken_ = 0;
};

using Event = std::variant<ConnectedEvent, MessageEvent, SendSpaceEvent, PeerShutdownEvent, ClosedEvent,
                           RestartEvent, PathEvent, PeerErrorEvent, SendFailedEvent>;

}  // namespace sctpkit::assoc
