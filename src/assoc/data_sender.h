// The sending half of an association's data transfer: RFC 9260 6.1 (transmission rules), 6.2.1
// (processing a SACK), 6.3 (T3-rtx), 7 (congestion control, with the per-path state kept in
// PathManager). Built on tx/SendQueue and tx/RetransmissionQueue.
#pragma once

#include <cstdint>
#include <optional>

#include "assoc/clock.h"
#include "assoc/config.h"
#include "assoc/endpoint.h"
#include "assoc/path_manager.h"
#include "assoc/status.h"
#include "wire/packet.h"
#include "wire/sack_chunks.h"
#include "wire/types.h"

namespace sctpkit::assoc {

class DataSender {
 public:
  DataSender(const EndpointConfig& config, wire::Tsn local_initial_tsn, uint16_t outbound_streams,
             uint32_t peer_rwnd);

  SendResult send(wire::Bytes message, wire::StreamId stream, wire::Ppid ppid, bool unordered);

  struct SackOutcome {
    bool accepted = false;        // false: stale (cum ack behind ours) or bogus, ignored (6.2.1)
    bool new_data_acked = false;  // RFC 9260 8.1: resets the association error counter
  };
  SackOutcome on_sack(const wire::SackChunk& sack, PathManager& paths, TimePoint now);

  // RFC 9260 9.2: a SHUTDOWN's Cumulative TSN Ack, processed like a SACK without gap blocks that
  // leaves the peer's rwnd as it was.
  void on_cumulative_ack(wire::Tsn cumulative_tsn_ack, PathManager& paths, TimePoint now);

  // Appends DATA chunks for a packet to `path`: retransmissions first, then new data, within cwnd
  // and the peer's rwnd (6.1 rules A-C, including one zero-window probe). Returns chunks added.
  size_t write_data(wire::PacketBuilder& builder, Path& path, TimePoint now);
  // Whether write_data would add anything for `path` now.
  [[nodiscard]] bool wants_to_send(const Path& path) const;

  // T3-rtx timers (6.3.2) and what else the sender waits for.
  [[nodiscard]] std::optional<TimePoint> next_deadline() const;
  // RFC 9260 6.3.3: on T3-rtx expiry, back off, mark for retransmission, count path errors.
  // Sets `failed` when the association error limit is exceeded.
  void on_timeout(PathManager& paths, TimePoint now, bool& failed);

  // Nothing queued and nothing outstanding: RFC 9260 9.2 may proceed with SHUTDOWN.
  [[nodiscard]] bool idle() const;
  // A send() returned WouldBlock and there is room again (once per such episode).
  std::optional<size_t> take_space_available();
  void fill_status(AssociationStatus& status) const;
};

}  // namespace sctpkit::assoc
