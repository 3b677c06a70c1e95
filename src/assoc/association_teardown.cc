// Ending an association: RFC 9260 9.1 (ABORT), 9.2 (SHUTDOWN), and ERROR chunks (3.3.10, 5.2.6).
#include <algorithm>

#include "assoc/association.h"
#include "wire/control_chunks.h"
#include "wire/error_causes.h"

namespace sctpkit::assoc {
namespace {

constexpr size_t kMaxCausesDescribed = 8;

// One line a person can read: the cause's RFC name and, where it carries text, the text.
std::string describe_causes(wire::Bytes causes, std::optional<uint16_t>& first_code) {
  std::string out;
  wire::TlvReader reader(causes);
  size_t described = 0;
  while (auto item = reader.next()) {
    if (!*item) break;
    const wire::RawTlv& tlv = **item;
    if (!first_code) first_code = tlv.type;
    // An ABORT of 16,000 4-byte causes would make a 400 KB description: the first few say enough.
    if (described++ == kMaxCausesDescribed) {
      out += "; ...";
      break;
    }
    if (!out.empty()) out += "; ";
    out += std::string(wire::error_cause_name(tlv.type));
    if (tlv.type == wire::UserInitiatedAbort::kType || tlv.type == wire::ProtocolViolation::kType) {
      std::string text;
      for (uint8_t b : tlv.value) text += (b >= 0x20 && b < 0x7F) ? static_cast<char>(b) : '.';
      if (!text.empty()) out += ": " + text;
    }
  }
  return out;
}

}  // namespace

void Association::close(CloseReason reason, std::optional<uint16_t> cause, std::string detail) {
  if (closed_) return;
  closed_ = true;
  state_ = AssociationState::Closed;
  t1_.reset();
  t2_.reset();
  t5_.reset();
  // Before the ClosedEvent, which poll_event holds back until the rest has been read. A graceful
  // close has no detail of its own (ClosedEvent::detail), its messages say how it ended.
  fail_unacknowledged_messages(detail.empty() && reason == CloseReason::Graceful ? "shutdown complete"
                                                                                  : std::string_view(detail));
  closed_event_ = std::make_unique<ClosedEvent>(ClosedEvent{id_, reason, cause, std::move(detail)});
}

void Association::fail_unacknowledged_messages(std::string_view why) {
  auto fail = [&](wire::StreamId stream, wire::Ppid ppid, bool unordered, std::vector<uint8_t>&& data, bool sent) {
    std::string detail = "message of " + std::to_string(data.size()) + " bytes on stream " +
                         std::to_string(stream.value()) +
                         (sent ? " sent and not acknowledged (the peer may have it): " : " not sent: ") + std::string(why);
    fail_send(SendFailedEvent{id_, stream, ppid, unordered, std::move(data), std::move(detail), sent});
  };
  for (PendingMessage& m : pending_messages_) fail(m.stream, m.ppid, m.unordered, std::move(m.data), false);
  pending_messages_.clear();
  pending_bytes_ = 0;
  if (!sender_) return;
  for (DataSender::DiscardedMessage& m : sender_->take_unacknowledged_messages())
    fail(m.stream, m.ppid, m.unordered, std::move(m.data), m.may_have_arrived);
}

void Association::send_abort_and_close(std::vector<uint8_t> causes, CloseReason reason, std::string detail) {
  std::optional<uint16_t> code;
  if (causes.size() >= 2) code = static_cast<uint16_t>((causes[0] << 8) | causes[1]);
  // RFC 9260 9.1: an ABORT needs the peer's tag; before we know it there is no one to tell.
  if (peer_tag_.value() != 0 || state_ != AssociationState::CookieWait) {
    abort_causes_ = std::make_unique<std::vector<uint8_t>>(std::move(causes));
  }
  close(reason, code, std::move(detail));
}

void Association::abort_protocol_violation(std::string_view why) {
  send_abort_and_close(
      encode_cause(wire::ProtocolViolation{wire::Bytes(reinterpret_cast<const uint8_t*>(why.data()), why.size())}),
      CloseReason::AbortedLocally, std::string(why));
}

void Association::queue_error(std::vector<uint8_t> causes) {
  if (errors_.size() >= kMaxQueuedErrors) errors_.pop_front();
  errors_.push_back(std::move(causes));
}

void Association::abort(std::string_view reason, TimePoint now) {
  (void)now;
  if (closed_) return;
  // RFC 9260 9.1: "If the association is aborted on request of the upper layer, a
  // 'User-Initiated Abort' error cause SHOULD be present".
  auto cause = encode_cause(wire::UserInitiatedAbort{
      wire::Bytes(reinterpret_cast<const uint8_t*>(reason.data()), std::min<size_t>(reason.size(), 1024))});
  send_abort_and_close(std::move(cause), CloseReason::AbortedLocally,
                       reason.empty() ? std::string("aborted locally") : "aborted locally: " + std::string(reason));
}

void Association::shutdown(TimePoint now) {
  switch (state_) {
    case AssociationState::CookieWait:
    case AssociationState::CookieEchoed:
      // No association yet to close gracefully: give up on the setup.
      abort("shutdown before the association was established", now);
      return;
    case AssociationState::Established:
      // RFC 9260 9.2: SHUTDOWN-PENDING until all outstanding data is acknowledged.
      state_ = AssociationState::ShutdownPending;
      maybe_progress_shutdown(now);
      return;
    default:
      // Already shutting down; RFC 9260 9.2: SHUTDOWN-RECEIVED ignores the user's request.
      return;
  }
}

void Association::maybe_progress_shutdown(TimePoint now) {
  if (!sender_ || !sender_->idle()) return;
  if (state_ == AssociationState::ShutdownPending) {
    // RFC 9260 9.2: all acknowledged: SHUTDOWN, T2-shutdown, T5-shutdown-guard (5 x RTO.Max).
    state_ = AssociationState::ShutdownSent;
    send_shutdown_ = true;
    restart_t2(now);
    t5_ = now + 5 * config_.rto_max;
  } else if (state_ == AssociationState::ShutdownReceived) {
    // RFC 9260 9.2: no more outstanding data: SHUTDOWN ACK, T2-shutdown, SHUTDOWN-ACK-SENT.
    state_ = AssociationState::ShutdownAckSent;
    send_shutdown_ack_ = true;
    restart_t2(now);
  }
}

bool Association::shutdown_cumulative_ack(const wire::ShutdownChunk& shutdown, TimePoint now) {
  if (sender_->on_cumulative_ack(shutdown.cumulative_tsn_ack, *paths_, now)) return true;
  // RFC 9260 9.2 processes it as a SACK's, and 12: "MUST abort the association if it receives a
  // SACK chunk acknowledging a TSN that has not been sent".
  abort_protocol_violation("SHUTDOWN acknowledges a TSN that was never sent");
  return false;
}

void Association::handle_shutdown(const wire::ShutdownChunk& shutdown, TimePoint now) {
  if (!sender_) return;
  switch (state_) {
    case AssociationState::Established:
    case AssociationState::ShutdownPending:
    case AssociationState::ShutdownReceived:
      // RFC 9260 9.2: its Cumulative TSN Ack acknowledges our data like a SACK without gaps.
      if (!shutdown_cumulative_ack(shutdown, now)) return;
      if (state_ != AssociationState::ShutdownReceived) {
        state_ = AssociationState::ShutdownReceived;
        // RFC 9260 9.2: the peer sends no DATA after its SHUTDOWN, so what was received whole
        // before it comes first: a user that stops reading at this event must not leave those
        // messages behind (poll_event returns events_ ahead of the receiver's messages).
        hand_over_received_messages();
        push_event(PeerShutdownEvent{id_});
      }
      maybe_progress_shutdown(now);
      return;
    case AssociationState::ShutdownSent:
      // RFC 9260 9.2: both sides sent SHUTDOWN: answer with SHUTDOWN ACK, SHUTDOWN-ACK-SENT.
      if (!shutdown_cumulative_ack(shutdown, now)) return;
      state_ = AssociationState::ShutdownAckSent;
      send_shutdown_ack_ = true;
      restart_t2(now);
      return;
    case AssociationState::ShutdownAckSent:
      send_shutdown_ack_ = true;  // our SHUTDOWN ACK was lost
      return;
    default:
      return;
  }
}

void Association::handle_shutdown_ack(const wire::IpAddress& source, TimePoint now) {
  (void)source;
  (void)now;
  if (state_ != AssociationState::ShutdownSent && state_ != AssociationState::ShutdownAckSent) return;
  // RFC 9260 9.2: stop T2, send SHUTDOWN COMPLETE, remove the association.
  send_shutdown_complete_ = true;
  close(CloseReason::Graceful, std::nullopt, {});
}

void Association::handle_shutdown_complete(TimePoint now) {
  (void)now;
  // RFC 9260 8.5.1 C: ignored unless in SHUTDOWN-ACK-SENT.
  if (state_ != AssociationState::ShutdownAckSent) return;
  close(CloseReason::Graceful, std::nullopt, {});
}

void Association::handle_abort(const wire::AbortChunk& abort) {
  // RFC 9260 9.1: remove the association and tell the user, with the peer's reason if it gave one.
  std::optional<uint16_t> code;
  std::string detail = describe_causes(abort.causes, code);
  close(CloseReason::AbortedByPeer, code, detail.empty() ? "ABORT received" : "ABORT received: " + detail);
}

void Association::handle_error(const wire::ErrorChunk& error, TimePoint now) {
  wire::TlvReader reader(error.causes);
  while (auto item = reader.next()) {
    if (!*item) break;
    const wire::RawTlv& tlv = **item;
    if (tlv.type == wire::StaleCookie::kType) {
      // RFC 9260 5.2.6: only meaningful in COOKIE-ECHOED; we take alternative 3, a fresh INIT
      // with a Cookie Preservative, which counts against Max.Init.Retransmits like any other.
      if (state_ != AssociationState::CookieEchoed) continue;
      ActiveOpen& open = *active_open_;  // COOKIE-ECHOED: a handshake we started
      // A peer that answers every COOKIE ECHO so would keep us in the handshake for ever: the
      // retries are bounded like the INIT's, then alternative 2, "report to the upper layer the
      // inability to set up the association".
      if (++open.stale_cookies > config_.max_init_retransmits) {
        close(CloseReason::InitFailed, wire::StaleCookie::kType,
              "the peer found the State Cookie stale " + std::to_string(open.stale_cookies) + " times");
        return;
      }
      // Alternative 3: the new INIT carries a Cookie Preservative. "an implementation SHOULD use
      // the RTT information measured based on the previous COOKIE ECHO/ERROR chunk exchange and
      // SHOULD add no more than 1 second beyond the measured RTT": the staleness reported (what
      // the cookie lacked) within [RTT, RTT + 1 s].
      const auto rtt_ms = std::chrono::ceil<std::chrono::milliseconds>(now - open.t1_started).count();
      const int64_t stale_ms = tlv.value.size() >= 4 ? (int64_t{wire::load_u32(tlv.value, 0)} + 999) / 1000 : 0;
      open.cookie_preservative_ms =
          static_cast<uint32_t>(std::clamp<int64_t>(stale_ms, std::max<int64_t>(rtt_ms, 1), rtt_ms + 1000));
      state_ = AssociationState::CookieWait;
      peer_tag_ = wire::VerificationTag(0);
      // 5.2.2: "Only when a TCB exists and the association is not in a COOKIE-WAIT ... state are
      // the Tie-Tags populated": an INIT collision in COOKIE-ECHOED may have set them.
      local_tie_tag_ = peer_tie_tag_ = wire::VerificationTag(0);
      // The DataSender stays: the user's messages in it go on once the retry succeeds (or fail
      // with the association); the peer's side is set up again from the next INIT ACK.
      // 5.2.4 step 3: the peer discarded the packet with our COOKIE ECHO, and the DATA bundled
      // with it (5.1): that DATA rides again with the retry's COOKIE ECHO rather than wait for
      // T3-rtx, and a discard is no loss, so no back-off and no cwnd cut.
      if (sender_) sender_->resend_discarded();
      receiver_.reset();
      send_init_ = true;
      ++open.t1_retransmits;
      open.t1_started = now;
      restart_t1(now);
      return;
    }
    // Past the bound only the report is dropped: a Stale Cookie (above) is acted on regardless.
    if (peer_errors_queued_ >= kMaxQueuedPeerErrors) continue;
    std::optional<uint16_t> code;
    const std::string detail = describe_causes(tlv.whole, code);
    push_event(PeerErrorEvent{id_, tlv.type, detail});
    ++peer_errors_queued_;
  }
}

}  // namespace sctpkit::assoc
