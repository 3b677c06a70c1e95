// A peer made of a bare engine (assoc::Endpoint) over a UDP encapsulation socket of the test's own,
// pumped by hand on 127.0.0.1. Unlike an Association it can vanish without a word (no ABORT) and
// come back on the same SCTP and UDP ports with a new engine: the peer restart of RFC 9260 5.2.4 as
// the other end sees it; and it can leave what arrives unread (DATA that is never acknowledged).
#pragma once

#include <gtest/gtest.h>

#include <array>
#include <memory>
#include <variant>
#include <vector>

#include "assoc/endpoint.h"
#include "assoc/random.h"
#include "net/event_loop.h"
#include "net/udp_encap_transport.h"

namespace sctpkit::test {

class EnginePeer {
 public:
  // `sctp_port`: this peer's SCTP port, kept across restarts; `remote_udp_port`: where the other
  // end's UDP encapsulation socket listens.
  EnginePeer(uint16_t sctp_port, uint16_t remote_udp_port) {
    net::UdpEncapOptions options;
    options.local_port = 0;
    options.remote_port = remote_udp_port;
    options.local_addresses = {kLoopback};
    auto opened = net::UdpEncapTransport::open(options);
    EXPECT_TRUE(std::holds_alternative<std::unique_ptr<net::UdpEncapTransport>>(opened));
    if (auto* t = std::get_if<std::unique_ptr<net::UdpEncapTransport>>(&opened)) transport_ = std::move(*t);
    if (transport_) transport_->bind_port(sctp_port);  // packets to other SCTP ports are dropped
    config_.local_port = sctp_port;
    restart();
  }
  // Over a transport of the caller's (raw IP opened in a namespace), to `remote`.
  EnginePeer(std::unique_ptr<net::Transport> transport, uint16_t sctp_port, const wire::IpAddress& remote)
      : transport_(std::move(transport)), remote_(remote) {
    if (transport_) transport_->bind_port(sctp_port);
    config_.local_port = sctp_port;
    restart();
  }

  // A new engine on the same ports, knowing nothing of the old one's associations (no ABORT is sent).
  void restart() {
    endpoint_.reset();
    random_ = std::make_unique<assoc::SeededRandom>(++seed_);
    endpoint_ = std::make_unique<assoc::Endpoint>(config_, *random_, now());
  }
  // Starts an association to `port` (on 127.0.0.1, or the constructor's `remote`); pump() until
  // events_of ConnectedEvent.
  void connect(uint16_t port) {
    assoc::ConnectRequest request;
    request.remote_addresses = {remote_};
    request.remote_port = port;
    EXPECT_TRUE(std::holds_alternative<assoc::AssociationId>(endpoint_->connect(request, now())));
  }
  // One round: what arrived goes to the engine (or is dropped unread: `deaf`), timers run, what the
  // engine owes is sent, and its events are kept in `events`.
  void pump(bool deaf = false) {
    if (!transport_) return;
    std::array<net::ReceivedPacket, 16> in;
    for (size_t n; (n = transport_->receive(in)) > 0;) {
      if (deaf) unread += n;
      for (size_t i = 0; i < n && !deaf; ++i)
        endpoint_->handle_packet(in[i].data, in[i].source, in[i].destination, now(), in[i].encapsulation_port);
    }
    if (auto t = endpoint_->next_timeout(); t && *t <= now()) endpoint_->handle_timeout(now());
    while (auto t = endpoint_->poll_transmit(now())) {
      transport_->send(std::array{net::OutgoingPacket{{}, t->destination, t->packet}});
    }
    while (auto e = endpoint_->poll_event()) events.push_back(std::move(*e));
  }
  template <typename E>
  [[nodiscard]] size_t count() const {
    size_t n = 0;
    for (const auto& e : events) n += std::holds_alternative<E>(e);
    return n;
  }
  [[nodiscard]] assoc::Endpoint& endpoint() { return *endpoint_; }
  [[nodiscard]] std::span<const int> fds() const { return transport_ ? transport_->fds() : std::span<const int>{}; }

  std::vector<assoc::Event> events;
  size_t unread = 0;  // packets pump(deaf) dropped

 private:
  static assoc::TimePoint now() { return net::EventLoop::now(); }
  static inline const wire::IpAddress kLoopback = wire::IpAddress::v4(127, 0, 0, 1);

  std::unique_ptr<net::Transport> transport_;
  wire::IpAddress remote_ = kLoopback;
  assoc::EndpointConfig config_;
  uint64_t seed_ = 0;
  std::unique_ptr<assoc::SeededRandom> random_;
  std::unique_ptr<assoc::Endpoint> endpoint_;
};

}  // namespace sctpkit::test
