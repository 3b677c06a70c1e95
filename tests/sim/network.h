// Hosts (each with one or more IPv4/IPv6 addresses) joined by one-directional links between
// address pairs. The network decides each packet's fate and arrival time; the Simulation owns the
// clock and the queue of arrivals.
#pragma once

#include <deque>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "assoc/random.h"
#include "sim/impairment.h"
#include "sim/link.h"
#include "sim/packet_log.h"
#include "sim/sim_node.h"

namespace sctpkit::sim {

using HostId = size_t;

struct Host {
  std::string name;
  std::vector<wire::IpAddress> addresses;
  SimNode* node = nullptr;
};

// A packet on its way: what the Simulation queues until its arrival time.
struct Delivery {
  uint64_t log_id = 0;
  HostId host = 0;
  wire::IpAddress source;
  wire::IpAddress destination;
  std::vector<uint8_t> packet;
  uint64_t link_cuts = 0;  // the link's cut count at sending: a cut in between loses the packet
};

class Network {
 public:
  // Sees the bytes of every packet sent (as the sender made them) and delivered (as they arrive,
  // corruption included): the hook for a pcap of the run.
  enum class TapPoint : uint8_t { Sent, Delivered };
  using Tap = std::function<void(TapPoint, const LogEntry&, wire::Bytes)>;

  Network(assoc::SeededRandom& random, PacketLog& log) : random_(random), log_(log) {}

  // Addresses must be unique across hosts.
  HostId add_host(std::string name, std::vector<wire::IpAddress> addresses, SimNode& node);
  [[nodiscard]] const Host& host(HostId id) const { return hosts_[id]; }
  [[nodiscard]] size_t host_count() const { return hosts_.size(); }
  [[nodiscard]] std::optional<HostId> host_of(const wire::IpAddress& address) const;

  // One direction; replaces the configuration (and resets the state) of an existing link.
  Link& add_link(const wire::IpAddress& from, const wire::IpAddress& to, const LinkConfig& config);
  // Both directions, same configuration.
  void connect(const wire::IpAddress& a, const wire::IpAddress& b, const LinkConfig& config);
  [[nodiscard]] Link* link(const wire::IpAddress& from, const wire::IpAddress& to);
  [[nodiscard]] const Link* link(const wire::IpAddress& from, const wire::IpAddress& to) const;

  // Cuts or restores one direction. Cutting loses what is in flight on the link, even if it is
  // restored before those packets would have arrived.
  void set_up(const wire::IpAddress& from, const wire::IpAddress& to, bool up);
  // Both directions.
  void set_path_up(const wire::IpAddress& a, const wire::IpAddress& b, bool up);

  // Scripted impairments are considered in the order added; the reference stays valid.
  Script& add_script(Script script);
  [[nodiscard]] const std::deque<Script>& scripts() const { return scripts_; }

  void set_tap(Tap tap) { tap_ = std::move(tap); }

  // A host sent `transmit` at `now`: logs it, applies scripted then random impairments, and appends
  // the copies that survive, with their arrival times, to `out`.
  void send(TimePoint now, HostId from, const Transmit& transmit, std::vector<std::pair<TimePoint, Delivery>>& out);
  // A copy reached its arrival time: whether it is handed to the host (false: it was lost on the way).
  bool arrive(TimePoint now, const Delivery& delivery);

 private:
  struct Copy {
    std::vector<uint8_t> packet;
    uint64_t log_id = 0;
    Duration extra_delay{};
    bool corrupt = false;
  };
  void enqueue(TimePoint now, Link& link, HostId to, const wire::IpAddress& source, const wire::IpAddress& destination,
               Copy copy, std::vector<std::pair<TimePoint, Delivery>>& out);
  void settle(uint64_t log_id, Fate fate, TimePoint now);
  bool chance(double probability);
  void flip_random_bit(std::vector<uint8_t>& packet);

  assoc::SeededRandom& random_;
  PacketLog& log_;
  std::vector<Host> hosts_;
  std::map<wire::IpAddress, HostId> address_owner_;
  std::map<std::pair<wire::IpAddress, wire::IpAddress>, Link> links_;
  std::deque<Script> scripts_;
  Tap tap_;
};

}  // namespace sctpkit::sim
