// The sending half of an association's data transfer: RFC 9260 6.1 (transmission rules), 6.2.1
// (processing a SACK), 6.3 (T3-rtx), 7 (congestion control). Built on tx/SendQueue and
// tx/RetransmissionQueue, which owns RTO and congestion state per destination; each Path of the
// PathManager is registered there as one destination when the sender is made.
#pragma once

#include <cstdint>
#include <optional>
#include <utility>
#include <vector>

#include "assoc/clock.h"
#include "assoc/config.h"
#include "assoc/endpoint.h"
#include "assoc/path_manager.h"
#include "assoc/status.h"
#include "assoc/tx/retransmission_queue.h"
#include "assoc/tx/ring.h"
#include "assoc/tx/send_queue.h"
#include "wire/packet.h"
#include "wire/sack_chunks.h"
#include "wire/types.h"

namespace sctpkit::assoc {

class DataSender {
 public:
  // Registers every path of `paths` as a destination (and writes its DestinationId into it).
  DataSender(const EndpointConfig& config, wire::Tsn local_initial_tsn, uint16_t outbound_streams,
             uint32_t peer_rwnd, PathManager& paths);

  // Inline: one call frame less per message sent.
  SendResult send(wire::Bytes message, wire::StreamId stream, wire::Ppid ppid, bool unordered) {
    return to_send_result(queue_.send(stream, message, MessageOptions{ppid, unordered}));
  }
  // Same, taking over a buffer the caller filled (no copy).
  SendResult send(std::vector<uint8_t>&& message, wire::StreamId stream, wire::Ppid ppid, bool unordered) {
    return to_send_result(queue_.send(stream, std::move(message), MessageOptions{ppid, unordered}));
  }
  std::vector<uint8_t> take_send_buffer() { return queue_.take_buffer(); }
  // RFC 9260 6.1 / 11.1 sack-immediately: the I bit on the last DATA chunk of the message sent last;
  // false if it has already left the queue (its chunks are out).
  bool mark_last_sack_immediately() { return queue_.mark_last_sack_immediately(); }


  struct SackOutcome {
    bool accepted = false;        // false: stale (cum ack behind ours) or bogus, ignored (6.2.1)
    bool new_data_acked = false;  // RFC 9260 8.1: resets the association error counter
    // RFC 9260 12: the SACK acknowledges a TSN never sent; the association must be aborted.
    bool acks_unsent_tsn = false;
  };
  SackOutcome on_sack(const wire::SackChunk& sack, PathManager& paths, TimePoint now);

  // RFC 9260 9.2: a SHUTDOWN's Cumulative TSN Ack, processed like a SACK without gap blocks that
  // leaves the peer's rwnd as it was. Returns false when it acknowledges a TSN never sent.
  bool on_cumulative_ack(wire::Tsn cumulative_tsn_ack, PathManager& paths, TimePoint now);

  // Appends DATA chunks for a packet to `path`: retransmissions first, then new data, within cwnd
  // and the peer's rwnd (6.1 rules A-C, including one zero-window probe). Returns chunks added.
  // With `new_data` false, only retransmissions (a packet to an alternate destination, 6.4).
  // RFC 9260 6.1 rule 4: at most Max.Burst packets with DATA per burst (see begin_burst()).
  // `shutdown_pending`: the association is in SHUTDOWN-PENDING, where the packet's last DATA chunk
  // asks for an immediate SACK (6.1: the SHUTDOWN waits for it).
  size_t write_data(wire::PacketBuilder& builder, Path& path, TimePoint now, bool new_data = true,
                    bool shutdown_pending = false);
  // Nothing queued and nothing marked for retransmission: write_data would add no chunk.
  [[nodiscard]] bool nothing_to_write() const { return queue_.empty() && rtx_.chunks_to_retransmit() == 0; }
  // write_data's whole effect while nothing_to_write(), for a packet with `room` bytes free.
  void poll_idle(const Path& path, TimePoint now, size_t room);
  // A new burst begins: an input (packet, timer, user call) may let a packet train out.
  void begin_burst() {
    burst_packets_ = 0;
    ack_clocked_packets_ = 0;
  }
  // RFC 9260 6.4: a path other than `data_path` that chunks which timed out wait for.
  Path* alternate_retransmission_path(PathManager& paths, const Path& data_path) const;
  // Whether write_data might add anything for `path` now (cheap; may say yes when the packet then
  // turns out to be empty, never no when it would not be). Inline: asked at every send() while
  // the window is full.
  [[nodiscard]] bool wants_to_send(const Path& path) const {
    if (queue_.empty() && rtx_.chunks_to_retransmit() == 0) return false;
    if (path.destination.value() >= rtx_.destination_count()) return false;
    return rtx_.chunks_to_retransmit() > 0 || rtx_.congestion(path.destination).can_send(rtx_.flight_size(path.destination));
  }

  // T3-rtx timers (6.3.2) and the zero window probe timer (6.1 A).
  [[nodiscard]] std::optional<TimePoint> next_deadline() const;
  // RFC 9260 6.3.3: on T3-rtx expiry, back off, mark for retransmission, count path errors.
  // Sets `failed` when the association error limit is exceeded.
  void on_timeout(PathManager& paths, TimePoint now, bool& failed);

  // RFC 9260 5.2.4 step 3 / 5.2.6: the peer discarded the packet our DATA rode in (a COOKIE ECHO
  // it found stale): what is in flight goes again with the next packet, without T3-rtx's penalties.
  void resend_discarded() { rtx_.mark_discarded_for_retransmission(); }

  // A user message the sender gave up on, handed back whole.
  struct DiscardedMessage {
    wire::StreamId stream;
    wire::Ppid ppid;
    bool unordered = false;
    std::vector<uint8_t> data;
    bool may_have_arrived = false;  // some chunk of it was sent (RFC 6458 6.1.11 SCTP_DATA_SENT)
  };
  // RFC 9260 5.2.6 / 5.1.1: a Stale Cookie retry's INIT ACK granted `count` outbound streams, not
  // the number the sender was made with. Only before any SACK. Fewer: the messages on the streams
  // gone, queued or already sent (the peer discarded those), are handed back, and the DATA left
  // goes again with consecutive TSNs from the first. More: everything is kept.
  std::vector<DiscardedMessage> set_outbound_streams(uint16_t count);
  // RFC 9260 11.2.2 / 11.1 (Receive Unsent Message, Receive Unacknowledged Message): the
  // association is ending or restarting, so every message the peer has not cumulatively
  // acknowledged goes back whole, a copy. First those with chunks sent (may_have_arrived: gap-acked
  // ones too, the peer may renege, 6.2.1; a message cut in fragments, some sent, whole), in TSN
  // order; then those of which no chunk left, taken out of the queue stream by stream, each
  // stream's in the order sent (the queue keeps no order across streams). The sender sends nothing
  // more after it (it has no streams left). Only when the association ends: it walks everything.
  std::vector<DiscardedMessage> take_unacknowledged_messages();

  // RFC 9260 6.2.1 C1 / 5.2.6: the a_rwnd of the INIT ACK answering a Stale Cookie retry.
  void reset_peer_rwnd(uint32_t a_rwnd) {
    rtx_.reset_peer_rwnd(a_rwnd);
    queue_.set_outstanding_limit(a_rwnd);
  }

  // RFC 9260 8.3: an RTT measured by a HEARTBEAT ACK feeds the path's RTO estimator.
  void on_rtt_sample(Path& path, Duration rtt);
  // The path's RTO, and its back-off (T2-shutdown follows the 6.3.3 rules too).
  [[nodiscard]] Duration rto(const Path& path) const;
  void back_off(Path& path);

  // Nothing queued and nothing outstanding: RFC 9260 9.2 may proceed with SHUTDOWN.
  [[nodiscard]] bool idle() const;
  [[nodiscard]] size_t queued_bytes() const { return queue_.buffered_bytes(); }
  // A send() returned WouldBlock and there is room again (once per such episode).
  std::optional<size_t> take_space_available();
  void fill_status(AssociationStatus& status) const;
  // RTO, SRTT, RTTVAR, cwnd, ssthresh and flight size of `path`.
  void fill_path_status(PathStatus& status, const Path& path) const;

  [[nodiscard]] const RetransmissionQueue& retransmissions() const { return rtx_; }

 private:
  static SendResult to_send_result(SendStatus status) {
    switch (status) {
      case SendStatus::kOk: return SendResult::Ok;
      case SendStatus::kEmptyMessage: return SendResult::EmptyMessage;
      case SendStatus::kInvalidStream: return SendResult::InvalidStream;
      case SendStatus::kMessageTooLarge: return SendResult::MessageTooLarge;
      case SendStatus::kBufferFull: return SendResult::WouldBlock;
    }
    return SendResult::WouldBlock;
  }
  void sync_rto(PathManager& paths) const;

  const EndpointConfig& config_;
  SendQueue queue_;
  RetransmissionQueue rtx_;
  size_t max_fragment_payload_;
  // Reused SACK conversion buffers: no allocation per SACK once they have grown.
  std::vector<SackGapBlock> gap_scratch_;
  std::vector<wire::Tsn> dup_scratch_;
  // The part of AssociationCounters the sender keeps (fill_status() adds them in): an idle
  // association carries no unused counters (issue 5's memory budget).
  struct Counters {
    uint64_t messages_sent = 0;
    uint64_t bytes_sent = 0;
    uint64_t data_chunks_sent = 0;
    uint64_t retransmitted_chunks = 0;
    uint64_t fast_retransmits = 0;
    uint64_t t3_expirations = 0;
  };
  Counters counters_;
  int burst_packets_ = 0;
  // Packets' worth of data this input's SACKs took out of flight (at most kMaxAckClockedPackets):
  // sending that much again is the ack clock, not a burst (see write_data()).
  int ack_clocked_packets_ = 0;
  void on_data_acked(size_t bytes_acked);
};

}  // namespace sctpkit::assoc
