// The endpoint: demultiplexing (RFC 9260 5.1.2 implementation note), the association table and the
// work lists; the handshake answers without an association are in endpoint_handshake.cc.
#include "assoc/endpoint_impl.h"

namespace sctpkit::assoc {

PacketDisposition EndpointImpl::handle_packet(wire::Bytes bytes, const wire::IpAddress& source,
                                              const wire::IpAddress& destination, TimePoint now,
                                              uint16_t encapsulation_port) {
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
    if (auto init = wire::InitChunk::parse(*packet.begin())) association = find_listed(init->parameters, packet, port);
  } else if (!association && packet.begin()->type == wire::InitAckChunk::kType) {
    // ... and so does an INIT ACK: a multi-homed peer may answer our INIT from another of its
    // addresses, listing the one we sent to (usrsctp does). The association still checks its tag.
    if (auto ack = wire::InitAckChunk::parse(*packet.begin())) association = find_listed(ack->parameters, packet, port);
  }
  std::optional<CookieCheck> owner_check;
  if (!association) {
    const uint32_t ids_before = next_id_;
    const uint64_t replies_before = stateless_queued_;
    // A COOKIE ECHO whose cookie names an existing association comes back as that association's.
    association = handle_out_of_the_blue(packet, source, destination, now, owner_check);
    if (!association) {
      // RFC 9260 5.1.5: only a State Cookie that passed its MAC check creates an association.
      if (next_id_ != ids_before) {
        if (Slot* created = slot(next_id_ - 1)) learn_encapsulation_port(*created, source, encapsulation_port);
        return PacketDisposition::Accepted;
      }
      return stateless_queued_ != replies_before ? PacketDisposition::AnsweredStateless : PacketDisposition::Dropped;
    }
  }
  const uint32_t id = association->id().value;
  Slot& s = *slot(id);
  const bool is_init = packet.begin()->type == wire::InitChunk::kType;
  const std::optional<wire::InitChunk> init = is_init ? processable_init(packet) : std::nullopt;
  if (init && refuse_new_encapsulation_port(s, *init, packet, source, destination, encapsulation_port)) {
    return PacketDisposition::AnsweredStateless;
  }
  // The association counts why it dropped a packet (a wrong tag is one reason of several).
  const PacketDisposition disposition =
      owner_check ? association->handle_packet(packet, source, destination, now, *owner_check)
                  : association->handle_packet(packet, source, destination, now);
  // RFC 9260 5.1.2: the INIT ACK (or a restart) told us the peer's addresses; packets from each of
  // them belong to this association from now on.
  if (association->take_peer_addresses_changed()) index(*association);
  touch(id, s);
  if (disposition != PacketDisposition::Accepted) return disposition;
  // RFC 6951 5.4: the port is stored "after finding the SCTP association (which includes checking
  // the verification tag)"; an INIT carries tag 0, so nothing verified it and it teaches nothing.
  // One the association discarded has no answer to send back to its port either.
  if (is_init) return init ? PacketDisposition::AnsweredStateless : PacketDisposition::Dropped;
  learn_encapsulation_port(s, source, encapsulation_port);
  return PacketDisposition::Accepted;
}

Association* EndpointImpl::find_listed(wire::Bytes init_parameters, const wire::PacketView& packet, uint16_t port) {
  const InitParameters parameters = read_init_parameters(init_parameters, config_.max_peer_addresses);
  for (const auto& a : parameters.addresses)
    if (Association* found = find(a, packet.header().source_port, port)) return found;
  return nullptr;
}

void EndpointImpl::learn_encapsulation_port(Slot& s, const wire::IpAddress& source, uint16_t port) {
  // RFC 6951 5.4: the UDP source port of a verified packet is the encapsulation port of the peer
  // address it came from. Packets reach an association only from its peer addresses, which bound
  // the list; nearly always the first entry is the one. Raw IP's packets (port 0) leave it empty,
  // so that their associations hold no list.
  if (port == 0 && s.encapsulation_ports.empty()) return;
  for (auto& [address, known] : s.encapsulation_ports) {
    if (address == source) {
      known = port;
      return;
    }
  }
  s.encapsulation_ports.emplace_back(source, port);
}

std::optional<wire::InitChunk> EndpointImpl::processable_init(const wire::PacketView& packet) {
  // RFC 9260 8.5.1 A: only a lone INIT with tag 0 is processed; 3.3.2: a zero Initiate Tag is
  // discarded. The association answers every other INIT (5.2.1, 5.2.2, 9.2).
  if (packet.header().verification_tag.value() != 0 || packet.chunk_count() != 1) return std::nullopt;
  auto init = wire::InitChunk::parse(*packet.begin());
  if (!init || init->initiate_tag.value() == 0) return std::nullopt;
  return *init;
}

bool EndpointImpl::refuse_new_encapsulation_port(const Slot& s, const wire::InitChunk& init,
                                                 const wire::PacketView& packet, const wire::IpAddress& source,
                                                 const wire::IpAddress& destination, uint16_t port) {
  // draft-tuexen-tsvwg-sctp-udp-encaps-cons 4 (updating RFC 6951 5.4): an INIT that matches an
  // existing association but arrives from another UDP source port than the encapsulation port of
  // its path is answered with an ABORT carrying "Restart of an Association with New Encapsulation
  // Port" (4.4), and the association is left alone. Raw IP packets all have port 0: never refused.
  const auto known = std::find_if(s.encapsulation_ports.begin(), s.encapsulation_ports.end(),
                                  [&](const auto& entry) { return entry.first == source; });
  if (known == s.encapsulation_ports.end() || known->second == port) return false;
  // RFC 9260 8.4 rule 3 / 5.2.2: an ABORT answering an INIT carries its Initiate Tag, T bit clear.
  const PacketEnds reply{destination, source, packet.header().destination_port, packet.header().source_port};
  queue_stateless(build_abort(reply, init.initiate_tag, false,
                              encode_cause(wire::RestartWithNewEncapsulationPort{known->second, port})));
  return true;
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

std::optional<Transmit> EndpointImpl::poll_transmit(TimePoint now, wire::MutableBytes buffer) {
  // Associations whose prebuilt answer did not fit `buffer` stay listed, moved to the back: once
  // only they are left, this call has nothing to send.
  size_t waiting = 0;
  while (transmit_ready_.size() > waiting) {
    const uint32_t id = transmit_ready_.front();
    Slot* s = slot(id);
    if (!s) {
      transmit_ready_.pop_front();
      continue;
    }
    ++counters_.association_visits;
    auto transmit = s->association->poll_transmit(now, buffer);
    // Sending starts timers (T3-rtx, T1, T2) and may close it (ABORT): new deadline, new events.
    // A poll that builds no packet moves a timer only through work that is due by the clock (an
    // unanswered HEARTBEAT, RFC 9260 8.3), which cannot come before the deadline entered for the
    // association: an application that sends while the congestion window is full polls after
    // every send(), and recomputing the deadline each time was a fifth of the sender's time.
    if (transmit || !s->deadline || *s->deadline <= now) reschedule(id, *s);
    if (transmit) {
      list_event(id, *s);
      return transmit;  // keep draining this one while it has packets
    }
    transmit_ready_.pop_front();
    if (s->association->prebuilt_waiting()) {
      transmit_ready_.push_back(id);
      ++waiting;
      continue;
    }
    s->transmit_listed = false;
    // Closed, with its last packet (ABORT, SHUTDOWN COMPLETE) sent and its ClosedEvent taken.
    if (s->association->finished()) forget(id);
  }
  return std::nullopt;
}

std::optional<Event> EndpointImpl::poll_event(MessageSink* sink) {
  // One object returned from every path (no move of the Event on the way out).
  std::optional<Event> event;
  while (!event_ready_.empty()) {
    const uint32_t id = event_ready_.front();
    Slot* s = slot(id);
    if (!s) {
      event_ready_.pop_front();
      continue;
    }
    ++counters_.association_visits;
    const uint64_t taken = sink ? sink->taken() : 0;
    if (sink) {
      s->association->poll_event(event, *sink);
    } else {
      s->association->poll_event(event);
    }
    // Handing out an event moves no timer. A delivered message may free receive window: a window
    // update SACK to send (RFC 9260 6.2); only then, or after another kind of event (rare), does
    // poll_transmit have to visit the association, not once per message.
    const bool messages = event ? std::holds_alternative<MessageEvent>(*event) : sink && sink->taken() != taken;
    if ((event && !messages) || (messages && s->association->sack_owed())) list_transmit(id, *s);
    if (!event) {
      event_ready_.pop_front();
      s->event_listed = false;
    }
    // Closed, its last packets sent: remember nothing of it but the event just taken.
    if (s->association->finished()) forget(id);
    if (event) return event;
  }
  return event;
}

// ---------------------------------------------------------------- Endpoint

Endpoint::Endpoint(const EndpointConfig& config, RandomSource& random, TimePoint now)
    : impl_(std::make_unique<EndpointImpl>(config, random, now)) {}
Endpoint::~Endpoint() = default;

PacketDisposition Endpoint::handle_packet(wire::Bytes packet, const wire::IpAddress& source,
                                          const wire::IpAddress& destination, TimePoint now,
                                          uint16_t encapsulation_port) {
  return impl_->handle_packet(packet, source, destination, now, encapsulation_port);
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
  impl.add(impl.make_association(id, impl.services(), request, now));
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

// send() only queues the message (before setup, or in the DataSender's SendQueue): DATA leaves,
// and T3-rtx starts (RFC 9260 6.3.2 R1), in poll_transmit. No timer moves and no event is made
// (a refused send's SendSpaceEvent comes with the SACK that makes room), so the deadline entered
// for the association stays true and is not recomputed per message.
template <typename F>
SendResult send_with(EndpointImpl& impl, AssociationId id, F&& call) {
  EndpointImpl::Slot* s = impl.slot(id.value);
  if (!s) return SendResult::NotConnected;
  const SendResult result = call(*s->association);
  // A sender filling a full congestion window is polled after every send() (the Stack flushes
  // after each call): the SACK that opens the window lists the association again (handle_packet).
  if (result == SendResult::Ok && !s->transmit_listed && s->association->data_may_leave()) {
    impl.list_transmit(id.value, *s);
  }
  return result;
}
}  // namespace

SendResult Endpoint::send(AssociationId id, wire::Bytes message, wire::StreamId stream, wire::Ppid ppid,
                          bool unordered, TimePoint now) {
  return send_with(*impl_, id, [&](Association& a) { return a.send(message, stream, ppid, unordered, now); });
}

SendResult Endpoint::send(AssociationId id, std::vector<uint8_t>&& message, wire::StreamId stream, wire::Ppid ppid,
                          bool unordered, TimePoint now) {
  return send_with(*impl_, id, [&](Association& a) { return a.send(std::move(message), stream, ppid, unordered, now); });
}

std::vector<uint8_t> Endpoint::take_send_buffer(AssociationId id) {
  Association* a = impl_->association(id.value);
  return a ? a->take_send_buffer() : std::vector<uint8_t>{};
}

bool Endpoint::mark_last_sack_immediately(AssociationId id) {
  Association* a = impl_->association(id.value);
  return a && a->mark_last_sack_immediately();
}

void Endpoint::shutdown(AssociationId id, TimePoint now) {
  with_association(*impl_, id, [&](Association& a) { return (a.shutdown(now), true); });
}

void Endpoint::abort(AssociationId id, std::string_view reason, TimePoint now) {
  with_association(*impl_, id, [&](Association& a) { return (a.abort(reason, now), true); });
}

std::optional<Transmit> Endpoint::poll_transmit(TimePoint now) {
  return poll_transmit(now, impl_->transmit_buffer_);
}

std::optional<Transmit> Endpoint::poll_transmit(TimePoint now, wire::MutableBytes buffer) {
  auto& impl = *impl_;
  std::optional<Transmit> t;
  // A stateless answer leaves whole or not at all: one that does not fit a buffer smaller than the
  // contract's stays queued for a later call (queue_stateless keeps none larger than
  // kMaxTransmitSize, so a caller that keeps the contract gets every one), and the associations'
  // packets go meanwhile.
  // Tested for empty first: the deque's iterators cost ~110 instructions per call, and a sender
  // polls once per packet with the queue almost always empty.
  auto fits = impl.stateless_.end();
  if (!impl.stateless_.empty()) [[unlikely]] {
    fits = std::find_if(impl.stateless_.begin(), impl.stateless_.end(),
                        [&](const OwnedPacket& p) { return p.bytes.size() <= buffer.size(); });
  }
  if (fits != impl.stateless_.end()) {
    std::copy(fits->bytes.begin(), fits->bytes.end(), buffer.begin());
    t = Transmit{fits->source, fits->destination, wire::Bytes(buffer.data(), fits->bytes.size())};
    impl.stateless_.erase(fits);
  } else {
    t = impl.poll_transmit(now, buffer);
  }
  if (t && impl.observer_) {
    impl.observer_->on_packet(PacketObserver::Direction::Sent, t->source, t->destination, t->packet, now);
  }
  return t;
}

void Endpoint::recycle(MessageEvent&& message) { recycle(message.id, std::move(message.data)); }

void Endpoint::recycle(AssociationId id, std::vector<uint8_t>&& buffer) {
  if (Association* a = impl_->association(id.value)) a->recycle(std::move(buffer));
}

bool Endpoint::consumed(AssociationId id, size_t bytes) { return impl_->consumed(id.value, bytes); }

bool Endpoint::consumed(AssociationId id, size_t bytes, std::span<std::vector<uint8_t>> done_with) {
  return impl_->consumed(id.value, bytes, done_with);
}

std::optional<Event> Endpoint::poll_event() { return impl_->poll_event(nullptr); }

std::optional<Event> Endpoint::poll_event(MessageSink& sink) { return impl_->poll_event(&sink); }

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
