#include "assoc/config.h"

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
  return std::nullopt;
}

}  // namespace sctpkit::assoc
