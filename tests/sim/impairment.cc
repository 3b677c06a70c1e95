#include "sim/impairment.h"

#include <utility>

#include "wire/packet.h"

namespace sctpkit::sim {

size_t PacketInfo::count_chunks(uint8_t type) const {
  auto view = wire::PacketView::parse(packet);
  if (!view) return 0;
  size_t n = 0;
  for (const auto& c : *view) n += c.type == type ? 1 : 0;
  return n;
}

namespace match {
PacketMatch any() {
  return [](const PacketInfo&) { return true; };
}
PacketMatch has_chunk(uint8_t type) {
  return [type](const PacketInfo& p) { return p.has_chunk(type); };
}
PacketMatch from(wire::IpAddress source) {
  return [source](const PacketInfo& p) { return p.source == source; };
}
PacketMatch to(wire::IpAddress destination) {
  return [destination](const PacketInfo& p) { return p.destination == destination; };
}
PacketMatch between(wire::IpAddress source, wire::IpAddress destination) {
  return [source, destination](const PacketInfo& p) { return p.source == source && p.destination == destination; };
}
}  // namespace match

PacketMatch operator&&(PacketMatch a, PacketMatch b) {
  return [a = std::move(a), b = std::move(b)](const PacketInfo& p) { return a(p) && b(p); };
}
PacketMatch operator||(PacketMatch a, PacketMatch b) {
  return [a = std::move(a), b = std::move(b)](const PacketInfo& p) { return a(p) || b(p); };
}
PacketMatch operator!(PacketMatch a) {
  return [a = std::move(a)](const PacketInfo& p) { return !a(p); };
}

bool Script::consider(const PacketInfo& packet) {
  if (exhausted() || !match(packet)) return false;
  ++matched;
  if (matched <= skip) return false;
  ++fired;
  return true;
}

Script drop(PacketMatch match, std::string label) {
  return Script{std::move(label), std::move(match), DropAction{}};
}
Script delay(PacketMatch match, Duration by, std::string label) {
  return Script{std::move(label), std::move(match), DelayAction{by}};
}
Script duplicate(PacketMatch match, uint32_t copies, std::string label) {
  return Script{std::move(label), std::move(match), DuplicateAction{copies}};
}
Script corrupt(PacketMatch match, std::string label) {
  return Script{std::move(label), std::move(match), CorruptAction{}};
}

}  // namespace sctpkit::sim
