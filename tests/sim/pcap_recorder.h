// A pcap file of a simulated run, written through trace::PcapWriter, so that a scenario can be read
// with tcpdump, tshark or `sctpkit dump` like a capture from a real network.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <variant>

#include "sim/network.h"
#include "trace/pcap_writer.h"

namespace sctpkit::sim {

class PcapRecorder {
 public:
  // The wall-clock second kEpoch maps to in the file: a midnight (2026-01-01T00:00:00Z), so that
  // tcpdump's HH:MM:SS.ffffff reads as the time since the start of the run.
  static constexpr int64_t kEpochUnixSeconds = 1'767'225'600;

  // Installs itself as `network`'s tap. At TapPoint::Sent the file holds every packet as its sender
  // made it, lost ones included (a capture at the senders); at Delivered, what arrived, corrupted
  // bits included (a capture at the receivers). Destroy or close() it before the network.
  static std::variant<std::unique_ptr<PcapRecorder>, trace::CaptureError> open(
      const std::string& path, Network& network, Network::TapPoint point = Network::TapPoint::Sent,
      trace::LinkType link = trace::LinkType::Raw);
  ~PcapRecorder();
  PcapRecorder(const PcapRecorder&) = delete;
  PcapRecorder& operator=(const PcapRecorder&) = delete;

  // Detaches from the network and flushes the file.
  std::optional<trace::CaptureError> close();
  [[nodiscard]] uint64_t packets() const { return packets_; }

  static trace::Timestamp timestamp(TimePoint t);

 private:
  PcapRecorder(trace::PcapWriter writer, Network& network, Network::TapPoint point)
      : writer_(std::move(writer)), network_(&network), point_(point) {}
  void record(const LogEntry& entry, wire::Bytes packet, TimePoint at);

  trace::PcapWriter writer_;
  Network* network_;  // null once closed
  Network::TapPoint point_;
  uint64_t packets_ = 0;
  uint16_t ip_id_ = 0;
};

}  // namespace sctpkit::sim
