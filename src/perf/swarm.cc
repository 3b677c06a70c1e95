#include "perf/swarm.h"

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <limits>

#include <fmt/format.h>

#include "net/event_loop.h"
#include "net/raw_ip_transport.h"
#include "net/socket_util.h"
#include "net/stack.h"
#include "net/udp_encap_transport.h"

namespace sctpkit::perf {

namespace {
constexpr size_t kBatch = 64;
constexpr size_t kSlot = 65536;  // a Transmit is at most one IP datagram
constexpr size_t kSmallFlight = 8;  // order_largest_first sorts up to this many by insertion

assoc::TimePoint now() { return net::EventLoop::now(); }
}  // namespace

Expected<std::unique_ptr<Swarm>> Swarm::open(const Options& options, const std::string& host, uint16_t port,
                                             OnOutcome on_outcome) {
  auto server = wire::IpAddress::parse(host);
  if (!server) return Error{Error::Code::InvalidArgument, fmt::format("not an IP address: {}", host)};
  // The swarm drives many associations through one engine endpoint, which kernel sockets cannot
  // stand in for (one socket per association there).
  if (options.transport == TransportKind::Kernel)
    return Error{Error::Code::InvalidArgument,
                 "the setup and idle modes run on sctpkit's own stack: use --udp or --raw, not --kernel"};
  std::unique_ptr<Swarm> swarm(new Swarm());
  swarm->on_outcome_ = std::move(on_outcome);
  swarm->server_ = *server;
  swarm->server_port_ = port;
  swarm->busy_poll_ = options.busy_poll;
  if (options.transport == TransportKind::Udp) {
    net::UdpEncapOptions udp;
    udp.local_port = options.udp_local_port.value_or(0);
    udp.remote_port = options.udp_remote_port;
    udp.offload = options.udp_offload;  // the flight of two associations leaves as one GSO message
    // One socket, of the server's family: the wildcard default opens one per family, and every
    // wake-up's last, empty read costs a system call per socket (a setup has four wake-ups).
    udp.local_addresses = {server->is_v4() ? wire::IpAddress::v4(0, 0, 0, 0) : *wire::IpAddress::parse("::")};
    auto opened = net::UdpEncapTransport::open(udp);
    if (auto* error = std::get_if<net::TransportError>(&opened)) return detail::to_error(*error);
    swarm->transport_ = std::move(std::get<0>(opened));
  } else {
    auto opened = net::RawIpTransport::open(net::RawIpOptions{});
    if (auto* error = std::get_if<net::TransportError>(&opened)) return detail::to_error(*error);
    swarm->transport_ = std::move(std::get<0>(opened));
    swarm->raw_ = true;
  }
  assoc::EndpointConfig config;
  config.listen = false;
  // Every association names its own port (connect); the endpoint's own port is never used.
  config.local_port = 0;
  config.outbound_streams = options.outbound_streams;
  config.max_inbound_streams = options.max_inbound_streams;
  config.max_init_retransmits = options.max_init_retransmits;
  if (options.heartbeat_interval) config.heartbeat_interval = *options.heartbeat_interval;
  // Options::max_associations bounds what peers can make a listener hold; a client endpoint holds
  // what the test opens, so its own count is the only bound.
  config.max_associations = std::numeric_limits<size_t>::max();
  config.rto_initial = options.rto_initial;
  config.rto_min = options.rto_min;
  // RFC 6951 5.5: UDP takes 8 bytes of the path MTU, the IP header 20 (IPv4) or 40 (IPv6).
  const size_t headers = (server->is_v4() ? 20 : 40) + swarm->transport_->overhead();
  if (options.mtu <= headers + 64) return Error{Error::Code::InvalidArgument, "MTU too small"};
  config.max_packet_size = options.mtu - headers;
  swarm->endpoint_ = std::make_unique<assoc::Endpoint>(config, swarm->random_, now());
  swarm->slab_.reset(new uint8_t[kBatch * kSlot]);
  for (int fd : swarm->transport_->fds()) swarm->poll_fds_.push_back({fd, POLLIN, 0});
  swarm->ready_fds_.reserve(swarm->poll_fds_.size());
  swarm->pending_.reserve(kBatch);
  swarm->received_.resize(kBatch);
  return swarm;
}

Swarm::~Swarm() = default;

std::optional<net::TransportError> Swarm::claim_block(uint32_t block) {
  auto claimed = net::PortClaim::claim_block(block);
  if (auto* e = std::get_if<net::TransportError>(&claimed)) return std::move(*e);
  block_claims_.push_back(std::move(std::get<net::PortClaim>(claimed)));
  held_blocks_[block] = true;
  return std::nullopt;
}

Expected<uint32_t> Swarm::connect(SwarmPorts& ports) {
  if (!raw_) return connect(ports.next());
  // Only a block the counter has just reached costs more than the bitset test, and no error is
  // made on the way (one TransportError per setup cost 51 instructions, callgrind).
  std::optional<net::TransportError> refused, failed;  // failed: not a port in use, no block will do
  const auto port = ports.next([&](uint32_t block) {
    if (held_blocks_[block]) return true;
    if (failed) return false;
    refused = claim_block(block);
    if (refused && refused->code != net::TransportError::Code::AddressInUse) failed = refused;
    return !refused;
  });
  if (failed) return detail::to_error(*failed);
  if (!port) {
    return Error{Error::Code::AddressInUse,
                 fmt::format("no block of {} SCTP ports in 1024-65535 could be claimed for the swarm's associations "
                             "(raw IP has no bind(): each block needs all its ports free): every one has a port in use "
                             "by another raw IP SCTP stack in this network namespace (last: {}). Stop those stacks "
                             "(sctpkit cat -l --raw, perf servers and clients), run this client in a network namespace "
                             "of its own, or use --udp",
                             net::PortClaim::kBlockPorts, refused ? refused->message : "")};
  }
  return connect(*port);
}

Expected<uint32_t> Swarm::connect(uint16_t local_port) {
  if (const uint32_t block = local_port / net::PortClaim::kBlockPorts; raw_ && !held_blocks_[block]) {
    if (auto refused = claim_block(block)) return detail::to_error(*refused);
  }
  assoc::ConnectRequest request;
  request.remote_addresses = {server_};
  request.remote_port = server_port_;
  request.local_port = local_port;
  auto result = endpoint_->connect(request, now());
  if (auto* error = std::get_if<assoc::ConnectError>(&result)) {
    return Error{Error::Code::InvalidArgument,
                 *error == assoc::ConnectError::TooManyAssociations
                     ? "too many associations (Options::max_associations)"
                     : fmt::format("SCTP port {} already has an association to the server", local_port)};
  }
  const uint32_t id = std::get<assoc::AssociationId>(result).value;
  transport_->bind_port(local_port);
  ports_[id] = local_port;
  ++open_;
  return id;  // the INIT goes out with the next run_once()
}

void Swarm::shutdown(uint32_t id) {
  endpoint_->shutdown(assoc::AssociationId{id}, now());
}

void Swarm::abort_all() {
  // The owner's callback may capture state that is gone by now (perf's idle mode holds the swarm
  // past the function that opened it): the outcomes of an abort are nobody's business.
  on_outcome_ = [](uint32_t, Outcome, const std::string&) {};
  for (const auto& [id, port] : ports_) endpoint_->abort(assoc::AssociationId{id}, "test over", now());
  flush();
}

Status Swarm::run_once(std::chrono::milliseconds timeout) {
  flush();  // what connect() and shutdown() queued
  auto wait = timeout;
  if (auto deadline = endpoint_->next_timeout()) {
    const auto left = std::chrono::ceil<std::chrono::milliseconds>(*deadline - now());
    wait = std::clamp(left, std::chrono::milliseconds::zero(), wait);
  }
  int ready = 0;
  if (busy_poll_.count() > 0 && wait.count() > 0) {
    // Options::busy_poll: poll without sleeping for a while before the wait that sleeps.
    const auto until = now() + std::min<assoc::Duration>(busy_poll_, wait);
    do {
      ready = ::poll(poll_fds_.data(), poll_fds_.size(), 0);
    } while (ready <= 0 && now() < until);
  }
  if (ready <= 0 && ::poll(poll_fds_.data(), poll_fds_.size(), static_cast<int>(wait.count())) < 0 && errno != EINTR) {
    return Error{Error::Code::System, fmt::format("poll: {}", std::strerror(errno))};
  }
  // Only the sockets poll named are read: PacketTransport reads its raw socket (rare datagrams)
  // only when named, and an empty read of any socket costs a system call.
  ready_fds_.clear();
  for (const pollfd& p : poll_fds_)
    if (p.revents & POLLIN) ready_fds_.push_back(p.fd);
  transport_->set_ready(ready_fds_);
  for (;;) {
    const size_t n = transport_->receive(received_);
    if (n == 0) break;
    const auto t = now();
    for (size_t i = 0; i < n; ++i) {
      const net::ReceivedPacket& p = received_[i];
      if (!learned_source_ && p.source == server_ && !net::is_unspecified(p.destination))
        learned_source_ = p.destination;
      // No encapsulation port for the endpoint (RFC 6951 5.4): it keeps one only to refuse an INIT
      // for an existing association from a new UDP port, and the perf server never sends the
      // client an INIT. The transport learns where replies go itself (report_disposition). Passing
      // it cost a list per association: client 24.39k -> 24.60k instructions per setup.
      const assoc::PacketDisposition disposition =
          endpoint_->handle_packet(p.data, p.source, p.destination, t);
      net::report_disposition(*transport_, p, disposition, pending_, [this] { send_pending(); });
      // Every packet of ours goes to the server's address and SCTP port: reordered, another
      // association's packet would take the one-time reply port from the answer.
      if (disposition == assoc::PacketDisposition::AnsweredStateless) keep_order_ = true;
      collect(t);  // the Transmit's bytes are valid only until the next call into the endpoint
    }
  }
  // The answers to a whole read leave in one sendmmsg, not one per packet.
  flush();
  const auto t = now();
  if (auto deadline = endpoint_->next_timeout(); deadline && *deadline <= t) {
    endpoint_->handle_timeout(t);
    flush();
  }
  return {};
}

void order_largest_first(std::span<net::OutgoingPacket> packets) {
  const size_t n = packets.size();
  if (n < 2 || n > kBatch) return;
  std::array<uint16_t, kBatch> ports;
  for (size_t i = 0; i < n; ++i) {
    if (packets[i].data.size() < 2) return;
    ports[i] = wire::load_u16(packets[i].data, 0);  // RFC 9260 3.1: the source port comes first
  }
  const auto by_size = [](const net::OutgoingPacket& a, const net::OutgoingPacket& b) {
    return a.data.size() > b.data.size();
  };
  if (n > kSmallFlight) {
    // --parallel's full batches: sorted, O(n log n).
    const auto end = ports.begin() + static_cast<std::ptrdiff_t>(n);
    std::sort(ports.begin(), end);
    if (std::adjacent_find(ports.begin(), end) != end) return;
    std::stable_sort(packets.begin(), packets.end(), by_size);
    return;
  }
  // One after another, a flight is two or three packets: a pairwise check and an insertion sort
  // (stable, in place), where std::sort of the ports and std::stable_sort's temporary buffer (a
  // malloc and free) cost ~1,000 instructions per setup.
  for (size_t i = 1; i < n; ++i)
    for (size_t j = 0; j < i; ++j)
      if (ports[i] == ports[j]) return;
  for (size_t i = 1; i < n; ++i) {
    const net::OutgoingPacket moving = packets[i];
    size_t j = i;
    for (; j > 0 && by_size(moving, packets[j - 1]); --j) packets[j] = packets[j - 1];
    packets[j] = moving;
  }
}

void give_unset_sources(std::span<net::OutgoingPacket> packets, const wire::IpAddress& server,
                        const wire::IpAddress& learned) {
  for (net::OutgoingPacket& p : packets)
    if (p.destination == server && net::is_unspecified(p.source)) p.source = learned;
}

void Swarm::send_pending() {
  if (pending_.empty()) return;
  if (learned_source_) give_unset_sources(pending_, server_, *learned_source_);
  if (!keep_order_) order_largest_first(pending_);
  transport_->send(pending_);
  pending_.clear();
  keep_order_ = false;
}

void Swarm::collect(assoc::TimePoint t) {
  while (auto transmit = endpoint_->poll_transmit(t)) {
    if (pending_.size() == kBatch) send_pending();
    if (transmit->packet.size() > kSlot) continue;
    uint8_t* slot = slab_.get() + pending_.size() * kSlot;
    std::memcpy(slot, transmit->packet.data(), transmit->packet.size());
    pending_.push_back({transmit->source, transmit->destination, wire::Bytes(slot, transmit->packet.size())});
  }
}

void Swarm::flush() {
  // The callback may connect or shut down more associations: go round until nothing is left.
  for (bool again = true; again;) {
    collect(now());
    send_pending();
    again = false;
    while (auto event = endpoint_->poll_event()) again |= on_event(*event);
  }
}

bool Swarm::on_event(assoc::Event& event) {
  if (auto* connected = std::get_if<assoc::ConnectedEvent>(&event)) {
    on_outcome_(connected->id.value, Outcome::Connected, {});
    return true;
  } else if (auto* closed = std::get_if<assoc::ClosedEvent>(&event)) {
    const uint32_t id = closed->id.value;
    if (auto it = ports_.find(id); it != ports_.end()) {
      transport_->unbind_port(it->second);
      ports_.erase(it);
    }
    --open_;
    const bool graceful = closed->reason == assoc::CloseReason::Graceful;
    on_outcome_(id, graceful ? Outcome::ShutDown : Outcome::Failed, closed->detail);
    return true;
  }
  return false;
}

}  // namespace sctpkit::perf
