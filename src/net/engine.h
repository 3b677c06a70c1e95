// What the EventLoop drives: the sans-IO surface of an assoc::Endpoint, as an interface so that the
// loop can be tested with a scripted engine and can drive several endpoints on one transport.
#pragma once

#include <optional>
#include <utility>
#include <variant>

#include "assoc/clock.h"
#include "assoc/endpoint.h"  // Transmit
#include "assoc/events.h"

namespace sctpkit::net {

class Engine {
 public:
  virtual ~Engine() = default;
  [[nodiscard]] virtual uint16_t local_port() const = 0;
  // `encapsulation_port`: ReceivedPacket::encapsulation_port (RFC 6951; 0 over raw IP).
  virtual assoc::PacketDisposition handle_packet(wire::Bytes packet, const wire::IpAddress& source,
                                                 const wire::IpAddress& destination, assoc::TimePoint now,
                                                 uint16_t encapsulation_port) = 0;
  virtual void handle_timeout(assoc::TimePoint now) = 0;
  // Builds the next packet into `buffer` (at least assoc::kMaxTransmitSize bytes); the Transmit's
  // bytes view into it.
  virtual std::optional<assoc::Transmit> poll_transmit(assoc::TimePoint now, wire::MutableBytes buffer) = 0;
  virtual std::optional<assoc::Event> poll_event() = 0;
  // poll_event(), with messages handed to `sink` instead (assoc::Endpoint::poll_event(MessageSink&)).
  // An engine that has no cheaper way diverts the MessageEvents poll_event() returns.
  virtual std::optional<assoc::Event> poll_nonmessage_event(assoc::MessageSink& sink) {
    for (;;) {
      auto event = poll_event();
      auto* message = event ? std::get_if<assoc::MessageEvent>(&*event) : nullptr;
      if (!message) return event;
      sink.take(message->id, message->stream, message->ppid, message->unordered, std::move(message->data));
    }
  }
  [[nodiscard]] virtual std::optional<assoc::TimePoint> next_timeout() const = 0;
};

}  // namespace sctpkit::net
