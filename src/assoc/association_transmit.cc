// Packet assembly: what the association sends next, in the order RFC 9260 wants it (INIT and
// COOKIE ECHO alone, ABORT without DATA, control chunks before SACK before DATA, 6.10).
#include <algorithm>

#include "assoc/association.h"
#include "wire/control_chunks.h"
#include "wire/parameter_list.h"
#include "wire/parameters.h"

namespace sctpkit::assoc {

std::optional<Transmit> Association::poll_transmit(TimePoint now, wire::MutableBytes buffer) {
  auto ship = [&](wire::MutableBytes packet, const wire::IpAddress& to) {
    ++counters_.packets_sent;
    return Transmit{source_for(to), to, packet};
  };
  // A prebuilt answer leaves whole or not at all: one that does not fit this buffer stays queued
  // for a call with room (as the endpoint's stateless answers do), and the packets built below,
  // which fit any buffer, go meanwhile. The queue is short (kMaxPrebuilt).
  size_t index = 0;
  for (const OwnedPacket& p : prebuilt_) {
    if (p.bytes.size() <= buffer.size()) break;
    ++index;
  }
  if (index < prebuilt_.size()) {
    // To the front, the others keeping their order, and out.
    std::rotate(prebuilt_.begin(), prebuilt_.begin() + static_cast<std::ptrdiff_t>(index),
                prebuilt_.begin() + static_cast<std::ptrdiff_t>(index + 1));
    const OwnedPacket& p = prebuilt_.front();
    std::copy(p.bytes.begin(), p.bytes.end(), buffer.begin());
    const Transmit t{p.source, p.destination, buffer.first(p.bytes.size())};
    prebuilt_.pop_front();
    ++counters_.packets_sent;
    return t;
  }
  const size_t limit = std::min(buffer.size(), config_.max_packet_size);
  if (nothing_to_transmit(now)) {
    // What the full pass below would have done: a data sender with nothing queued still decays
    // its idle window (RFC 9260 7.2.1).
    if (sender_) sender_->poll_idle(paths_->data_destination(), now, limit - std::min(limit, wire::kCommonHeaderSize));
    return std::nullopt;
  }
  const wire::IpAddress primary = paths_->primary().address;
  if (abort_causes_) {
    // RFC 9260 9.1: the ABORT carries the peer's tag and no DATA.
    wire::PacketBuilder builder(buffer, limit, {local_port_, peer_port_, peer_tag_, 0});
    builder.add(wire::AbortChunk{false, *abort_causes_});
    abort_causes_.reset();
    return ship(builder.finish(), primary);
  }
  if (send_shutdown_complete_) {
    // RFC 9260 8.5.1 C: with a TCB, our peer's tag and no T bit.
    send_shutdown_complete_ = false;
    wire::PacketBuilder builder(buffer, limit, {local_port_, peer_port_, peer_tag_, 0});
    builder.add(wire::ShutdownCompleteChunk{false});
    return ship(builder.finish(), primary);
  }
  if (closed_) return std::nullopt;

  if (state_ == AssociationState::CookieWait) {
    if (!send_init_) return std::nullopt;
    send_init_ = false;
    // RFC 9260 5.1: retransmissions of INIT SHOULD use all addresses of the peer.
    auto all = paths_->paths();
    const wire::IpAddress to = all[static_cast<size_t>(active_open_->t1_retransmits) % all.size()].address;
    InitOffer offer{local_tag_, config_.receive_buffer, requested_outbound_streams_, config_.max_inbound_streams,
                    local_initial_tsn_};
    OwnedPacket init = build_init({local_address_, to, local_port_, peer_port_}, offer, config_.local_addresses,
                                  active_open_->cookie_preservative_ms);
    if (init.bytes.size() > buffer.size()) return std::nullopt;
    std::copy(init.bytes.begin(), init.bytes.end(), buffer.begin());
    return ship(buffer.first(init.bytes.size()), to);
  }
  if (state_ == AssociationState::CookieEchoed) {
    if (!send_cookie_echo_) return std::nullopt;
    send_cookie_echo_ = false;
    // RFC 9260 5.1 step 3: COOKIE ECHO first; until COOKIE ACK nothing else goes out, except the
    // ERROR that reports INIT ACK parameters we did not recognise (3.2.2), which follows it.
    wire::PacketBuilder builder(buffer, limit, {local_port_, peer_port_, peer_tag_, 0});
    builder.add(wire::CookieEchoChunk{active_open_->cookie});
    while (!errors_.empty() && builder.add(wire::ErrorChunk{errors_.front()})) errors_.pop_front();
    // RFC 9260 5.1: "The COOKIE ECHO chunk can be bundled with any pending outbound DATA chunks,
    // but it MUST be the first chunk in the packet": queued data rides along where it fits (and
    // waits for ESTABLISHED where it does not). A resent COOKIE ECHO carries it again once T3-rtx
    // has marked it.
    if (sender_ && sender_->write_data(builder, paths_->primary(), now) > 0) {
      paths_->on_data_sent(paths_->primary(), now);
    }
    return ship(builder.finish(), primary);
  }

  if (!heartbeat_acks_.empty()) {
    HeartbeatReply reply = std::move(heartbeat_acks_.front());
    heartbeat_acks_.pop_front();
    wire::PacketBuilder builder(buffer, limit, {local_port_, peer_port_, peer_tag_, 0});
    if (!builder.add(wire::HeartbeatAckChunk{reply.info})) return std::nullopt;
    ++counters_.packets_sent;
    return Transmit{reply.source, reply.destination, builder.finish()};
  }
  // The COOKIE ACK first: a peer still in COOKIE-ECHOED may discard a HEARTBEAT (5.4 probes an
  // UNCONFIRMED address as soon as the association is established).
  if (heartbeats_run() && !send_cookie_ack_) {
    bool failed = false;
    if (auto request = paths_->poll_heartbeat(now, failed)) {
      std::vector<uint8_t> info(wire::padded4(4 + request->info_size));
      wire::TlvListBuilder list(info);
      list.add(wire::HeartbeatInfo{wire::Bytes(request->info.data(), request->info_size)});
      wire::PacketBuilder builder(buffer, limit, {local_port_, peer_port_, peer_tag_, 0});
      builder.add(wire::HeartbeatChunk{list.bytes()});
      ++counters_.heartbeats_sent;
      return ship(builder.finish(), request->destination);
    }
    if (failed) {
      send_abort_and_close({}, CloseReason::PeerUnreachable, "peer unreachable: heartbeats unanswered");
      return poll_transmit(now, buffer);
    }
  }

  const bool data_allowed = state_ == AssociationState::Established ||
                            state_ == AssociationState::ShutdownPending ||
                            state_ == AssociationState::ShutdownReceived;
  Path& data_path = paths_->data_destination();
  if (sender_ && data_allowed) {
    // RFC 9260 6.4: chunks that timed out go to an alternate active address, in packets of their
    // own (new data stays on the primary).
    if (Path* alternate = sender_->alternate_retransmission_path(*paths_, data_path)) {
      wire::PacketBuilder builder(buffer, limit, {local_port_, peer_port_, peer_tag_, 0});
      if (sender_->write_data(builder, *alternate, now, /*new_data=*/false,
                              state_ == AssociationState::ShutdownPending) > 0) {
        return ship(builder.finish(), alternate->address);
      }
    }
  }

  // The main packet: control chunks first (RFC 9260 6.10), then a SACK, then DATA.
  const bool sack_now = receiver_ && receiver_->sack_due(now);
  // RFC 9260 6.4: the SACK goes where the DATA came from; 5.4: unless that address is UNCONFIRMED.
  const Path* sack_path = (sack_now && sack_destination_) ? paths_->find(*sack_destination_) : nullptr;
  const wire::IpAddress to = (sack_path && sack_path->confirmed) ? sack_path->address : data_path.address;
  wire::PacketBuilder builder(buffer, limit, {local_port_, peer_port_, peer_tag_, 0});
  if (send_cookie_ack_ && builder.add(wire::CookieAckChunk{})) send_cookie_ack_ = false;
  while (!errors_.empty() && builder.add(wire::ErrorChunk{errors_.front()})) errors_.pop_front();
  if (send_shutdown_ack_ && builder.add(wire::ShutdownAckChunk{})) send_shutdown_ack_ = false;
  bool force_sack = false;
  if (send_shutdown_ && state_ == AssociationState::ShutdownSent) {
    // RFC 9260 9.2: SHUTDOWN carries our cumulative TSN; a SACK goes with it when there are gaps.
    if (builder.add(wire::ShutdownChunk{receiver_->tsn_map().cumulative_tsn()})) {
      send_shutdown_ = false;
      force_sack = receiver_->tsn_map().has_gaps() || !receiver_->tsn_map().duplicates().empty();
    }
  }
  if (receiver_ && (sack_now || force_sack)) {
    if (write_sack(builder)) ++counters_.sacks_sent;
  }
  if (sender_ && data_allowed && to == data_path.address) {
    const size_t added =
        sender_->write_data(builder, data_path, now, /*new_data=*/true, state_ == AssociationState::ShutdownPending);
    if (added > 0) paths_->on_data_sent(data_path, now);
  }
  if (builder.empty()) return std::nullopt;
  return ship(builder.finish(), to);
}

bool Association::nothing_to_transmit(TimePoint now) const {
  // A receiver polls after every DATA packet and answers only every second one (RFC 9260 6.2), and
  // the full pass below cost ~480 instructions when it found nothing. Only ESTABLISHED with no
  // flag raised qualifies: every other state has chunks of its own to send. The prebuilt queue
  // was found empty above.
  if (state_ != AssociationState::Established || closed_ || abort_causes_ || send_shutdown_complete_) return false;
  if (send_cookie_ack_ || send_shutdown_ || send_shutdown_ack_ || !errors_.empty() || !heartbeat_acks_.empty())
    return false;
  if (receiver_ && receiver_->sack_due(now)) return false;
  if (sender_ && !sender_->nothing_to_write()) return false;
  // RFC 9260 8.3: a HEARTBEAT, or an unanswered one's timeout, due by the clock (poll_heartbeat's
  // two conditions are those of PathManager::next_deadline).
  const std::optional<TimePoint> heartbeat = paths_->next_deadline();
  return !heartbeat || *heartbeat > now;
}

wire::IpAddress Association::source_for(const wire::IpAddress& to) const {
  for (const Path& p : paths_->paths()) {
    if (p.address == to && p.local_source) return *p.local_source;
  }
  // RFC 9260 6.4: a multi-homed host sends to a peer address it has not heard from yet from
  // whichever of its addresses routing picks (the unset "any" address); it listed them all.
  if (config_.local_addresses.size() > 1) return wire::IpAddress{};
  return local_address_;
}

bool Association::write_sack(wire::PacketBuilder& builder) {
  if (builder.remaining() < wire::kChunkHeaderSize + wire::SackChunk::kFixedSize) return false;
  SackScratch& scratch = services_.sack_scratch;
  const SackContent content = receiver_->make_sack(builder.remaining(), scratch.gaps, scratch.duplicates);
  scratch.wire_gaps.clear();
  for (const GapAckBlock& b : content.gap_blocks) scratch.wire_gaps.push_back(wire::GapAckBlock{b.start, b.end});
  const wire::SackChunk sack{content.cumulative_tsn_ack, content.a_rwnd,
                             wire::WireList<wire::GapAckBlock>::of(scratch.wire_gaps),
                             wire::WireList<wire::Tsn>::of(content.duplicate_tsns)};
  if (!builder.add(sack)) return false;
  receiver_->on_sack_sent(content);
  return true;
}

}  // namespace sctpkit::assoc
