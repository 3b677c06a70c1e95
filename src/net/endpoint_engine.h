// assoc::Endpoint behind the EventLoop's Engine interface.
#pragma once

#include "assoc/endpoint.h"
#include "net/engine.h"

namespace sctpkit::net {

// The real engine behind the interface.
class EndpointEngine final : public Engine {
 public:
  explicit EndpointEngine(assoc::Endpoint& endpoint) : endpoint_(endpoint) {}
  [[nodiscard]] uint16_t local_port() const override { return endpoint_.config().local_port; }
  assoc::PacketDisposition handle_packet(wire::Bytes packet, const wire::IpAddress& source,
                                         const wire::IpAddress& destination, assoc::TimePoint now,
                                         uint16_t encapsulation_port) override {
    return endpoint_.handle_packet(packet, source, destination, now, encapsulation_port);
  }
  void handle_timeout(assoc::TimePoint now) override { endpoint_.handle_timeout(now); }
  std::optional<assoc::Transmit> poll_transmit(assoc::TimePoint now, wire::MutableBytes buffer) override {
    return endpoint_.poll_transmit(now, buffer);
  }
  std::optional<assoc::Event> poll_event() override { return endpoint_.poll_event(); }
  std::optional<assoc::Event> poll_nonmessage_event(assoc::MessageSink& sink) override {
    return endpoint_.poll_event(sink);
  }
  [[nodiscard]] std::optional<assoc::TimePoint> next_timeout() const override { return endpoint_.next_timeout(); }
  assoc::Endpoint& endpoint() { return endpoint_; }

 private:
  assoc::Endpoint& endpoint_;
};

}  // namespace sctpkit::net
