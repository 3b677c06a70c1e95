#include "sim/network.h"

#include <algorithm>
#include <cassert>

#include "sim/chunk_summary.h"

namespace sctpkit::sim {

HostId Network::add_host(std::string name, std::vector<wire::IpAddress> addresses, SimNode& node) {
  const HostId id = hosts_.size();
  for (const auto& a : addresses) {
    // Two hosts with one address would make delivery ambiguous: a scenario bug, not a network fault.
    [[maybe_unused]] const bool inserted = address_owner_.emplace(a, id).second;
    assert(inserted);
  }
  hosts_.push_back(Host{std::move(name), std::move(addresses), &node});
  return id;
}

std::optional<HostId> Network::host_of(const wire::IpAddress& address) const {
  auto it = address_owner_.find(address);
  if (it == address_owner_.end()) return std::nullopt;
  return it->second;
}

Link& Network::add_link(const wire::IpAddress& from, const wire::IpAddress& to, const LinkConfig& config) {
  Link& link = links_[{from, to}];
  link = Link{};
  link.config = config;
  return link;
}

void Network::connect(const wire::IpAddress& a, const wire::IpAddress& b, const LinkConfig& config) {
  add_link(a, b, config);
  add_link(b, a, config);
}

Link* Network::link(const wire::IpAddress& from, const wire::IpAddress& to) {
  auto it = links_.find({from, to});
  return it == links_.end() ? nullptr : &it->second;
}

const Link* Network::link(const wire::IpAddress& from, const wire::IpAddress& to) const {
  auto it = links_.find({from, to});
  return it == links_.end() ? nullptr : &it->second;
}

void Network::set_up(const wire::IpAddress& from, const wire::IpAddress& to, bool up) {
  Link* l = link(from, to);
  if (l == nullptr) return;
  if (l->up && !up) ++l->cuts;
  l->up = up;
}

void Network::set_path_up(const wire::IpAddress& a, const wire::IpAddress& b, bool up) {
  set_up(a, b, up);
  set_up(b, a, up);
}

Script& Network::add_script(Script script) {
  scripts_.push_back(std::move(script));
  return scripts_.back();
}

bool Network::chance(double probability) {
  if (probability <= 0) return false;  // no draw: enabling one impairment leaves the others' draws alone
  // The top 53 bits give a uniform double in [0, 1).
  const double u = static_cast<double>(random_.next_u64() >> 11) * 0x1.0p-53;
  return u < probability;
}

void Network::flip_random_bit(std::vector<uint8_t>& packet) {
  if (packet.empty()) return;
  const uint64_t bit = random_.next_u64() % (packet.size() * 8);
  packet[bit / 8] ^= static_cast<uint8_t>(1u << (bit % 8));
}

void Network::settle(uint64_t log_id, Fate fate, TimePoint now) {
  LogEntry& e = log_.at(log_id);
  e.fate = fate;
  e.settled = now;
}

void Network::send(TimePoint now, HostId from, const Transmit& transmit,
                   std::vector<std::pair<TimePoint, Delivery>>& out) {
  wire::IpAddress source = transmit.source;
  if (source == wire::IpAddress{}) {
    // "Any" source, as a host's routing table would choose it: the first of its addresses with a
    // link to the destination, so multi-homed paths (a1-b1, a2-b2) work without naming a source.
    // Without any link, the first address of the destination's family (the packet is unroutable).
    std::optional<wire::IpAddress> fallback;
    std::optional<wire::IpAddress> routed;
    for (const auto& a : hosts_[from].addresses) {
      if (a.family() != transmit.destination.family()) continue;
      if (!fallback) fallback = a;
      if (link(a, transmit.destination) != nullptr) {
        routed = a;
        break;
      }
    }
    if (routed || fallback) source = routed ? *routed : *fallback;
  }
  const wire::IpAddress& destination = transmit.destination;

  LogEntry entry;
  entry.sent = now;
  entry.settled = now;
  entry.source = source;
  entry.destination = destination;
  entry.size = transmit.packet.size();
  entry.chunks = summarize_packet(transmit.packet);
  const uint64_t id = log_.add(entry);
  if (tap_) tap_(TapPoint::Sent, log_.at(id), transmit.packet);

  const std::optional<HostId> to = host_of(destination);
  Link* l = link(source, destination);
  if (!to || l == nullptr) return settle(id, Fate::NoRoute, now);
  Link& link = *l;
  ++link.stats.sent;
  if (!link.up) {
    ++link.stats.down_drops;
    return settle(id, Fate::LinkDown, now);
  }
  const size_t ip_header = destination.is_v4() ? kIpv4HeaderSize : kIpv6HeaderSize;
  if (link.config.mtu != 0 && transmit.packet.size() + ip_header > link.config.mtu) {
    ++link.stats.mtu_drops;
    return settle(id, Fate::TooBig, now);
  }

  // Scripted impairments first: exact scenarios must not depend on what the dice did.
  const PacketInfo info{source, destination, transmit.packet, now};
  Duration extra_delay{};
  uint32_t extra_copies = 0;
  bool corrupt = false;
  for (Script& script : scripts_) {
    if (!script.consider(info)) continue;
    std::string& labels = log_.at(id).scripts;
    if (!labels.empty()) labels += ',';
    labels += script.label;
    if (std::holds_alternative<DropAction>(script.action)) {
      ++link.stats.script_drops;
      return settle(id, Fate::Scripted, now);
    }
    if (const auto* d = std::get_if<DelayAction>(&script.action)) extra_delay += d->by;
    if (const auto* d = std::get_if<DuplicateAction>(&script.action)) extra_copies += d->copies;
    if (std::holds_alternative<CorruptAction>(script.action)) corrupt = true;
  }

  if (chance(link.config.loss)) {
    ++link.stats.lost;
    return settle(id, Fate::Lost, now);
  }
  if (chance(link.config.duplicate)) ++extra_copies;
  link.stats.duplicated += extra_copies;

  const std::vector<uint8_t> bytes(transmit.packet.begin(), transmit.packet.end());
  for (uint32_t i = 0; i <= extra_copies; ++i) {
    Copy copy{bytes, id, extra_delay, corrupt && i == 0};
    if (i > 0) {
      LogEntry dup = log_.at(id);
      dup.copy_of = id;
      copy.log_id = log_.add(std::move(dup));
    }
    enqueue(now, link, *to, source, destination, std::move(copy), out);
  }
}

void Network::enqueue(TimePoint now, Link& link, HostId to, const wire::IpAddress& source,
                      const wire::IpAddress& destination, Copy copy, std::vector<std::pair<TimePoint, Delivery>>& out) {
  const LinkConfig& config = link.config;
  TimePoint departure = now;
  if (config.bandwidth_bps != 0) {
    while (!link.queued_until.empty() && link.queued_until.front() <= now) link.queued_until.pop_front();
    if (config.queue_packets != 0 && link.queued_until.size() >= config.queue_packets) {
      ++link.stats.queue_drops;
      return settle(copy.log_id, Fate::QueueFull, now);
    }
    // The IP header is on the wire too. Rounded up to the nanosecond so a busy link never gains time.
    const uint64_t bits = (copy.packet.size() + (destination.is_v4() ? kIpv4HeaderSize : kIpv6HeaderSize)) * 8;
    const auto serialisation =
        std::chrono::nanoseconds((bits * 1'000'000'000 + config.bandwidth_bps - 1) / config.bandwidth_bps);
    const TimePoint start = std::max(now, link.busy_until);
    link.busy_until = start + std::chrono::duration_cast<Duration>(serialisation);
    link.queued_until.push_back(link.busy_until);
    departure = link.busy_until;
  }

  Duration delay = config.delay + copy.extra_delay;
  if (config.jitter > Duration::zero()) {
    delay += Duration(static_cast<Duration::rep>(random_.next_u64() % (static_cast<uint64_t>(config.jitter.count()) + 1)));
  }
  LogEntry& entry = log_.at(copy.log_id);
  if (chance(config.reorder)) {
    delay += config.reorder_delay;
    entry.reordered = true;
    ++link.stats.reordered;
  }
  if (copy.corrupt || chance(config.corrupt)) {
    flip_random_bit(copy.packet);
    entry.corrupted = true;
    ++link.stats.corrupted;
  }
  out.emplace_back(departure + delay, Delivery{copy.log_id, to, source, destination, std::move(copy.packet), link.cuts});
}

bool Network::arrive(TimePoint now, const Delivery& delivery) {
  Link* l = link(delivery.source, delivery.destination);
  if (l == nullptr || !l->up || l->cuts != delivery.link_cuts) {
    if (l != nullptr) ++l->stats.down_drops;
    settle(delivery.log_id, Fate::LinkDown, now);
    return false;
  }
  ++l->stats.delivered;
  l->stats.bytes_delivered += delivery.packet.size();
  settle(delivery.log_id, Fate::Delivered, now);
  if (tap_) tap_(TapPoint::Delivered, log_.at(delivery.log_id), delivery.packet);
  return true;
}

}  // namespace sctpkit::sim
