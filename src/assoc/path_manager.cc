#include "assoc/path_manager.h"

#include <algorithm>

#include "wire/byte_io.h"

namespace sctpkit::assoc {

namespace {


uint64_t load_u64(wire::Bytes b, size_t at) {
  return (uint64_t{wire::load_u32(b, at)} << 32) | wire::load_u32(b, at + 4);
}

void store_u64(uint8_t* out, uint64_t v) {
  for (int i = 7; i >= 0; --i) {
    out[i] = static_cast<uint8_t>(v);
    v >>= 8;
  }
}

}  // namespace

PathManager::PathManager(const EndpointConfig& config, std::span<const wire::IpAddress> addresses,
                         const wire::IpAddress& primary, std::span<const wire::IpAddress> confirmed,
                         RandomSource& random, TimePoint now)
    : config_(config),
      random_(random),
      heartbeat_enabled_(config.heartbeat_enabled),
      heartbeat_interval_(config.heartbeat_interval) {
  for (const wire::IpAddress& a : addresses) {
    if (find(a)) continue;  // a peer listing an address twice gets one path
    Path p;
    p.address = a;
    p.rto = config_.rto_initial;
    p.max_packet_size = config_.max_packet_size;
    p.confirmed = a == primary || std::find(confirmed.begin(), confirmed.end(), a) != confirmed.end();
    paths_.push_back(p);
  }
  if (paths_.empty()) {
    Path p;
    p.address = primary;
    p.rto = config_.rto_initial;
    p.max_packet_size = config_.max_packet_size;
    paths_.push_back(p);
  }
  Duration stagger{};
  for (size_t i = 0; i < paths_.size(); ++i) {
    if (paths_[i].address == primary) primary_index_ = i;
    schedule_heartbeat(paths_[i], now);
    if (paths_[i].address != primary && !paths_[i].confirmed) {
      // RFC 9260 5.4: probing starts with the association, not an RTO later, one address per RTO
      // (HB.Max.Burst 1): a peer listing many addresses it does not own must not make us flood them.
      paths_[i].next_heartbeat = now + stagger;
      stagger += config_.rto_initial;
    }
  }
  // A primary absent from `addresses` makes the first path primary: data has to go somewhere.
  paths_[primary_index_].confirmed = true;
  data_index_ = primary_index_;
}

Path* PathManager::find(const wire::IpAddress& address) {
  for (Path& p : paths_) {
    if (p.address == address) return &p;
  }
  return nullptr;
}

Path* PathManager::find(DestinationId destination) {
  for (Path& p : paths_) {
    if (p.destination == destination) return &p;
  }
  return nullptr;
}

Path& PathManager::retransmission_destination(const wire::IpAddress& last_sent_to) {
  Path& data = data_destination();
  if (data.address != last_sent_to) return data;
  for (Path& p : paths_) {
    if (p.active && p.confirmed && p.address != last_sent_to) return p;
  }
  return data;
}

void PathManager::update_data_destination() {
  // RFC 9260 6.4.1: the primary while it is active; otherwise an active alternate, confirmed (5.4).
  // With every confirmed path inactive, stay where we are (8.2: data still goes somewhere).
  size_t chosen = data_index_;
  if (paths_[primary_index_].active) {
    chosen = primary_index_;
  } else if (!paths_[data_index_].active || data_index_ == primary_index_) {
    for (size_t i = 0; i < paths_.size(); ++i) {
      if (paths_[i].active && paths_[i].confirmed) {
        chosen = i;
        break;
      }
    }
  }
  if (chosen != data_index_) {
    data_index_ = chosen;
    events_.emplace_back(paths_[chosen].address, PathEvent::State::NewPrimary);
  }
}

bool PathManager::on_timeout(Path& path, TimePoint now) {
  (void)now;
  // RFC 9260 8.2: count until the path is inactive, then stop counting (8.3).
  if (path.active) {
    ++path.error_count;
    if (path.error_count > static_cast<uint32_t>(config_.path_max_retransmits)) {
      path.active = false;
      events_.emplace_back(path.address, PathEvent::State::Down);
      update_data_destination();
    }
  }
  // RFC 9260 5.4: "When probing UNCONFIRMED addresses, however, the association overall error count
  // is not incremented": an address the peer never owned must not fail the association.
  if (!path.confirmed) return false;
  // RFC 9260 8.1: the association counts every timeout; over Association.Max.Retrans it fails.
  ++association_errors_;
  return association_errors_ > static_cast<uint32_t>(config_.association_max_retransmits);
}

void PathManager::on_success(Path& path) {
  path.error_count = 0;
  if (!path.active) {
    // RFC 9260 8.3: report an inactive address that came back.
    path.active = true;
    events_.emplace_back(path.address, PathEvent::State::Up);
    update_data_destination();
  }
}

void PathManager::schedule_heartbeat(Path& path, TimePoint now, bool redraw) {
  // RFC 9260 8.3: RTO (with back-off) + HB.interval, jittered by +/- 50% of the RTO. The jitter is
  // drawn anew for each heartbeat, not for each postponement by data (on_data_sent()).
  if (redraw) path.heartbeat_jitter = random_.next_u32();
  Duration rto = path.rto;
  for (uint32_t i = 0; i < path.heartbeat_backoff && rto < config_.rto_max; ++i) rto *= 2;
  rto = std::min(rto, config_.rto_max);
  const auto rto_ticks = static_cast<uint64_t>(std::max<Duration::rep>(rto.count(), 1));
  const uint64_t jitter = path.heartbeat_jitter % (rto_ticks + 1);  // 0 .. RTO
  // RFC 9260 5.4: "In each RTO, a probe MAY be sent on an active UNCONFIRMED path ... If during this
  // probing the path becomes inactive, this rate is lowered to the normal HEARTBEAT rate."
  // HB.Max.Burst 1: with n paths to probe, each is probed every n RTOs, one probe per RTO in all.
  const Duration interval = probing(path) ? rto * static_cast<Duration::rep>(probing_count() - 1) : heartbeat_interval_;
  path.next_heartbeat = now + interval + rto / 2 + Duration(static_cast<Duration::rep>(jitter));
}

size_t PathManager::probing_count() const {
  return static_cast<size_t>(std::count_if(paths_.begin(), paths_.end(), [](const Path& p) { return probing(p); }));
}

std::optional<TimePoint> PathManager::next_deadline() const {
  std::optional<TimePoint> next;
  auto take = [&](TimePoint t) {
    if (!next || t < *next) next = t;
  };
  for (const Path& p : paths_) {
    if (p.heartbeat_outstanding_since) take(*p.heartbeat_outstanding_since + std::min(p.rto, config_.rto_max));
    if (heartbeats_due(p) && !p.heartbeat_outstanding_since) take(p.next_heartbeat);
  }
  return next;
}

std::optional<HeartbeatRequest> PathManager::poll_heartbeat(TimePoint now, bool& failed) {
  failed = false;
  for (Path& p : paths_) {
    if (p.heartbeat_outstanding_since && now >= *p.heartbeat_outstanding_since + std::min(p.rto, config_.rto_max)) {
      // RFC 9260 8.3: a HEARTBEAT not acknowledged within one RTO counts against the path, and
      // the next one waits a backed-off RTO.
      p.heartbeat_outstanding_since.reset();
      ++p.heartbeat_backoff;
      if (on_timeout(p, now)) failed = true;
      schedule_heartbeat(p, now);
    }
  }
  if (failed) return std::nullopt;
  for (Path& p : paths_) {
    if (!heartbeats_due(p) || p.heartbeat_outstanding_since || now < p.next_heartbeat) continue;
    // RFC 9260 8.3: the Heartbeat Info carries the send time and the destination; a random nonce
    // lets us reject HEARTBEAT ACKs we never provoked.
    HeartbeatRequest request;
    request.destination = p.address;
    p.heartbeat_nonce = (uint64_t{random_.next_u32()} << 32) | random_.next_u32();
    store_u64(request.info.data(), p.heartbeat_nonce);
    store_u64(request.info.data() + 8, static_cast<uint64_t>(now.time_since_epoch().count()));
    request.info[16] = p.address.is_v4() ? 4 : 6;
    std::copy(p.address.bytes().begin(), p.address.bytes().end(), request.info.begin() + 17);
    request.info_size = kHeartbeatInfoSize;
    p.heartbeat_outstanding_since = now;
    schedule_heartbeat(p, now);
    return request;
  }
  return std::nullopt;
}

std::optional<HeartbeatAck> PathManager::on_heartbeat_ack(wire::Bytes info, TimePoint now) {
  if (info.size() != kHeartbeatInfoSize) return std::nullopt;
  const uint8_t family = info[16];
  if (family != 4 && family != 6) return std::nullopt;
  const wire::IpAddress address = family == 4 ? wire::IpAddress::v4(info.data() + 17) : wire::IpAddress::v6(info.data() + 17);
  Path* path = find(address);
  if (!path || !path->heartbeat_outstanding_since) return std::nullopt;
  const uint64_t nonce = load_u64(info, 0);
  const auto sent = TimePoint(Duration(static_cast<Duration::rep>(load_u64(info, 8))));
  // Only the answer to the HEARTBEAT in flight counts: its nonce and send time must be ours.
  if (nonce != path->heartbeat_nonce || sent != *path->heartbeat_outstanding_since || sent > now) return std::nullopt;
  path->heartbeat_outstanding_since.reset();
  path->heartbeat_backoff = 0;
  if (!path->confirmed) {
    // RFC 9260 5.4: the nonce sent to this address came back: it is the peer's, "available for
    // normal data transfer" (and for failover if the data path is down).
    path->confirmed = true;
    update_data_destination();
  }
  // RFC 9260 8.3: clear the path's error counter (marking it active) and the association's.
  on_success(*path);
  reset_association_errors();
  schedule_heartbeat(*path, now);
  return HeartbeatAck{path, now - sent};
}

void PathManager::on_data_sent(Path& path, TimePoint now) {
  // RFC 9260 8.3: a path that just carried new data is not idle for another heartbeat period.
  if (!path.heartbeat_outstanding_since) schedule_heartbeat(path, now, /*redraw=*/false);
}

void PathManager::set_heartbeat(bool enabled, Duration interval) {
  heartbeat_enabled_ = enabled;
  heartbeat_interval_ = interval;
}

std::optional<PathEvent::State> PathManager::pop_event(wire::IpAddress& address) {
  if (events_.empty()) return std::nullopt;
  auto [a, state] = events_.front();
  events_.pop_front();
  address = a;
  return state;
}

}  // namespace sctpkit::assoc
