#include "sim/test_nodes.h"

#include "wire/packet.h"

namespace sctpkit::sim {

std::vector<uint8_t> make_packet(std::initializer_list<uint8_t> chunk_types, size_t value_size, uint32_t tag) {
  const size_t chunk_size = wire::padded4(wire::kChunkHeaderSize + value_size);
  std::vector<uint8_t> buffer(wire::kCommonHeaderSize + chunk_types.size() * chunk_size);
  wire::PacketBuilder builder(buffer, buffer.size(), wire::CommonHeader{5000, 5001, wire::VerificationTag(tag), 0});
  std::vector<uint8_t> chunk(wire::kChunkHeaderSize + value_size, 0);
  wire::store_u16(chunk, 2, static_cast<uint16_t>(chunk.size()));
  for (uint8_t type : chunk_types) {
    chunk[0] = type;
    builder.add_raw(chunk);
  }
  const auto packet = builder.finish();
  return {packet.begin(), packet.end()};
}

uint32_t packet_tag(wire::Bytes packet) { return packet.size() >= 8 ? wire::load_u32(packet, 4) : 0; }

void RecorderNode::send_at(TimePoint at, wire::IpAddress source, wire::IpAddress destination,
                           std::vector<uint8_t> packet) {
  planned_.push(at, Outgoing{source, destination, std::move(packet)});
}

void RecorderNode::send_every(TimePoint first, Duration interval, uint32_t count, wire::IpAddress source,
                              wire::IpAddress destination, size_t value_size, uint32_t first_tag) {
  for (uint32_t i = 0; i < count; ++i) {
    send_at(first + i * interval, source, destination, make_packet({0}, value_size, first_tag + i));
  }
}

std::vector<uint32_t> RecorderNode::received_tags() const {
  std::vector<uint32_t> tags;
  for (const auto& r : received_) tags.push_back(packet_tag(r.packet));
  return tags;
}

void RecorderNode::handle_packet(wire::Bytes packet, const wire::IpAddress& source,
                                 const wire::IpAddress& destination, TimePoint now) {
  received_.push_back(Received{now, source, destination, {packet.begin(), packet.end()}});
  if (echo_delay_) planned_.push(now + *echo_delay_, Outgoing{destination, source, {packet.begin(), packet.end()}});
}

void RecorderNode::handle_timeout(TimePoint now) {
  ++timeouts_handled_;
  while (!planned_.empty() && *planned_.next_due() <= now) ready_.push_back(planned_.pop().payload);
}

std::optional<Transmit> RecorderNode::poll_transmit(TimePoint) {
  if (ready_.empty()) return std::nullopt;
  Outgoing out = std::move(ready_.front());
  ready_.pop_front();
  current_ = std::move(out.packet);
  return Transmit{out.source, out.destination, current_};
}

}  // namespace sctpkit::sim
