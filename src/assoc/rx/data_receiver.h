// The receive side of an association in one place: TsnMap, Reassembly and AckPolicy, and the
// rules of RFC 9260 6.2 that need all three (what to accept when the window is closed, what to
// acknowledge, when).
//
// Per received packet: on_data() for each DATA / I-DATA chunk and on_forward_tsn() /
// on_i_forward_tsn() for those chunks, in packet order, then end_packet(now). Then ask
// ack_decision() (or sack_due(now) on a timer), and after sending a SACK built with make_sack(),
// call on_sack_sent(). The upper layer takes messages with pop_message().
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <utility>
#include <vector>

#include "assoc/clock.h"
#include "assoc/rx/ack_policy.h"
#include "assoc/rx/reassembly.h"
#include "assoc/rx/sack_builder.h"
#include "assoc/rx/tsn_map.h"

namespace sctpkit::assoc {

struct DataReceiverConfig {
  ReassemblyConfig reassembly;  // streams, I-DATA, max message size, receive buffer (= initial a_rwnd)
  uint32_t window_tsns = TsnMap::kDefaultWindowTsns;
  size_t max_duplicates = TsnMap::kDefaultMaxDuplicates;
  Duration sack_delay = std::chrono::milliseconds(200);
  uint32_t sack_freq = 2;
  uint32_t mtu = 1500;
};

// What became of one DATA or I-DATA chunk, and what the association owes the peer for it.
enum class DataVerdict {
  Accepted,            // new; held for reassembly and delivery
  Duplicate,           // RFC 9260 6.2: already received; listed in the next SACK
  DroppedNoSpace,      // RFC 9260 6.2: window 0 and TSN above the highest received (or a gap fill
                       // beyond kClosedWindowAllowance, or Reassembly::kMaxPartials); not acknowledged
  DroppedOutOfWindow,  // further above the cumulative TSN than the TSN window; not acknowledged
  InvalidStream,       // RFC 9260 6.5: acknowledged and discarded; send ERROR "Invalid Stream Identifier"
  NoUserData,          // RFC 9260 6.2: send ABORT with "No User Data"; not acknowledged
  MessageTooLarge,     // beyond max_message_size; the partial message is gone; ABORT; not acknowledged
  ProtocolViolation,   // fragments that contradict each other; ABORT "Protocol Violation"; not acknowledged
};

class DataReceiver {
 public:
  // How far past the receive buffer chunks filling gaps may take the bytes held while the window
  // is closed: one chunk of the largest IP datagram. An honest sender keeps what it has in flight
  // within our window (RFC 9260 6.1 A), so its gap fills fit within the buffer plus a probe.
  static constexpr size_t kClosedWindowAllowance = 64 * 1024;

  DataReceiver(const DataReceiverConfig& config, wire::Tsn peer_initial_tsn);

  DataVerdict on_data(const DataFragment& fragment, bool sack_immediately = false) {
    // The common chunk, inline: the TSN after the cumulative one with no gaps (new, RFC 9260 6.2)
    // carrying a whole message deliverable at once (Reassembly::take_whole_in_order).
    if (tsn_map_.in_order_next(fragment.tsn) && reassembly_.take_whole_in_order(fragment)) {
      RxPacketSummary& s = summary();
      s.sack_immediately |= sack_immediately;
      (void)tsn_map_.add(fragment.tsn);
      s.new_data = true;
      return DataVerdict::Accepted;
    }
    return on_other_data(fragment, sack_immediately);
  }
  // RFC 3758 3.6 / RFC 8260 2.3.1. A stale one (new cumulative TSN not after ours) changes nothing
  // and asks for a SACK at once: our last SACK may have been lost.
  void on_forward_tsn(wire::Tsn new_cumulative_tsn, std::span<const ForwardTsnSkip> skips);
  void on_i_forward_tsn(wire::Tsn new_cumulative_tsn, std::span<const IForwardTsnSkip> skips);
  // Closes the packet whose chunks were just fed in and updates the SACK timing.
  void end_packet(TimePoint now);

  // Hands a complete message to the upper layer; may make a window update SACK due.
  std::optional<ReceivedMessage> pop_message();
  // Every message pop_message() would hand out, to `take(ReceivedMessage&)` in order (see
  // Reassembly::drain). The window is looked at once, after the last: it only opens as messages
  // leave, and a window update once due stays due (AckPolicy::on_receive_window), so once is
  // what a pop_message() per message decided.
  template <typename Take>
  size_t drain_messages(Take&& take) {
    const size_t n = reassembly_.drain(take);
    if (n > 0 && !reassembly_.config().hold_until_consumed) ack_.on_receive_window(a_rwnd());
    return n;
  }
  // The buffer of a popped message, given back for the next one (see Reassembly::recycle).
  void recycle(std::vector<uint8_t>&& buffer) { reassembly_.recycle(std::move(buffer)); }
  // ReassemblyConfig::hold_until_consumed: the upper layer is done with `bytes` of the messages
  // popped (RFC 9260 6.2: they leave the window). Returns whether that made a window update SACK
  // due (false when a SACK was due already: it will carry the new window).
  bool consumed(size_t bytes) {
    if (reassembly_.unconsumed_bytes() == 0) return false;
    reassembly_.consume(bytes);
    // A SACK already due (answering input, and owed until the application's next call so that a
    // reply carries it) will advertise the new window: the update is news only when nothing was due.
    const bool was_due = ack_.sack_now();
    ack_.on_window_consumed(a_rwnd());
    return !was_due && ack_.sack_now();
  }

  // RFC 9260 6.2: the a_rwnd to advertise.
  [[nodiscard]] uint32_t a_rwnd() const { return reassembly_.receive_window(); }
  [[nodiscard]] AckDecision ack_decision() const { return ack_.decision(); }
  [[nodiscard]] bool sack_due(TimePoint now) const { return ack_.sack_due(now); }
  [[nodiscard]] SackContent make_sack(size_t max_chunk_size, std::span<GapAckBlock> gap_storage,
                                      std::span<wire::Tsn> dup_storage) const {
    return assoc::make_sack(tsn_map_, a_rwnd(), max_chunk_size, gap_storage, dup_storage);
  }
  // After a SACK made from make_sack() went out: duplicates restart, delayed-ack state resets.
  void on_sack_sent(const SackContent& sent);

  [[nodiscard]] const TsnMap& tsn_map() const { return tsn_map_; }
  [[nodiscard]] const Reassembly& reassembly() const { return reassembly_; }
  [[nodiscard]] const AckPolicy& ack_policy() const { return ack_; }

 private:
  void open_packet();
  DataVerdict on_other_data(const DataFragment& fragment, bool sack_immediately);
  // What a fragment Reassembly refused becomes.
  DataVerdict refused(const DataFragment& fragment, ReassemblyError error, RxPacketSummary& s);
  RxPacketSummary& summary() {
    if (!packet_open_) open_packet();
    return packet_;
  }

  TsnMap tsn_map_;
  Reassembly reassembly_;
  AckPolicy ack_;
  RxPacketSummary packet_;
  bool packet_open_ = false;
};

}  // namespace sctpkit::assoc
