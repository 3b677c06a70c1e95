// Every packet the link test's client end sent and received, kept so that the phases can check
// what crossed the wire (which chunks, how many, when) and so that the run can be printed as
// tcpdump lines and as the sequence chart of `dump --ladder`. Thread-safe: the trace hook may run
// on another thread than the checks.
#pragma once

#include <chrono>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "sctpkit/options.h"
#include "wire/chunk_types.h"
#include "wire/ip_address.h"

namespace sctpkit::linktest {

struct LoggedPacket {
  int association = 0;  // which of the run's associations (set_association) it belongs to
  bool sent = false;
  wire::IpAddress source;
  wire::IpAddress destination;
  uint16_t udp_source_port = 0;  // 0 and 0: raw IP
  uint16_t udp_destination_port = 0;
  std::chrono::system_clock::time_point time;
  std::vector<uint8_t> sctp;
  std::vector<uint8_t> chunk_types;  // in packet order; empty when the packet did not parse
  bool elided = false;               // part of a bulk transfer: counted, not printed one by one
};

struct ChunkSeen {
  size_t count = 0;
  std::optional<std::chrono::system_clock::time_point> first;
  std::optional<std::chrono::system_clock::time_point> last;
};

class PacketLog {
 public:
  // Sent packets from a wildcard-bound socket carry 0.0.0.0 / ::; the log shows `local` instead so
  // that both directions of an association print with the same addresses.
  void set_local_address(std::optional<wire::IpAddress> local);
  // Packets recorded from now on belong to association `index` (0: the main one, 1: the abort one).
  void set_association(int index);

  // While set, packets are recorded as elided: the printed trace and ladder show one line for each
  // run of them instead of thousands of DATA and SACK lines.
  void set_elide(bool elide);

  // The Options::packet_trace hook.
  void record(const PacketTrace& packet);

  // A position to count from: the number of packets recorded so far.
  [[nodiscard]] size_t mark() const;
  // Chunks of `type` sent (or received) since `from`.
  [[nodiscard]] ChunkSeen chunks(wire::ChunkType type, bool sent, size_t from = 0) const;
  // The value of the first chunk of `type` sent (or received), for the INIT / INIT ACK fields.
  [[nodiscard]] std::optional<std::vector<uint8_t>> first_chunk_value(wire::ChunkType type, bool sent) const;
  [[nodiscard]] std::vector<LoggedPacket> packets() const;
  // Runs `look` on the packets recorded so far, under the lock, without copying them (a check
  // repeated every 100 ms would otherwise copy the bulk burst's thousands each time).
  template <typename Look>
  auto with_packets(Look&& look) const {
    std::lock_guard lock(mutex_);
    return look(static_cast<const std::vector<LoggedPacket>&>(packets_));
  }

  // Every packet as `sctpkit dump` (tcpdump -nn) prints it.
  [[nodiscard]] std::string tcpdump_lines() const;
  // One ladder per association, our end on the left; times relative to the first packet.
  [[nodiscard]] std::string ladder() const;

 private:
  mutable std::mutex mutex_;
  std::optional<wire::IpAddress> local_;
  int association_ = 0;
  bool elide_ = false;
  std::vector<LoggedPacket> packets_;
};

}  // namespace sctpkit::linktest
