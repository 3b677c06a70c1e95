// --ladder: a text sequence chart of an association, in the manner of Wireshark's flow graph. The
// two endpoints are columns; every chunk is one arrow between them, labelled with its name and key
// fields; the chunks of one packet are successive arrows sharing the packet's number. Fits in 100
// columns:
//
//     time (s)    10.0.0.1.5000                                              10.0.0.2.30102
//                 |                                                                      |
//       0.000000  |-- INIT tag 100 TSN 1000 OS 10 MIS 10 ------------------------------->|  #1
//       0.001000  |<-------------------------- INIT ACK tag 200 TSN 5000 OS 10 MIS 10 --|  #2
//
// LadderPrinter draws one association from packets the caller attributes to a side (linktest does
// so for its own trace); CaptureLadder groups a capture with AssociationTracker and draws each.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "trace/association_tracker.h"
#include "trace/frame.h"
#include "wire/byte_io.h"

namespace sctpkit::trace {

struct LadderPacket {
  Timestamp timestamp;
  bool left_to_right = true;
  wire::Bytes sctp;          // the packet as captured (may be cut short)
  uint32_t sctp_length = 0;  // its length on the wire (0: sctp.size())
  uint64_t number = 0;       // shown as "#N" after the arrows
  bool bad_checksum = false; // marks the packet "BAD CKSUM" (dump --ladder --check)
  bool first_fragment = false;  // the first of several IP fragments: sctp ends where the fragment does
};

class LadderPrinter {
 public:
  static constexpr size_t kLaneWidth = 70;  // characters between the two column bars
  static constexpr size_t kTimeWidth = 10;

  LadderPrinter(std::string left, std::string right) : left_(std::move(left)), right_(std::move(right)) {}

  // Times are printed in seconds since `origin`; without one, since the first packet appended.
  void set_origin(Timestamp origin) { origin_ = origin; }

  // The column headers (endpoint names, moved to a second line when they do not fit side by side).
  void append_header(std::string& out) const;
  // One line per chunk; a packet without a readable chunk still gets one arrow saying why.
  void append_packet(const LadderPacket& packet, std::string& out);

 private:
  void append_arrow(std::string_view time, bool left_to_right, std::string_view label, std::string_view note,
                    std::string& out) const;

  std::string left_;
  std::string right_;
  std::optional<Timestamp> origin_;
};

// A whole capture: one chart per association, in order of first packet, separated by a blank line
// and titled "association N: A <-> B". Frames the tracker cannot attribute are left out.
class CaptureLadder {
 public:
  void on_frame(const Frame& frame, bool bad_checksum = false);
  [[nodiscard]] std::string format() const;
  [[nodiscard]] const AssociationTracker& tracker() const { return tracker_; }

 private:
  struct Chart {
    LadderPrinter printer;
    std::string lines;
  };
  AssociationTracker tracker_;
  std::vector<Chart> charts_;
};

}  // namespace sctpkit::trace
