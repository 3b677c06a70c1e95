#include "trace/ladder.h"

#include <fmt/format.h>

#include <iterator>

#include "trace/chunk_label.h"
#include "wire/chunk_types.h"
#include "wire/packet.h"

namespace sctpkit::trace {
namespace {

constexpr std::string_view kEllipsis = "...";

std::string relative_seconds(const Timestamp& origin, const Timestamp& t) {
  const int64_t us = microseconds_between(origin, t);
  const int64_t magnitude = us < 0 ? -us : us;
  return fmt::format("{}{}.{:06d}", us < 0 ? "-" : "", magnitude / 1000000, magnitude % 1000000);
}

}  // namespace

void LadderPrinter::append_header(std::string& out) const {
  auto it = std::back_inserter(out);
  const size_t span = kLaneWidth + 2;  // from the left bar to the right bar, inclusive
  if (left_.size() + 1 + right_.size() <= span) {
    fmt::format_to(it, "{:<{}}  {}{:>{}}\n", "time (s)", kTimeWidth, left_, right_, span - left_.size());
  } else {
    fmt::format_to(it, "{:<{}}  {}\n", "time (s)", kTimeWidth, left_);
    fmt::format_to(it, "{:<{}}  {:>{}}\n", "", kTimeWidth, right_, span);
  }
  fmt::format_to(it, "{:<{}}  |{:{}}|\n", "", kTimeWidth, "", kLaneWidth);
}

void LadderPrinter::append_arrow(std::string_view time, bool left_to_right, std::string_view label,
                                 std::string_view note, std::string& out) const {
  // "-- label ---->" or "<---- label --": the label sits at the tail, the head touches the bar.
  constexpr size_t kFrame = 5;  // "-- " + " " + ">" around the label
  std::string text(label);
  if (text.size() > kLaneWidth - kFrame) text = text.substr(0, kLaneWidth - kFrame - kEllipsis.size()) + std::string(kEllipsis);
  const size_t fill = kLaneWidth - kFrame - text.size() + 1;
  std::string body;
  body.reserve(kLaneWidth);
  if (left_to_right) {
    body += "-- ";
    body += text;
    body += ' ';
    body.append(fill - 1, '-');
    body += '>';
  } else {
    body += '<';
    body.append(fill - 1, '-');
    body += ' ';
    body += text;
    body += " --";
  }
  fmt::format_to(std::back_inserter(out), "{:>{}}  |{}|  {}\n", time, kTimeWidth, body, note);
}

void LadderPrinter::append_packet(const LadderPacket& packet, std::string& out) {
  if (!origin_) origin_ = packet.timestamp;
  const std::string time = relative_seconds(*origin_, packet.timestamp);
  const std::string number = fmt::format("#{}{}", packet.number, packet.bad_checksum ? " BAD CKSUM" : "");
  if (packet.sctp.size() < wire::kCommonHeaderSize) {
    append_arrow(time, packet.left_to_right, "(no common header captured)", number, out);
    return;
  }
  const size_t length = packet.sctp_length == 0 ? packet.sctp.size() : packet.sctp_length;
  const size_t end = std::min(packet.sctp.size(), std::max(length, wire::kCommonHeaderSize));
  wire::ChunkReader reader(packet.sctp.subspan(wire::kCommonHeaderSize, end - wire::kCommonHeaderSize));
  // Count first, so that a bundle's arrows can say "2/3".
  size_t total = 0;
  for (wire::ChunkReader counter = reader; auto raw = counter.next();) ++total;
  if (total == 0) {
    append_arrow(time, packet.left_to_right, "(no chunks)", number, out);
    return;
  }
  // The snapshot length (tcpdump -s 96) or the first IP fragment ends inside a chunk: name the chunk
  // from its header rather than call a healthy packet malformed.
  const bool cut = length > packet.sctp.size() || packet.first_fragment;
  size_t index = 0;
  while (auto raw = reader.next()) {
    ++index;
    std::string label;
    if (*raw) {
      label = chunk_label(**raw);
    } else if (cut && raw->error() == wire::ParseError::ChunkLengthPastEnd) {
      label = fmt::format("{} (cut short in the capture)", wire::chunk_type_name(reader.rest()[0]));
    } else if (cut && raw->error() == wire::ParseError::ChunkTooShort) {
      label = "(chunk header cut short in the capture)";
    } else {
      label = fmt::format("(malformed: {})", wire::to_string(raw->error()));
    }
    // The bundle's later chunks leave the time column empty: same packet, same instant.
    const std::string note = total == 1 ? number : fmt::format("{} {}/{}", number, index, total);
    append_arrow(index == 1 ? std::string_view(time) : std::string_view(), packet.left_to_right, label, note, out);
  }
}

void CaptureLadder::on_frame(const Frame& frame, bool bad_checksum) {
  const auto tracked = tracker_.on_frame(frame);
  if (!tracked) return;
  if (tracked->association == charts_.size()) {
    const AssociationSummary& s = tracker_.associations()[tracked->association];
    charts_.push_back(Chart{LadderPrinter(s.a.to_string(), s.b.to_string()), {}});
    charts_.back().printer.set_origin(*tracker_.capture_start());
  }
  Chart& chart = charts_[tracked->association];
  chart.printer.append_packet(LadderPacket{frame.timestamp, tracked->direction == Direction::AtoB, frame.sctp,
                                           frame.sctp_length, frame.number, bad_checksum, frame.ip.more_fragments},
                              chart.lines);
}

std::string CaptureLadder::format() const {
  std::string out;
  for (size_t i = 0; i < charts_.size(); ++i) {
    const AssociationSummary& s = tracker_.associations()[i];
    if (i != 0) out += '\n';
    fmt::format_to(std::back_inserter(out), "association {}: {} <-> {}\n", s.id, s.a.to_string(), s.b.to_string());
    charts_[i].printer.append_header(out);
    out += charts_[i].lines;
  }
  if (charts_.empty()) out += "no SCTP associations\n";
  return out;
}

}  // namespace sctpkit::trace
