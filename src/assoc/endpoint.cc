// The endpoint: demultiplexing (RFC 9260 5.1.2 implementation note), stateless INIT handling with
// the State Cookie (5.1, 5.1.3, 5.1.5), out-of-the-blue packets (8.4) and the association table.
#include "assoc/endpoint.h"

#include <algorithm>
#include <map>
#include <unordered_map>

#include "assoc/association.h"
#include "assoc/cookie.h"
#include "assoc/handshake.h"
#include "wire/chunk.h"
#include "wire/control_chunks.h"
#include "wire/error_causes.h"

namespace sctpkit::assoc {
namespace {

constexpr size_t kMaxStatelessReplies = 64;
constexpr size_t kTransmitBufferSize = 65536;

struct PeerKey {
  wire::IpAddress address;
  uint16_t port;
  bool operator==(const PeerKey&) const = default;
};
struct PeerKeyHash {
  size_t operator()(const PeerKey& k) const noexcept { return std::hash<wire::IpAddress>{}(k.address) * 31 + k.port; }
};

bool is_unicast(const wire::IpAddress& a) {
  const auto& b = a.bytes();
  if (a.is_v4()) return !(b[0] >= 224) && !(b[0] == 0);  // multicast, broadcast, "this network"
  return b[0] != 0xFF;                                    // IPv6 multicast
}

}  // namespace

class EndpointImpl {
 public:
  EndpointImpl(const EndpointConfig& config, RandomSource& random, TimePoint now)
      : config_(config), random_(random), cookies_(random), next_rotation_(now + config.cookie_secret_lifetime),
        transmit_buffer_(kTransmitBufferSize) {}

  EndpointConfig config_;
  RandomSource& random_;
  CookieAuthority cookies_;
  TimePoint next_rotation_;
  EndpointCounters counters_;
  PacketObserver* observer_ = nullptr;
  uint32_t next_id_ = 1;
  std::map<uint32_t, std::unique_ptr<Association>> associations_;
  std::unordered_map<PeerKey, uint32_t, PeerKeyHash> by_peer_;
  std::deque<OwnedPacket> stateless_;
  std::deque<Event> events_;  // events of associations already removed
  std::vector<uint8_t> transmit_buffer_;
  uint32_t transmit_cursor_ = 0;

  EndpointServices services() { return {config_, random_, cookies_}; }

  Association* find(const wire::IpAddress& address, uint16_t port) {
    auto it = by_peer_.find({address, port});
    if (it == by_peer_.end()) return nullptr;
    auto a = associations_.find(it->second);
    return a == associations_.end() ? nullptr : a->second.get();
  }

  void index(Association& a) {
    for (const auto& address : a.peer_addresses()) by_peer_[{address, a.peer_port()}] = a.id().value;
  }

  void forget(uint32_t id) {
    for (auto it = by_peer_.begin(); it != by_peer_.end();) {
      it = it->second == id ? by_peer_.erase(it) : std::next(it);
    }
    associations_.erase(id);
  }

  // Closed associations whose last event was taken and last packet (ABORT, SHUTDOWN COMPLETE) sent
  // are forgotten with their demultiplexing entries: the ports and tags are free again.
  void reap() {
    for (auto it = associations_.begin(); it != associations_.end();) {
      const uint32_t id = it->first;
      const bool done = it->second->finished();
      ++it;
      if (done) forget(id);
    }
  }

  void queue_stateless(OwnedPacket packet) {
    if (stateless_.size() >= kMaxStatelessReplies) stateless_.pop_front();
    stateless_.push_back(std::move(packet));
    ++stateless_queued_;
  }
  uint64_t stateless_queued_ = 0;

  PacketDisposition handle_packet(wire::Bytes bytes, const wire::IpAddress& source, const wire::IpAddress& destination,
                     TimePoint now);
  void handle_out_of_the_blue(const wire::PacketView& packet, const wire::IpAddress& source,
                              const wire::IpAddress& destination, TimePoint now);
  void answer_init(const wire::InitChunk& init, const wire::PacketView& packet, const wire::IpAddress& source,
                   const wire::IpAddress& destination, TimePoint now);
  void accept_cookie(const wire::CookieEchoChunk& echo, const wire::PacketView& packet,
                     const wire::IpAddress& source, const wire::IpAddress& destination, TimePoint now);
};

PacketDisposition EndpointImpl::handle_packet(wire::Bytes bytes, const wire::IpAddress& source,
                                              const wire::IpAddress& destination, TimePoint now) {
  ++counters_.packets_received;
  if (observer_) observer_->on_packet(PacketObserver::Direction::Received, source, destination, bytes, now);
  auto parsed = wire::PacketView::parse(bytes);
  if (!parsed) {
    ++counters_.malformed;
    return PacketDisposition::Dropped;
  }
  const wire::PacketView& packet = *parsed;
  // Not ours: another stack's port.
  if (packet.header().destination_port != config_.local_port) return PacketDisposition::Dropped;
  // RFC 9260 6.8: a packet with a bad checksum is silently discarded.
  if (!wire::verify_checksum(bytes)) {
    ++counters_.checksum_errors;
    return PacketDisposition::Dropped;
  }
  if (packet.chunk_count() == 0) return PacketDisposition::Dropped;
  Association* association = find(source, packet.header().source_port);
  if (!association && packet.begin()->type == wire::InitChunk::kType) {
    // RFC 9260 5.1.2 rule 4: an INIT listing an address of an existing association belongs to it.
    if (auto init = wire::InitChunk::parse(*packet.begin())) {
      const InitParameters parameters = read_init_parameters(init->parameters);
      for (const auto& a : parameters.addresses) {
        if ((association = find(a, packet.header().source_port))) break;
      }
    }
  }
  if (!association) {
    const uint32_t ids_before = next_id_;
    const uint64_t replies_before = stateless_queued_;
    handle_out_of_the_blue(packet, source, destination, now);
    // RFC 9260 5.1.5: only a State Cookie that passed its MAC check creates an association.
    if (next_id_ != ids_before) return PacketDisposition::Accepted;
    return stateless_queued_ != replies_before ? PacketDisposition::AnsweredStateless : PacketDisposition::Dropped;
  }
  const bool accepted = association->handle_packet(packet, source, destination, now);
  if (!accepted) ++counters_.bad_verification_tag;
  // RFC 9260 5.1.2: the INIT ACK (or a restart) told us the peer's addresses; packets from each of
  // them belong to this association from now on.
  if (association->take_peer_addresses_changed()) index(*association);
  return accepted ? PacketDisposition::Accepted : PacketDisposition::Dropped;
}

void EndpointImpl::handle_out_of_the_blue(const wire::PacketView& packet, const wire::IpAddress& source,
                                          const wire::IpAddress& destination, TimePoint now) {
  // RFC 9260 8.4, in its order.
  if (!is_unicast(source) || !is_unicast(destination)) return;  // rule 1
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
  if (has_abort) return;  // rule 2
  if (first.type == wire::InitChunk::kType) {  // rule 3
    // RFC 9260 8.5.1 A: only a lone INIT with tag 0 is processed.
    if (packet.header().verification_tag.value() != 0 || packet.chunk_count() != 1) return;
    auto init = wire::InitChunk::parse(first);
    if (!init) {
      ++counters_.malformed;
      return;
    }
    answer_init(*init, packet, source, destination, now);
    return;
  }
  if (first.type == wire::CookieEchoChunk::kType) {  // rule 4
    auto echo = wire::CookieEchoChunk::parse(first);
    if (echo) accept_cookie(*echo, packet, source, destination, now);
    return;
  }
  ++counters_.out_of_the_blue;
  if (has_shutdown_ack) {  // rule 5: SHUTDOWN COMPLETE, reflecting the tag, T set
    queue_stateless(build_single(reply, packet.header().verification_tag, wire::ShutdownCompleteChunk{true}));
    return;
  }
  if (has_shutdown_complete || has_cookie_ack || has_stale_cookie) return;  // rules 6 and 7
  // Rule 8: ABORT reflecting the packet's tag, T set.
  queue_stateless(build_abort(reply, packet.header().verification_tag, true, {}));
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
  const InitParameters parameters = read_init_parameters(init.parameters);
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
  // RFC 9260 5.1 step 2: INIT ACK with a signed State Cookie; no state is kept.
  CookieContents cookie;
  cookie.created = now;
  cookie.lifetime = config_.valid_cookie_life;
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
  cookie.peer_init = raw.whole;
  std::vector<uint8_t> signed_cookie(CookieAuthority::size_for(raw.whole.size()));
  signed_cookie.resize(cookies_.sign(cookie, signed_cookie));
  const InitOffer offer{cookie.local_tag, config_.receive_buffer, config_.outbound_streams,
                        config_.max_inbound_streams, cookie.local_initial_tsn};
  queue_stateless(build_init_ack(reply, init.initiate_tag, offer, signed_cookie, config_.local_addresses,
                                 parameters.unrecognized));
  ++counters_.inits_answered;
}

void EndpointImpl::accept_cookie(const wire::CookieEchoChunk& echo, const wire::PacketView& packet,
                                 const wire::IpAddress& source, const wire::IpAddress& destination, TimePoint now) {
  const CookieCheck check = cookies_.verify(echo.cookie, now);
  switch (check.verdict) {
    case CookieVerdict::Ok:
      break;
    case CookieVerdict::Stale: {
      // RFC 9260 5.1.5 step 4: ERROR with Stale Cookie, tagged for the peer.
      ++counters_.cookies_stale;
      const PacketEnds reply{destination, source, config_.local_port, packet.header().source_port};
      auto cause = encode_cause(wire::StaleCookie{check.staleness_us});
      queue_stateless(build_single(reply, check.contents.peer_tag, wire::ErrorChunk{cause}));
      return;
    }
    case CookieVerdict::BadMac:
    case CookieVerdict::UnknownKey:
    case CookieVerdict::Malformed:
      // RFC 9260 5.1.5 steps 1-2: silently discarded, with any DATA bundled.
      ++counters_.cookies_bad_mac;
      return;
  }
  const CookieContents& c = check.contents;
  // RFC 9260 5.1.5 step 3.
  if (c.local_port != config_.local_port || c.peer_port != packet.header().source_port ||
      c.local_tag != packet.header().verification_tag) {
    return;
  }
  wire::ChunkReader reader(c.peer_init);
  auto raw_init = reader.next();
  if (!raw_init || !*raw_init) return;
  auto init = wire::InitChunk::parse(**raw_init);
  if (!init) return;
  if (associations_.size() >= config_.max_associations) {
    ++counters_.associations_refused;
    const PacketEnds reply{destination, source, config_.local_port, packet.header().source_port};
    queue_stateless(build_abort(reply, c.peer_tag, false, encode_cause(wire::OutOfResource{})));
    return;
  }
  auto addresses = peer_addresses(c.peer_address, read_init_parameters(init->parameters));
  if (std::find(addresses.begin(), addresses.end(), source) == addresses.end()) addresses.push_back(source);
  const AssociationId id{next_id_++};
  auto association = std::make_unique<Association>(id, services(), c, *init, addresses, destination, now);
  Association& a = *association;
  associations_.emplace(id.value, std::move(association));
  index(a);
  // The same packet, now for the association: its COOKIE ECHO gets the COOKIE ACK (5.2.4 case D)
  // and bundled DATA is received like any other.
  a.handle_packet(packet, source, destination, now);
}

// ---------------------------------------------------------------- Endpoint

Endpoint::Endpoint(const EndpointConfig& config, RandomSource& random, TimePoint now)
    : impl_(std::make_unique<EndpointImpl>(config, random, now)) {}
Endpoint::~Endpoint() = default;

PacketDisposition Endpoint::handle_packet(wire::Bytes packet, const wire::IpAddress& source,
                                          const wire::IpAddress& destination, TimePoint now) {
  return impl_->handle_packet(packet, source, destination, now);
}

void Endpoint::handle_timeout(TimePoint now) {
  if (now >= impl_->next_rotation_) {
    // RFC 9260 5.1.3: change the cookie secret reasonably frequently.
    impl_->cookies_.rotate(impl_->random_);
    impl_->next_rotation_ = now + impl_->config_.cookie_secret_lifetime;
  }
  for (auto& [id, association] : impl_->associations_) association->handle_timeout(now);
}

std::variant<AssociationId, ConnectError> Endpoint::connect(const ConnectRequest& request, TimePoint now) {
  if (request.remote_addresses.empty()) return ConnectError::NoAddress;
  if (impl_->associations_.size() >= impl_->config_.max_associations) return ConnectError::TooManyAssociations;
  if (impl_->find(request.remote_addresses.front(), request.remote_port)) return ConnectError::NotAllowed;
  const AssociationId id{impl_->next_id_++};
  auto association = std::make_unique<Association>(id, impl_->services(), request, now);
  impl_->index(*association);
  impl_->associations_.emplace(id.value, std::move(association));
  return id;
}

SendResult Endpoint::send(AssociationId id, wire::Bytes message, wire::StreamId stream, wire::Ppid ppid,
                          bool unordered, TimePoint now) {
  auto it = impl_->associations_.find(id.value);
  if (it == impl_->associations_.end()) return SendResult::NotConnected;
  return it->second->send(message, stream, ppid, unordered, now);
}

void Endpoint::shutdown(AssociationId id, TimePoint now) {
  auto it = impl_->associations_.find(id.value);
  if (it != impl_->associations_.end()) it->second->shutdown(now);
}

void Endpoint::abort(AssociationId id, std::string_view reason, TimePoint now) {
  auto it = impl_->associations_.find(id.value);
  if (it != impl_->associations_.end()) it->second->abort(reason, now);
}

std::optional<Transmit> Endpoint::poll_transmit(TimePoint now) {
  auto& impl = *impl_;
  auto observe = [&](const Transmit& t) {
    if (impl.observer_) {
      impl.observer_->on_packet(PacketObserver::Direction::Sent, t.source, t.destination, t.packet, now);
    }
    return t;
  };
  if (!impl.stateless_.empty()) {
    OwnedPacket p = std::move(impl.stateless_.front());
    impl.stateless_.pop_front();
    std::copy(p.bytes.begin(), p.bytes.end(), impl.transmit_buffer_.begin());
    return observe(Transmit{p.source, p.destination, wire::Bytes(impl.transmit_buffer_.data(), p.bytes.size())});
  }
  // An association whose ClosedEvent was taken before its ABORT or SHUTDOWN COMPLETE went out is
  // finished only now, and nothing else would look at it again.
  impl.reap();
  // Round-robin over associations so one busy association cannot starve the others.
  if (impl.associations_.empty()) return std::nullopt;
  auto start = impl.associations_.lower_bound(impl.transmit_cursor_);
  for (size_t visited = 0; visited < impl.associations_.size(); ++visited) {
    if (start == impl.associations_.end()) start = impl.associations_.begin();
    auto transmit = start->second->poll_transmit(now, impl.transmit_buffer_);
    const uint32_t id = start->first;
    ++start;
    impl.transmit_cursor_ = start == impl.associations_.end() ? 0 : start->first;
    if (transmit) {
      impl.transmit_cursor_ = id;  // keep draining this one while it has packets
      return observe(*transmit);
    }
  }
  return std::nullopt;
}

void Endpoint::recycle(MessageEvent&& message) {
  auto it = impl_->associations_.find(message.id.value);
  if (it != impl_->associations_.end()) it->second->recycle(std::move(message.data));
}

std::optional<Event> Endpoint::poll_event() {
  auto& impl = *impl_;
  if (!impl.events_.empty()) {
    Event e = std::move(impl.events_.front());
    impl.events_.pop_front();
    return e;
  }
  for (auto it = impl.associations_.begin(); it != impl.associations_.end();) {
    auto event = it->second->poll_event();
    if (it->second->finished()) {
      // Closed, its last packets sent: remember nothing of it but the event just taken.
      const uint32_t id = it->first;
      ++it;
      impl.forget(id);
      if (event) return event;
      continue;
    }
    if (event) return event;
    ++it;
  }
  return std::nullopt;
}

std::optional<TimePoint> Endpoint::next_timeout() const {
  std::optional<TimePoint> next = impl_->next_rotation_;
  for (const auto& [id, association] : impl_->associations_) {
    if (auto t = association->next_timeout(); t && (!next || *t < *next)) next = t;
  }
  return next;
}

std::optional<AssociationStatus> Endpoint::status(AssociationId id) const {
  auto it = impl_->associations_.find(id.value);
  if (it == impl_->associations_.end()) return std::nullopt;
  return it->second->status();
}

std::vector<AssociationId> Endpoint::associations() const {
  std::vector<AssociationId> out;
  for (const auto& [id, a] : impl_->associations_) out.push_back(a->id());
  return out;
}

const EndpointConfig& Endpoint::config() const { return impl_->config_; }
const EndpointCounters& Endpoint::counters() const { return impl_->counters_; }
void Endpoint::set_observer(PacketObserver* observer) { impl_->observer_ = observer; }

void Endpoint::set_heartbeat(AssociationId id, bool enabled, Duration interval) {
  auto it = impl_->associations_.find(id.value);
  if (it != impl_->associations_.end()) it->second->set_heartbeat(enabled, interval);
}

}  // namespace sctpkit::assoc
