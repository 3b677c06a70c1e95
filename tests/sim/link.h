// One direction of a path between two addresses, and what it does to packets.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>

#include "sim/sim_time.h"

namespace sctpkit::sim {

// IP header bytes the link adds to an SCTP packet: counted against the MTU and the bandwidth.
inline constexpr size_t kIpv4HeaderSize = 20;
inline constexpr size_t kIpv6HeaderSize = 40;

struct LinkConfig {
  Duration delay{};        // one-way propagation delay
  Duration jitter{};       // extra delay drawn uniformly from [0, jitter] per packet (may reorder)
  uint64_t bandwidth_bps = 0;  // bits per second; 0 is infinitely fast (no serialisation, no queue)
  // Packets the link holds, counting the one being serialised; a packet arriving to a full queue is
  // dropped (drop-tail). 0: unbounded. Only meaningful with a bandwidth.
  size_t queue_packets = 0;
  double loss = 0;         // probability a packet is lost
  double duplicate = 0;    // probability a packet is sent twice (each copy impaired on its own)
  double reorder = 0;      // probability a packet is held back by reorder_delay, letting later ones pass
  Duration reorder_delay = 10ms;
  double corrupt = 0;      // probability one random bit of the SCTP packet is flipped
  size_t mtu = 0;          // IP MTU in bytes (SCTP packet plus IP header); 0: unlimited
};

struct LinkStats {
  uint64_t sent = 0;           // packets handed to the link, before any impairment
  uint64_t delivered = 0;
  uint64_t lost = 0;           // random loss
  uint64_t queue_drops = 0;
  uint64_t mtu_drops = 0;
  uint64_t down_drops = 0;     // sent while down, or in flight when it went down
  uint64_t script_drops = 0;
  uint64_t duplicated = 0;     // extra copies made (random or scripted)
  uint64_t reordered = 0;      // packets held back by reorder_delay
  uint64_t corrupted = 0;      // copies with a flipped bit
  uint64_t bytes_delivered = 0;  // SCTP bytes
};

struct Link {
  LinkConfig config;
  LinkStats stats;
  // Serialisation state: when the transmitter is next free, and when each queued packet's last bit
  // leaves (to know the queue's occupancy at any instant).
  TimePoint busy_until{};
  std::deque<TimePoint> queued_until;
  // Changed only through Network::set_up, which counts cuts so that packets in flight across a cut
  // are lost even if the link is restored before they would arrive.
  bool up = true;
  uint64_t cuts = 0;
};

}  // namespace sctpkit::sim
