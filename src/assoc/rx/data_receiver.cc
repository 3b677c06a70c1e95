#include "assoc/rx/data_receiver.h"

namespace sctpkit::assoc {

namespace {

AckPolicyConfig ack_config(const DataReceiverConfig& c) {
  AckPolicyConfig a;
  a.sack_delay = c.sack_delay;
  a.sack_freq = c.sack_freq;
  a.receive_buffer = c.reassembly.receive_buffer;
  a.mtu = c.mtu;
  return a;
}

}  // namespace

DataReceiver::DataReceiver(const DataReceiverConfig& config, wire::Tsn peer_initial_tsn)
    : tsn_map_(peer_initial_tsn, config.window_tsns, config.max_duplicates),
      reassembly_(config.reassembly),
      ack_(ack_config(config)) {}

void DataReceiver::open_packet() {
  if (packet_open_) return;
  packet_open_ = true;
  packet_ = RxPacketSummary{};
  packet_.gaps_before = tsn_map_.has_gaps();
}

DataVerdict DataReceiver::on_other_data(const DataFragment& fragment, bool sack_immediately) {
  RxPacketSummary& s = summary();
  s.sack_immediately |= sack_immediately;
  switch (tsn_map_.classify(fragment.tsn)) {
    case TsnMap::AddResult::Duplicate:
      (void)tsn_map_.add(fragment.tsn);  // lists it for the next SACK
      s.duplicate = true;
      return DataVerdict::Duplicate;
    case TsnMap::AddResult::OutOfWindow:
      // RFC 9260 6.2 acknowledges only chunks inside the receive window; a SACK at once tells the
      // peer what we do hold.
      s.dropped = true;
      return DataVerdict::DroppedOutOfWindow;
    case TsnMap::AddResult::New:
      break;
  }
  // RFC 9260 6.2: with the window at 0, drop a new TSN above the highest received. One below it
  // fills a gap and is accepted: it may complete messages and so free the buffer. The RFC's
  // SHOULD to renege the highest TSN held in exchange is not done; instead gap fills stop at
  // kClosedWindowAllowance past the buffer, else a peer that sends a TSN far up and then fills
  // the gap below it would make us hold a TSN window of chunks (RFC 9260 14: resource exhaustion).
  if (reassembly_.full() &&
      (fragment.tsn.after(tsn_map_.highest_received()) ||
       reassembly_.bytes_held() + fragment.payload.size() >
           size_t{reassembly_.config().receive_buffer} + kClosedWindowAllowance)) {
    s.dropped = true;
    return DataVerdict::DroppedNoSpace;
  }
  if (auto error = reassembly_.insert(fragment)) {
    // The TSN after the cumulative one may always start a partial message (see kMaxPartials);
    // asked only when refused, so that the common chunk pays nothing for it.
    if (*error == ReassemblyError::TooManyPartials && fragment.tsn == tsn_map_.cumulative_tsn().next()) {
      error = reassembly_.insert(fragment, true);
    }
    if (error) return refused(fragment, *error, s);
  }
  (void)tsn_map_.add(fragment.tsn);
  s.new_data = true;
  return DataVerdict::Accepted;
}

DataVerdict DataReceiver::refused(const DataFragment& fragment, ReassemblyError error, RxPacketSummary& s) {
  switch (error) {
    case ReassemblyError::InvalidStream:
      // RFC 9260 6.5: acknowledge it following the normal procedure, then discard it.
      (void)tsn_map_.add(fragment.tsn);
      s.new_data = true;
      return DataVerdict::InvalidStream;
    case ReassemblyError::NoUserData: return DataVerdict::NoUserData;
    case ReassemblyError::MessageTooLarge: return DataVerdict::MessageTooLarge;
    case ReassemblyError::InconsistentFragment: return DataVerdict::ProtocolViolation;
    case ReassemblyError::TooManyPartials:
      // Like a chunk beyond the window: not acknowledged, so the peer sends it again once the
      // partial messages ahead of it have completed; a SACK at once says what we hold.
      s.dropped = true;
      return DataVerdict::DroppedNoSpace;
  }
  return DataVerdict::ProtocolViolation;  // not reached: every error is listed
}

void DataReceiver::on_forward_tsn(wire::Tsn new_cumulative_tsn, std::span<const ForwardTsnSkip> skips) {
  RxPacketSummary& s = summary();
  // RFC 3758 3.6: a FORWARD TSN not beyond the cumulative TSN is out of date; SACK, since the
  // previous SACK may have been lost. Otherwise SACK timing follows the rules for DATA.
  if (!tsn_map_.forward_to(new_cumulative_tsn)) {
    s.duplicate = true;
    return;
  }
  reassembly_.forward_tsn(new_cumulative_tsn, skips);
  s.new_data = true;
}

void DataReceiver::on_i_forward_tsn(wire::Tsn new_cumulative_tsn, std::span<const IForwardTsnSkip> skips) {
  RxPacketSummary& s = summary();
  // RFC 8260 2.3.1: processed like FORWARD TSN, with messages named by MID.
  if (!tsn_map_.forward_to(new_cumulative_tsn)) {
    s.duplicate = true;
    return;
  }
  reassembly_.i_forward_tsn(skips);
  s.new_data = true;
}

void DataReceiver::end_packet(TimePoint now) {
  if (!packet_open_) return;
  packet_open_ = false;
  packet_.gaps_after = tsn_map_.has_gaps();
  ack_.on_packet(now, packet_);
}

std::optional<ReceivedMessage> DataReceiver::pop_message() {
  auto message = reassembly_.pop_message();
  // Held until consumed, its bytes still count: the window did not move.
  if (message && !reassembly_.config().hold_until_consumed) ack_.on_receive_window(a_rwnd());
  return message;
}

void DataReceiver::on_sack_sent(const SackContent& sent) {
  // RFC 9260 3.3.4: the duplicate list restarts after each SACK.
  tsn_map_.clear_duplicates();
  ack_.on_sack_sent(sent.a_rwnd);
}

}  // namespace sctpkit::assoc
