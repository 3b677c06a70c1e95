// The receiving half of an association's data transfer: RFC 9260 6.2 (acknowledgement), 6.5-6.7
// (streams, ordering, gap reports), 6.9 (reassembly). Built on rx/TsnMap, rx/Reassembly and
// rx/AckPolicy; the association feeds it DATA chunks and asks it for SACKs.
#pragma once

#include <cstdint>
#include <optional>

#include "assoc/clock.h"
#include "assoc/config.h"
#include "assoc/events.h"
#include "wire/data_chunks.h"
#include "wire/packet.h"
#include "wire/types.h"

namespace sctpkit::assoc {

class DataReceiver {
 public:
  DataReceiver(const EndpointConfig& config, wire::Tsn peer_initial_tsn, uint16_t inbound_streams);

  enum class Verdict : uint8_t {
    Accepted,
    Duplicate,        // RFC 9260 6.2: reported in the next SACK
    Dropped,          // no room (6.2) or too far above the cumulative TSN
    InvalidStream,    // RFC 9260 6.5: the association sends an ERROR with Invalid Stream Identifier
    NoUserData,       // RFC 9260 6.2: the association ABORTs with the No User Data cause
    MessageTooLarge,  // above max_message_size: the association ABORTs (Protocol Violation)
  };
  Verdict on_data(const wire::DataChunk& chunk, TimePoint now);

  // Once per received packet that carried DATA, after all of its chunks (6.2: a SACK for every
  // second such packet; at once when gaps or duplicates were seen).
  void on_packet_with_data(TimePoint now);

  // Complete messages, in delivery order.
  std::optional<MessageEvent> pop_message(AssociationId id);

  [[nodiscard]] bool sack_due(TimePoint now) const;
  [[nodiscard]] std::optional<TimePoint> sack_deadline() const;  // delayed-ack timer
  // RFC 9260 5.1 step 7, 9.2: SACK with the next packet, whatever the delay rules say.
  void request_immediate_sack();
  // Appends the SACK (cumulative TSN, a_rwnd, gap blocks, duplicates); false when it does not fit.
  // On success the duplicate list is cleared and the delayed-ack timer stopped.
  bool write_sack(wire::PacketBuilder& builder, TimePoint now);

  [[nodiscard]] wire::Tsn cumulative_tsn() const;
  [[nodiscard]] bool has_gaps_or_duplicates() const;
  [[nodiscard]] uint32_t advertised_rwnd() const;
  [[nodiscard]] uint64_t duplicates_received() const;
};

}  // namespace sctpkit::assoc
