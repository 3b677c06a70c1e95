#include "assoc/tx/retransmission_queue.h"

#include <algorithm>
#include <cassert>

namespace sctpkit::assoc {
namespace {

// RFC 9260 3.3.1: DATA chunk header (type, flags, length, TSN, stream, SSN, PPID).
constexpr size_t kDataChunkHeaderSize = 16;
// RFC 9260 6.1: no TSN more than 2^31 - 1 above the beginning of the current send window.
constexpr size_t kMaxTsnWindow = (size_t{1} << 31) - 1;
// Slots asked for ahead of releasing them (a SACK every second packet frees some 36 small ones).
constexpr size_t kReleasePrefetch = 64;

uint32_t saturating_sub(uint32_t a, size_t b) { return b >= a ? 0 : static_cast<uint32_t>(a - b); }

}  // namespace

RetransmissionQueue::RetransmissionQueue(wire::Tsn initial_tsn, uint32_t peer_a_rwnd,
                                         RetransmissionQueueConfig config)
    : config_(config), next_tsn_(initial_tsn), cum_ack_point_(initial_tsn.prev()), peer_rwnd_(peer_a_rwnd) {}

DestinationId RetransmissionQueue::add_destination(size_t pmdcs) {
  dests_.emplace_back(pmdcs, config_);
  return DestinationId(static_cast<uint32_t>(dests_.size() - 1));
}

void RetransmissionQueue::set_pmdcs(DestinationId dest, size_t pmdcs) {
  dests_[dest.value()].cc.on_pmdcs_change(pmdcs);
}

size_t RetransmissionQueue::chunk_size(const Outstanding& c) {
  // RFC 9260 7.2: congestion variables count the DATA chunk including header and padding.
  return kDataChunkHeaderSize + wire::padded4(c.data.length);
}

void RetransmissionQueue::put_in_flight(Outstanding& c, Destination& d) {
  c.state = ChunkState::kInFlight;
  d.flight_size += chunk_size(c);
  outstanding_bytes_ += c.data.length;
  // RFC 9260 6.2.1 C2: every (re)transmission takes its data size from the peer's rwnd.
  peer_rwnd_ = saturating_sub(peer_rwnd_, c.data.length);
}

void RetransmissionQueue::take_out_of_flight(Outstanding& c, Destination& d) {
  assert(c.state == ChunkState::kInFlight);
  d.flight_size -= chunk_size(c);
  outstanding_bytes_ -= c.data.length;
}

// Inlined into both walks that send chunks: it runs once per chunk sent.
[[gnu::always_inline]] inline void RetransmissionQueue::emit(const Outstanding& c, bool retransmission) {
  // Written into a slot, not push_back()ed: the vector's out-of-line emplace_back was ~25
  // instructions per 64 B message. The slots grow once, to the most chunks a packet has held.
  if (packet_size_ == packet_.size()) [[unlikely]] packet_.resize(2 * packet_.size() + 16);
  packet_[packet_size_++] = TxChunk{c.tsn, c.data.stream, c.data.ssn, c.data.ppid, c.data.unordered, c.data.beginning,
                                    c.data.end, retransmission, c.data.payload(), c.data.sack_immediately};
}

std::span<const TxChunk> RetransmissionQueue::next_packet(TimePoint now, DestinationId dest, size_t room,
                                                          size_t max_fragment_payload, SendQueue& send_queue,
                                                          bool new_data) {
  assert(dest.value() < dests_.size());
  packet_size_ = 0;
  poll_idle(now, dest);
  Destination& d = dests_[dest.value()];

  // RFC 9260 7.2.4 rule 3: the first packet of a Fast Retransmit ignores cwnd.
  const bool cwnd_open = d.cc.can_send(d.flight_size);
  size_t used = 0;
  if (marked_count_ > 0 && (cwnd_open || fast_retransmit_pending_)) {
    retransmit_marked(now, dest, room, used);
    if (packet_size_ > 0) fast_retransmit_pending_ = false;
  }
  // RFC 9260 6.1 C: nothing new while chunks marked for retransmission wait.
  if (new_data && marked_count_ == 0 && cwnd_open) send_new(now, dest, room, used, max_fragment_payload, send_queue);

  if (packet_size_ > 0) {
    d.cc.on_data_sent(now);
    last_dest_ = dest;
  }
  return {packet_.data(), packet_size_};
}

void RetransmissionQueue::retransmit_marked(TimePoint now, DestinationId dest, size_t room, size_t& used) {
  Destination& d = dests_[dest.value()];
  // The walk starts at the first chunk that may be marked: after a T3-rtx marked a whole window,
  // starting at the front walked every chunk already retransmitted again for each packet (a rate
  // sender's 30,000 chunks: quadratic). Below it, only whether a chunk is in flight on `dest`
  // matters (for the T3-rtx restart below), and the first one found answers that.
  size_t i = std::min<size_t>(first_marked_, outstanding_.size());
  bool earlier_in_flight_on_dest = false;
  if (d.t3_deadline) {
    for (size_t k = 0; k < i && !earlier_in_flight_on_dest; ++k) {
      earlier_in_flight_on_dest = outstanding_[k].state == ChunkState::kInFlight && outstanding_[k].dest == dest;
    }
  }
  size_t marked_seen = 0;
  std::optional<size_t> still_marked;  // the first chunk left marked by this packet
  for (; i < outstanding_.size(); ++i) {
    if (marked_seen == marked_count_) break;
    Outstanding& c = outstanding_[i];
    if (c.state == ChunkState::kInFlight && c.dest == dest) earlier_in_flight_on_dest = true;
    if (c.state != ChunkState::kMarked) continue;
    ++marked_seen;
    if (c.retransmit_to != kNoRedirect && c.retransmit_to != dest) {  // waits for its alternate (6.4)
      if (!still_marked) still_marked = i;
      continue;
    }
    const size_t size = chunk_size(c);
    // RFC 9260 6.3.3 E3 / 7.2.4 rule 3: the earliest marked chunks that fit in one packet, in order.
    if (used + size > room) {
      if (!still_marked) still_marked = i;
      break;
    }
    used += size;
    --marked_count_;
    --marked_seen;
    ++c.transmit_count;
    ++retransmissions_;
    c.miss_indications = 0;
    // A zero window probe stays one when resent (6.1 A): its later expiries must not count as
    // errors either while the window stays closed (they did, and failed a live association).
    c.retransmit_to = kNoRedirect;
    c.dest = dest;
    if (c.zero_window_probe) sack_since_probe_ = false;
    put_in_flight(c, d);
    emit(c, true);
    // RFC 9260 6.3.1 C5 (Karn): a retransmission makes every timed chunk with a TSN at or above it
    // ambiguous, on any destination.
    for (Destination& other : dests_) {
      if (other.timed_tsn && c.tsn.before_or_equal(*other.timed_tsn)) other.timed_tsn.reset();
    }
    // RFC 9260 6.1 (last rules) / 6.3.2 R1: start T3-rtx if idle; restart it when the earliest
    // outstanding chunk on this destination is the one being retransmitted.
    if (!d.t3_deadline || !earlier_in_flight_on_dest) d.t3_deadline = now + d.rto.rto();
    earlier_in_flight_on_dest = true;
  }
  first_marked_ = static_cast<uint32_t>(still_marked.value_or(i));
}

void RetransmissionQueue::send_new(TimePoint now, DestinationId dest, size_t room, size_t& used,
                                   size_t max_fragment_payload, SendQueue& send_queue) {
  Destination& d = dests_[dest.value()];
  const size_t first_payload = send_queue.peek_fragment_size(max_fragment_payload);
  if (first_payload == 0 || used >= room) return;
  // The packet's worth of messages, if the rest are the size of the first: their bytes are read
  // when the packet is built, by then in the cache.
  send_queue.prefetch_next((room - used) / (kDataChunkHeaderSize + wire::padded4(first_payload)));
  // Small messages: a run of whole ones in one pass over the queue. No chunk of it can be a zero
  // window probe (RFC 9260 6.1 A) when the peer's rwnd holds all the room: the run's payload is less.
  if (peer_rwnd_ >= room - used && outstanding_.size() + room / kDataChunkHeaderSize < kMaxTsnWindow) {
    const size_t first = outstanding_.size();
    used += send_queue.take_whole_messages(max_fragment_payload, room - used, kDataChunkHeaderSize,
                                           [this]() -> QueuedFragment& { return outstanding_.emplace_back().data; });
    for (size_t i = first; i < outstanding_.size(); ++i) {
      Outstanding& c = outstanding_[i];
      c.tsn = next_tsn_;
      next_tsn_ = next_tsn_.next();
      c.dest = dest;
      c.first_sent = now;
      put_in_flight(c, d);
      emit(c, false);
    }
    if (outstanding_.size() > first) {
      // RFC 9260 6.3.1 C4: time one chunk per round trip per destination.
      if (!d.timed_tsn) {
        d.timed_tsn = outstanding_[first].tsn;
        d.timed_sent = now;
      }
      // RFC 9260 6.3.2 R1: start T3-rtx if it is not running.
      if (!d.t3_deadline) d.t3_deadline = now + d.rto.rto();
    }
  }
  // Fragments of larger messages (and a packet's first chunk while rwnd is short), one at a time.
  while (outstanding_.size() < kMaxTsnWindow) {
    const size_t payload = send_queue.peek_fragment_size(max_fragment_payload);
    if (payload == 0) break;
    const size_t size = kDataChunkHeaderSize + wire::padded4(payload);
    if (used + size > room) break;
    // RFC 9260 6.1 A: no new data while rwnd is below the next chunk's size, except a zero window
    // probe, and that only when all data is acknowledged and nothing is in flight.
    // RFC 9260 6.1 A: the first probe waits 1 RTO after the window closed, later ones longer.
    const bool probe = payload > peer_rwnd_;
    if (probe && (!outstanding_.empty() || (probe_at_ && now < *probe_at_))) break;

    used += size;
    Outstanding& c = outstanding_.emplace_back();
    // Straight into the chunk that keeps it until acknowledged: no copy of the fragment per chunk.
    [[maybe_unused]] const bool taken = send_queue.next_fragment(max_fragment_payload, c.data);
    assert(taken && c.data.length == payload);
    c.tsn = next_tsn_;
    next_tsn_ = next_tsn_.next();
    c.dest = dest;
    c.first_sent = now;
    c.zero_window_probe = probe;
    probe_outstanding_ = probe_outstanding_ || probe;
    if (probe) sack_since_probe_ = false;
    put_in_flight(c, d);
    emit(c, false);
    // RFC 9260 6.3.1 C4: time one chunk per round trip per destination.
    if (!d.timed_tsn) {
      d.timed_tsn = c.tsn;
      d.timed_sent = now;
    }
    // RFC 9260 6.3.2 R1: start T3-rtx if it is not running.
    if (!d.t3_deadline) d.t3_deadline = now + d.rto.rto();
    if (probe) break;
  }
}

bool RetransmissionQueue::sack_acks_unsent(const SackInfo& sack, size_t cum_acked) const {
  // Checked as offsets into the queue rather than with serial arithmetic, so that no value of the
  // 32-bit fields (not even one exactly 2^31 away) can index past the chunks actually sent.
  if (cum_acked > outstanding_.size()) return true;
  for (const SackGapBlock& b : sack.gap_blocks) {
    if (b.start > b.end) continue;  // malformed block: acknowledges nothing, ignored
    if (cum_acked + b.end > outstanding_.size()) return true;
  }
  return false;
}

void RetransmissionQueue::mark_gap_blocks(const SackInfo& sack, size_t cum_acked) {
  // While blocks come in ascending order of start (as honest SACKs list them, and DataSender
  // sorts them), every index from the current block's start up to `marked_end` lies in an earlier
  // block, so overlapping blocks mark nothing twice: a SACK costs the chunks it covers, not blocks
  // x chunks (16,379 blocks over a 6,500-chunk flight cost 10^8 steps). Out of order, start over.
  size_t marked_end = 0;
  uint16_t previous_start = 0;
  for (const SackGapBlock& b : sack.gap_blocks) {
    if (b.start > b.end || b.end == 0) continue;
    if (b.start < previous_start) marked_end = 0;
    previous_start = b.start;
    // RFC 9260 3.3.4: the block covers Cumulative TSN Ack + start ... + end; TSN cum + k sits at
    // index cum_acked + k - 1. Start 0 would name the cum ack itself, already acknowledged.
    const size_t first = std::max(cum_acked + std::max<size_t>(b.start, 1) - 1, marked_end);
    const size_t last = std::min(cum_acked + b.end - 1, outstanding_.size() - 1);
    for (size_t i = first; i <= last && i < outstanding_.size(); ++i) outstanding_[i].sack_mark = SackMark::kAcked;
    const size_t end = std::min(last + 1, outstanding_.size());
    if (end > first) gap_block_marks_ += end - first;
    marked_end = std::max(marked_end, last + 1);
  }
}

// Always inlined into handle_sack()'s two walks: it runs once per acknowledged chunk.
[[gnu::always_inline]] inline void RetransmissionQueue::acknowledge(TimePoint now, const Outstanding& c, Destination& d, SackResult& result) {
  d.sack_bytes_acked += chunk_size(c);
  result.bytes_acked += c.data.length;
  result.new_data_acked = true;
  // Runs of chunks share a destination: the last one listed is the usual answer.
  if ((acked_dests_.empty() || acked_dests_.back() != c.dest) &&
      std::find(acked_dests_.begin(), acked_dests_.end(), c.dest) == acked_dests_.end()) {
    acked_dests_.push_back(c.dest);
  }
  // RFC 9260 6.3.1 C5 (Karn): only a chunk sent exactly once yields an RTT.
  if (d.timed_tsn == c.tsn) {
    if (c.transmit_count == 1) d.rto.add_measurement(now - d.timed_sent);
    d.timed_tsn.reset();
  }
}

SackResult RetransmissionQueue::handle_sack(TimePoint now, const SackInfo& sack) {
  SackResult result;
  acked_dests_.clear();
  result.acked_destinations = acked_dests_;
  // RFC 9260 6.1 A: the peer answers while we probe its closed window (even an out-of-order SACK
  // shows it alive).
  sack_since_probe_ = true;
  // RFC 9260 6.2.1 D.i: a Cumulative TSN Ack below the Cumulative TSN Ack Point marks an
  // out-of-order SACK, which is dropped.
  const int32_t cum_distance = cum_ack_point_.distance_to(sack.cum_tsn_ack);
  if (cum_distance < 0) {
    result.outcome = SackOutcome::kOutOfOrder;
    return result;
  }
  const auto cum_acked = static_cast<size_t>(cum_distance);
  // RFC 9260 12: a SACK acknowledging a TSN never sent is a protocol violation; nothing is touched.
  if (sack_acks_unsent(sack, cum_acked)) {
    result.outcome = SackOutcome::kAcksUnsentTsn;
    return result;
  }
  result.duplicate_tsns = sack.dup_tsns.size();
  const bool was_in_fast_recovery = in_fast_recovery();
  for (Destination& d : dests_) {
    d.sack_flight_before = d.flight_size;
    d.sack_bytes_acked = 0;
    d.sack_seen_earliest = d.sack_earliest_acked = d.sack_loss = d.sack_has_unacked = d.sack_reneged = false;
  }
  mark_gap_blocks(sack, cum_acked);

  std::optional<wire::Tsn> htna;  // RFC 9260 7.2.4: highest TSN newly acknowledged
  std::optional<wire::Tsn> highest_reported;
  // The common SACK only moves the cumulative ack: no gap blocks, and no chunk was gap-acked
  // before, so none above the new cum ack can be acknowledged or reneged (6.2.1 D.iii). Above it,
  // the walk then only learns which destinations still have data outstanding, and stops once it
  // knows for all: a SACK costs what it acknowledges, not the whole window.
  const bool only_cum_ack = sack.gap_blocks.empty() && gap_acked_count_ == 0;
  // Chunks at the front that the new cum ack covers and that are still in outstanding_.
  size_t below = cum_acked;
  if (only_cum_ack) {
    // Each release writes its message's slot, cold since the chunk was sent: ask for them all first.
    for (size_t i = 0; i < std::min(below, kReleasePrefetch); ++i) outstanding_[i].data.message.prefetch_release();
    // None is gap-acked (or marked by this SACK): each is acknowledged and released in one visit,
    // not walked and then popped in a second pass (at 64 B messages a SACK covers some 36 chunks).
    for (; below > 0; --below) {
      Outstanding& c = outstanding_.front();
      Destination& d = dests_[c.dest.value()];
      if (c.state == ChunkState::kInFlight) {
        if (!d.sack_seen_earliest) d.sack_seen_earliest = d.sack_earliest_acked = true;
        take_out_of_flight(c, d);
      } else {
        --marked_count_;  // acknowledged before its retransmission went out
      }
      acknowledge(now, c, d, result);
      htna = c.tsn;
      result.messages_acked += c.data.end ? 1 : 0;
      outstanding_.pop_front();
    }
  }
  size_t dests_unacked = 0;
  bool any_reneged = false;
  for (size_t i = 0; i < outstanding_.size(); ++i) {
    if (only_cum_ack && i >= below && dests_unacked == dests_.size()) break;
    Outstanding& c = outstanding_[i];
    Destination& d = dests_[c.dest.value()];
    const bool earliest_on_dest = c.state == ChunkState::kInFlight && !d.sack_seen_earliest;
    if (earliest_on_dest) d.sack_seen_earliest = true;
    const bool acked = i < below || c.sack_mark == SackMark::kAcked;
    c.sack_mark = SackMark::kNone;
    if (acked && i >= below) highest_reported = c.tsn;
    if (acked && c.state != ChunkState::kGapAcked) {
      if (c.state == ChunkState::kInFlight) {
        take_out_of_flight(c, d);
      } else {
        --marked_count_;  // acknowledged before its retransmission went out
      }
      c.state = ChunkState::kGapAcked;
      ++gap_acked_count_;
      acknowledge(now, c, d, result);
      htna = c.tsn;
      if (earliest_on_dest) d.sack_earliest_acked = true;
    } else if (!acked && c.state == ChunkState::kGapAcked) {
      // RFC 9260 6.2.1 D.iii: the receiver reneged on a gap-acked chunk: it is outstanding again,
      // with one miss indication, and its destination's T3-rtx runs.
      --gap_acked_count_;
      put_in_flight(c, d);
      ++c.miss_indications;
      c.sack_mark = SackMark::kReneged;
      d.sack_reneged = true;
      any_reneged = true;
    }
    if (i >= below && c.state != ChunkState::kGapAcked && !d.sack_has_unacked) {
      d.sack_has_unacked = true;
      ++dests_unacked;
    }
  }
  // Chunks below the new Cumulative TSN Ack are done with; their message buffers are released.
  for (size_t i = 0; i < below; ++i) {
    if (outstanding_.front().state == ChunkState::kGapAcked) --gap_acked_count_;
    result.messages_acked += outstanding_.front().data.end ? 1 : 0;
    outstanding_.pop_front();
  }
  cum_ack_point_ = sack.cum_tsn_ack;
  first_marked_ -= static_cast<uint32_t>(std::min<size_t>(first_marked_, cum_acked));  // the chunks below it left the front
  result.acked_destinations = acked_dests_;

  // RFC 9260 6.2.1 D.iv / 7.2.4 rule 6: Fast Recovery ends once its exit point is acknowledged.
  if (fast_recovery_exit_ && cum_ack_point_.after_or_equal(*fast_recovery_exit_)) fast_recovery_exit_.reset();

  // RFC 9260 7.2.4 note: the 7.2.1 / 7.2.2 window growth comes before any loss adjustment.
  for (Destination& d : dests_) {
    if (d.sack_bytes_acked > 0) d.cc.on_ack(d.sack_bytes_acked, d.sack_flight_before, in_fast_recovery());
  }

  // RFC 9260 6.2.1 D.ii: rwnd = a_rwnd - bytes still outstanding.
  peer_rwnd_ = saturating_sub(sack.a_rwnd, outstanding_bytes_);

  // RFC 9260 7.2.4 (HTNA): count misses only below the highest TSN newly acknowledged, except in
  // Fast Recovery when the cum ack advanced: then every TSN this SACK reports missing counts.
  std::optional<wire::Tsn> limit = htna;
  if (was_in_fast_recovery && cum_acked > 0) limit = highest_reported;
  if (limit) result.fast_retransmits = count_miss_indications(*limit);
  // Clear reneged marks count_miss_indications did not reach.
  if (any_reneged) {
    for (Outstanding& c : outstanding_) c.sack_mark = SackMark::kNone;
  }

  const bool loss = std::any_of(dests_.begin(), dests_.end(), [](const Destination& d) { return d.sack_loss; });
  if (loss && !in_fast_recovery()) {
    // RFC 9260 7.2.4 rules 2, 3 and 6: cut the windows of the destinations that lost data, send one
    // packet of retransmissions regardless of cwnd, and enter Fast Recovery up to the highest TSN
    // outstanding.
    for (Destination& d : dests_) {
      if (d.sack_loss) d.cc.on_fast_retransmit();
    }
    fast_retransmit_pending_ = true;
    fast_recovery_exit_ = next_tsn_.prev();
    result.fast_recovery_entered = true;
  }
  update_t3_timers(now);

  // RFC 9260 7.2.2: partial_bytes_acked returns to 0 once everything sent has been acknowledged.
  if (outstanding_.empty()) {
    for (Destination& d : dests_) d.cc.on_all_acked();
  }
  pace_zero_window_probes(now, result.new_data_acked);
  return result;
}

void RetransmissionQueue::pace_zero_window_probes(TimePoint now, bool new_data_acked) {
  if (peer_rwnd_ > 0) {
    if (probe_outstanding_) {
      // RFC 9260 6.1 A / 8.1: the window opened: a probe still outstanding is ordinary data from
      // now on, and its expiries count again. Also for a probe sent into a window that was small
      // but never zero (no pacing ran): keyed to the pacing, it stayed a probe for good, and a
      // peer that died then was never declared unreachable.
      for (Outstanding& c : outstanding_) c.zero_window_probe = false;
      probe_outstanding_ = false;
    }
    probe_interval_.reset();
    probe_at_.reset();
    probe_timer_armed_ = false;
    return;
  }
  // RFC 9260 6.1 A: the window is closed with nothing in flight. The first zero window probe
  // SHOULD go 1 RTO after the closure is detected, and the interval SHOULD grow exponentially; a
  // probe acknowledged with the window still closed moves to the next interval. Repeated window
  // updates without new data do not.
  if (dests_.empty() || !outstanding_.empty() || (probe_interval_ && !new_data_acked)) return;
  const RtoEstimator& rto = dests_[last_dest_.value()].rto;
  const Duration cap = std::max(rto.config().max, rto.config().min);
  probe_interval_ = probe_interval_ ? std::min(*probe_interval_ * 2, cap) : rto.rto();
  probe_at_ = now + *probe_interval_;
  probe_timer_armed_ = true;
}

size_t RetransmissionQueue::count_miss_indications(wire::Tsn limit) {
  size_t marked = 0;
  for (size_t i = 0; i < outstanding_.size(); ++i) {
    Outstanding& c = outstanding_[i];
    if (!c.tsn.before(limit)) break;
    if (c.state != ChunkState::kInFlight || c.fast_retransmitted) continue;
    // A reneged chunk already got its one miss indication (6.2.1 D.iii).
    if (c.sack_mark != SackMark::kReneged) ++c.miss_indications;
    if (c.miss_indications < config_.fast_retransmit_threshold) continue;
    // RFC 9260 7.2.4 rules 1 and 5: mark for retransmission, never fast-retransmit it again.
    Destination& d = dests_[c.dest.value()];
    take_out_of_flight(c, d);
    c.state = ChunkState::kMarked;
    c.retransmit_to = kNoRedirect;  // RFC 9260 6.4: fast retransmissions go where the original went
    c.fast_retransmitted = true;
    ++marked_count_;
    first_marked_ = std::min(first_marked_, static_cast<uint32_t>(i));
    ++marked;
    d.sack_loss = true;
    // RFC 9260 6.2.1 C3: data marked for retransmission is given back to rwnd.
    peer_rwnd_ += c.data.length;
  }
  return marked;
}

void RetransmissionQueue::update_t3_timers(TimePoint now) {
  for (Destination& d : dests_) {
    if (!d.sack_has_unacked) {
      // RFC 9260 6.3.2 R2: all data sent to this address is acknowledged.
      d.t3_deadline.reset();
    } else if (d.sack_earliest_acked && d.flight_size > 0) {
      // RFC 9260 6.3.2 R3: the earliest outstanding TSN was acknowledged: restart with current RTO.
      d.t3_deadline = now + d.rto.rto();
    } else if (d.sack_reneged && !d.t3_deadline) {
      // RFC 9260 6.2.1 D.iii / 6.3.2 R4.
      d.t3_deadline = now + d.rto.rto();
    }
  }
}

void RetransmissionQueue::redirect_marked(DestinationId from, DestinationId to) {
  if (from == to || to.value() >= dests_.size()) return;
  for (Outstanding& c : outstanding_) {
    if (c.state == ChunkState::kMarked && c.dest == from) c.retransmit_to = to;
  }
}

std::optional<DestinationId> RetransmissionQueue::redirected_destination() const {
  if (marked_count_ == 0) return std::nullopt;
  // Asked for every packet while chunks wait for retransmission: the walk ends at the last marked
  // chunk, not at the end of a window that may hold tens of thousands of small chunks (a fast
  // retransmission of one chunk cost a walk over all of them per packet).
  size_t marked_seen = 0;
  for (size_t i = first_marked_; i < outstanding_.size(); ++i) {
    const Outstanding& c = outstanding_[i];
    if (c.state != ChunkState::kMarked) continue;
    if (c.retransmit_to != kNoRedirect) return c.retransmit_to;
    if (++marked_seen == marked_count_) break;
  }
  return std::nullopt;
}

size_t RetransmissionQueue::mark_discarded_for_retransmission() {
  size_t marked = 0;
  for (size_t i = 0; i < outstanding_.size(); ++i) {
    Outstanding& c = outstanding_[i];
    if (c.state != ChunkState::kInFlight) continue;
    if (marked == 0) first_marked_ = std::min(first_marked_, static_cast<uint32_t>(i));
    take_out_of_flight(c, dests_[c.dest.value()]);
    c.state = ChunkState::kMarked;
    c.retransmit_to = kNoRedirect;
    ++marked_count_;
    peer_rwnd_ += c.data.length;
    ++marked;
  }
  for (Destination& d : dests_) {
    d.t3_deadline.reset();
    d.timed_tsn.reset();
  }
  return marked;
}

void RetransmissionQueue::reset_peer_rwnd(uint32_t a_rwnd) { peer_rwnd_ = saturating_sub(a_rwnd, outstanding_bytes_); }

size_t RetransmissionQueue::drop_unsent_streams(uint16_t count, std::vector<DroppedChunk>& dropped) {
  assert(gap_acked_count_ == 0);  // no SACK came: the peer never had an association for them
  mark_discarded_for_retransmission();
  const size_t before = dropped.size();
  Ring<Outstanding> kept;
  wire::Tsn tsn = cum_ack_point_.next();
  for (Outstanding& c : outstanding_) {
    if (c.data.stream.value() < count) {
      c.tsn = tsn;
      tsn = tsn.next();
      kept.push_back(std::move(c));
      continue;
    }
    dropped.push_back(DroppedChunk{c.tsn, std::move(c.data)});
    --marked_count_;
    // Marking gave its length back to rwnd (6.2.1 C3); it will not be sent again.
  }
  outstanding_ = std::move(kept);
  next_tsn_ = tsn;
  first_marked_ = 0;
  return dropped.size() - before;
}

std::optional<TimePoint> RetransmissionQueue::next_deadline() const {
  std::optional<TimePoint> earliest;
  for (const Destination& d : dests_) {
    if (d.t3_deadline && (!earliest || *d.t3_deadline < *earliest)) earliest = d.t3_deadline;
  }
  if (probe_timer_armed_ && (!earliest || *probe_at_ < *earliest)) earliest = probe_at_;
  return earliest;
}

std::span<const T3Expiry> RetransmissionQueue::handle_timeout(TimePoint now) {
  expired_.clear();
  // The zero window probe may now be sent by next_packet(); the deadline is not reported again.
  if (probe_timer_armed_ && *probe_at_ <= now) probe_timer_armed_ = false;
  for (size_t id = 0; id < dests_.size(); ++id) {
    Destination& d = dests_[id];
    if (!d.t3_deadline || *d.t3_deadline > now) continue;
    d.t3_deadline.reset();
    // RFC 9260 6.3.3 E1 (7.2.3) and E2.
    d.cc.on_t3_expiry();
    d.rto.back_off();
    d.timed_tsn.reset();
    // RFC 9260 6.3.3 (after E4): everything in flight to this address is marked for retransmission
    // (6.2.1 C3: and given back to rwnd); E3 happens in the next next_packet().
    bool all_probes = true;
    bool any = false;
    for (size_t i = 0; i < outstanding_.size(); ++i) {
      Outstanding& c = outstanding_[i];
      if (c.state != ChunkState::kInFlight || c.dest.value() != id) continue;
      if (!any) first_marked_ = std::min(first_marked_, static_cast<uint32_t>(i));
      take_out_of_flight(c, d);
      c.state = ChunkState::kMarked;
      c.retransmit_to = kNoRedirect;
      ++marked_count_;
      peer_rwnd_ += c.data.length;
      any = true;
      all_probes = all_probes && c.zero_window_probe;
    }
    // A timeout says more about the path than gap reports do; like Linux, leave Fast Recovery so
    // that slow start (7.2.1) can grow the window again.
    fast_recovery_exit_.reset();
    fast_retransmit_pending_ = false;
    // RFC 9260 6.1 A: unacknowledged probes are spared the error counters only "if the sender
    // continues to receive SACK chunks from the peer while doing zero window probing"; a probe
    // nobody answered is a retransmission timeout like any other (8.1, 8.2), or a peer that died
    // behind a closed window would never be detected.
    expired_.push_back(T3Expiry{DestinationId(static_cast<uint32_t>(id)), any && all_probes && sack_since_probe_});
  }
  return expired_;
}

}  // namespace sctpkit::assoc
