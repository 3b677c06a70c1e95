// The user's send path: messages queued before the association is up (RFC 9260 5.1: they ride
// with the COOKIE ECHO) and handed to the DataSender once it is, and what send() refuses.
#include <algorithm>
#include <string>

#include "assoc/association.h"

namespace sctpkit::assoc {

void Association::flush_pending_messages() {
  for (PendingMessage& m : pending_messages_) {
    const uint16_t stream = m.stream.value();
    // A message on a stream the peer did not grant (its MIS was below our OS, 5.1.1) cannot be
    // sent; the user learns it and gets the message back rather than losing it without a word.
    if (stream >= outbound_streams_) {
      const std::string granted = std::to_string(outbound_streams_);
      std::string detail = "message of " + std::to_string(m.data.size()) + " bytes queued before setup on stream " +
                           std::to_string(stream) + " not sent: the peer grants " + granted +
                           " outbound streams (RFC 9260 5.1.1); send it on a stream below " + granted;
      fail_send(SendFailedEvent{id_, m.stream, m.ppid, m.unordered, std::move(m.data), std::move(detail)});
      continue;
    }
    if (sender_->send(std::move(m.data), m.stream, m.ppid, m.unordered) == SendResult::Ok && m.sack_immediately)
      sender_->mark_last_sack_immediately();
  }
  pending_messages_.clear();
  pending_bytes_ = 0;
  if (pending_refused_) {
    pending_refused_ = false;
    push_event(SendSpaceEvent{id_, config_.send_buffer - std::min(config_.send_buffer, sender_->queued_bytes())});
  }
}

SendResult Association::check_pending(size_t size, wire::StreamId stream) {
  // RFC 9260 5.1: user data may be queued before the association is up ("the COOKIE ECHO chunk
  // can be bundled with any pending outbound DATA chunks"); checked against what we asked for.
  if (size == 0) return SendResult::EmptyMessage;
  if (size > config_.max_message_size) return SendResult::MessageTooLarge;
  if (stream.value() >= requested_outbound_streams_) return SendResult::InvalidStream;
  if (pending_bytes_ + size > config_.send_buffer) {
    pending_refused_ = true;
    return SendResult::WouldBlock;
  }
  pending_bytes_ += size;
  return SendResult::Ok;
}

bool Association::mark_last_sack_immediately() {
  if (closed_) return false;
  if (state_ == AssociationState::CookieWait) {
    if (pending_messages_.empty()) return false;
    pending_messages_.back().sack_immediately = true;
    return true;
  }
  return sender_ && sender_->mark_last_sack_immediately();
}

DataSender* Association::data_sender_for_send() {
  // COOKIE-ECHOED has a DataSender already (the INIT ACK told us the peer's window and streams).
  // RFC 9260 9.2: no new data once a shutdown has begun on either side.
  const bool open = state_ == AssociationState::Established || state_ == AssociationState::CookieEchoed;
  if (closed_ || !open || !sender_) return nullptr;
  sender_->begin_burst();
  return &*sender_;
}

SendResult Association::send_unestablished(wire::Bytes message, wire::StreamId stream, wire::Ppid ppid,
                                           bool unordered, TimePoint now) {
  (void)now;
  if (!closed_ && state_ == AssociationState::CookieWait) {
    const SendResult result = check_pending(message.size(), stream);
    if (result == SendResult::Ok) {
      pending_messages_.push_back(PendingMessage{stream, ppid, unordered, {message.begin(), message.end()}});
    }
    return result;
  }
  DataSender* sender = data_sender_for_send();
  return sender ? sender->send(message, stream, ppid, unordered) : SendResult::NotConnected;
}

SendResult Association::send(std::vector<uint8_t>&& message, wire::StreamId stream, wire::Ppid ppid, bool unordered,
                             TimePoint now) {
  (void)now;
  if (!closed_ && state_ == AssociationState::CookieWait) {
    const SendResult result = check_pending(message.size(), stream);
    if (result == SendResult::Ok) pending_messages_.push_back(PendingMessage{stream, ppid, unordered, std::move(message)});
    return result;
  }
  DataSender* sender = data_sender_for_send();
  return sender ? sender->send(std::move(message), stream, ppid, unordered) : SendResult::NotConnected;
}

}  // namespace sctpkit::assoc
