// The endpoint's internals, shared by endpoint.cc (demultiplexing, the work lists, timers, the
// public Endpoint) and endpoint_handshake.cc (what is answered without an association: INIT,
// COOKIE ECHO, out-of-the-blue packets). Not part of the engine's interface.
#pragma once

#include <algorithm>
#include <functional>
#include <map>
#include <new>
#include <queue>
#include <unordered_map>
#include <utility>

#include "assoc/association.h"
#include "assoc/cookie.h"
#include "assoc/endpoint.h"
#include "assoc/handshake.h"
#include "assoc/node_cache.h"
#include "assoc/tx/ring.h"
#include "wire/chunk.h"
#include "wire/control_chunks.h"
#include "wire/error_causes.h"

namespace sctpkit::assoc {

inline constexpr size_t kMaxStatelessReplies = 64;
inline constexpr size_t kTransmitBufferSize = kMaxTransmitSize;

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

// What EndpointConfig::max_associations_per_source counts by: an IPv4 address, or the /64 of an
// IPv6 one (a host is given a whole /64 and may send from any address in it).
struct SourceKey {
  uint64_t prefix = 0;
  bool v6 = false;
  auto operator<=>(const SourceKey&) const = default;
};
inline SourceKey source_key(const wire::IpAddress& address) {
  const auto& b = address.bytes();
  uint64_t prefix = 0;
  for (size_t i = 0; i < (address.is_v4() ? 4 : 8); ++i) prefix = prefix << 8 | b[i];
  return {prefix, !address.is_v4()};
}

class EndpointImpl {
 public:
  EndpointImpl(const EndpointConfig& config, RandomSource& random, TimePoint now)
      : config_(config), random_(random), cookies_(random), next_rotation_(now + config.cookie_secret_lifetime),
        transmit_buffer_(kTransmitBufferSize), sack_scratch_(config.max_packet_size) {}
  ~EndpointImpl() { ::operator delete(spare_association_); }
  EndpointImpl(const EndpointImpl&) = delete;
  EndpointImpl& operator=(const EndpointImpl&) = delete;

  // An association and where it stands in the endpoint's work lists. Every input, user call and
  // poll touches only the associations it concerns, so the work per call does not grow with the
  // number of associations (thousands of idle ones cost nothing while others are busy).
  struct Slot {
    std::unique_ptr<Association> association;
    std::optional<TimePoint> deadline;  // its next_timeout() as entered in timers_
    bool transmit_listed = false;       // in transmit_ready_
    bool event_listed = false;          // in event_ready_
    bool deadline_stale = false;        // in stale_deadlines_
    // In per_source_ (set up by a peer), under {source_prefix, source_v6}: kept apart, not as a
    // SourceKey, so that the flags fill padding and a Slot grows by 8 bytes, not 16.
    bool source_counted = false;
    bool source_v6 = false;
    uint64_t source_prefix = 0;
    // RFC 6951 5.4: per peer address, the UDP encapsulation port of its last verified packet (0:
    // not encapsulated), for the INIT check (refuse_new_encapsulation_port).
    std::vector<std::pair<wire::IpAddress, uint16_t>> encapsulation_ports;
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
  // Associations peers set up, per source (EndpointConfig::max_associations_per_source). Ordered,
  // not hashed: peers choose the keys. Touched only when an association is made or forgotten.
  std::map<SourceKey, uint32_t> per_source_;
  // Each setup made a node in the three tables above and each teardown freed it (the per-source
  // one at zero): a few nodes are kept from the associations that went for those that come.
  NodeCache<std::unordered_map<uint32_t, Slot>> slot_nodes_;
  NodeCache<std::unordered_map<PeerKey, uint32_t, PeerKeyHash>> peer_nodes_;
  NodeCache<std::map<SourceKey, uint32_t>> source_nodes_;
  // The memory of the last association forgotten (destroyed), for the next one made: with the
  // nodes above, an endpoint whose associations come and go one at a time allocates per setup
  // only what an association holds inside.
  void* spare_association_ = nullptr;
  template <typename... Args>
  std::unique_ptr<Association> make_association(Args&&... args) {
    void* memory = spare_association_ ? std::exchange(spare_association_, nullptr) : ::operator new(sizeof(Association));
    try {
      return std::unique_ptr<Association>(new (memory) Association(std::forward<Args>(args)...));
    } catch (...) {
      ::operator delete(memory);
      throw;
    }
  }
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
  std::vector<uint8_t> transmit_buffer_;
  SackScratch sack_scratch_;
  // Every association refers to this one copy (a reference each, not four).
  const EndpointServices services_{config_, random_, cookies_, sack_scratch_, counters_};

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

  // RFC 9260 5.1.2 rule 4: the association one of an INIT's or INIT ACK's listed addresses names.
  Association* find_listed(wire::Bytes init_parameters, const wire::PacketView& packet, uint16_t port);

  void index(Association& a) {
    last_peer_.reset();
    a.for_each_peer_address([&](const wire::IpAddress& address) {
      peer_nodes_.emplace(by_peer_, {address, a.peer_port(), a.local_port()})->second = a.id().value;
    });
  }

  // True if `source` may set up one more association (RFC 9260 14: no one source takes them all).
  bool source_has_room(const wire::IpAddress& source) const {
    if (config_.max_associations_per_source == 0) return true;
    auto it = per_source_.find(source_key(source));
    return it == per_source_.end() || it->second < config_.max_associations_per_source;
  }

  // `source`: the address a peer set the association up from; nullopt for one this endpoint opened.
  Association& add(std::unique_ptr<Association> association, std::optional<wire::IpAddress> source = std::nullopt) {
    Association& a = *association;
    const uint32_t id = a.id().value;
    Slot& s = slot_nodes_.emplace(associations_, id)->second;
    s.association = std::move(association);
    if (source) {
      const SourceKey key = source_key(*source);
      s.source_counted = true;
      s.source_v6 = key.v6;
      s.source_prefix = key.prefix;
      ++source_nodes_.emplace(per_source_, key)->second;
    }
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
    a.for_each_peer_address([&](const wire::IpAddress& address) {
      auto it = by_peer_.find({address, a.peer_port(), a.local_port()});
      if (it != by_peer_.end() && it->second == id) peer_nodes_.erase(by_peer_, it);
    });
    if (s->source_counted) {
      auto it = per_source_.find(SourceKey{s->source_prefix, s->source_v6});
      if (it != per_source_.end() && --it->second == 0) source_nodes_.erase(per_source_, it);  // as large as its sources
    }
    last_id_ = 0;
    last_slot_ = nullptr;
    // The association goes now, as with erase (its memory kept if none is); its list of
    // encapsulation ports keeps its capacity in the kept node, for the next association's (RFC
    // 6951 5.4: one per UDP peer address).
    Association* gone = s->association.release();
    gone->~Association();
    if (spare_association_) {
      ::operator delete(gone);
    } else {
      spare_association_ = gone;
    }
    slot_nodes_.erase(associations_, associations_.find(id), [](Slot& kept) {
      std::vector<std::pair<wire::IpAddress, uint16_t>> ports = std::move(kept.encapsulation_ports);
      ports.clear();
      kept = Slot{};
      kept.encapsulation_ports = std::move(ports);
    });
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
    // Asked on every next_timeout(), about the association at the top: usually the busy one.
    if (entry.second == last_id_) return last_slot_->deadline != entry.first;
    auto it = associations_.find(entry.second);
    return it == associations_.end() || it->second.deadline != entry.first;
  }
  void pop_timer() const {
    std::pop_heap(timers_.begin(), timers_.end(), std::greater<>{});
    timers_.pop_back();
  }
  void handle_timeout(TimePoint now);
  std::optional<Transmit> poll_transmit(TimePoint now, wire::MutableBytes buffer);
  // `sink` null: messages are returned as MessageEvents; else they go to it (Endpoint::poll_event).
  std::optional<Event> poll_event(MessageSink* sink);
  // `done_with`: message buffers handed back, for the association's next messages.
  bool consumed(uint32_t id, size_t bytes, std::span<std::vector<uint8_t>> done_with = {}) {
    Slot* s = slot(id);
    if (!s) return false;
    for (auto& buffer : done_with) {
      if (buffer.capacity() != 0) s->association->recycle(std::move(buffer));
    }
    if (!s->association->consumed(bytes)) return false;
    // The window update SACK is due now: poll_transmit() must visit this association.
    list_transmit(id, *s);
    reschedule(id, *s);
    return true;
  }

  // Returns false for a packet no IP datagram carries (an INIT ACK repeating a huge INIT in its
  // cookie) or none at all (build_init_ack's empty one): not sent, and not reported as answered.
  bool queue_stateless(OwnedPacket packet) {
    if (packet.bytes.empty() || packet.bytes.size() > kMaxTransmitSize) return false;
    if (stateless_.size() >= kMaxStatelessReplies) stateless_.pop_front();
    stateless_.push_back(std::move(packet));
    ++stateless_queued_;
    return true;
  }
  uint64_t stateless_queued_ = 0;

  PacketDisposition handle_packet(wire::Bytes bytes, const wire::IpAddress& source, const wire::IpAddress& destination,
                                  TimePoint now, uint16_t encapsulation_port);
  void learn_encapsulation_port(Slot& s, const wire::IpAddress& source, uint16_t port);
  // The INIT of `packet` if an association would process it (else it discards it).
  static std::optional<wire::InitChunk> processable_init(const wire::PacketView& packet);
  // Queues the ABORT and returns true if `init` (of `packet`), for the association of `s`, came
  // from another encapsulation port than the one its source address uses.
  bool refuse_new_encapsulation_port(const Slot& s, const wire::InitChunk& init, const wire::PacketView& packet,
                                     const wire::IpAddress& source, const wire::IpAddress& destination,
                                     uint16_t port);
  // Answers a packet no association's peer address claims (RFC 9260 8.4); returns the existing
  // association a COOKIE ECHO belongs to after all (see accept_cookie), for the caller to give it to,
  // with the check of its cookie in `owner_check`.
  Association* handle_out_of_the_blue(const wire::PacketView& packet, const wire::IpAddress& source,
                                      const wire::IpAddress& destination, TimePoint now,
                                      std::optional<CookieCheck>& owner_check);
  void answer_init(const wire::InitChunk& init, const wire::PacketView& packet, const wire::IpAddress& source,
                   const wire::IpAddress& destination, TimePoint now);
  // Creates the association of a valid State Cookie, or answers a stale one; returns instead the
  // existing association an address of the cookie's INIT identifies (RFC 9260 5.1.2 rule 4), whose
  // TCB decides (5.2.4), leaving the packet untouched; the cookie's check (Ok or Stale) then goes
  // into `owner_check`, so that the association does not MAC the cookie a second time.
  Association* accept_cookie(const wire::CookieEchoChunk& echo, const wire::PacketView& packet,
                             const wire::IpAddress& source, const wire::IpAddress& destination, TimePoint now,
                             std::optional<CookieCheck>& owner_check);
};

}  // namespace sctpkit::assoc
