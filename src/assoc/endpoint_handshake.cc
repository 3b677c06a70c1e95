// What the endpoint answers without an association: INIT with a signed State Cookie and no state
// (RFC 9260 5.1, 5.1.3), a COOKIE ECHO that creates the association (5.1.5, 5.2.4), and
// out-of-the-blue packets (8.4).
#include "assoc/endpoint_impl.h"

namespace sctpkit::assoc {
namespace {

bool is_unicast(const wire::IpAddress& a) {
  const auto& b = a.bytes();
  if (a.is_v4()) return !(b[0] >= 224) && !(b[0] == 0);  // multicast, broadcast, "this network"
  return b[0] != 0xFF;                                    // IPv6 multicast
}

}  // namespace

Association* EndpointImpl::handle_out_of_the_blue(const wire::PacketView& packet, const wire::IpAddress& source,
                                                  const wire::IpAddress& destination, TimePoint now,
                                                  std::optional<CookieCheck>& owner_check) {
  // RFC 9260 8.4, in its order.
  if (!is_unicast(source) || !is_unicast(destination)) return nullptr;  // rule 1
  const wire::RawChunk first = *packet.begin();  // a copy: the iterator holds the chunk
  const PacketEnds reply{destination, source, config_.local_port, packet.header().source_port};
  bool has_abort = false, has_shutdown_ack = false, has_shutdown_complete = false, has_cookie_ack = false,
       has_stale_cookie = false;
  for (const wire::RawChunk& c : packet) {
    has_abort |= c.type == wire::AbortChunk::kType;
    has_shutdown_ack |= c.type == wire::ShutdownAckChunk::kType;
    has_shutdown_complete |= c.type == wire::ShutdownCompleteChunk::kType;
    has_cookie_ack |= c.type == wire::CookieAckChunk::kType;
    if (c.type == wire::ErrorChunk::kType && c.value.size() >= 2 && wire::load_u16(c.value, 0) == 3) {
      has_stale_cookie = true;
    }
  }
  if (has_abort) return nullptr;  // rule 2
  if (first.type == wire::InitChunk::kType) {  // rule 3
    // RFC 9260 8.5.1 A: only a lone INIT with tag 0 is processed.
    if (packet.header().verification_tag.value() != 0 || packet.chunk_count() != 1) return nullptr;
    auto init = wire::InitChunk::parse(first);
    if (!init) {
      ++counters_.malformed;
      return nullptr;
    }
    answer_init(*init, packet, source, destination, now);
    return nullptr;
  }
  if (first.type == wire::CookieEchoChunk::kType) {  // rule 4
    auto echo = wire::CookieEchoChunk::parse(first);
    return echo ? accept_cookie(*echo, packet, source, destination, now, owner_check) : nullptr;
  }
  ++counters_.out_of_the_blue;
  if (has_shutdown_ack) {  // rule 5: SHUTDOWN COMPLETE, reflecting the tag, T set
    queue_stateless(build_single(reply, packet.header().verification_tag, wire::ShutdownCompleteChunk{true}));
    return nullptr;
  }
  if (has_shutdown_complete || has_cookie_ack || has_stale_cookie) return nullptr;  // rules 6 and 7
  // Rule 8: ABORT reflecting the packet's tag, T set.
  queue_stateless(build_abort(reply, packet.header().verification_tag, true, {}));
  return nullptr;
}

void EndpointImpl::answer_init(const wire::InitChunk& init, const wire::PacketView& packet,
                               const wire::IpAddress& source, const wire::IpAddress& destination, TimePoint now) {
  const PacketEnds reply{destination, source, config_.local_port, packet.header().source_port};
  // RFC 9260 3.3.2: a zero Initiate Tag is silently discarded.
  if (init.initiate_tag.value() == 0) return;
  if (!config_.listen) {
    // RFC 9260 8.4 rule 3: an INIT that cannot be processed gets an ABORT with its Initiate Tag, T clear.
    queue_stateless(build_abort(reply, init.initiate_tag, false, {}));
    return;
  }
  // RFC 9260 3.3.2: zero streams or an a_rwnd below 1500: ABORT, Initiate Tag as the tag.
  if (init.outbound_streams == 0 || init.inbound_streams == 0 || init.a_rwnd < 1500) {
    queue_stateless(build_abort(reply, init.initiate_tag, false, encode_cause(wire::InvalidMandatoryParameter{})));
    return;
  }
  const InitParameters parameters = read_init_parameters(init.parameters, config_.max_peer_addresses);
  if (!parameters.host_name.empty()) {
    // RFC 9260 3.3.2 note 3 / 5.1.2 rule 2.
    queue_stateless(build_abort(reply, init.initiate_tag, false,
                                encode_cause(wire::UnresolvableAddress{parameters.host_name})));
    return;
  }
  if (associations_.size() >= config_.max_associations) {
    ++counters_.associations_refused;
    queue_stateless(build_abort(reply, init.initiate_tag, false, encode_cause(wire::OutOfResource{})));
    return;
  }
  // RFC 9260 14: a cheap early answer to a source already at its limit (the COOKIE ECHO check is
  // the one that counts: this INIT's source may be spoofed, and its INIT ACK keeps no state).
  if (!source_has_room(source)) {
    ++counters_.associations_refused_per_source;
    queue_stateless(build_abort(reply, init.initiate_tag, false, encode_cause(wire::OutOfResource{})));
    return;
  }
  // RFC 9260 5.1 step 2: INIT ACK with a signed State Cookie; no state is kept.
  CookieContents cookie;
  cookie.created = now;
  cookie.lifetime = cookie_life(config_.valid_cookie_life, parameters.cookie_preservative_ms);
  cookie.local_tag = wire::VerificationTag(random_.next_nonzero_u32());
  cookie.peer_tag = init.initiate_tag;
  cookie.local_initial_tsn = wire::Tsn(random_.next_u32());
  cookie.local_rwnd = config_.receive_buffer;
  cookie.local_outbound_streams = config_.outbound_streams;
  cookie.local_inbound_streams = config_.max_inbound_streams;
  cookie.local_port = config_.local_port;
  cookie.peer_port = packet.header().source_port;
  cookie.peer_address = source;
  const wire::RawChunk raw = *packet.begin();  // a copy: the iterator holds the chunk
  cookie.peer_init = raw.whole.subspan(kInitSkipped);  // parsed: at least 20 bytes
  // Signed on the stack for an INIT of the usual size (a lone INIT is 20 bytes); only a long one
  // (many addresses or parameters) takes a heap buffer: a malloc and free per setup less.
  Scratch buffer(CookieAuthority::size_of(cookie));
  const wire::Bytes signed_cookie(buffer.bytes().data(), cookies_.sign(cookie, buffer.bytes()));
  const InitOffer offer{cookie.local_tag, config_.receive_buffer, config_.outbound_streams,
                        config_.max_inbound_streams, cookie.local_initial_tsn};
  if (queue_stateless(build_init_ack(reply, init.initiate_tag, offer, signed_cookie, config_.local_addresses,
                                     parameters.unrecognized))) {
    ++counters_.inits_answered;
  }
}

Association* EndpointImpl::accept_cookie(const wire::CookieEchoChunk& echo, const wire::PacketView& packet,
                                         const wire::IpAddress& source, const wire::IpAddress& destination,
                                         TimePoint now, std::optional<CookieCheck>& owner_check) {
  ++counters_.cookies_verified;
  const CookieCheck check = cookies_.verify(echo.cookie, now);
  if (check.verdict != CookieVerdict::Ok && check.verdict != CookieVerdict::Stale) {
    // RFC 9260 5.1.5 steps 1-2: silently discarded, with any DATA bundled.
    ++counters_.cookies_bad_mac;
    return nullptr;
  }
  const CookieContents& c = check.contents;
  const std::optional<wire::InitChunk> init = peer_init_chunk(c);
  if (!init) return nullptr;
  uint64_t ignored = 0;  // counted once an association is made of them
  auto addresses = peer_addresses(c.peer_address, read_init_parameters(init->parameters, config_.max_peer_addresses),
                                  config_.max_peer_addresses, ignored);
  // RFC 9260 5.1.2 rule 4: an address of the INIT (its source or one it lists) that identifies an
  // existing association makes the cookie that association's: its TCB decides (5.2.4, Table 12),
  // and a second association with the same peer must not be made (2.5).
  for (const auto& a : addresses) {
    if (Association* owner = find(a, packet.header().source_port, config_.local_port)) {
      owner_check = check;  // its MAC was checked here, against the same bytes and time
      return owner;
    }
  }
  if (check.verdict == CookieVerdict::Stale) {
    // RFC 9260 5.1.5 step 4: ERROR with Stale Cookie, tagged for the peer.
    ++counters_.cookies_stale;
    const PacketEnds reply{destination, source, config_.local_port, packet.header().source_port};
    auto cause = encode_cause(wire::StaleCookie{check.staleness_us});
    queue_stateless(build_single(reply, c.peer_tag, wire::ErrorChunk{cause}));
    return nullptr;
  }
  // RFC 9260 5.1.5 step 3.
  if (c.local_port != config_.local_port || c.peer_port != packet.header().source_port ||
      c.local_tag != packet.header().verification_tag) {
    return nullptr;
  }
  if (associations_.size() >= config_.max_associations) {
    ++counters_.associations_refused;
    const PacketEnds reply{destination, source, config_.local_port, packet.header().source_port};
    queue_stateless(build_abort(reply, c.peer_tag, false, encode_cause(wire::OutOfResource{})));
    return nullptr;
  }
  // A valid cookie proves that its INIT's source got our INIT ACK: that source is charged, so a
  // spoofer cannot use up another's quota; a multi-homed peer counts once, by it.
  if (!source_has_room(c.peer_address)) {
    ++counters_.associations_refused_per_source;
    const PacketEnds reply{destination, source, config_.local_port, packet.header().source_port};
    queue_stateless(build_abort(reply, c.peer_tag, false, encode_cause(wire::OutOfResource{})));
    return nullptr;
  }
  counters_.peer_addresses_ignored += ignored;
  if (std::find(addresses.begin(), addresses.end(), source) == addresses.end()) addresses.push_back(source);
  const AssociationId id{next_id_++};
  Association& a =
      add(make_association(id, services(), c, *init, std::move(addresses), destination, now), c.peer_address);
  // The same packet, now for the association: its COOKIE ECHO gets the COOKIE ACK (5.2.4 case D)
  // and bundled DATA is received like any other. The cookie's check goes with it, so that the
  // association does not MAC the cookie a second time.
  a.handle_packet(packet, source, destination, now, check);
  touch(id.value, *slot(id.value));
  return nullptr;
}

}  // namespace sctpkit::assoc
