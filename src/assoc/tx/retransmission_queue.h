// The sender's view of DATA in flight: TSN assignment, outstanding chunks, SACK processing, fast
// retransmit, T3-rtx, peer rwnd and per-destination flight size (RFC 9260 6.1-6.3, 7.2).
//
// Sans-IO: time is passed in; the T3-rtx timers are deadlines the caller reads from next_deadline()
// and reports back through handle_timeout(). Per destination it owns the congestion controller and
// the RTO estimator, since SACK processing is what feeds both.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "assoc/clock.h"
#include "assoc/tx/congestion.h"
#include "assoc/tx/ring.h"
#include "assoc/tx/rto.h"
#include "assoc/tx/send_queue.h"
#include "wire/byte_io.h"
#include "wire/types.h"

namespace sctpkit::assoc {

// Index of a peer transport address, as returned by add_destination().
using DestinationId = wire::StrongId<struct DestinationTag, uint32_t>;

// RFC 9260 3.3.4: one Gap Ack Block, offsets relative to the Cumulative TSN Ack.
struct SackGapBlock {
  uint16_t start = 0;
  uint16_t end = 0;
};

// The fields of a received SACK chunk (RFC 9260 3.3.4).
struct SackInfo {
  wire::Tsn cum_tsn_ack;
  uint32_t a_rwnd = 0;
  std::span<const SackGapBlock> gap_blocks;
  std::span<const wire::Tsn> dup_tsns;
};

enum class SackOutcome {
  kProcessed,
  // RFC 9260 6.2.1 D.i: Cumulative TSN Ack below the Cumulative TSN Ack Point; dropped, no change.
  kOutOfOrder,
  // RFC 9260 12 (last paragraphs): acknowledges a TSN never sent; the association MUST be aborted.
  // Nothing was changed.
  kAcksUnsentTsn,
};

struct SackResult {
  SackOutcome outcome = SackOutcome::kProcessed;
  // RFC 9260 8.1: new DATA was acknowledged, so the association error counter is reset.
  bool new_data_acked = false;
  size_t bytes_acked = 0;          // user data bytes newly acknowledged
  // Messages whose last chunk (E bit) the new Cumulative TSN Ack covers: fully handed to the peer
  // (gap-acked chunks may be reneged, RFC 9260 6.2.1, so they do not count yet).
  size_t messages_acked = 0;
  size_t fast_retransmits = 0;     // chunks newly marked by Fast Retransmit (7.2.4)
  size_t duplicate_tsns = 0;       // as reported by the peer
  bool fast_recovery_entered = false;
  // RFC 9260 8.2: destinations whose DATA was newly acknowledged (their error counters are cleared).
  // Valid until the next call on the queue.
  std::span<const DestinationId> acked_destinations;
};

struct T3Expiry {
  DestinationId destination;
  // RFC 9260 6.1 A: the expired chunks were all zero window probes and the peer sent a SACK since
  // the last probe went out: unacknowledged probes SHOULD NOT increment the error counters while
  // the peer keeps sending SACKs. Probes nobody answers count as any timeout does (8.1, 8.2).
  bool zero_window_probe = false;
};

// One DATA chunk to put in the packet being built. The payload points into the message buffer,
// which stays alive until the chunk is acknowledged: valid until the next handle_sack() or
// handle_timeout().
struct TxChunk {
  wire::Tsn tsn;
  wire::StreamId stream;
  wire::Ssn ssn;
  wire::Ppid ppid;
  bool unordered = false;
  bool beginning = false;
  bool end = false;
  bool retransmission = false;
  wire::Bytes payload;
  bool sack_immediately = false;  // RFC 9260 3.3.1 I bit
};

struct RetransmissionQueueConfig {
  RtoConfig rto;
  CongestionConfig congestion;
  // RFC 9260 7.2.4: act on the third miss indication.
  uint32_t fast_retransmit_threshold = 3;
};

class RetransmissionQueue {
 public:
  // RFC 9260 5.1 / 6.2.1 C1: initial TSN from our INIT(-ACK), rwnd from the peer's a_rwnd.
  RetransmissionQueue(wire::Tsn initial_tsn, uint32_t peer_a_rwnd, RetransmissionQueueConfig config = {});

  // Registers a peer address with its PMDCS (largest DATA chunk, header included, within its PMTU).
  DestinationId add_destination(size_t pmdcs);
  // RFC 9260 7.3: the destination's PMTU changed.
  void set_pmdcs(DestinationId dest, size_t pmdcs);
  // RFC 9260 7.2.5: congestion state back to initial values (route or DSCP change).
  void reset_congestion(DestinationId dest) { dests_[dest.value()].cc.reset(); }

  // Chooses the DATA chunks of one packet to `dest` with `room` bytes free for DATA chunks (headers
  // and padding included): first chunks marked for retransmission, lowest TSN first (6.1 C), then
  // new fragments from `send_queue` cut to at most `max_fragment_payload` bytes (derived from the
  // AMDCS, 7.3), as cwnd (6.1 B) and the peer's rwnd (6.1 A) allow. Call again for the next packet;
  // an empty result means nothing more may be sent now. Chunks are never re-cut, so `room` in an
  // otherwise empty packet must fit any chunk already sent (fragmenting by the AMDCS ensures it);
  // a marked chunk that does not fit holds back everything behind it.
  // With `new_data` false only retransmissions go in (a packet to an alternate destination, 6.4).
  std::span<const TxChunk> next_packet(TimePoint now, DestinationId dest, size_t room,
                                       size_t max_fragment_payload, SendQueue& send_queue, bool new_data = true);
  // All next_packet() does when nothing is queued or marked: RFC 9260 7.2.1's decay of an idle
  // window, which comes due by the clock.
  void poll_idle(TimePoint now, DestinationId dest) {
    Destination& d = dests_[dest.value()];
    if (d.flight_size == 0) d.cc.decay_if_idle(now, d.rto.rto());
  }

  // RFC 9260 6.4: the chunks that timed out on `from` (marked by its T3-rtx expiry) are to be
  // retransmitted to `to`; next_packet() for any other destination leaves them alone.
  void redirect_marked(DestinationId from, DestinationId to);
  // Where the earliest redirected chunk waits to go, if any chunk was redirected.
  [[nodiscard]] std::optional<DestinationId> redirected_destination() const;

  // RFC 9260 5.2.4 step 3 / 5.2.6: the peer discarded the packet that carried the chunks in flight
  // (DATA bundled with a COOKIE ECHO it found stale, 5.1): every chunk in flight is marked for
  // retransmission (6.2.1 C3: given back to rwnd), the T3-rtx timers stop and no chunk stays timed
  // (6.3.1 C5). Nothing was lost on the path, so unlike a T3-rtx expiry (6.3.3) cwnd, ssthresh
  // and the RTO are left alone and no error is counted. Returns the chunks marked.
  size_t mark_discarded_for_retransmission();

  // RFC 9260 5.2.6 / 5.1.1: a Stale Cookie retry's INIT ACK granted only `count` outbound streams.
  // Before any SACK (nothing was acknowledged; the peer discarded whatever we sent) the chunks
  // on streams at or above `count` are dropped and the rest renumbered from the first TSN, so that
  // the TSNs the peer will see stay consecutive (6.9, 3.3.1). Every chunk is marked for
  // retransmission first (mark_discarded_for_retransmission()). Appends each dropped chunk, TSN
  // order, to `dropped` (its old TSN and fragment); returns how many were dropped.
  struct DroppedChunk {
    wire::Tsn tsn;
    QueuedFragment data;
  };
  size_t drop_unsent_streams(uint16_t count, std::vector<DroppedChunk>& dropped);

  // RFC 9260 6.2.1 C1: the peer's a_rwnd from an INIT ACK that set its side up afresh (the answer
  // to a Stale Cookie retry, 5.2.6), less what is in flight.
  void reset_peer_rwnd(uint32_t a_rwnd);

  // RFC 9260 6.2.1, 7.2.1-7.2.4: processes a received SACK.
  SackResult handle_sack(TimePoint now, const SackInfo& sack);

  // Earliest running T3-rtx deadline, or the time the next zero window probe may be sent.
  [[nodiscard]] std::optional<TimePoint> next_deadline() const;
  // RFC 9260 6.3.3: handles every T3-rtx that expired at or before `now`, and lets a paced zero
  // window probe go (call next_packet() after). The result is valid until the next call.
  std::span<const T3Expiry> handle_timeout(TimePoint now);

  [[nodiscard]] wire::Tsn cumulative_tsn_ack_point() const { return cum_ack_point_; }
  [[nodiscard]] wire::Tsn next_tsn() const { return next_tsn_; }
  [[nodiscard]] uint32_t peer_rwnd() const { return peer_rwnd_; }
  // User data bytes in flight (sent, not acknowledged, not marked for retransmission).
  [[nodiscard]] size_t outstanding_bytes() const { return outstanding_bytes_; }
  // Chunks not yet cumulatively acknowledged (in flight, gap-acked or awaiting retransmission).
  [[nodiscard]] size_t unacked_chunks() const { return outstanding_.size(); }
  [[nodiscard]] bool all_acked() const { return outstanding_.empty(); }
  // Calls `f(const QueuedFragment&)` for each chunk not cumulatively acknowledged (in flight,
  // gap-acked or marked), in TSN order: what an association that ends leaves unconfirmed.
  template <typename F>
  void for_each_unacked(F&& f) const {
    for (const Outstanding& c : outstanding_) f(c.data);
  }
  [[nodiscard]] size_t chunks_to_retransmit() const { return marked_count_; }
  [[nodiscard]] uint64_t retransmission_count() const { return retransmissions_; }
  // Chunks visited marking SACKs' gap blocks, over the queue's life: what overlapping blocks
  // could multiply (see mark_gap_blocks). Counted per block, so tests bound it without a clock.
  [[nodiscard]] uint64_t gap_block_marks() const { return gap_block_marks_; }
  [[nodiscard]] bool in_fast_recovery() const { return fast_recovery_exit_.has_value(); }

  [[nodiscard]] size_t destination_count() const { return dests_.size(); }
  // RFC 9260 7.2: chunk bytes (header and padding included) in flight to `dest`.
  [[nodiscard]] size_t flight_size(DestinationId dest) const { return dests_[dest.value()].flight_size; }
  [[nodiscard]] const CongestionControl& congestion(DestinationId dest) const { return dests_[dest.value()].cc; }
  // Mutable so that HEARTBEAT RTT measurements (8.3) feed the same estimator.
  [[nodiscard]] RtoEstimator& rto(DestinationId dest) { return dests_[dest.value()].rto; }
  [[nodiscard]] const RtoEstimator& rto(DestinationId dest) const { return dests_[dest.value()].rto; }
  [[nodiscard]] std::optional<TimePoint> t3_deadline(DestinationId dest) const {
    return dests_[dest.value()].t3_deadline;
  }

 private:
  enum class ChunkState : uint8_t { kInFlight, kGapAcked, kMarked };
  enum class SackMark : uint8_t { kNone, kAcked, kReneged };

  // No destination: retransmit_to when redirect_marked() set none.
  static constexpr DestinationId kNoRedirect{UINT32_MAX};

  // One cache line, aligned: a chunk is written when sent and read again when a SACK releases it,
  // by then long cold at small messages (~30,000 in flight), and an 80-byte entry spanned two lines.
  struct alignas(64) Outstanding {
    wire::Tsn tsn;
    DestinationId dest;
    QueuedFragment data;
    TimePoint first_sent;
    uint32_t transmit_count = 1;
    uint32_t miss_indications = 0;
    DestinationId retransmit_to = kNoRedirect;  // set by redirect_marked(), while marked
    ChunkState state = ChunkState::kInFlight;
    SackMark sack_mark = SackMark::kNone;
    bool fast_retransmitted = false;
    bool zero_window_probe = false;
  };
  static_assert(sizeof(Outstanding) == 64, "an outstanding chunk's state fills one cache line");

  struct Destination {
    Destination(size_t pmdcs, const RetransmissionQueueConfig& config)
        : cc(pmdcs, config.congestion), rto(config.rto) {}
    CongestionControl cc;
    RtoEstimator rto;
    size_t flight_size = 0;
    std::optional<TimePoint> t3_deadline;
    // RFC 9260 6.3.1 C4/C5: the one chunk being timed on this destination.
    std::optional<wire::Tsn> timed_tsn;
    TimePoint timed_sent;
    // Scratch state for the SACK being processed.
    size_t sack_flight_before = 0;
    size_t sack_bytes_acked = 0;
    bool sack_seen_earliest = false;
    bool sack_earliest_acked = false;
    bool sack_loss = false;
    bool sack_has_unacked = false;
    bool sack_reneged = false;
  };

  static size_t chunk_size(const Outstanding& c);
  void put_in_flight(Outstanding& c, Destination& d);
  void take_out_of_flight(Outstanding& c, Destination& d);
  // A newly acknowledged chunk's share of the SACK's result, its destination's count and RTT.
  void acknowledge(TimePoint now, const Outstanding& c, Destination& d, SackResult& result);
  void emit(const Outstanding& c, bool retransmission);
  void retransmit_marked(TimePoint now, DestinationId dest, size_t room, size_t& used);
  void send_new(TimePoint now, DestinationId dest, size_t room, size_t& used, size_t max_fragment_payload,
                SendQueue& send_queue);
  [[nodiscard]] bool sack_acks_unsent(const SackInfo& sack, size_t cum_acked) const;
  void mark_gap_blocks(const SackInfo& sack, size_t cum_acked);
  size_t count_miss_indications(wire::Tsn limit);
  void update_t3_timers(TimePoint now);
  void pace_zero_window_probes(TimePoint now, bool new_data_acked);

  RetransmissionQueueConfig config_;
  wire::Tsn next_tsn_;
  wire::Tsn cum_ack_point_;
  uint32_t peer_rwnd_;
  // No chunk below this index of outstanding_ is marked for retransmission (a lower bound). 32 bits
  // (the window holds under 2^31 TSNs, 6.1) beside the other three: the padding they left.
  uint32_t first_marked_ = 0;
  size_t outstanding_bytes_ = 0;
  size_t marked_count_ = 0;
  size_t gap_acked_count_ = 0;  // outstanding chunks in kGapAcked
  uint64_t retransmissions_ = 0;
  uint64_t gap_block_marks_ = 0;
  bool fast_retransmit_pending_ = false;
  uint32_t packet_size_ = 0;
  std::optional<wire::Tsn> fast_recovery_exit_;
  // RFC 9260 6.1 A: zero window probe pacing while the peer's window is closed.
  std::optional<Duration> probe_interval_;
  std::optional<TimePoint> probe_at_;
  bool probe_timer_armed_ = false;
  bool probe_outstanding_ = false;  // a chunk marked zero_window_probe may be outstanding
  bool sack_since_probe_ = false;   // a SACK arrived after the last zero window probe was sent
  DestinationId last_dest_{0};  // whose RTO paces the probes
  Ring<Outstanding> outstanding_;  // TSNs cum_ack_point_ + 1 ... next_tsn_ - 1, in order
  std::vector<Destination> dests_;
  // Reused output buffers: no allocation per packet in steady state.
  std::vector<TxChunk> packet_;  // the first packet_size_ are next_packet()'s answer
  std::vector<T3Expiry> expired_;
  std::vector<DestinationId> acked_dests_;
};

}  // namespace sctpkit::assoc
