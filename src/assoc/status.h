// Per-association status and counters, modelled on RFC 6458's SCTP_STATUS and SCTP_GET_PEER_ADDR_INFO.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "assoc/clock.h"
#include "wire/ip_address.h"
#include "wire/types.h"

namespace sctpkit::assoc {

// RFC 9260 section 4. CLOSED is never observed on a live association: it is removed instead.
enum class AssociationState : uint8_t {
  Closed,
  CookieWait,
  CookieEchoed,
  Established,
  ShutdownPending,
  ShutdownSent,
  ShutdownReceived,
  ShutdownAckSent,
};

constexpr std::string_view to_string(AssociationState s) {
  switch (s) {
    case AssociationState::Closed: return "CLOSED";
    case AssociationState::CookieWait: return "COOKIE-WAIT";
    case AssociationState::CookieEchoed: return "COOKIE-ECHOED";
    case AssociationState::Established: return "ESTABLISHED";
    case AssociationState::ShutdownPending: return "SHUTDOWN-PENDING";
    case AssociationState::ShutdownSent: return "SHUTDOWN-SENT";
    case AssociationState::ShutdownReceived: return "SHUTDOWN-RECEIVED";
    case AssociationState::ShutdownAckSent: return "SHUTDOWN-ACK-SENT";
  }
  return "?";
}

struct PathStatus {
  wire::IpAddress address;
  bool active = true;
  bool confirmed = true;  // RFC 9260 5.4
  bool primary = false;
  Duration srtt{};
  Duration rttvar{};
  Duration rto{};
  uint32_t cwnd = 0;
  uint32_t ssthresh = 0;
  uint32_t flight_size = 0;
  uint32_t error_count = 0;
  size_t max_packet_size = 0;
};

struct AssociationCounters {
  uint64_t packets_sent = 0;
  uint64_t packets_received = 0;
  uint64_t messages_sent = 0;      // user messages fully handed to the peer (all fragments acked)
  uint64_t messages_received = 0;  // user messages delivered
  uint64_t bytes_sent = 0;         // user payload bytes acknowledged
  uint64_t bytes_received = 0;     // user payload bytes delivered
  uint64_t data_chunks_sent = 0;
  uint64_t retransmitted_chunks = 0;
  uint64_t fast_retransmits = 0;
  uint64_t t3_expirations = 0;
  uint64_t sacks_sent = 0;
  uint64_t sacks_received = 0;
  uint64_t duplicate_tsns_received = 0;
  uint64_t gap_blocks_received = 0;
  uint64_t heartbeats_sent = 0;
  uint64_t heartbeat_acks_received = 0;
  uint64_t messages_failed = 0;  // user messages handed back (SendFailedEvent)
};

struct AssociationStatus {
  AssociationState state = AssociationState::Closed;
  wire::VerificationTag local_tag;
  wire::VerificationTag peer_tag;
  uint16_t local_port = 0;
  uint16_t peer_port = 0;
  uint16_t outbound_streams = 0;
  uint16_t inbound_streams = 0;
  uint32_t peer_rwnd = 0;       // what we believe the peer can take now
  uint32_t local_rwnd = 0;      // what we advertise now
  uint32_t bytes_in_flight = 0;
  uint32_t unacked_chunks = 0;
  size_t queued_bytes = 0;      // accepted by send(), not yet sent
  uint32_t error_count = 0;     // association-wide (RFC 9260 8.1)
  std::vector<PathStatus> paths;
  AssociationCounters counters;
};

}  // namespace sctpkit::assoc
