// The association's timers: T1-init/T1-cookie (RFC 9260 5.1, 6.3.3), T2-shutdown and the
// T5-shutdown-guard (9.2), and the sender's and receiver's (6.3, 6.2, 8.3), as one next deadline.
#include <algorithm>
#include <string>

#include "assoc/association.h"

namespace sctpkit::assoc {
namespace {

// "1 time", "3 times": read by people (a linktest verdict, `sctpkit cat -v`).
std::string times(int n) { return std::to_string(n) + (n == 1 ? " time" : " times"); }

// The earliest of the deadlines handed to take(), as plain comparisons: folding optionals
// pairwise was ~140 instructions per next_timeout(), which the endpoint asks after every touch of
// the association (twice per ping-pong round trip).
class Earliest {
 public:
  template <typename D>  // std::optional<TimePoint> or Deadline
  void take(const D& deadline) {
    if (deadline && (!found_ || *deadline < at_)) {
      at_ = *deadline;
      found_ = true;
    }
  }
  [[nodiscard]] std::optional<TimePoint> get() const { return found_ ? std::optional(at_) : std::nullopt; }

 private:
  TimePoint at_{};
  bool found_ = false;
};

}  // namespace

bool Association::heartbeats_run() const {
  // RFC 9260 8.3: heartbeats "MAY begin upon reaching the ESTABLISHED state and [are]
  // discontinued after sending either a SHUTDOWN chunk or SHUTDOWN ACK chunk".
  switch (state_) {
    case AssociationState::Established:
    case AssociationState::ShutdownPending:
    case AssociationState::ShutdownReceived:
      return true;
    default:
      return false;
  }
}

Duration Association::primary_rto() const {
  // RFC 9260 9.2: T2-shutdown uses the RTO of the destination it was sent to.
  if (sender_) return sender_->rto(paths_->primary());
  // Without a DataSender the association is still in its handshake, which we started.
  return active_open_ ? active_open_->t1_rto.rto() : config_.rto_initial;
}

// Only while a handshake we started runs (COOKIE-WAIT, COOKIE-ECHOED): active_open_ exists.
void Association::restart_t1(TimePoint now) { t1_ = now + active_open_->t1_rto.rto(); }

void Association::restart_t2(TimePoint now) { t2_ = now + primary_rto(); }

std::optional<TimePoint> Association::next_timeout() const {
  if (closed_) return std::nullopt;
  Earliest next;
  next.take(t1_);
  next.take(t2_);
  next.take(t5_);
  if (sender_) next.take(sender_->next_deadline());
  if (receiver_) next.take(receiver_->ack_policy().deadline());
  // Heartbeat deadlines only where poll_transmit sends heartbeats: one reported in another state
  // would be due forever (a busy loop).
  if (paths_ && heartbeats_run()) next.take(paths_->next_deadline());
  return next.get();
}

void Association::handle_timeout(TimePoint now) {
  if (closed_) return;
  if (sender_) sender_->begin_burst();
  if (t1_ && *t1_ <= now) {
    // RFC 9260 5.1 / 6.3.3: resend INIT or COOKIE ECHO with back-off, up to Max.Init.Retransmits.
    // T1 runs only during a handshake we started: active_open_ exists.
    const int sent = ++active_open_->t1_retransmits;
    if (sent > config_.max_init_retransmits) {
      const bool cookie = state_ == AssociationState::CookieEchoed;
      close(CloseReason::InitFailed, std::nullopt,
            cookie ? "COOKIE ECHO sent " + times(sent) + ", no COOKIE ACK" : "INIT sent " + times(sent) + ", no INIT ACK");
      return;
    }
    active_open_->t1_rto.back_off();  // RFC 9260 6.3.3 E2 applies to T1 too (5.1)
    if (state_ == AssociationState::CookieWait) send_init_ = true;
    if (state_ == AssociationState::CookieEchoed) send_cookie_echo_ = true;
    restart_t1(now);
  }
  if (t2_ && *t2_ <= now) {
    // RFC 9260 9.2: resend SHUTDOWN / SHUTDOWN ACK, at most Association.Max.Retrans times.
    if (sender_) sender_->back_off(paths_->primary());
    if (paths_->on_timeout(paths_->primary(), now)) {
      close(CloseReason::PeerUnreachable, std::nullopt, "no answer to SHUTDOWN after Association.Max.Retrans tries");
      return;
    }
    if (state_ == AssociationState::ShutdownSent) send_shutdown_ = true;
    if (state_ == AssociationState::ShutdownAckSent) send_shutdown_ack_ = true;
    restart_t2(now);
  }
  if (t5_ && *t5_ <= now) {
    // RFC 9260 9.2: T5-shutdown-guard bounds the whole shutdown; abort when it expires.
    send_abort_and_close({}, CloseReason::ShutdownTimedOut, "shutdown did not complete within the guard time");
    return;
  }
  if (sender_) {
    const auto deadline = sender_->next_deadline();
    if (deadline && *deadline <= now) {
      bool failed = false;
      sender_->on_timeout(*paths_, now, failed);
      if (failed) {
        // RFC 9260 8.1: too many retransmissions: the peer is unreachable.
        send_abort_and_close({}, CloseReason::PeerUnreachable,
                             "peer unreachable: Association.Max.Retrans exceeded");
        return;
      }
    }
  }
}

}  // namespace sctpkit::assoc
