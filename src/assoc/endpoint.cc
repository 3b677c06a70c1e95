// The endpoint: demultiplexing (RFC 9260 5.1.2 implementation note), stateless INIT handling with
// the State Cookie (5.1, 5.1.3, 5.1.5), out-of-the-blue packets (8.4) and the association table.
#include "assoc/endpoint.h"

#include <algorithm>
#include <functional>
#include <queue>
#include <unordered_map>

#include "assoc/association.h"
#include "assoc/cookie.h"
#include "assoc/handshake.h"
#include "assoc/tx/ring.h"
#include "wire/chunk.h"
#include "wire/control_chunks.h"
#include "wire/error_causes.h"

namespace sctpkit::assoc {
namespace {

constexpr size_t kMaxStatelessReplies = 64;
constexpr size_t kTransmitBufferSize = 65536;

// RFC 9260 5.1.2: a packet belongs to the association of its (peer address, peer port) on the
// local port it came to; associations opened with ConnectRequest::local_port sit on other ports.
struct PeerKey {
  wire::IpAddress address;
  uint16_t port;
  uint16_t local_port;
  bool operator==(const PeerKey&) const = default;
};
struct PeerKeyHash {
  size_t operator()(const PeerKey& k) const noexcept {
    return std::hash<wire::IpAddress>{}(k.address) * 31 + (size_t{k.port} << 16 | k.local_port);
  }
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
        transmit_buffer_(kTransmitBufferSize), sack_scratch_(config.max_packet_size) {}

  // An association and where it stands in the endpoint's work lists. Every input, user call and
  // poll touches only the associations it concerns, so the work per call does not grow with the
  // number of associations (thousands of idle ones cost nothing while others are busy).
  struct Slot {
    std::unique_ptr<Association> association;
    std::optional<TimePoint> deadline;  // its next_timeout() as entered in timers_
    bool transmit_listed = false;       // in transmit_ready_
    bool event_listed = false;          // in event_ready_
    bool deadline_stale = false;        // in stale_deadlines_
  };
  using TimerEntry = std::pair<TimePoint, uint32_t>;

  EndpointConfig config_;
  RandomSource& random_;
  CookieAuthority cookies_;
  TimePoint next_rotation_;
  EndpointCounters counters_;
  PacketObserver* observer_ = nullptr;
  uint32_t next_id_ = 1;
  std::unordered_map<uint32_t, Slot> associations_;
  std::unordered_map<PeerKey, uint32_t, PeerKeyHash> by_peer_;
  // Associations that may have a packet to send / an event to hand out, in the order they were
  // touched. Ids of forgotten associations are skipped when they come up (ids are never reused).
  Ring<uint32_t> transmit_ready_;  // rings: no allocation per touch once grown (a deque's is per block)
  Ring<uint32_t> event_ready_;
  // Min-heap of deadlines. An entry whose time no longer matches its slot's deadline is stale and
  // dropped when it reaches the top; compact() bounds how many can pile up.
  // A std::vector kept as a heap (not a std::priority_queue): compact() prunes it in place, so
  // it keeps its capacity and steady traffic allocates nothing.
  mutable std::vector<TimerEntry> timers_;
  // Associations whose deadline may have moved since it was entered in timers_. Asking an
  // association for its next_timeout() walks all its timers, and a busy association is touched
  // several times per packet: the deadlines are brought up to date once, when the embedder asks
  // for the next timeout or runs the timers, for every association touched since.
  std::vector<uint32_t> stale_deadlines_;
  std::vector<uint32_t> due_;  // handle_timeout's scratch
  std::deque<OwnedPacket> stateless_;
  std::deque<Event> events_;  // events of associations already removed
  std::vector<uint8_t> transmit_buffer_;
  SackScratch sack_scratch_;
  // Every association refers to this one copy (a reference each, not four).
  const EndpointServices services_{config_, random_, cookies_, sack_scratch_};

  const EndpointServices& services() const { return services_; }

  // The association of the last lookup: a busy one is looked up several times per packet (its
  // peer, its slot, its touch) and per poll. std::unordered_map never moves its elements, so the
  // pointers stay valid until the entry is erased (forget() drops them).
  uint32_t last_id_ = 0;  // ids start at 1
  Slot* last_slot_ = nullptr;
  std::optional<std::pair<PeerKey, uint32_t>> last_peer_;

  Slot* slot(uint32_t id) {
    if (id == last_id_) return last_slot_;
    auto it = associations_.find(id);
    if (it == associations_.end()) return nullptr;
    last_id_ = id;
    last_slot_ = &it->second;
    return last_slot_;
  }
  Association* association(uint32_t id) {
    Slot* s = slot(id);
    return s ? s->association.get() : nullptr;
  }

  Association* find(const wire::IpAddress& address, uint16_t port, uint16_t local_port) {
    const PeerKey key{address, port, local_port};
    if (last_peer_ && last_peer_->first == key) return association(last_peer_->second);
    auto it = by_peer_.find(key);
    if (it == by_peer_.end()) return nullptr;
    last_peer_.emplace(key, it->second);
    return association(it->second);
  }

  void index(Association& a) {
    last_peer_.reset();
    for (const auto& address : a.peer_addresses()) {
      by_peer_[{address, a.peer_port(), a.local_port()}] = a.id().value;
    }
  }

  Association& add(std::unique_ptr<Association> association) {
    Association& a = *association;
    const uint32_t id = a.id().value;
    Slot& s = associations_[id];
    s.association = std::move(association);
    index(a);
    touch(id, s);
    return a;
  }

  void forget(uint32_t id) {
    Slot* s = slot(id);
    if (!s) return;
    const Association& a = *s->association;
    last_peer_.reset();
    // Only the entries still naming this association: a restart may have handed one to another.
    for (const auto& address : a.peer_addresses()) {
      auto it = by_peer_.find({address, a.peer_port(), a.local_port()});
      if (it != by_peer_.end() && it->second == id) by_peer_.erase(it);
    }
    last_id_ = 0;
    last_slot_ = nullptr;
    associations_.erase(id);
  }

  // Something happened to the association: it may have packets, events and a new deadline.
  void touch(uint32_t id, Slot& s) {
    list_transmit(id, s);
    list_event(id, s);
    reschedule(id, s);
  }
  void list_transmit(uint32_t id, Slot& s) {
    if (s.transmit_listed) return;
    s.transmit_listed = true;
    transmit_ready_.push_back(id);
  }
  void list_event(uint32_t id, Slot& s) {
    if (s.event_listed) return;
    s.event_listed = true;
    event_ready_.push_back(id);
  }
  void reschedule(uint32_t id, Slot& s) {
    if (s.deadline_stale) return;
    s.deadline_stale = true;
    stale_deadlines_.push_back(id);
  }
  // Enters the deadlines of every association rescheduled since the last call.
  void refresh_deadlines() {
    for (uint32_t id : stale_deadlines_) {
      Slot* s = slot(id);
      if (!s) continue;  // forgotten since
      s->deadline_stale = false;
      refresh_deadline(id, *s);
    }
    stale_deadlines_.clear();
  }
  void refresh_deadline(uint32_t id, Slot& s) {
    ++counters_.deadline_refreshes;
    const std::optional<TimePoint> next = s.association->next_timeout();
    if (next == s.deadline) return;
    s.deadline = next;
    if (next) {
      timers_.emplace_back(*next, id);
      std::push_heap(timers_.begin(), timers_.end(), std::greater<>{});
    }
    if (timers_.size() > 2 * associations_.size() + 64) compact();
  }
  void compact() {
    // Stale entries go, and so do repeats of a live one (a deadline that came back to an earlier
    // value): one entry per association with a deadline, as when each was first entered.
    std::erase_if(timers_, [this](const TimerEntry& entry) { return stale(entry); });
    std::sort(timers_.begin(), timers_.end());
    timers_.erase(std::unique(timers_.begin(), timers_.end()), timers_.end());
    std::make_heap(timers_.begin(), timers_.end(), std::greater<>{});
  }
  // Drops stale entries off the top of the heap.
  void settle_timers() const {
    while (!timers_.empty() && stale(timers_.front())) pop_timer();
  }
  bool stale(const TimerEntry& entry) const {
    auto it = associations_.find(entry.second);
    return it == associations_.end() || it->second.deadline != entry.first;
  }
  void pop_timer() const {
    std::pop_heap(timers_.begin(), timers_.end(), std::greater<>{});
    timers_.pop_back();
  }
  void handle_timeout(TimePoint now);
  std::optional<Transmit> poll_transmit(TimePoint now);
  std::optional<Event> poll_event();

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
  const uint16_t port = packet.header().destination_port;
  Association* association = find(source, packet.header().source_port, port);
  // Not ours: another stack's port (or one of our client ports with no association on it).
  if (!association && port != config_.local_port) return PacketDisposition::Dropped;
  // RFC 9260 6.8: a packet with a bad checksum is silently discarded.
  if (!wire::verify_checksum(bytes)) {
    ++counters_.checksum_errors;
    return PacketDisposition::Dropped;
  }
  if (packet.chunk_count() == 0) return PacketDisposition::Dropped;
  if (!association && packet.begin()->type == wire::InitChunk::kType) {
    // RFC 9260 5.1.2 rule 4: an INIT listing an address of an existing association belongs to it.
    if (auto init = wire::InitChunk::parse(*packet.begin())) {
      const InitParameters parameters = read_init_parameters(init->parameters);
      for (const auto& a : parameters.addresses) {
        if ((association = find(a, packet.header().source_port, port))) break;
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
  const uint32_t id = association->id().value;
  touch(id, *slot(id));
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
  Association& a = add(std::make_unique<Association>(id, services(), c, *init, addresses, destination, now));
  // The same packet, now for the association: its COOKIE ECHO gets the COOKIE ACK (5.2.4 case D)
  // and bundled DATA is received like any other.
  a.handle_packet(packet, source, destination, now);
  touch(id.value, *slot(id.value));
}

void EndpointImpl::handle_timeout(TimePoint now) {
  if (now >= next_rotation_) {
    // RFC 9260 5.1.3: change the cookie secret reasonably frequently.
    cookies_.rotate(random_);
    next_rotation_ = now + config_.cookie_secret_lifetime;
  }
  // Collected first: an association still due after its handle_timeout waits for the next call,
  // as before, instead of spinning here.
  refresh_deadlines();
  due_.clear();
  for (settle_timers(); !timers_.empty() && timers_.front().first <= now; settle_timers()) {
    const uint32_t id = timers_.front().second;
    pop_timer();
    slot(id)->deadline.reset();
    due_.push_back(id);
  }
  for (uint32_t id : due_) {
    Slot* s = slot(id);
    if (!s) continue;
    ++counters_.association_visits;
    s->association->handle_timeout(now);
    touch(id, *s);
  }
}

std::optional<Transmit> EndpointImpl::poll_transmit(TimePoint now) {
  while (!transmit_ready_.empty()) {
    const uint32_t id = transmit_ready_.front();
    Slot* s = slot(id);
    if (!s) {
      transmit_ready_.pop_front();
      continue;
    }
    ++counters_.association_visits;
    auto transmit = s->association->poll_transmit(now, transmit_buffer_);
    // Sending starts timers (T3-rtx, T1, T2) and may close it (ABORT): new deadline, new events.
    reschedule(id, *s);
    if (transmit) {
      list_event(id, *s);
      return transmit;  // keep draining this one while it has packets
    }
    transmit_ready_.pop_front();
    s->transmit_listed = false;
    // Closed, with its last packet (ABORT, SHUTDOWN COMPLETE) sent and its ClosedEvent taken.
    if (s->association->finished()) forget(id);
  }
  return std::nullopt;
}

std::optional<Event> EndpointImpl::poll_event() {
  if (!events_.empty()) {
    Event e = std::move(events_.front());
    events_.pop_front();
    return e;
  }
  while (!event_ready_.empty()) {
    const uint32_t id = event_ready_.front();
    Slot* s = slot(id);
    if (!s) {
      event_ready_.pop_front();
      continue;
    }
    ++counters_.association_visits;
    auto event = s->association->poll_event();
    if (event) {
      // A delivered message frees receive window (a window update to send); a taken ClosedEvent
      // may let it finish.
      list_transmit(id, *s);
      reschedule(id, *s);
    } else {
      event_ready_.pop_front();
      s->event_listed = false;
    }
    // Closed, its last packets sent: remember nothing of it but the event just taken.
    if (s->association->finished()) forget(id);
    if (event) return event;
  }
  return std::nullopt;
}

// ---------------------------------------------------------------- Endpoint

Endpoint::Endpoint(const EndpointConfig& config, RandomSource& random, TimePoint now)
    : impl_(std::make_unique<EndpointImpl>(config, random, now)) {}
Endpoint::~Endpoint() = default;

PacketDisposition Endpoint::handle_packet(wire::Bytes packet, const wire::IpAddress& source,
                                          const wire::IpAddress& destination, TimePoint now) {
  return impl_->handle_packet(packet, source, destination, now);
}

void Endpoint::handle_timeout(TimePoint now) { impl_->handle_timeout(now); }

std::variant<AssociationId, ConnectError> Endpoint::connect(const ConnectRequest& request, TimePoint now) {
  auto& impl = *impl_;
  if (request.remote_addresses.empty()) return ConnectError::NoAddress;
  if (impl.associations_.size() >= impl.config_.max_associations) return ConnectError::TooManyAssociations;
  const uint16_t local_port = request.local_port.value_or(impl.config_.local_port);
  if (local_port == 0) return ConnectError::NotAllowed;
  if (impl.find(request.remote_addresses.front(), request.remote_port, local_port)) return ConnectError::NotAllowed;
  const AssociationId id{impl.next_id_++};
  impl.add(std::make_unique<Association>(id, impl.services(), request, now));
  return id;
}

namespace {
// Runs a user call on one association and lists it for the work the call may have made.
template <typename F>
auto with_association(EndpointImpl& impl, AssociationId id, F&& call) -> std::optional<decltype(call(std::declval<Association&>()))> {
  EndpointImpl::Slot* s = impl.slot(id.value);
  if (!s) return std::nullopt;
  auto result = call(*s->association);
  impl.touch(id.value, *s);
  return result;
}
}  // namespace

SendResult Endpoint::send(AssociationId id, wire::Bytes message, wire::StreamId stream, wire::Ppid ppid,
                          bool unordered, TimePoint now) {
  return with_association(*impl_, id, [&](Association& a) { return a.send(message, stream, ppid, unordered, now); })
      .value_or(SendResult::NotConnected);
}

SendResult Endpoint::send(AssociationId id, std::vector<uint8_t>&& message, wire::StreamId stream, wire::Ppid ppid,
                          bool unordered, TimePoint now) {
  return with_association(*impl_, id,
                          [&](Association& a) { return a.send(std::move(message), stream, ppid, unordered, now); })
      .value_or(SendResult::NotConnected);
}

std::vector<uint8_t> Endpoint::take_send_buffer(AssociationId id) {
  Association* a = impl_->association(id.value);
  return a ? a->take_send_buffer() : std::vector<uint8_t>{};
}

void Endpoint::shutdown(AssociationId id, TimePoint now) {
  with_association(*impl_, id, [&](Association& a) { return (a.shutdown(now), true); });
}

void Endpoint::abort(AssociationId id, std::string_view reason, TimePoint now) {
  with_association(*impl_, id, [&](Association& a) { return (a.abort(reason, now), true); });
}

std::optional<Transmit> Endpoint::poll_transmit(TimePoint now) {
  auto& impl = *impl_;
  std::optional<Transmit> t;
  if (!impl.stateless_.empty()) {
    OwnedPacket p = std::move(impl.stateless_.front());
    impl.stateless_.pop_front();
    std::copy(p.bytes.begin(), p.bytes.end(), impl.transmit_buffer_.begin());
    t = Transmit{p.source, p.destination, wire::Bytes(impl.transmit_buffer_.data(), p.bytes.size())};
  } else {
    t = impl.poll_transmit(now);
  }
  if (t && impl.observer_) {
    impl.observer_->on_packet(PacketObserver::Direction::Sent, t->source, t->destination, t->packet, now);
  }
  return t;
}

void Endpoint::recycle(MessageEvent&& message) {
  if (Association* a = impl_->association(message.id.value)) a->recycle(std::move(message.data));
}

std::optional<Event> Endpoint::poll_event() { return impl_->poll_event(); }

std::optional<TimePoint> Endpoint::next_timeout() const {
  impl_->refresh_deadlines();
  impl_->settle_timers();
  std::optional<TimePoint> next = impl_->next_rotation_;
  if (!impl_->timers_.empty()) next = std::min(*next, impl_->timers_.front().first);
  return next;
}

std::optional<AssociationStatus> Endpoint::status(AssociationId id) const {
  const Association* a = impl_->association(id.value);
  if (!a) return std::nullopt;
  return a->status();
}

std::vector<AssociationId> Endpoint::associations() const {
  std::vector<AssociationId> out;
  out.reserve(impl_->associations_.size());
  for (const auto& [id, s] : impl_->associations_) out.push_back(AssociationId{id});
  std::sort(out.begin(), out.end(), [](AssociationId a, AssociationId b) { return a.value < b.value; });
  return out;
}

const EndpointConfig& Endpoint::config() const { return impl_->config_; }
const EndpointCounters& Endpoint::counters() const { return impl_->counters_; }
void Endpoint::set_observer(PacketObserver* observer) { impl_->observer_ = observer; }

void Endpoint::set_heartbeat(AssociationId id, bool enabled, Duration interval) {
  with_association(*impl_, id, [&](Association& a) { return (a.set_heartbeat(enabled, interval), true); });
}

}  // namespace sctpkit::assoc
