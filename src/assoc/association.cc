#include "assoc/association.h"

#include <algorithm>
#include <cassert>
#include <optional>
#include <string>

#include "wire/control_chunks.h"
#include "wire/error_causes.h"
#include "wire/parameter_list.h"
#include "wire/parameters.h"

namespace sctpkit::assoc {

namespace {

template <typename Queue, typename T>
void push_bounded(Queue& queue, T item, size_t limit) {
  // A peer that makes us answer faster than we send must not grow our memory: drop the oldest.
  if (queue.size() >= limit) queue.pop_front();
  queue.push_back(std::move(item));
}

RtoConfig rto_config(const EndpointConfig& c) {
  RtoConfig r;
  r.initial = c.rto_initial;
  r.min = c.rto_min;
  r.max = c.rto_max;
  return r;
}

}  // namespace

Association::Association(AssociationId id, const EndpointServices& services, const ConnectRequest& request,
                         TimePoint now)
    : services_(services), config_(services.config), id_(id),
      active_open_(std::make_unique<ActiveOpen>(rto_config(services.config))) {
  local_port_ = request.local_port.value_or(config_.local_port);
  peer_port_ = request.remote_port;
  // RFC 9260 5.3.1: random tags and initial TSN, never a zero tag.
  local_tag_ = wire::VerificationTag(services_.random.next_nonzero_u32());
  local_initial_tsn_ = wire::Tsn(services_.random.next_u32());
  requested_outbound_streams_ = request.outbound_streams.value_or(config_.outbound_streams);
  active_open_->connect_addresses = request.remote_addresses;
  // RFC 9260 5.4 rule 1: the addresses the user asked for are CONFIRMED.
  paths_.emplace(config_, active_open_->connect_addresses, active_open_->connect_addresses.front(),
                 active_open_->connect_addresses, services_.random, now);
  // RFC 9260 5.1 step 1: send INIT, start T1-init, enter COOKIE-WAIT.
  state_ = AssociationState::CookieWait;
  send_init_ = true;
  active_open_->t1_started = now;
  restart_t1(now);
}

Association::Association(AssociationId id, const EndpointServices& services, const CookieContents& cookie,
                         const wire::InitChunk& peer_init, std::vector<wire::IpAddress> peer_addresses,
                         const wire::IpAddress& local_address, TimePoint now)
    : services_(services), config_(services.config), id_(id) {
  local_port_ = cookie.local_port;
  peer_port_ = cookie.peer_port;
  local_tag_ = cookie.local_tag;
  peer_tag_ = cookie.peer_tag;
  local_initial_tsn_ = cookie.local_initial_tsn;
  requested_outbound_streams_ = cookie.local_outbound_streams;
  local_address_ = local_address;
  // RFC 9260 5.4 rule 2: only the address our INIT ACK went to (the INIT's source) is CONFIRMED.
  paths_.emplace(config_, peer_addresses, cookie.peer_address, std::span<const wire::IpAddress>{}, services_.random,
                 now);
  start_data_transfer(peer_init.initial_tsn, peer_init.a_rwnd, peer_init.inbound_streams, peer_init.outbound_streams);
  inbound_streams_ = std::min(cookie.local_inbound_streams, peer_init.outbound_streams);
  enter_established(now, /*passive=*/true);
}

void Association::enter_established(TimePoint now, bool passive) {
  (void)now;
  state_ = AssociationState::Established;
  t1_.reset();
  active_open_.reset();  // the handshake is over: an established association keeps none of it
  connected_event_passive_ = passive;
  connected_event_primary_ = static_cast<uint16_t>(&paths_->primary() - paths_->paths().data());
  if (events_.empty()) {
    connected_event_owed_ = true;
  } else {
    events_.push_back(connected_event());
  }
}

ConnectedEvent Association::connected_event() const {
  // Everything read here is fixed from enter_established until a restart, which hands the owed
  // event over before it changes any of it (restart_from_cookie).
  ConnectedEvent event;
  event.id = id_;
  event.passive = connected_event_passive_;
  event.peer_primary = paths_->paths()[connected_event_primary_].address;
  event.peer_port = peer_port_;
  event.outbound_streams = outbound_streams_;
  event.inbound_streams = inbound_streams_;
  event.local_tag = local_tag_;
  event.peer_tag = peer_tag_;
  event.peer_rwnd = initial_peer_rwnd_;
  return event;
}

void Association::hand_over_connected_event() {
  if (!connected_event_owed_) return;
  connected_event_owed_ = false;
  events_.push_back(connected_event());
}

void Association::push_event(Event event) {
  hand_over_connected_event();  // it came first
  events_.push_back(std::move(event));
}

std::vector<wire::IpAddress> Association::peer_addresses() const {
  std::vector<wire::IpAddress> out;
  for (const Path& p : paths_->paths()) out.push_back(p.address);
  return out;
}

// ---------------------------------------------------------------- input

bool Association::accept_verification_tag(const wire::PacketView& packet) const {
  const wire::VerificationTag tag = packet.header().verification_tag;
  const wire::RawChunk first = *packet.begin();  // a copy: the iterator holds the chunk
  // RFC 9260 8.5.1 B and C: ABORT and SHUTDOWN COMPLETE carry our tag, or the peer's with T set.
  if (first.type == wire::AbortChunk::kType || first.type == wire::ShutdownCompleteChunk::kType) {
    const bool reflected = (first.flags & 0x01) != 0;
    return reflected ? (tag == peer_tag_ && peer_tag_.value() != 0) : tag == local_tag_;
  }
  // RFC 9260 8.5.
  return tag == local_tag_;
}

PacketDisposition Association::receive(const wire::PacketView& packet, const wire::IpAddress& source,
                                       const wire::IpAddress& destination, TimePoint now,
                                       const CookieCheck* verified_cookie) {
  // Nothing verified such a packet, so nothing may be learnt from it (RFC 6951 5.4). A closed
  // association's TCB is gone (RFC 9260 9.1, 9.2): the endpoint holds it only until its last
  // events are read. (The endpoint drops a packet without chunks before the lookup.)
  if (packet.chunk_count() == 0) return PacketDisposition::Dropped;
  if (closed_) {
    ++services_.counters.silently_discarded;
    return PacketDisposition::Dropped;
  }
  if (sender_) sender_->begin_burst();
  const wire::RawChunk first = *packet.begin();  // a copy: the iterator holds the chunk

  if (first.type == wire::InitChunk::kType) {
    // RFC 9260 8.5.1 A: an INIT comes alone with tag 0, or the packet is discarded.
    if (packet.header().verification_tag.value() != 0 || packet.chunk_count() != 1) {
      ++services_.counters.bad_verification_tag;
      return PacketDisposition::Dropped;
    }
    auto init = wire::InitChunk::parse(first);
    if (init) handle_init(*init, source, destination, now);
    return PacketDisposition::Accepted;
  }
  if (first.type == wire::CookieEchoChunk::kType) {
    // RFC 9260 5.2.4: the cookie, not the tag, decides; bundled chunks follow if the tags now agree.
    auto echo = wire::CookieEchoChunk::parse(first);
    if (!echo) {
      ++services_.counters.malformed;
      return PacketDisposition::Dropped;
    }
    // RFC 9260 5.2.4: an association verifies every COOKIE ECHO it gets but those the endpoint has
    // just verified (to make it, 5.1.5, or to find it, 5.1.2 rule 4), whose check comes along.
    assert(!verified_cookie ||
           verified_cookie->contents.peer_init.data() + verified_cookie->contents.peer_init.size() +
                   CookieAuthority::kMacSize ==
               echo->cookie.data() + echo->cookie.size());
    std::optional<CookieCheck> own_check;
    if (!verified_cookie) {
      ++services_.counters.cookies_verified;
      own_check = services_.cookies.verify(echo->cookie, now);
    }
    const CookieCheck& check = verified_cookie ? *verified_cookie : *own_check;
    // RFC 6951 5.4: only a cookie that verified vouches for the packet (and its UDP port).
    const PacketDisposition cookie = handle_cookie_echo(check, packet, source, now);
    if (cookie != PacketDisposition::Accepted) return cookie;
    if (packet.header().verification_tag != local_tag_) return PacketDisposition::Accepted;
    ++counters_.packets_received;
    if (Path* from = paths_->find(source)) from->local_source = destination;
    bool stop = false;
    // RFC 9260 5.1.5 step 7: DATA bundled with the COOKIE ECHO is acknowledged at once.
    data_with_cookie_echo_ = true;
    for (auto it = std::next(packet.begin()); it != packet.end() && !stop && !closed_; ++it) {
      handle_chunk(*it, source, destination, now, stop);
    }
    data_with_cookie_echo_ = false;
    if (receiver_ && !closed_) receiver_->end_packet(now);
    return PacketDisposition::Accepted;
  }
  if (first.type == wire::ShutdownAckChunk::kType &&
      (state_ == AssociationState::CookieWait || state_ == AssociationState::CookieEchoed)) {
    // RFC 9260 8.5.1 E: treated as out of the blue; 8.4 rule 5 answers SHUTDOWN COMPLETE, T set.
    PacketEnds ends{destination, source, local_port_, peer_port_};
    queue_prebuilt(build_single(ends, packet.header().verification_tag, wire::ShutdownCompleteChunk{true}));
    return PacketDisposition::AnsweredStateless;  // answered; nothing verified it
  }
  if (!accept_verification_tag(packet)) {
    ++services_.counters.bad_verification_tag;
    return PacketDisposition::Dropped;
  }

  ++counters_.packets_received;
  // RFC 9260 6.4: remember which of our addresses this peer address reaches, as the source for
  // packets back to it.
  if (Path* from = paths_->find(source)) from->local_source = destination;
  if (state_ == AssociationState::ShutdownSent) {
    // RFC 9260 9.2: "The reception of any packet from its peer ... SHOULD clear the endpoint's
    // retransmission count and restart the T2-shutdown timer".
    paths_->reset_association_errors();
    restart_t2(now);
  }
  bool stop = false;
  bool had_data = false;
  for (const wire::RawChunk& raw : packet) {
    if (stop || closed_) break;
    if (raw.type == wire::DataChunk::kType) {
      // DATA, the chunk of nearly every packet, decoded here rather than through handle_chunk's
      // call: same decoder, same error (a malformed chunk ends the packet).
      had_data = true;
      auto data = wire::DataChunk::parse(raw);
      if (!data) break;
      handle_data(*data, source, now, stop);
      continue;
    }
    handle_chunk(raw, source, destination, now, stop);
  }
  if (receiver_ && !closed_) {
    // Closes the packet for the SACK timing (RFC 9260 6.2); a no-op when it carried no DATA.
    receiver_->end_packet(now);
    if (had_data && state_ == AssociationState::ShutdownSent) {
      // RFC 9260 9.2: "MUST immediately respond to each received packet containing one or more
      // DATA chunks with a SHUTDOWN chunk" (and only those).
      send_shutdown_ = true;
    }
  }
  return PacketDisposition::Accepted;
}

void Association::handle_chunk(const wire::RawChunk& raw, const wire::IpAddress& source,
                               const wire::IpAddress& destination, TimePoint now, bool& stop) {
  // The data path's two chunks are decoded directly: building the variant of every chunk type
  // (parse_chunk) for each of them cost more than their handling. Same decoders, same errors.
  if (raw.type == wire::DataChunk::kType) {
    auto data = wire::DataChunk::parse(raw);
    if (!data) {
      stop = true;  // as below: a malformed chunk ends the packet
      return;
    }
    handle_data(*data, source, now, stop);
    return;
  }
  if (raw.type == wire::SackChunk::kType) {
    auto sack = wire::SackChunk::parse(raw);
    if (!sack) {
      stop = true;
      return;
    }
    handle_sack(*sack, now);
    return;
  }
  auto parsed = wire::parse_chunk(raw);
  if (!parsed) {
    // A chunk we know whose fields are malformed: nothing after it can be trusted to be framed as
    // the sender meant, so stop here (what came before stands).
    stop = true;
    return;
  }
  std::visit(
      [&](const auto& chunk) {
        using C = std::decay_t<decltype(chunk)>;
        if constexpr (std::is_same_v<C, wire::DataChunk>) {
          handle_data(chunk, source, now, stop);
        } else if constexpr (std::is_same_v<C, wire::SackChunk>) {
          handle_sack(chunk, now);
        } else if constexpr (std::is_same_v<C, wire::InitChunk>) {
          // RFC 9260 5.1: INIT must travel alone; bundled, it is ignored.
        } else if constexpr (std::is_same_v<C, wire::InitAckChunk>) {
          handle_init_ack(chunk, source, destination, now);
          stop = true;  // INIT ACK travels alone too
        } else if constexpr (std::is_same_v<C, wire::CookieEchoChunk>) {
          // Only meaningful as the first chunk (handled in handle_packet).
        } else if constexpr (std::is_same_v<C, wire::CookieAckChunk>) {
          handle_cookie_ack(now);
        } else if constexpr (std::is_same_v<C, wire::HeartbeatChunk>) {
          handle_heartbeat(chunk, source, destination);
        } else if constexpr (std::is_same_v<C, wire::HeartbeatAckChunk>) {
          handle_heartbeat_ack(chunk, now);
        } else if constexpr (std::is_same_v<C, wire::AbortChunk>) {
          handle_abort(chunk);
          stop = true;
        } else if constexpr (std::is_same_v<C, wire::ShutdownChunk>) {
          handle_shutdown(chunk, now);
        } else if constexpr (std::is_same_v<C, wire::ShutdownAckChunk>) {
          handle_shutdown_ack(source, now);
        } else if constexpr (std::is_same_v<C, wire::ShutdownCompleteChunk>) {
          handle_shutdown_complete(now);
          stop = true;
        } else if constexpr (std::is_same_v<C, wire::ErrorChunk>) {
          handle_error(chunk, now);
        } else if constexpr (std::is_same_v<C, wire::UnknownChunk>) {
          handle_unknown(raw, stop);
        } else {
          // Extensions we parse but have not negotiated (I-DATA, FORWARD-TSN, RE-CONFIG, ASCONF,
          // AUTH, NR-SACK, PAD, ECNE, CWR): RFC 9260 3.2 treats a chunk type a receiver does not
          // implement by its upper two bits, which is what the peer expects of us.
          handle_unknown(raw, stop);
        }
      },
      *parsed);
}

void Association::handle_unknown(const wire::RawChunk& raw, bool& stop) {
  // RFC 9260 3.2: 00 stop, 01 stop and report, 10 skip, 11 skip and report. While
  // kMaxQueuedErrors reports wait, later ones are not built: a packet of a thousand 4-byte chunks
  // to report built a thousand (an allocation and a copy each) to keep eight (RFC 9260 14).
  const uint8_t action = raw.type >> 6;
  if ((action == 1 || action == 3) && errors_.size() < kMaxQueuedErrors) {
    queue_error(encode_cause(wire::UnrecognizedChunkType{raw.whole}));
  }
  if (action == 0 || action == 1) stop = true;
}

void Association::handle_data(const wire::DataChunk& data, const wire::IpAddress& source, TimePoint now, bool& stop) {
  // In COOKIE-ECHOED nothing but COOKIE ECHO may go out (RFC 9260 5.1 step 3), so DATA that
  // overtook a lost COOKIE ACK could not be acknowledged: taking it would leave a SACK timer due
  // forever. Dropped, the peer retransmits it once our repeated COOKIE ECHO gets its COOKIE ACK.
  if (!receiver_ || state_ == AssociationState::CookieWait || state_ == AssociationState::CookieEchoed) return;
  sack_destination_ = source;
  (void)now;
  DataFragment fragment;
  fragment.tsn = data.tsn;
  fragment.stream = data.stream_id;
  fragment.ssn = data.ssn;
  fragment.ppid = data.ppid;
  fragment.unordered = data.data_flags.unordered;
  fragment.beginning = data.data_flags.beginning;
  fragment.ending = data.data_flags.ending;
  fragment.payload = data.user_data;
  // RFC 7053: the I bit asks for an immediate SACK; so does DATA bundled with COOKIE ECHO.
  switch (receiver_->on_data(fragment, data.data_flags.immediate || data_with_cookie_echo_)) {
    case DataVerdict::Duplicate:
      ++counters_.duplicate_tsns_received;
      break;
    case DataVerdict::Accepted:
    case DataVerdict::DroppedNoSpace:
    case DataVerdict::DroppedOutOfWindow:
      break;
    case DataVerdict::InvalidStream:
      // RFC 9260 6.5: acknowledge it, report Invalid Stream Identifier, discard it.
      queue_error(encode_cause(wire::InvalidStreamIdentifier{data.stream_id}));
      break;
    case DataVerdict::NoUserData:
      // RFC 9260 6.2: "If an endpoint receives a DATA chunk with no user data ... it SHOULD send an
      // ABORT chunk with a 'No User Data' error cause".
      send_abort_and_close(encode_cause(wire::NoUserData{data.tsn}), CloseReason::AbortedLocally,
                           "peer sent a DATA chunk with no user data");
      stop = true;
      break;
    case DataVerdict::ProtocolViolation:
      abort_protocol_violation("DATA fragments contradict each other");
      stop = true;
      break;
    case DataVerdict::MessageTooLarge:
      abort_protocol_violation("message larger than the receiver's maximum message size");
      stop = true;
      break;
  }
}

void Association::handle_sack(const wire::SackChunk& sack, TimePoint now) {
  if (!sender_) return;
  switch (state_) {
    case AssociationState::Established:
    case AssociationState::ShutdownPending:
    case AssociationState::ShutdownSent:
    case AssociationState::ShutdownReceived: {
      ++counters_.sacks_received;
      counters_.gap_blocks_received += sack.gap_ack_blocks.size();
      const auto outcome = sender_->on_sack(sack, *paths_, now);
      if (outcome.acks_unsent_tsn) {
        // RFC 9260 12: "An SCTP implementation MUST abort the association if it receives a SACK
        // chunk acknowledging a TSN that has not been sent."
        abort_protocol_violation("SACK acknowledges a TSN that was never sent");
        return;
      }
      if (outcome.new_data_acked) paths_->reset_association_errors();
      maybe_progress_shutdown(now);
      break;
    }
    default:
      break;
  }
}

void Association::handle_heartbeat(const wire::HeartbeatChunk& heartbeat, const wire::IpAddress& source,
                                   const wire::IpAddress& destination) {
  if (state_ == AssociationState::CookieWait) return;
  // RFC 9260 8.3: answer with the Heartbeat Information parameter unchanged, to the source; 6.4:
  // from the address it was sent to, so the reply travels the path being tested.
  push_bounded(heartbeat_acks_,
               HeartbeatReply{destination, source,
                              std::vector<uint8_t>(heartbeat.parameters.begin(), heartbeat.parameters.end())},
               kMaxQueuedHeartbeatAcks);
}

void Association::handle_heartbeat_ack(const wire::HeartbeatAckChunk& ack, TimePoint now) {
  if (!paths_) return;
  wire::TlvReader reader(ack.parameters);
  auto info = reader.next();
  if (!info || !*info || (*info)->type != wire::HeartbeatInfo::kType) return;
  auto matched = paths_->on_heartbeat_ack((*info)->value, now);
  if (!matched) return;  // forged, stale or not ours
  ++counters_.heartbeat_acks_received;
  // RFC 9260 8.3: the RTT measured by the heartbeat feeds the path's RTO.
  if (sender_) sender_->on_rtt_sample(*matched->path, matched->rtt);
}

// ---------------------------------------------------------------- output

void Association::poll_event(std::optional<Event>& out) {
  if (connected_event_owed_) {
    connected_event_owed_ = false;
    out.emplace(connected_event());
    return;
  }
  if (!events_.empty()) {
    if (std::holds_alternative<PeerErrorEvent>(events_.front())) --peer_errors_queued_;
    out.emplace(std::move(events_.front()));
    events_.pop_front();
    return;
  }
  if (receiver_) {
    if (auto message = receiver_->pop_message()) {
      ++counters_.messages_received;
      counters_.bytes_received += message->payload.size();
      // Built where the caller returns it from: an Event is moved by a visit of its variant.
      // (Braces, not emplace's arguments: clang 15, which builds the fuzzers, has no parenthesised
      // aggregate initialisation.)
      out.emplace(std::in_place_type<MessageEvent>,
                  MessageEvent{id_, message->stream, message->ppid, message->unordered, std::move(message->payload)});
      return;
    }
  }
  if (sender_) {
    if (auto space = sender_->take_space_available()) {
      out.emplace(SendSpaceEvent{id_, *space});
      return;
    }
  }
  if (paths_) {
    wire::IpAddress address;
    if (auto state = paths_->pop_event(address)) {
      out.emplace(PathEvent{id_, address, *state});
      return;
    }
  }
  if (closed_event_) {
    out.emplace(std::move(*closed_event_));
    closed_event_.reset();
    closed_event_delivered_ = true;
  }
}

bool Association::finished() const {
  return closed_ && closed_event_delivered_ && prebuilt_.empty() && !abort_causes_ && !send_shutdown_complete_ &&
         events_.empty() && !connected_event_owed_;
}

void Association::set_heartbeat(bool enabled, Duration interval) {
  if (paths_) paths_->set_heartbeat(enabled, interval);
}

AssociationStatus Association::status() const {
  AssociationStatus s;
  s.state = closed_ ? AssociationState::Closed : state_;
  s.local_tag = local_tag_;
  s.peer_tag = peer_tag_;
  s.local_port = local_port_;
  s.peer_port = peer_port_;
  s.outbound_streams = outbound_streams_;
  s.inbound_streams = inbound_streams_;
  s.error_count = paths_ ? paths_->association_error_count() : 0;
  s.counters.packets_sent = counters_.packets_sent;
  s.counters.packets_received = counters_.packets_received;
  s.counters.messages_received = counters_.messages_received;
  s.counters.bytes_received = counters_.bytes_received;
  s.counters.sacks_sent = counters_.sacks_sent;
  s.counters.sacks_received = counters_.sacks_received;
  s.counters.duplicate_tsns_received = counters_.duplicate_tsns_received;
  s.counters.gap_blocks_received = counters_.gap_blocks_received;
  s.counters.heartbeats_sent = counters_.heartbeats_sent;
  s.counters.heartbeat_acks_received = counters_.heartbeat_acks_received;
  s.counters.messages_failed = messages_failed_;
  if (paths_) {
    for (const Path& p : paths_->paths()) {
      PathStatus ps;
      ps.address = p.address;
      ps.active = p.active;
      ps.confirmed = p.confirmed;
      ps.primary = &p == &paths_->primary();
      ps.rto = p.rto;
      if (sender_) sender_->fill_path_status(ps, p);
      ps.error_count = p.error_count;
      ps.max_packet_size = p.max_packet_size;
      s.paths.push_back(ps);
    }
  }
  if (receiver_) {
    s.local_rwnd = receiver_->a_rwnd();
  }
  if (sender_) sender_->fill_status(s);
  return s;
}

}  // namespace sctpkit::assoc
