#include "linktest/packet_log.h"

#include <fmt/format.h>

#include <map>

#include "trace/ladder.h"
#include "trace/tcpdump_printer.h"
#include "wire/packet.h"

namespace sctpkit::linktest {
namespace {

wire::IpAddress to_address(std::span<const uint8_t> bytes) {
  return bytes.size() == 4 ? wire::IpAddress::v4(bytes.data()) : wire::IpAddress::v6(bytes.data());
}

trace::Timestamp to_timestamp(std::chrono::system_clock::time_point time) {
  const auto us = std::chrono::duration_cast<std::chrono::microseconds>(time.time_since_epoch()).count();
  return {us / 1000000, static_cast<int32_t>(us % 1000000)};
}

std::vector<uint8_t> chunk_types_of(wire::Bytes sctp) {
  std::vector<uint8_t> types;
  auto view = wire::PacketView::parse(sctp);
  if (!view) return types;
  for (const auto& chunk : view.value()) types.push_back(chunk.type);
  return types;
}

// The frame `sctpkit dump` would have decoded from a capture of this packet.
trace::Frame to_frame(const LoggedPacket& p, uint64_t number) {
  trace::Frame frame;
  frame.number = number;
  frame.timestamp = to_timestamp(p.time);
  frame.captured_length = frame.wire_length = static_cast<uint32_t>(p.sctp.size());
  frame.ip.version = p.source.is_v4() ? trace::IpVersion::V4 : trace::IpVersion::V6;
  frame.ip.source = p.source.bytes();
  frame.ip.destination = p.destination.bytes();
  const bool udp = p.udp_source_port || p.udp_destination_port;
  frame.ip.protocol = udp ? 17 : 132;
  if (udp)
    frame.udp = trace::UdpInfo{p.udp_source_port, p.udp_destination_port, static_cast<uint16_t>(p.sctp.size() + 8), 0};
  frame.sctp = wire::Bytes(p.sctp.data(), p.sctp.size());
  frame.sctp_length = static_cast<uint32_t>(p.sctp.size());
  return frame;
}

std::string endpoint_name(const wire::IpAddress& address, uint16_t port) {
  return fmt::format("{}.{}", address.to_string(), port);
}

// The number of consecutive elided packets from `i` (0: `i` is printed).
size_t elided_run(const std::vector<LoggedPacket>& all, size_t i) {
  size_t n = 0;
  while (i + n < all.size() && all[i + n].elided) ++n;
  return n;
}

std::string elision_note(size_t packets) {
  return fmt::format("[... {} packets of the bulk burst left out ...]\n", packets);
}

}  // namespace

void PacketLog::set_local_address(std::optional<wire::IpAddress> local) {
  std::lock_guard lock(mutex_);
  local_ = local;
}

void PacketLog::set_association(int index) {
  std::lock_guard lock(mutex_);
  association_ = index;
}

void PacketLog::set_elide(bool elide) {
  std::lock_guard lock(mutex_);
  elide_ = elide;
}

void PacketLog::record(const PacketTrace& t) {
  LoggedPacket p;
  p.sent = t.sent;
  p.source = to_address(t.source_ip);
  p.destination = to_address(t.destination_ip);
  p.udp_source_port = t.udp_source_port;
  p.udp_destination_port = t.udp_destination_port;
  p.time = t.time;
  p.sctp.assign(t.packet.begin(), t.packet.end());
  p.chunk_types = chunk_types_of(wire::Bytes(p.sctp.data(), p.sctp.size()));
  std::lock_guard lock(mutex_);
  if (p.sent && p.source.is_unspecified() && local_ && local_->is_v4() == p.source.is_v4()) p.source = *local_;
  p.association = association_;
  p.elided = elide_;
  packets_.push_back(std::move(p));
}

size_t PacketLog::mark() const {
  std::lock_guard lock(mutex_);
  return packets_.size();
}

ChunkSeen PacketLog::chunks(wire::ChunkType type, bool sent, size_t from) const {
  std::lock_guard lock(mutex_);
  ChunkSeen seen;
  for (size_t i = from; i < packets_.size(); ++i) {
    const auto& p = packets_[i];
    if (p.sent != sent) continue;
    for (uint8_t t : p.chunk_types) {
      if (t != static_cast<uint8_t>(type)) continue;
      ++seen.count;
      if (!seen.first) seen.first = p.time;
      seen.last = p.time;
    }
  }
  return seen;
}

std::optional<std::vector<uint8_t>> PacketLog::first_chunk_value(wire::ChunkType type, bool sent) const {
  std::lock_guard lock(mutex_);
  for (const auto& p : packets_) {
    if (p.sent != sent) continue;
    auto view = wire::PacketView::parse(wire::Bytes(p.sctp.data(), p.sctp.size()));
    if (!view) continue;
    for (const auto& chunk : view.value())
      if (chunk.type == static_cast<uint8_t>(type)) return std::vector<uint8_t>(chunk.value.begin(), chunk.value.end());
  }
  return std::nullopt;
}

std::vector<LoggedPacket> PacketLog::packets() const {
  std::lock_guard lock(mutex_);
  return packets_;
}

std::string PacketLog::tcpdump_lines() const {
  const auto all = packets();
  trace::TcpdumpPrinter printer{trace::PrinterOptions{}};
  std::string out;
  for (size_t i = 0; i < all.size(); ++i) {
    if (const size_t run = elided_run(all, i); run > 0) {
      out += elision_note(run);
      i += run - 1;
      continue;
    }
    printer.append(to_frame(all[i], i + 1), out);
  }
  return out;
}

std::string PacketLog::ladder() const {
  const auto all = packets();
  if (all.empty()) return "";
  std::map<int, std::vector<size_t>> by_association;
  for (size_t i = 0; i < all.size(); ++i) by_association[all[i].association].push_back(i);
  const auto origin = to_timestamp(all.front().time);
  std::string out;
  for (const auto& [index, members] : by_association) {
    // Our end on the left: the source of what we sent (or the destination of what we received).
    const auto& first = all[members.front()];
    auto header = wire::parse_common_header(wire::Bytes(first.sctp.data(), first.sctp.size()));
    const uint16_t ours = header ? (first.sent ? header.value().source_port : header.value().destination_port) : 0;
    const uint16_t theirs = header ? (first.sent ? header.value().destination_port : header.value().source_port) : 0;
    const auto& local = first.sent ? first.source : first.destination;
    const auto& remote = first.sent ? first.destination : first.source;
    if (!out.empty()) out += "\n";
    if (by_association.size() > 1) out += fmt::format("association {}:\n", index + 1);
    trace::LadderPrinter printer(endpoint_name(local, ours), endpoint_name(remote, theirs));
    printer.set_origin(origin);
    printer.append_header(out);
    for (size_t k = 0; k < members.size(); ++k) {
      const size_t i = members[k];
      const auto& p = all[i];
      if (const size_t run = elided_run(all, i); run > 0) {
        out += fmt::format("{:{}}  {}", "", trace::LadderPrinter::kTimeWidth, elision_note(run));
        while (k + 1 < members.size() && members[k + 1] < i + run) ++k;
        continue;
      }
      trace::LadderPacket lp;
      lp.timestamp = to_timestamp(p.time);
      lp.left_to_right = p.sent;
      lp.sctp = wire::Bytes(p.sctp.data(), p.sctp.size());
      lp.number = i + 1;
      printer.append_packet(lp, out);
    }
  }
  return out;
}

}  // namespace sctpkit::linktest
