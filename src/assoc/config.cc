#include "assoc/config.h"

#include "assoc/endpoint.h"

namespace sctpkit::assoc {

std::optional<std::string> validate(const EndpointConfig& config) {
  // RFC 9260 6.2: the window covers the fragments of a message still being reassembled, and a
  // receiver with no window left drops new DATA. A message larger than receive_buffer never gets
  // its last fragment in: nothing can be delivered to open the window, and the association stalls.
  if (config.receive_buffer < config.max_message_size) {
    const std::string buffer = std::to_string(config.receive_buffer);
    const std::string message = std::to_string(config.max_message_size);
    return "receive_buffer (" + buffer + " bytes) is smaller than max_message_size (" + message +
           " bytes): a message between the two could never be reassembled and would stall the association; "
           "raise receive_buffer to at least " + message + " or lower max_message_size to at most " + buffer;
  }
  // The send queue takes a message whole: one larger than send_buffer is refused at every try, and
  // was reported as larger than max_message_size.
  if (config.send_buffer < config.max_message_size) {
    return "send_buffer (" + std::to_string(config.send_buffer) + " bytes) is smaller than max_message_size (" +
           std::to_string(config.max_message_size) + " bytes): raise send_buffer or lower max_message_size";
  }
  if (config.max_peer_addresses == 0)
    return "max_peer_addresses is 0: the peer's source address is always kept, so at least 1";
  if (config.max_message_size == 0) return "max_message_size is 0: no message could be sent or received";
  // RFC 9260 3.3.2: "The value of 0 MUST NOT be used" for OS and MIS; the peer aborts such an INIT.
  if (config.outbound_streams == 0) return "outbound_streams is 0 (RFC 9260 3.3.2: at least 1)";
  if (config.max_inbound_streams == 0) return "max_inbound_streams is 0 (RFC 9260 3.3.2: at least 1)";
  // A packet is built whole in a buffer of kMaxTransmitSize; a larger limit left every DATA chunk
  // too large to build, and the association silently sent nothing.
  if (config.max_packet_size > kMaxTransmitSize) {
    return "max_packet_size (" + std::to_string(config.max_packet_size) + " bytes) is above " +
           std::to_string(kMaxTransmitSize) + ": no IP packet is that large (lower the MTU)";
  }
  // RFC 9260 6.3.1 / 16: the timers and retransmission limits are positive quantities.
  if (config.rto_initial <= Duration::zero() || config.rto_min <= Duration::zero())
    return "rto_initial and rto_min must be above 0";
  if (config.rto_max < config.rto_min) return "rto_max is below rto_min";
  if (config.max_init_retransmits < 0 || config.association_max_retransmits < 0 || config.path_max_retransmits < 0)
    return "a retransmission limit is negative (max_init_retransmits counts retransmissions: 0 sends the INIT once)";
  if (config.heartbeat_interval < Duration::zero()) return "heartbeat_interval is negative";
  return std::nullopt;
}

}  // namespace sctpkit::assoc
