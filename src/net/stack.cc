#include "net/stack.h"

#include <fmt/format.h>

#include <cstdint>

#include "net/packet_transport.h"
#include "net/raw_ip_transport.h"
#include "net/trace_tap.h"

namespace sctpkit::detail {

Error to_error(const net::TransportError& error) {
  using C = net::TransportError::Code;
  switch (error.code) {
    case C::NoPrivilege: return {Error::Code::NoPrivilege, error.message};
    case C::AddressInUse: return {Error::Code::AddressInUse, error.message};
    case C::AddressInvalid: return {Error::Code::InvalidArgument, error.message};
    default: return {Error::Code::System, error.message};
  }
}

std::string Stack::close_reason(uint32_t id, const AssociationState& s) const {
  if (!s.closed) return {};
  std::string what;
  switch (s.close_why) {
    case assoc::CloseReason::Graceful: what = "shut down"; break;
    case assoc::CloseReason::AbortedByPeer: what = "aborted by the peer"; break;
    case assoc::CloseReason::AbortedLocally: what = "aborted locally"; break;
    case assoc::CloseReason::PeerUnreachable: what = "peer unreachable (too many retransmissions)"; break;
    case assoc::CloseReason::InitFailed: what = "no answer to INIT"; break;
    case assoc::CloseReason::ShutdownTimedOut: what = "shutdown timed out"; break;
  }
  if (auto detail = close_details_.find(id); detail != close_details_.end() && !detail->second.empty()) {
    what += ": " + detail->second;
  } else if (s.close_why == assoc::CloseReason::Graceful) {
    what += ": shutdown complete";  // the engine's ClosedEvent leaves a graceful close's detail empty
  }
  return what;
}

void Stack::closed_locally(AssociationState& s) {
  // Until the engine's ClosedEvent (aborted locally, with the reason) says so in its words; one
  // that came already (while the ABORT was flushed) keeps its own.
  if (s.closed) return;
  s.closed = true;
  s.close_why = assoc::CloseReason::AbortedLocally;
}

Expected<std::shared_ptr<Stack>> Stack::open(const Options& options, std::optional<uint16_t> listen_port,
                                             bool remote_family_v4) {
  std::shared_ptr<Stack> stack(new Stack());
  stack->options_ = options;
  std::vector<wire::IpAddress> locals;
  for (const auto& text : options.local_addresses) {
    auto address = wire::IpAddress::parse(text);
    if (!address) return Error{Error::Code::InvalidArgument, fmt::format("not an IP address: {}", text)};
    locals.push_back(*address);
  }

  if (options.transport == TransportKind::Udp) {
    net::UdpEncapOptions udp;
    udp.local_port = options.udp_local_port.value_or(listen_port ? net::kSctpUdpPort : 0);
    udp.remote_port = options.udp_remote_port;
    udp.local_addresses = locals;
    udp.offload = options.udp_offload;
    auto opened = net::UdpEncapTransport::open(udp);
    if (auto* error = std::get_if<net::TransportError>(&opened)) return to_error(*error);
    stack->udp_ = std::get<0>(opened).get();
    stack->transport_ = std::move(std::get<0>(opened));
  } else if (options.raw_io == RawIo::Packet) {
    net::PacketOptions packet;
    packet.local_addresses = locals;
    auto opened = net::PacketTransport::open(packet);
    if (auto* error = std::get_if<net::TransportError>(&opened)) return to_error(*error);
    stack->transport_ = std::move(std::get<0>(opened));
  } else {
    net::RawIpOptions raw;
    raw.local_addresses = locals;
    auto opened = net::RawIpTransport::open(raw);
    if (auto* error = std::get_if<net::TransportError>(&opened)) return to_error(*error);
    stack->transport_ = std::move(std::get<0>(opened));
  }

  assoc::EndpointConfig config;
  config.listen = listen_port.has_value();
  const uint16_t fixed_port = listen_port ? *listen_port : options.local_port;
  const bool ephemeral = !listen_port && options.local_port == 0;
  // RFC 6335 6: ephemeral ports come from the dynamic range 49152-65535.
  auto pick_port = [&] {
    return ephemeral ? static_cast<uint16_t>(49152 + stack->random_.next_u32() % 16384) : fixed_port;
  };
  config.local_port = pick_port();
  if (options.transport == TransportKind::RawIp) {
    // Raw sockets bind no SCTP port: a claim refuses a port another raw stack in this namespace
    // holds, as UDP's bind() does. An ephemeral port tries others (two raw clients once shared one).
    for (int tries = ephemeral ? 64 : 1;; config.local_port = pick_port()) {
      auto claimed = net::PortClaim::claim(config.local_port, locals);
      if (auto* claim = std::get_if<net::PortClaim>(&claimed)) {
        stack->port_claim_.emplace(std::move(*claim));
        break;
      }
      const auto& error = std::get<net::TransportError>(claimed);
      if (--tries == 0 || error.code != net::TransportError::Code::AddressInUse) return to_error(error);
    }
  }
  config.local_addresses = locals;
  config.outbound_streams = options.outbound_streams;
  config.max_inbound_streams = options.max_inbound_streams;
  config.max_init_retransmits = options.max_init_retransmits;
  if (options.heartbeat_interval) config.heartbeat_interval = *options.heartbeat_interval;
  config.max_message_size = options.max_message_size;
  config.send_buffer = options.send_buffer;
  config.max_associations = options.max_associations;
  config.max_associations_per_source = options.max_associations_per_source;
  config.max_peer_addresses = options.max_peer_addresses;
  config.receive_buffer = options.receive_buffer;
  // RFC 9260 6.2: the window covers the inbox too: a message counts against receive_buffer until
  // the application takes it (consumed()), so a reader slower than its peer holds at most that much.
  config.hold_window_until_consumed = true;
  config.rto_initial = options.rto_initial;
  config.rto_min = options.rto_min;
  // RFC 6951 5.5: UDP takes 8 bytes of the path MTU; the IP header takes 20 (IPv4) or 40 (IPv6).
  bool all_v4 = remote_family_v4 || (!locals.empty() && std::all_of(locals.begin(), locals.end(),
                                                                     [](auto& a) { return a.is_v4(); }));
  const size_t headers = (all_v4 ? 20 : 40) + stack->transport_->overhead();
  if (options.mtu <= headers + 64) return Error{Error::Code::InvalidArgument, "MTU too small"};
  // RFC 791 3.1 / RFC 8200 3: an IP packet's length field is 16 bits.
  if (options.mtu > 65535) return Error{Error::Code::InvalidArgument, "MTU above 65535, the largest IP packet"};
  config.max_packet_size = options.mtu - headers;
  // Options::receive_buffer and max_message_size keep their names in the config.
  if (auto problem = assoc::validate(config)) return Error{Error::Code::InvalidArgument, *problem};

  stack->endpoint_ = std::make_unique<assoc::Endpoint>(config, stack->random_, now());
  if (options.packet_trace) {
    // Traced at the transport, where the real addresses and encapsulation ports are known.
    stack->tap_ = std::make_unique<net::TraceTap>(options.packet_trace);
    stack->transport_->set_tap(stack->tap_.get());
  }
  stack->engine_ = std::make_unique<net::EndpointEngine>(*stack->endpoint_);
  auto loop = net::EventLoop::create(*stack->transport_);
  if (auto* error = std::get_if<net::TransportError>(&loop)) return to_error(*error);
  stack->loop_ = std::move(std::get<0>(loop));
  stack->loop_->add(*stack->engine_);
  stack->loop_->set_busy_poll(options.busy_poll);
  Stack* raw = stack.get();
  // on_event files the event and never calls the engine.
  stack->loop_->set_event_handler([raw](net::Engine&, assoc::Event&& event) { raw->on_event(std::move(event)); },
                                  /*calls_engines=*/false);
  stack->loop_->set_message_sink(raw);
  return stack;
}

Stack::~Stack() {
  if (loop_ && engine_) loop_->remove(*engine_);
}

std::optional<uint32_t> Stack::pop_accept() {
  if (accept_queue_.empty()) return std::nullopt;
  const uint32_t id = accept_queue_.front();
  accept_queue_.pop_front();
  return id;
}

void Stack::consumed(uint32_t id, size_t bytes) {
  // Rare (SWS avoidance, RFC 9260 6.2: the window opened by a quarter of the buffer or reopened
  // from closed): a reader that keeps up sends no update of its own.
  if (endpoint_->consumed(assoc::AssociationId{id}, bytes)) loop_->flush();
}

void Stack::consumed(uint32_t id, size_t bytes, std::span<std::vector<uint8_t>> done_with) {
  if (endpoint_->consumed(assoc::AssociationId{id}, bytes, done_with)) loop_->flush();
}

size_t Stack::take_messages(uint32_t id, AssociationState& s, std::vector<Message>& out, size_t max) {
  // Moved aside first: the new messages take the old ones' places in `out`.
  for (Message& m : out) {
    if (m.data.capacity() != 0) done_buffers_.push_back(std::move(m.data));
  }
  out.resize(std::min(max, s.inbox.size()));
  size_t bytes = 0;
  for (Message& m : out) {
    s.inbox.pop_front_into(m);
    bytes += m.data.size();
  }
  // RFC 9260 6.2: the batch was taken at one instant, so the window opens by all of it at once; a
  // window update due leaves now (the same call, the same clock reading as after the batch's last
  // message read alone), advertising the whole opening.
  consumed(id, bytes, done_buffers_);
  done_buffers_.clear();
  return out.size();
}

void Stack::on_message(assoc::AssociationId id, wire::StreamId stream, wire::Ppid ppid, bool unordered,
                       std::vector<uint8_t>&& data) {
  AssociationState* s = find(id.value);
  if (!s) return;  // its handle went
  Message& m = s->inbox.emplace_back();
  m.stream = stream.value();
  m.ppid = ppid.value();
  m.unordered = unordered;
  m.data = std::move(data);
}

void Stack::on_event(assoc::Event&& event) {
  std::visit(
      [this](auto& e) {
        using T = std::decay_t<decltype(e)>;
        // Only the engine's ConnectedEvent brings an association the stack has not seen (one it
        // accepted); any other event of an unknown one is for an association whose handle went.
        AssociationState* found = std::is_same_v<T, assoc::ConnectedEvent> ? &add(e.id.value) : find(e.id.value);
        if (!found) return;
        auto& s = *found;
        if constexpr (std::is_same_v<T, assoc::ConnectedEvent>) {
          s.connected = true;
          if (e.passive) accept_queue_.push_back(e.id.value);
        } else if constexpr (std::is_same_v<T, assoc::MessageEvent>) {
          // Only without the loop's message sink, which is set to on_message.
          on_message(e.id, e.stream, e.ppid, e.unordered, std::move(e.data));
        } else if constexpr (std::is_same_v<T, assoc::SendFailedEvent>) {
          // RFC 9260 11.2.2: not sent (a stream the peer did not grant, 5.1.1), or not acknowledged
          // when the association ended or the peer restarted.
          s.send_failures.push_back(SendFailure{SendOptions{e.stream.value(), e.ppid.value(), e.unordered},
                                                std::move(e.data), e.detail, e.may_have_arrived});
        } else if constexpr (std::is_same_v<T, assoc::SendSpaceEvent>) {
          s.send_space = true;
        } else if constexpr (std::is_same_v<T, assoc::PeerShutdownEvent>) {
          s.peer_shutdown = true;
        } else if constexpr (std::is_same_v<T, assoc::ClosedEvent>) {
          s.closed = true;
          s.close_why = e.reason;
          if (!e.detail.empty()) detail_nodes_.emplace(close_details_, e.id.value)->second = std::move(e.detail);
        } else if constexpr (std::is_same_v<T, assoc::RestartEvent>) {
          // RFC 9260 5.2.4: the peer restarted; the association goes on, and what the peer had not
          // acknowledged came just before as SendFailedEvents.
          if (s.peer_restarts < UINT16_MAX) ++s.peer_restarts;
        }
      },
      event);
}

}  // namespace sctpkit::detail
