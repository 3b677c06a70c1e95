// Association setup once a TCB exists: RFC 9260 5.1 (INIT ACK, COOKIE ACK) and 5.2 (duplicate and
// unexpected INIT, INIT ACK, COOKIE ECHO and COOKIE ACK chunks).
#include <algorithm>
#include <span>

#include "assoc/association.h"
#include "wire/control_chunks.h"
#include "wire/error_causes.h"
#include "wire/parameter_list.h"
#include "wire/parameters.h"

namespace sctpkit::assoc {
namespace {

DataReceiverConfig receiver_config(const EndpointConfig& c, uint16_t inbound_streams) {
  DataReceiverConfig r;
  r.reassembly.inbound_streams = inbound_streams;
  r.reassembly.max_message_size = c.max_message_size;
  r.reassembly.receive_buffer = c.receive_buffer;
  // Gap Ack Block offsets reach 65535 TSNs: track as far, so a peer sending small chunks within
  // our window is never refused for the TSN map's sake (8 KiB of bitmap).
  r.window_tsns = TsnMap::kMaxWindowTsns;
  r.sack_delay = c.sack_delay;
  r.sack_freq = static_cast<uint32_t>(std::max(c.sack_frequency, 1));
  r.mtu = static_cast<uint32_t>(c.max_packet_size);
  r.reassembly.hold_until_consumed = c.hold_window_until_consumed;
  return r;
}

}  // namespace

void Association::start_data_transfer(wire::Tsn peer_initial_tsn, uint32_t peer_rwnd, uint16_t peer_inbound_streams,
                                      uint16_t peer_outbound_streams) {
  // RFC 9260 5.1.1: outbound streams are min(our OS, peer's MIS); inbound min(our MIS, peer's OS).
  outbound_streams_ = std::min(requested_outbound_streams_, peer_inbound_streams);
  initial_peer_rwnd_ = peer_rwnd;
  sender_.emplace(config_, local_initial_tsn_, outbound_streams_, peer_rwnd, *paths_);
  start_receiver(peer_initial_tsn, peer_outbound_streams);
  flush_pending_messages();
}

void Association::start_receiver(wire::Tsn peer_initial_tsn, uint16_t peer_outbound_streams) {
  inbound_streams_ = std::min(config_.max_inbound_streams, peer_outbound_streams);
  receiver_.emplace(receiver_config(config_, inbound_streams_), peer_initial_tsn);
}

std::vector<uint8_t> Association::new_addresses_in(const wire::InitChunk& init, const wire::IpAddress& source) const {
  // RFC 9260 5.2.1 / 5.2.2: an INIT that adds addresses to the association is refused, and "The
  // error SHOULD list the addresses that were added": their address parameters, end to end.
  std::vector<uint8_t> added;
  const auto known = peer_addresses();
  auto is_known = [&](const wire::IpAddress& a) { return std::find(known.begin(), known.end(), a) != known.end(); };
  auto list = [&](const wire::IpAddress& a) {
    const bool v4 = a.is_v4();
    const uint16_t type = v4 ? wire::Ipv4Address::kType : wire::Ipv6Address::kType;
    added.push_back(static_cast<uint8_t>(type >> 8));
    added.push_back(static_cast<uint8_t>(type));
    added.push_back(0);
    added.push_back(static_cast<uint8_t>(4 + a.size()));
    added.insert(added.end(), a.bytes().begin(), a.bytes().begin() + static_cast<std::ptrdiff_t>(a.size()));
  };
  if (!is_known(source) && !closed_) list(source);  // the packet's source is an address of the INIT too
  // Only the addresses a new association would keep (EndpointConfig::max_peer_addresses): those
  // past the limit never become paths, so they add nothing, and a peer listing more than the limit
  // can still restart with the same INIT. Not counted in peer_addresses_ignored: no path is made.
  uint64_t not_kept = 0;
  const InitParameters parameters = read_init_parameters(init.parameters, config_.max_peer_addresses);
  const auto kept = assoc::peer_addresses(source, parameters, config_.max_peer_addresses, not_kept);
  for (const wire::IpAddress& a : std::span(kept).subspan(1)) {  // [0] is the source
    if (!is_known(a)) list(a);
  }
  return added;
}

void Association::queue_prebuilt(OwnedPacket packet) {
  // One no IP datagram carries would wait for a buffer with room for ever (poll_transmit); an
  // empty one is an INIT ACK whose cookie did not fit (build_init_ack).
  if (packet.bytes.empty() || packet.bytes.size() > kMaxTransmitSize) return;
  // A peer that makes us answer faster than we send must not grow our memory: drop the oldest.
  if (prebuilt_.size() >= kMaxPrebuilt) prebuilt_.pop_front();
  prebuilt_.push_back(std::move(packet));
}

void Association::handle_init(const wire::InitChunk& init, const wire::IpAddress& source,
                              const wire::IpAddress& destination, TimePoint now) {
  // RFC 9260 3.3.2: a zero Initiate Tag is silently discarded; zero streams or a tiny window get
  // an ABORT carrying the Initiate Tag, and the existing association is left alone.
  if (init.initiate_tag.value() == 0) return;
  PacketEnds reply_ends{destination, source, local_port_, peer_port_};
  if (init.outbound_streams == 0 || init.inbound_streams == 0 || init.a_rwnd < 1500) {
    queue_prebuilt(
        build_abort(reply_ends, init.initiate_tag, false, encode_cause(wire::InvalidMandatoryParameter{})));
    return;
  }
  if (state_ == AssociationState::ShutdownAckSent) {
    // RFC 9260 9.2: the SHUTDOWN COMPLETE was probably lost; resend SHUTDOWN ACK, ignore the INIT.
    send_shutdown_ack_ = true;
    return;
  }
  const auto added = new_addresses_in(init, source);
  if (state_ != AssociationState::CookieWait && !added.empty()) {
    // RFC 9260 5.2.1 (COOKIE-ECHOED) and 5.2.2: ABORT with "Restart of an Association with New
    // Addresses", listing them, tagged with the INIT's Initiate Tag; the association is unchanged.
    queue_prebuilt(
        build_abort(reply_ends, init.initiate_tag, false, encode_cause(wire::RestartWithNewAddresses{added})));
    return;
  }

  const InitParameters parameters = read_init_parameters(init.parameters, config_.max_peer_addresses);
  if (state_ == AssociationState::CookieWait && !paths_->find(source)) {
    // RFC 9260 5.2.1: the INIT ACK "MUST only be sent to an address passed by the upper layer in
    // the request to initialize the association" and "MUST only be sent to an address reported in
    // the incoming INIT chunk": the source (rule 3's SHOULD) is not one we were given, so another
    // address both name, or no answer.
    const auto both = std::find_if(parameters.addresses.begin(), parameters.addresses.end(),
                                   [&](const wire::IpAddress& a) { return paths_->find(a) != nullptr; });
    if (both == parameters.addresses.end()) return;
    reply_ends.destination = *both;
  }
  CookieContents cookie;
  cookie.created = now;
  cookie.lifetime = cookie_life(config_.valid_cookie_life, parameters.cookie_preservative_ms);
  cookie.peer_tag = init.initiate_tag;
  cookie.local_rwnd = config_.receive_buffer;
  cookie.local_outbound_streams = requested_outbound_streams_;
  cookie.local_inbound_streams = config_.max_inbound_streams;
  cookie.local_port = local_port_;
  cookie.peer_port = peer_port_;
  cookie.peer_address = source;
  InitOffer offer;
  if (state_ == AssociationState::CookieWait || state_ == AssociationState::CookieEchoed) {
    // RFC 9260 5.2.1: answer with the parameters of our own INIT, Initiate Tag unchanged.
    offer = {local_tag_, config_.receive_buffer, requested_outbound_streams_, config_.max_inbound_streams,
             local_initial_tsn_};
    if (state_ == AssociationState::CookieEchoed) {
      // "it MUST populate its Tie-Tags within both the association TCB and inside the State Cookie"
      local_tie_tag_ = local_tag_;
      peer_tie_tag_ = peer_tag_;
    }
  } else {
    // RFC 9260 5.2.2: a new random Initiate Tag; the current tags go into the cookie as tie-tags.
    offer = {wire::VerificationTag(services_.random.next_nonzero_u32()), config_.receive_buffer,
             requested_outbound_streams_, config_.max_inbound_streams, wire::Tsn(services_.random.next_u32())};
    local_tie_tag_ = local_tag_;
    peer_tie_tag_ = peer_tag_;
  }
  cookie.local_tag = offer.initiate_tag;
  cookie.local_initial_tsn = offer.initial_tsn;
  cookie.local_tie_tag = local_tie_tag_;
  cookie.peer_tie_tag = peer_tie_tag_;

  // The INIT is re-encoded into the cookie (all but its header and tag) for the new association.
  std::vector<uint8_t> init_value(init.value_size());
  wire::Writer w(init_value);
  init.write_value(w);
  cookie.peer_init = wire::Bytes(init_value).subspan(kInitSkipped - wire::kChunkHeaderSize);
  std::vector<uint8_t> signed_cookie(CookieAuthority::size_of(cookie));
  signed_cookie.resize(services_.cookies.sign(cookie, signed_cookie));

  queue_prebuilt(build_init_ack(reply_ends, init.initiate_tag, offer, signed_cookie, config_.local_addresses,
                                parameters.unrecognized));
  // "After that, the endpoint MUST NOT change its state, the T1-init timer MUST be left running".
}

void Association::handle_init_ack(const wire::InitAckChunk& ack, const wire::IpAddress& source,
                                  const wire::IpAddress& destination, TimePoint now) {
  // RFC 9260 5.2.3: only COOKIE-WAIT expects an INIT ACK.
  if (state_ != AssociationState::CookieWait) return;
  const InitParameters parameters = read_init_parameters(ack.parameters, config_.max_peer_addresses);
  // RFC 9260 3.3.3: a zero tag or zero streams destroy the association being set up.
  if (ack.initiate_tag.value() == 0 || ack.outbound_streams == 0 || ack.inbound_streams == 0) {
    close(CloseReason::AbortedLocally, 7, "INIT ACK with a zero Initiate Tag or zero streams");
    return;
  }
  if (!parameters.has_state_cookie) {
    // RFC 9260 5.1: a missing mandatory parameter gets an ABORT naming it.
    const uint16_t missing[] = {wire::StateCookie::kType};
    peer_tag_ = ack.initiate_tag;
    send_abort_and_close(encode_cause(wire::MissingMandatoryParameter{std::span<const uint16_t>(missing)}),
                         CloseReason::AbortedLocally, "INIT ACK without a State Cookie");
    return;
  }
  if (!parameters.host_name.empty()) {
    // RFC 9260 5.1.2 rule 2.
    peer_tag_ = ack.initiate_tag;
    send_abort_and_close(encode_cause(wire::UnresolvableAddress{parameters.host_name}), CloseReason::AbortedLocally,
                         "INIT ACK lists a host name address");
    return;
  }
  peer_tag_ = ack.initiate_tag;
  ActiveOpen& open = *active_open_;  // COOKIE-WAIT: we started this handshake
  if (sender_) {
    // RFC 9260 5.2.6: the answer to a retry after a Stale Cookie. The DataSender kept the user's
    // messages (queued, or sent with the COOKIE ECHO the peer discarded with its cookie): they go
    // on with the same TSNs (our INIT's Initial TSN is unchanged) over the same paths; only the
    // peer's side starts afresh. 5.1.1: this INIT ACK may grant another number of outbound
    // streams; the messages on streams it no longer grants are handed back to the user.
    const uint16_t granted = std::min(requested_outbound_streams_, ack.inbound_streams);
    if (granted != outbound_streams_) {
      const uint16_t before = outbound_streams_;
      outbound_streams_ = granted;
      for (DataSender::DiscardedMessage& m : sender_->set_outbound_streams(granted)) {
        std::string detail = "message of " + std::to_string(m.data.size()) + " bytes on stream " +
                             std::to_string(m.stream.value()) + " not sent: the peer granted " +
                             std::to_string(before) + " outbound streams, then " + std::to_string(granted) +
                             " after a Stale Cookie (RFC 9260 5.2.6, 5.1.1); send it on a stream below " +
                             std::to_string(granted);
        fail_send(SendFailedEvent{id_, m.stream, m.ppid, m.unordered, std::move(m.data), std::move(detail)});
      }
    }
    // 6.2.1 C1: the peer's window is the one this INIT ACK gives, not the first one's.
    initial_peer_rwnd_ = ack.a_rwnd;
    sender_->reset_peer_rwnd(ack.a_rwnd);
    start_receiver(ack.initial_tsn, ack.outbound_streams);
    flush_pending_messages();
  } else {
    // RFC 9260 5.1.2: the source of the INIT ACK plus its listed addresses; our first address stays
    // primary if the peer kept it.
    auto addresses =
        assoc::peer_addresses(source, parameters, config_.max_peer_addresses, services_.counters.peer_addresses_ignored);
    for (const auto& a : open.connect_addresses) {
      if (std::find(addresses.begin(), addresses.end(), a) == addresses.end() && a.family() == source.family()) {
        addresses.push_back(a);
      }
    }
    const wire::IpAddress primary = open.connect_addresses.front();
    const Duration measured = now - open.t1_started;
    const bool kept = std::find(addresses.begin(), addresses.end(), primary) != addresses.end();
    // RFC 9260 5.4 rule 1: the addresses the user gave are CONFIRMED; those only the INIT ACK
    // listed (its source included, unless it has to be primary) are probed first.
    paths_.emplace(config_, addresses, kept ? primary : source, open.connect_addresses, services_.random, now);
    peer_addresses_changed_ = true;
    if (Path* from = paths_->find(source)) from->local_source = destination;
    if (config_.local_addresses.empty()) {
      // RFC 9260 5.1.2: our INIT listed no address, so the peer knows us only by the source it saw,
      // which is where its INIT ACK came to. Every packet must leave from there: one from another
      // address of this host (which routing may pick for another destination) is out of the blue to
      // the peer (8.4), answered with an ABORT.
      local_address_ = destination;
    }
    // RFC 9260 6.3.1 C5 (Karn): only an INIT that was sent once gives an RTT.
    if (open.t1_retransmits == 0) open.t1_rto.add_measurement(measured);
    start_data_transfer(ack.initial_tsn, ack.a_rwnd, ack.inbound_streams, ack.outbound_streams);
    // The first RTT, measured on the INIT, seeds the primary destination's estimator too.
    if (open.t1_retransmits == 0) sender_->on_rtt_sample(paths_->primary(), measured);
  }
  open.cookie.assign(parameters.state_cookie.begin(), parameters.state_cookie.end());
  if (!parameters.unrecognized.empty()) {
    // RFC 9260 3.2.2: report the INIT ACK's unrecognized parameters in an ERROR after COOKIE ECHO.
    std::vector<uint8_t> listed;
    for (const auto& tlv : parameters.unrecognized) {
      listed.insert(listed.end(), tlv.begin(), tlv.end());
      listed.resize(wire::padded4(listed.size()));
    }
    queue_error(encode_cause(wire::UnrecognizedParameters{listed}));
  }
  // RFC 9260 5.1 step 3: COOKIE ECHO, T1-cookie, COOKIE-ECHOED.
  state_ = AssociationState::CookieEchoed;
  send_cookie_echo_ = true;
  open.t1_retransmits = 0;
  open.t1_started = now;
  restart_t1(now);
}

PacketDisposition Association::handle_cookie_echo(const CookieCheck& check, const wire::PacketView& packet,
                                                  const wire::IpAddress& source, TimePoint now) {
  // RFC 9260 5.1.5 steps 1-2: unknown key or bad MAC: discard silently (counted as the endpoint
  // counts one with no association).
  if (check.verdict == CookieVerdict::Malformed || check.verdict == CookieVerdict::BadMac ||
      check.verdict == CookieVerdict::UnknownKey) {
    ++services_.counters.cookies_bad_mac;
    return PacketDisposition::Dropped;
  }
  const CookieContents& c = check.contents;
  // RFC 9260 5.1.5 step 3: ports and tag must match the packet's (8.5.1 D: the tag is the cookie's).
  if (c.local_port != packet.header().destination_port || c.peer_port != packet.header().source_port ||
      c.local_tag != packet.header().verification_tag) {
    ++services_.counters.bad_verification_tag;
    return PacketDisposition::Dropped;
  }
  const bool local_match = c.local_tag == local_tag_;
  const bool peer_match = c.peer_tag == peer_tag_;
  if (check.verdict == CookieVerdict::Stale && !(local_match && peer_match)) {
    // RFC 9260 5.2.4 step 3: stale and not ours: ERROR with Stale Cookie.
    ++services_.counters.cookies_stale;
    PacketEnds ends{local_address_, source, local_port_, peer_port_};
    auto cause = encode_cause(wire::StaleCookie{check.staleness_us});
    queue_prebuilt(build_single(ends, c.peer_tag, wire::ErrorChunk{cause}));
    return PacketDisposition::AnsweredStateless;  // answered, but a stale cookie may be a replay
  }
  const std::optional<wire::InitChunk> peer_init = peer_init_chunk(c);
  if (!peer_init) {
    ++services_.counters.malformed;  // signed by us, yet no INIT in it
    return PacketDisposition::Dropped;
  }

  const bool tie_match = c.local_tie_tag == local_tag_ && c.peer_tie_tag == peer_tag_;
  const bool no_tie_tags = c.local_tie_tag.value() == 0 && c.peer_tie_tag.value() == 0;
  if (!local_match && !peer_match && tie_match) {
    // Table 12 action A: the peer restarted.
    if (state_ == AssociationState::ShutdownAckSent) {
      send_shutdown_ack_ = true;
      queue_error(encode_cause(wire::CookieReceivedWhileShuttingDown{}));
      return PacketDisposition::Accepted;  // the cookie verified; the packet's tag is not ours yet
    }
    // RFC 9260 5.2.2: a restart that would add addresses was refused when its INIT arrived (the
    // cookie carries that INIT, and the tie-tags match only while the address set is the same).
    restart_from_cookie(c, *peer_init, now);
    send_cookie_ack_ = true;
    return PacketDisposition::Accepted;
  }
  if (local_match && (!peer_match || peer_tag_.value() == 0)) {
    // Action B: a collision; take the peer's tag from the cookie and be established.
    peer_tag_ = c.peer_tag;
    if (!sender_) {
      start_data_transfer(peer_init->initial_tsn, peer_init->a_rwnd, peer_init->inbound_streams,
                          peer_init->outbound_streams);
    } else if (!peer_match) {
      // The peer's receiver was set up from its INIT ACK (or is gone, in the COOKIE-WAIT of a
      // Stale Cookie retry), but a new peer tag means a new INIT: the peer's DATA now starts at
      // the Initial TSN of the INIT in the cookie, in ESTABLISHED too ("stay in or enter the
      // ESTABLISHED state"). The old TSN space ends here: its complete messages still reach the
      // user, a part of one can never be completed.
      hand_over_received_messages();
      start_receiver(peer_init->initial_tsn, peer_init->outbound_streams);
      if (state_ == AssociationState::CookieWait) flush_pending_messages();
    }
    if (state_ == AssociationState::CookieWait || state_ == AssociationState::CookieEchoed) {
      enter_established(now, /*passive=*/false);
    }
    t1_.reset();
    send_cookie_ack_ = true;
    return PacketDisposition::Accepted;
  }
  if (!local_match && peer_match && no_tie_tags) {
    // Action C: our own cookie arrived late; discard, change nothing. It verified, though.
    return PacketDisposition::Accepted;
  }
  if (local_match && peer_match) {
    // Action D: a retransmitted COOKIE ECHO, or the first one of a passive open.
    if (state_ == AssociationState::CookieEchoed) enter_established(now, /*passive=*/false);
    t1_.reset();
    send_cookie_ack_ = true;
    return PacketDisposition::Accepted;
  }
  // "For any case not shown in Table 12, the cookie SHOULD be silently discarded."
  ++services_.counters.silently_discarded;
  return PacketDisposition::Dropped;
}

void Association::restart_from_cookie(const CookieContents& c, const wire::InitChunk& peer_init, TimePoint now) {
  // RFC 9260 5.2.4 action A: as if an ABORT and a new COOKIE ECHO had arrived, but the user hears
  // RESTART, and congestion state starts afresh. Data sent and unacknowledged is not resent.
  // A ConnectedEvent still owed is built from the state this changes: hand it over first. So are
  // the messages received whole and not yet read, as on an ABORT (9.1): the receiver of the old
  // TSN space is replaced below.
  hand_over_connected_event();
  hand_over_received_messages();
  // What the user sent that the peer did not acknowledge goes back (11.2.2) rather than vanish
  // with the old DataSender: the restarted peer knows nothing of the association it was meant for,
  // and may or may not have read what it had received before it restarted.
  fail_unacknowledged_messages("the peer restarted (RFC 9260 5.2.4)");
  local_tag_ = c.local_tag;
  peer_tag_ = c.peer_tag;
  local_initial_tsn_ = c.local_initial_tsn;
  local_tie_tag_ = wire::VerificationTag(0);
  peer_tie_tag_ = wire::VerificationTag(0);
  requested_outbound_streams_ = c.local_outbound_streams;
  const auto addresses = peer_addresses();
  // RFC 9260 5.4 rule 2, as for a new association.
  paths_.emplace(config_, addresses, c.peer_address, std::span<const wire::IpAddress>{}, services_.random, now);
  peer_addresses_changed_ = true;
  start_data_transfer(peer_init.initial_tsn, peer_init.a_rwnd, peer_init.inbound_streams, peer_init.outbound_streams);
  t1_.reset();
  t2_.reset();
  t5_.reset();
  send_shutdown_ = send_shutdown_ack_ = false;
  shutdown_requested_ = false;
  state_ = AssociationState::Established;
  push_event(RestartEvent{id_});
}

void Association::hand_over_received_messages() {
  if (!receiver_) return;
  while (auto message = receiver_->pop_message()) {
    ++counters_.messages_received;
    counters_.bytes_received += message->payload.size();
    push_event(MessageEvent{id_, message->stream, message->ppid, message->unordered, std::move(message->payload)});
  }
}

void Association::handle_cookie_ack(TimePoint now) {
  // RFC 9260 5.1 step 5; 5.2.5: elsewhere a COOKIE ACK is discarded.
  if (state_ != AssociationState::CookieEchoed) return;
  ActiveOpen& open = *active_open_;  // COOKIE-ECHOED: we started this handshake
  if (open.t1_retransmits == 0) {
    open.t1_rto.add_measurement(now - open.t1_started);
    if (sender_) sender_->on_rtt_sample(paths_->primary(), now - open.t1_started);
  }
  enter_established(now, /*passive=*/false);
}

}  // namespace sctpkit::assoc
