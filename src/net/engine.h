// What the EventLoop drives: the sans-IO surface of an assoc::Endpoint, as an interface so that the
// loop can be tested with a scripted engine and can drive several endpoints on one transport.
#pragma once

#include <optional>

#include "assoc/clock.h"
#include "assoc/endpoint.h"
#include "assoc/events.h"

namespace sctpkit::net {

class Engine {
 public:
  virtual ~Engine() = default;
  [[nodiscard]] virtual uint16_t local_port() const = 0;
  virtual void handle_packet(wire::Bytes packet, const wire::IpAddress& source, const wire::IpAddress& destination,
                             assoc::TimePoint now) = 0;
  virtual void handle_timeout(assoc::TimePoint now) = 0;
  virtual std::optional<assoc::Transmit> poll_transmit(assoc::TimePoint now) = 0;
  virtual std::optional<assoc::Event> poll_event() = 0;
  [[nodiscard]] virtual std::optional<assoc::TimePoint> next_timeout() const = 0;
};

// The real engine behind the interface.
class EndpointEngine final : public Engine {
 public:
  explicit EndpointEngine(assoc::Endpoint& endpoint) : endpoint_(endpoint) {}
  [[nodiscard]] uint16_t local_port() const override { return endpoint_.config().local_port; }
  void handle_packet(wire::Bytes packet, const wire::IpAddress& source, const wire::IpAddress& destination,
                     assoc::TimePoint now) override {
    endpoint_.handle_packet(packet, source, destination, now);
  }
  void handle_timeout(assoc::TimePoint now) override { endpoint_.handle_timeout(now); }
  std::optional<assoc::Transmit> poll_transmit(assoc::TimePoint now) override {
    return endpoint_.poll_transmit(now);
  }
  std::optional<assoc::Event> poll_event() override { return endpoint_.poll_event(); }
  [[nodiscard]] std::optional<assoc::TimePoint> next_timeout() const override { return endpoint_.next_timeout(); }
  assoc::Endpoint& endpoint() { return endpoint_; }

 private:
  assoc::Endpoint& endpoint_;
};

}  // namespace sctpkit::net
