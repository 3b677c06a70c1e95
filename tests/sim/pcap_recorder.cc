#include "sim/pcap_recorder.h"

namespace sctpkit::sim {

std::variant<std::unique_ptr<PcapRecorder>, trace::CaptureError> PcapRecorder::open(const std::string& path,
                                                                                   Network& network,
                                                                                   Network::TapPoint point,
                                                                                   trace::LinkType link) {
  auto writer = trace::PcapWriter::open(path, link);
  if (auto* error = std::get_if<trace::CaptureError>(&writer)) return *error;
  std::unique_ptr<PcapRecorder> recorder(new PcapRecorder(std::move(std::get<trace::PcapWriter>(writer)), network, point));
  network.set_tap([r = recorder.get()](Network::TapPoint p, const LogEntry& entry, wire::Bytes packet) {
    if (p == r->point_) r->record(entry, packet, p == Network::TapPoint::Sent ? entry.sent : entry.settled);
  });
  return recorder;
}

PcapRecorder::~PcapRecorder() { close(); }

std::optional<trace::CaptureError> PcapRecorder::close() {
  if (network_ == nullptr) return std::nullopt;
  network_->set_tap(nullptr);
  network_ = nullptr;
  return writer_.close();
}

trace::Timestamp PcapRecorder::timestamp(TimePoint t) {
  const int64_t us = micros_since_epoch(t);
  // Floor division, so a time before kEpoch still gets microseconds in [0, 1e6).
  int64_t seconds = us / 1'000'000;
  int64_t micros = us % 1'000'000;
  if (micros < 0) {
    micros += 1'000'000;
    --seconds;
  }
  return trace::Timestamp{kEpochUnixSeconds + seconds, static_cast<int32_t>(micros)};
}

void PcapRecorder::record(const LogEntry& entry, wire::Bytes packet, TimePoint at) {
  trace::PacketMeta meta;
  meta.timestamp = timestamp(at);
  meta.source = entry.source;
  meta.destination = entry.destination;
  meta.ip_id = ip_id_++;
  if (writer_.write(meta, packet)) ++packets_;
}

}  // namespace sctpkit::sim
