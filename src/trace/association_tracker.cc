#include "trace/association_tracker.h"

#include <algorithm>

#include "trace/chunk_label.h"
#include "wire/chunk.h"

namespace sctpkit::trace {
namespace {

Endpoint endpoint_of(const IpInfo& ip, bool source, uint16_t port) {
  const uint8_t* bytes = source ? ip.source.data() : ip.destination.data();
  return {ip.version == IpVersion::V4 ? wire::IpAddress::v4(bytes) : wire::IpAddress::v6(bytes), port};
}

// The first chunk's type, if its header was captured.
std::optional<uint8_t> first_chunk_type(wire::Bytes chunks) {
  if (chunks.size() < wire::kChunkHeaderSize) return std::nullopt;
  return chunks[0];
}

void note_address(const wire::IpAddress& address, const Endpoint& primary, std::vector<wire::IpAddress>& others) {
  if (address == primary.address) return;
  if (std::find(others.begin(), others.end(), address) == others.end()) others.push_back(address);
}

}  // namespace

std::string Endpoint::to_string() const { return address.to_string() + "." + std::to_string(port); }

int64_t microseconds_between(const Timestamp& from, const Timestamp& to) {
  return (to.seconds - from.seconds) * 1000000 + (to.microseconds - from.microseconds);
}

std::optional<TrackedPacket> AssociationTracker::find(const Endpoint& source, const Endpoint& destination,
                                                      uint32_t tag) const {
  for (size_t i = summaries_.size(); i-- > 0;) {
    const AssociationSummary& s = summaries_[i];
    if (s.a == source && s.b == destination) return TrackedPacket{i, Direction::AtoB};
    if (s.a == destination && s.b == source) return TrackedPacket{i, Direction::BtoA};
    // RFC 9260 6.4: a multi-homed peer sends from and to other addresses of the same association;
    // the ports and the receiver's verification tag still identify it (RFC 9260 8.5).
    if (tag != 0 && s.a.port == source.port && s.b.port == destination.port && s.tag_b == tag) {
      return TrackedPacket{i, Direction::AtoB};
    }
    if (tag != 0 && s.b.port == source.port && s.a.port == destination.port && s.tag_a == tag) {
      return TrackedPacket{i, Direction::BtoA};
    }
  }
  return std::nullopt;
}

std::optional<TrackedPacket> AssociationTracker::on_frame(const Frame& frame) {
  if (!start_) start_ = frame.timestamp;
  const bool later_fragment = frame.ip.fragment_offset != 0;
  auto header = wire::parse_common_header(frame.sctp);
  if (later_fragment || !header) {
    ++unattributed_;
    return std::nullopt;
  }
  const Endpoint source = endpoint_of(frame.ip, true, header->source_port);
  const Endpoint destination = endpoint_of(frame.ip, false, header->destination_port);
  const uint32_t tag = header->verification_tag.value();
  const size_t end = std::min<size_t>(frame.sctp.size(), std::max<size_t>(frame.sctp_length, wire::kCommonHeaderSize));
  const wire::Bytes chunks = frame.sctp.subspan(wire::kCommonHeaderSize, end - wire::kCommonHeaderSize);

  auto found = find(source, destination, tag);
  const bool init = first_chunk_type(chunks) == wire::to_u8(wire::ChunkType::Init);
  // RFC 9260 5.1: an INIT after the previous association ended begins a new one; an INIT while
  // one is open is a retransmission, a collision or a restart of that association (5.2).
  if (!found || (init && summaries_[found->association].end != EndKind::Open)) {
    AssociationSummary s;
    s.id = summaries_.size() + 1;
    s.a = source;
    s.b = destination;
    s.first = frame.timestamp;
    summaries_.push_back(std::move(s));
    states_.emplace_back();
    found = TrackedPacket{summaries_.size() - 1, Direction::AtoB};
  }
  AssociationSummary& s = summaries_[found->association];
  s.last = frame.timestamp;
  const bool a_sent = found->direction == Direction::AtoB;
  note_address(source.address, a_sent ? s.a : s.b, a_sent ? s.other_addresses_a : s.other_addresses_b);
  note_address(destination.address, a_sent ? s.b : s.a, a_sent ? s.other_addresses_b : s.other_addresses_a);
  DirectionStats& stats = s.stats[static_cast<size_t>(found->direction)];
  ++stats.packets;
  stats.bytes += frame.sctp_length;
  // Joined after the handshake: learn the receiver's tag from what is sent to it (RFC 9260 8.5).
  // INIT carries 0, and a T bit reflects the sender's own tag, so neither teaches anything.
  auto& receiver_tag = found->direction == Direction::AtoB ? s.tag_b : s.tag_a;
  if (!receiver_tag && tag != 0 && !init) {
    const bool reflected = chunks.size() >= wire::kChunkHeaderSize && (chunks[1] & wire::kFlagTagReflected) != 0 &&
                           (chunks[0] == wire::AbortChunk::kType || chunks[0] == wire::ShutdownCompleteChunk::kType);
    if (!reflected) receiver_tag = tag;
  }
  count_chunks(found->association, found->direction, frame, chunks);
  return found;
}

void AssociationTracker::count_chunks(size_t index, Direction direction, const Frame& frame, wire::Bytes chunks) {
  AssociationSummary& s = summaries_[index];
  State& state = states_[index];
  DirectionStats& stats = s.stats[static_cast<size_t>(direction)];
  auto& sender_tag = direction == Direction::AtoB ? s.tag_a : s.tag_b;
  bool malformed = false;
  // A packet cut by the snapshot length (tcpdump -s 96) or the first of several IP fragments ends
  // inside a chunk: that is the capture, not the sender, so it does not count as malformed.
  const bool not_whole = frame.sctp.size() < frame.sctp_length || frame.ip.more_fragments;
  auto count_data = [&](wire::Tsn tsn, wire::DataFlags flags, size_t size) {
    ++stats.data_chunks;
    // RFC 9260 6.3.3: a retransmission reuses the TSN, so a TSN seen twice in one direction is one.
    if (!state.sent_tsns[static_cast<size_t>(direction)].insert(tsn.value()).second) {
      ++stats.retransmitted_tsns;
      return;
    }
    stats.user_bytes += size;
    if (flags.ending) ++stats.messages;
  };
  wire::ChunkReader reader(chunks);
  while (auto raw = reader.next()) {
    if (!*raw) {
      malformed = !not_whole;
      break;
    }
    auto parsed = wire::parse_chunk(**raw);
    if (!parsed) {
      malformed = true;
      continue;
    }
    const wire::Chunk& chunk = *parsed;
    if (auto* c = std::get_if<wire::DataChunk>(&chunk)) {
      count_data(c->tsn, c->data_flags, c->user_data.size());
    } else if (auto* c = std::get_if<wire::IDataChunk>(&chunk)) {
      count_data(c->tsn, c->data_flags, c->user_data.size());
    } else if (auto* c = std::get_if<wire::InitChunk>(&chunk)) {
      s.saw_init = true;
      sender_tag = c->initiate_tag.value();
      state.pending_init = {frame.timestamp, direction};
    } else if (auto* c = std::get_if<wire::InitAckChunk>(&chunk)) {
      sender_tag = c->initiate_tag.value();
      if (state.pending_init && state.pending_init->second != direction && !s.init_rtt_us) {
        s.init_rtt_us = microseconds_between(state.pending_init->first, frame.timestamp);
      }
    } else if (std::holds_alternative<wire::CookieEchoChunk>(chunk)) {
      state.pending_cookie = {frame.timestamp, direction};
    } else if (std::holds_alternative<wire::CookieAckChunk>(chunk)) {
      if (state.pending_cookie && state.pending_cookie->second != direction && !s.cookie_rtt_us) {
        s.cookie_rtt_us = microseconds_between(state.pending_cookie->first, frame.timestamp);
      }
    } else if (auto* c = std::get_if<wire::SackChunk>(&chunk)) {
      ++stats.sacks;
      if (!c->gap_ack_blocks.empty()) ++stats.gap_reports;
      stats.duplicate_tsns += c->duplicate_tsns.size();
    } else if (auto* c = std::get_if<wire::NrSackChunk>(&chunk)) {
      ++stats.sacks;
      if (!c->gap_ack_blocks.empty() || !c->nr_gap_ack_blocks.empty()) ++stats.gap_reports;
      stats.duplicate_tsns += c->duplicate_tsns.size();
    } else if (std::holds_alternative<wire::HeartbeatChunk>(chunk)) {
      ++stats.heartbeats;
    } else if (std::holds_alternative<wire::HeartbeatAckChunk>(chunk)) {
      ++stats.heartbeat_acks;
    } else if (std::holds_alternative<wire::ShutdownChunk>(chunk)) {
      if (!s.shutdown_by) s.shutdown_by = direction;
    } else if (std::holds_alternative<wire::ShutdownCompleteChunk>(chunk)) {
      // RFC 9260 9.2: SHUTDOWN COMPLETE ends a graceful close.
      if (s.end == EndKind::Open) {
        s.end = EndKind::ShutdownComplete;
        s.ended_by = direction;
        s.end_time = frame.timestamp;
      }
    } else if (auto* c = std::get_if<wire::AbortChunk>(&chunk)) {
      // RFC 9260 9.1: ABORT ends the association at once; its causes say why.
      if (s.end == EndKind::Open) {
        s.end = EndKind::Abort;
        s.ended_by = direction;
        s.end_time = frame.timestamp;
        s.abort_causes = describe_causes(c->causes);
      }
    }
  }
  if (malformed) ++stats.malformed;
}

}  // namespace sctpkit::trace
