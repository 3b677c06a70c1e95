// Trivial nodes for testing the simulator itself, before (and independently of) the engine.
#pragma once

#include <cstdint>
#include <deque>
#include <initializer_list>
#include <optional>
#include <vector>

#include "sim/chunk_summary.h"
#include "sim/sim_node.h"
#include "sim/sim_time.h"

namespace sctpkit::sim {

// A valid SCTP packet (ports 5000 > 5001, correct CRC32c) with one chunk of each given type, each
// carrying `value_size` zero bytes. The verification tag doubles as a packet number for tests.
std::vector<uint8_t> make_packet(std::initializer_list<uint8_t> chunk_types, size_t value_size = 0, uint32_t tag = 1);
// The verification tag of a packet made by make_packet.
uint32_t packet_tag(wire::Bytes packet);

// Sends what it is told, when it is told (through its own timeouts, as an engine would), records
// everything it receives, and optionally echoes each packet back to its sender after a delay.
class RecorderNode final : public SimNode {
 public:
  struct Received {
    TimePoint at;
    wire::IpAddress source;
    wire::IpAddress destination;
    std::vector<uint8_t> packet;
  };

  void send_at(TimePoint at, wire::IpAddress source, wire::IpAddress destination, std::vector<uint8_t> packet);
  // `count` packets, `interval` apart, the first at `first`; packet i (from 0) gets tag first_tag + i.
  void send_every(TimePoint first, Duration interval, uint32_t count, wire::IpAddress source,
                  wire::IpAddress destination, size_t value_size, uint32_t first_tag = 1);
  void echo_after(Duration delay) { echo_delay_ = delay; }

  [[nodiscard]] const std::vector<Received>& received() const { return received_; }
  [[nodiscard]] std::vector<uint32_t> received_tags() const;
  [[nodiscard]] uint64_t timeouts_handled() const { return timeouts_handled_; }

  void handle_packet(wire::Bytes packet, const wire::IpAddress& source, const wire::IpAddress& destination,
                     TimePoint now) override;
  void handle_timeout(TimePoint now) override;
  std::optional<Transmit> poll_transmit(TimePoint now) override;
  [[nodiscard]] std::optional<TimePoint> next_timeout() const override { return planned_.next_due(); }

 private:
  struct Outgoing {
    wire::IpAddress source;
    wire::IpAddress destination;
    std::vector<uint8_t> packet;
  };
  EventQueue<Outgoing> planned_;
  std::deque<Outgoing> ready_;
  std::vector<uint8_t> current_;  // what the last poll_transmit's span points at
  std::optional<Duration> echo_delay_;
  std::vector<Received> received_;
  uint64_t timeouts_handled_ = 0;
};

}  // namespace sctpkit::sim
