#include "assoc/data_sender.h"

#include <algorithm>
#include <cstring>

#include "wire/data_chunks.h"

namespace sctpkit::assoc {

namespace {

constexpr size_t kCommonHeaderSize = 12;    // RFC 9260 3.1
constexpr size_t kDataChunkHeaderSize = 16;  // RFC 9260 3.3.1: chunk header and the DATA fields
// RFC 9260 6.2: SACK at least for every second packet; what one ack-clocked SACK frees (6.1 rule 4).
constexpr size_t kMaxAckClockedPackets = 2;

RetransmissionQueueConfig rtx_config(const EndpointConfig& c) {
  RetransmissionQueueConfig r;
  r.rto.initial = c.rto_initial;
  r.rto.min = c.rto_min;
  r.rto.max = c.rto_max;
  return r;
}

SendQueueConfig queue_config(const EndpointConfig& c) {
  SendQueueConfig q;
  q.buffer_limit = c.send_buffer;
  q.low_watermark = c.send_buffer / 2;
  q.max_message_size = c.max_message_size;
  return q;
}

// RFC 9260 7.3: the largest DATA chunk (header included) that fits a packet of this size.
size_t pmdcs_for(size_t max_packet_size) { return max_packet_size - kCommonHeaderSize; }

// One TxChunk as a DATA chunk (RFC 9260 3.3.1), written straight from it into the space the
// builder reserved for the whole chunk: one bounds check per chunk. Through PacketBuilder::add and
// the Writer's checked fields (header, fixed fields, payload, padding) the writing was ~110 of the
// ~1,150 instructions the sender spends per 64 B message.
bool add_data_chunk(wire::PacketBuilder& builder, const TxChunk& c, bool immediate) {
  const uint8_t flags =
      wire::DataFlags{.unordered = c.unordered, .beginning = c.beginning, .ending = c.end, .immediate = immediate}
          .bits();
  const auto value =
      builder.reserve_chunk(wire::DataChunk::kType, flags, wire::DataChunk::kFixedSize + c.payload.size());
  if (!value) return false;
  wire::store_u32(*value, 0, c.tsn.value());
  wire::store_u16(*value, 4, c.stream.value());
  wire::store_u16(*value, 6, c.ssn.value());
  wire::store_u32(*value, 8, c.ppid.value());
  if (!c.payload.empty()) std::memcpy(value->data() + wire::DataChunk::kFixedSize, c.payload.data(), c.payload.size());
  return true;
}

}  // namespace

DataSender::DataSender(const EndpointConfig& config, wire::Tsn local_initial_tsn, uint16_t outbound_streams,
                       uint32_t peer_rwnd, PathManager& paths)
    : config_(config),
      queue_(outbound_streams, queue_config(config)),
      rtx_(local_initial_tsn, peer_rwnd, rtx_config(config)),
      // A multiple of 4, so a fragment's padded chunk is never bigger than the PMDCS: a chunk cut
      // for an empty packet always fits an empty packet again when retransmitted.
      max_fragment_payload_((pmdcs_for(config.max_packet_size) - kDataChunkHeaderSize) & ~size_t{3}) {
  for (Path& p : paths.paths()) {
    p.destination = rtx_.add_destination(pmdcs_for(p.max_packet_size));
  }
  queue_.set_outstanding_limit(peer_rwnd);
  sync_rto(paths);
}

std::vector<DataSender::DiscardedMessage> DataSender::set_outbound_streams(uint16_t count) {
  std::vector<DiscardedMessage> lost;
  if (count >= queue_.outbound_streams()) {
    queue_.set_outbound_streams(count);
    return lost;
  }
  auto hand_back = [&](wire::StreamId stream, const MessageOptions& options, const MessageRef& data) {
    const wire::Bytes bytes = data.bytes();
    lost.push_back(DiscardedMessage{stream, options.ppid, options.unordered, {bytes.begin(), bytes.end()}});
  };
  std::vector<RetransmissionQueue::DroppedChunk> dropped;
  rtx_.drop_unsent_streams(count, dropped);
  for (const auto& d : dropped) {
    if (d.data.beginning) hand_back(d.data.stream, MessageOptions{d.data.ppid, d.data.unordered}, d.data.message);
  }
  std::vector<SendQueue::Discarded> discarded;
  queue_.set_outbound_streams(count, discarded);
  for (const auto& m : discarded) {
    // A message cut off mid-fragmentation was handed back with its first fragment above.
    if (!m.partly_sent) hand_back(m.stream, m.options, m.data);
  }
  return lost;
}

std::vector<DataSender::DiscardedMessage> DataSender::take_unacknowledged_messages() {
  std::vector<DiscardedMessage> out;
  auto hand_back = [&](wire::StreamId stream, const MessageOptions& options, const MessageRef& data, bool sent) {
    const wire::Bytes bytes = data.bytes();
    out.push_back(DiscardedMessage{stream, options.ppid, options.unordered, {bytes.begin(), bytes.end()}, sent});
  };
  // RFC 9260 6.9: a message's fragments have consecutive TSNs, so the chunks between one with the
  // B bit (or the first unacknowledged, its earlier fragments acknowledged) and one with the E bit
  // are one message. One whose E chunk has not been made yet is the queue's partly sent head,
  // handed back from there below.
  const QueuedFragment* first = nullptr;
  rtx_.for_each_unacked([&](const QueuedFragment& f) {
    if (f.beginning || !first) first = &f;
    if (!f.end) return;
    hand_back(first->stream, MessageOptions{first->ppid, first->unordered}, first->message, true);
    first = nullptr;
  });
  std::vector<SendQueue::Discarded> discarded;
  queue_.set_outbound_streams(0, discarded);
  for (const auto& m : discarded) hand_back(m.stream, m.options, m.data, m.partly_sent);
  return out;
}

void DataSender::sync_rto(PathManager& paths) const {
  for (Path& p : paths.paths()) {
    if (p.destination.value() < rtx_.destination_count()) p.rto = rtx_.rto(p.destination).rto();
  }
}

DataSender::SackOutcome DataSender::on_sack(const wire::SackChunk& sack, PathManager& paths, TimePoint now) {
  gap_scratch_.clear();
  for (const wire::GapAckBlock b : sack.gap_ack_blocks) gap_scratch_.push_back(SackGapBlock{b.start, b.end});
  // RFC 9260 3.3.4: blocks SHOULD be isolated, and SACKs list them lowest first. One that does not
  // (broken or hostile) is sorted, so that overlapping blocks cost nothing twice whatever their
  // order (see RetransmissionQueue::mark_gap_blocks).
  const auto by_start = [](const SackGapBlock& a, const SackGapBlock& b) { return a.start < b.start; };
  if (!std::is_sorted(gap_scratch_.begin(), gap_scratch_.end(), by_start)) {
    std::sort(gap_scratch_.begin(), gap_scratch_.end(), by_start);
  }
  dup_scratch_.clear();
  for (const wire::Tsn t : sack.duplicate_tsns) dup_scratch_.push_back(t);
  const SackInfo info{sack.cumulative_tsn_ack, sack.a_rwnd, gap_scratch_, dup_scratch_};
  const SackResult result = rtx_.handle_sack(now, info);
  SackOutcome outcome;
  switch (result.outcome) {
    case assoc::SackOutcome::kOutOfOrder:
      return outcome;
    case assoc::SackOutcome::kAcksUnsentTsn:
      outcome.acks_unsent_tsn = true;
      return outcome;
    case assoc::SackOutcome::kProcessed:
      break;
  }
  outcome.accepted = true;
  outcome.new_data_acked = result.new_data_acked;
  counters_.bytes_sent += result.bytes_acked;
  on_data_acked(result.bytes_acked);
  counters_.fast_retransmits += result.fast_retransmits;
  // RFC 9260 8.2: acknowledged data clears the error counter of the path it was sent to.
  for (const DestinationId d : result.acked_destinations) {
    if (Path* p = paths.find(d)) paths.on_success(*p);
  }
  // A message is handed over once its last fragment is cumulatively acknowledged.
  counters_.messages_sent += result.messages_acked;
  sync_rto(paths);
  return outcome;
}

bool DataSender::on_cumulative_ack(wire::Tsn cumulative_tsn_ack, PathManager& paths, TimePoint now) {
  // RFC 9260 9.2: as a SACK with no gap blocks. The a_rwnd is chosen so that the peer's window,
  // computed as a_rwnd minus what stays outstanding, is what it was before.
  const SackInfo info{cumulative_tsn_ack,
                      static_cast<uint32_t>(std::min<size_t>(
                          size_t{rtx_.peer_rwnd()} + rtx_.outstanding_bytes(), UINT32_MAX)),
                      {}, {}};
  const SackResult result = rtx_.handle_sack(now, info);
  if (result.outcome != assoc::SackOutcome::kProcessed) return result.outcome != assoc::SackOutcome::kAcksUnsentTsn;
  counters_.bytes_sent += result.bytes_acked;
  on_data_acked(result.bytes_acked);
  for (const DestinationId d : result.acked_destinations) {
    if (Path* p = paths.find(d)) paths.on_success(*p);
  }
  if (result.new_data_acked) paths.reset_association_errors();
  // A message is handed over once its last fragment is cumulatively acknowledged.
  counters_.messages_sent += result.messages_acked;
  sync_rto(paths);
  return true;
}

size_t DataSender::write_data(wire::PacketBuilder& builder, Path& path, TimePoint now, bool new_data,
                              bool shutdown_pending) {
  if (builder.remaining() < kDataChunkHeaderSize + 4) return 0;
  // RFC 9260 6.1 rule 4: "the protocol parameter 'Max.Burst' SHOULD be used to limit the number of
  // packets sent", here by "strictly limiting the number of packets emitted by the output
  // routine" per input, so cwnd is never changed for it. A burst always has room for one packet,
  // so a fast retransmission (7.2.4), which comes first, is never held back.
  // The packets that replace what the input's SACK acknowledged are not part of the burst: the
  // rule's own formula bounds the flight at "flightsize + Max.Burst * PMDCS", and a SACK answering
  // at most every second packet (6.2) must be able to clock out that much again plus the 7.2.1
  // slow-start growth. Counting them against Max.Burst let a SACK that acknowledged two packets
  // release only Max.Burst: with Max.Burst 1 the flight shrank to one packet for good (slow start
  // needs "fully utilized" cwnd, 7.2.1), so no loss could be fast-retransmitted and every one cost
  // a backed-off T3-rtx: under 30% loss transfers crawled for hours without failing.
  if (config_.max_burst > 0 && burst_packets_ >= config_.max_burst + ack_clocked_packets_) return 0;
  const auto chunks =
      rtx_.next_packet(now, path.destination, builder.remaining(), max_fragment_payload_, queue_, new_data);
  size_t added = 0;
  // RFC 9260 6.1: the I bit "whenever the sender of a DATA chunk can benefit from the corresponding
  // SACK chunk being sent back without delay": asked for with the message, or in SHUTDOWN-PENDING.
  const TxChunk* last = chunks.empty() ? nullptr : &chunks.back();
  for (const TxChunk& c : chunks) {
    // next_packet() chose the chunks to fit `room`, so every add succeeds.
    if (!add_data_chunk(builder, c, c.sack_immediately || (shutdown_pending && &c == last))) break;
    ++added;
    ++counters_.data_chunks_sent;
    if (c.retransmission) ++counters_.retransmitted_chunks;
  }
  if (added > 0) ++burst_packets_;
  return added;
}

void DataSender::poll_idle(const Path& path, TimePoint now, size_t room) {
  // The gates of write_data, in its order: past them next_packet() would only decay the window.
  if (room < kDataChunkHeaderSize + 4) return;
  if (config_.max_burst > 0 && burst_packets_ >= config_.max_burst + ack_clocked_packets_) return;
  rtx_.poll_idle(now, path.destination);
}

void DataSender::on_data_acked(size_t bytes_acked) {
  // RFC 9260 6.2: a receiver acknowledges at least every second packet, so an ack-clocked SACK
  // takes at most two packets out of flight; a SACK acknowledging more (a cumulative jump after a
  // loss was repaired) releases its data as a burst, which Max.Burst still bounds (6.1 rule 4).
  if (bytes_acked == 0 || max_fragment_payload_ == 0) return;
  const size_t packets = (bytes_acked + max_fragment_payload_ - 1) / max_fragment_payload_;
  ack_clocked_packets_ = static_cast<int>(
      std::min<size_t>(kMaxAckClockedPackets, static_cast<size_t>(ack_clocked_packets_) + packets));
}

Path* DataSender::alternate_retransmission_path(PathManager& paths, const Path& data_path) const {
  const auto to = rtx_.redirected_destination();
  if (!to || *to == data_path.destination) return nullptr;
  return paths.find(*to);
}

std::optional<TimePoint> DataSender::next_deadline() const { return rtx_.next_deadline(); }

void DataSender::on_timeout(PathManager& paths, TimePoint now, bool& failed) {
  failed = false;
  // RFC 9260 6.3.3 E1-E3: the queue backs off the RTO, collapses cwnd (7.2.3) and marks the
  // destination's outstanding chunks for retransmission.
  for (const T3Expiry& e : rtx_.handle_timeout(now)) {
    ++counters_.t3_expirations;
    // RFC 9260 6.1 A: unanswered zero window probes do not count against the peer while it keeps
    // answering with SACKs.
    if (e.zero_window_probe) continue;
    Path* p = paths.find(e.destination);
    if (!p) continue;
    // RFC 9260 8.1 / 8.2: each expiry counts against the path and the association.
    failed = paths.on_timeout(*p, now) || failed;
    // RFC 9260 6.4: "retransmit a chunk that timed out to an active destination transport address
    // that is different from the last destination address to which the chunk was sent"; 6.4.1:
    // with the path now inactive that is where new data goes too.
    const Path& alternate = paths.retransmission_destination(p->address);
    rtx_.redirect_marked(e.destination, alternate.destination);
  }
  sync_rto(paths);
}

void DataSender::on_rtt_sample(Path& path, Duration rtt) {
  if (path.destination.value() >= rtx_.destination_count()) return;
  rtx_.rto(path.destination).add_measurement(rtt);
  path.rto = rtx_.rto(path.destination).rto();
}

Duration DataSender::rto(const Path& path) const {
  if (path.destination.value() >= rtx_.destination_count()) return config_.rto_initial;
  return rtx_.rto(path.destination).rto();
}

void DataSender::back_off(Path& path) {
  if (path.destination.value() >= rtx_.destination_count()) return;
  rtx_.rto(path.destination).back_off();
  path.rto = rtx_.rto(path.destination).rto();
}

bool DataSender::idle() const { return queue_.empty() && rtx_.all_acked(); }

std::optional<size_t> DataSender::take_space_available() {
  if (!queue_.take_space_available()) return std::nullopt;
  return config_.send_buffer - std::min(config_.send_buffer, queue_.buffered_bytes());
}

void DataSender::fill_status(AssociationStatus& status) const {
  status.peer_rwnd = rtx_.peer_rwnd();
  status.bytes_in_flight = static_cast<uint32_t>(std::min<size_t>(rtx_.outstanding_bytes(), UINT32_MAX));
  status.unacked_chunks = static_cast<uint32_t>(rtx_.unacked_chunks());
  status.queued_bytes = queue_.buffered_bytes();
  AssociationCounters& c = status.counters;
  c.messages_sent += counters_.messages_sent;
  c.bytes_sent += counters_.bytes_sent;
  c.data_chunks_sent += counters_.data_chunks_sent;
  c.retransmitted_chunks += counters_.retransmitted_chunks;
  c.fast_retransmits += counters_.fast_retransmits;
  c.t3_expirations += counters_.t3_expirations;
}

void DataSender::fill_path_status(PathStatus& status, const Path& path) const {
  if (path.destination.value() >= rtx_.destination_count()) return;
  const RtoEstimator& rto = rtx_.rto(path.destination);
  status.srtt = rto.has_measurement() ? rto.srtt() : Duration{};
  status.rttvar = rto.has_measurement() ? rto.rttvar() : Duration{};
  status.rto = rto.rto();
  const CongestionControl& cc = rtx_.congestion(path.destination);
  status.cwnd = static_cast<uint32_t>(std::min<size_t>(cc.cwnd(), UINT32_MAX));
  status.ssthresh = static_cast<uint32_t>(std::min<size_t>(cc.ssthresh(), UINT32_MAX));
  status.flight_size = static_cast<uint32_t>(rtx_.flight_size(path.destination));
}

}  // namespace sctpkit::assoc
