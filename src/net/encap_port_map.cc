#include "net/encap_port_map.h"

#include <algorithm>
#include <iterator>

namespace sctpkit::net {

void EncapPortMap::learn(const wire::IpAddress& peer, uint16_t sctp_port, uint16_t udp_port) {
  const Key key{peer, sctp_port};
  // Every verified packet comes here, nearly always from the peer of the packet before: the front
  // of the list (the most recently used) answers without hashing the address.
  if (!entries_.empty() && entries_.front().key == key) {
    entries_.front().udp_port = udp_port;
    return;
  }
  if (auto it = index_.find(key); it != index_.end()) {
    // RFC 6951 5.4: the port follows the peer (e.g. a NAT rebinding), once verified.
    it->second->udp_port = udp_port;
    entries_.splice(entries_.begin(), entries_, it->second);
    return;
  }
  if (entries_.size() >= capacity_) {
    // The least recently used entry's list and index nodes take the new key. A server past
    // `capacity` peers comes here on every setup of a new client port (each association is a new
    // key): freeing two nodes and allocating two was 4 allocator calls per setup.
    auto node = index_.extract(entries_.back().key);
    entries_.splice(entries_.begin(), entries_, std::prev(entries_.end()));
    entries_.front() = {key, udp_port};
    if (!node.empty()) {
      node.key() = key;
      node.mapped() = entries_.begin();
      index_.insert(std::move(node));
    } else {
      index_.emplace(key, entries_.begin());  // cannot happen: every entry is indexed
    }
    return;
  }
  entries_.push_front({key, udp_port});
  index_.emplace(key, entries_.begin());
}

void EncapPortMap::reply_once(const wire::IpAddress& peer, uint16_t sctp_port, uint16_t udp_port) {
  if (replies_.size() >= kMaxPendingReplies) replies_.pop_front();
  replies_.push_back({{peer, sctp_port}, udp_port});
}

std::optional<uint16_t> EncapPortMap::take(const wire::IpAddress& peer, uint16_t sctp_port) {
  const Key key{peer, sctp_port};
  if (!replies_.empty()) {
    auto it = std::find_if(replies_.begin(), replies_.end(), [&](const Entry& e) { return e.key == key; });
    if (it != replies_.end()) {
      const uint16_t port = it->udp_port;
      replies_.erase(it);
      return port;
    }
  }
  if (!entries_.empty() && entries_.front().key == key) return entries_.front().udp_port;  // as in learn()
  auto it = index_.find(key);
  if (it == index_.end()) return std::nullopt;
  entries_.splice(entries_.begin(), entries_, it->second);
  return it->second->udp_port;
}

std::optional<uint16_t> EncapPortMap::learned(const wire::IpAddress& peer, uint16_t sctp_port) const {
  auto it = index_.find({peer, sctp_port});
  if (it == index_.end()) return std::nullopt;
  return it->second->udp_port;
}

}  // namespace sctpkit::net
