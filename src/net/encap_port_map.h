// The remote UDP encapsulation ports of SCTP over UDP (RFC 6951 5.4), per peer address and SCTP
// port. Learned only from packets the engine verified (an association accepted them), so that a
// forged datagram cannot redirect an association's traffic; bounded, least recently used first out,
// so that many peers (or a flood) cannot grow it without limit. A reply to an unverified packet
// (an INIT ACK, an OOTB ABORT) goes to the port that packet came from once, without being learned.
#pragma once

#include <cstdint>
#include <deque>
#include <list>
#include <optional>
#include <unordered_map>

#include "wire/ip_address.h"

namespace sctpkit::net {

class EncapPortMap {
 public:
  static constexpr size_t kDefaultCapacity = 1024;
  // Stateless replies in flight at once; older ones fall back to the learned or default port.
  static constexpr size_t kMaxPendingReplies = 64;

  explicit EncapPortMap(size_t capacity = kDefaultCapacity) : capacity_(capacity == 0 ? 1 : capacity) {}

  // A verified packet from `peer`, SCTP port `sctp_port`, came from UDP port `udp_port`.
  void learn(const wire::IpAddress& peer, uint16_t sctp_port, uint16_t udp_port);
  // The next packet to `peer`/`sctp_port` goes to `udp_port`, once; nothing is learned.
  void reply_once(const wire::IpAddress& peer, uint16_t sctp_port, uint16_t udp_port);
  // The port to send to: a pending one-shot reply (consumed), else the learned port (now the most
  // recently used), else nullopt.
  std::optional<uint16_t> take(const wire::IpAddress& peer, uint16_t sctp_port);
  // The learned port, without touching anything.
  [[nodiscard]] std::optional<uint16_t> learned(const wire::IpAddress& peer, uint16_t sctp_port) const;

  [[nodiscard]] size_t size() const { return entries_.size(); }
  [[nodiscard]] size_t capacity() const { return capacity_; }

 private:
  struct Key {
    wire::IpAddress peer;
    uint16_t sctp_port = 0;
    bool operator==(const Key&) const = default;
  };
  struct KeyHash {
    size_t operator()(const Key& k) const noexcept {
      return std::hash<wire::IpAddress>{}(k.peer) * 31 + k.sctp_port;
    }
  };
  struct Entry {
    Key key;
    uint16_t udp_port = 0;
  };

  size_t capacity_;
  std::list<Entry> entries_;  // most recently used first
  std::unordered_map<Key, std::list<Entry>::iterator, KeyHash> index_;
  std::deque<Entry> replies_;
};

}  // namespace sctpkit::net
