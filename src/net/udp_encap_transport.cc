#include "net/udp_encap_transport.h"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

namespace sctpkit::net {

namespace {

std::variant<UniqueFd, TransportError> open_udp(int family, const wire::IpAddress& address, uint16_t port,
                                                bool offload) {
  UniqueFd fd(::socket(family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_UDP));
  if (fd.get() < 0) return system_error("UDP socket", errno);
  int on = 1;
  if (family == AF_INET6) ::setsockopt(fd.get(), IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof on);
  BatchIo::enable_pktinfo(fd.get(), family);
  BatchIo::size_buffers(fd.get());
  if (offload) BatchIo::enable_gro(fd.get());  // without it the kernel cuts trains up on receive
  sockaddr_storage sa;
  const socklen_t len = to_sockaddr(address, port, sa);
  if (::bind(fd.get(), reinterpret_cast<sockaddr*>(&sa), len) != 0) {
    const int e = errno;
    auto error = system_error(fmt::format("bind UDP {} port {}", address.to_string(), port), e);
    if (e == EADDRINUSE)
      error.message += fmt::format(" (another program holds UDP port {})", port);
    return error;
  }
  return fd;
}

}  // namespace

std::variant<std::unique_ptr<UdpEncapTransport>, TransportError> UdpEncapTransport::open(
    const UdpEncapOptions& options) {
  std::unique_ptr<UdpEncapTransport> t(new UdpEncapTransport());
  t->default_remote_port_ = options.remote_port;
  std::vector<wire::IpAddress> addresses = options.local_addresses;
  const bool wildcard = addresses.empty();
  if (wildcard) {
    addresses.push_back(wire::IpAddress::v4(0, 0, 0, 0));
    addresses.push_back(*wire::IpAddress::parse("::"));
  }
  uint16_t port = options.local_port;
  for (const auto& address : addresses) {
    const int family = address.is_v4() ? AF_INET : AF_INET6;
    auto opened = open_udp(family, address, port, options.offload);
    if (auto* error = std::get_if<TransportError>(&opened)) {
      // A host without IPv6 still serves IPv4 on the wildcard.
      if (wildcard && family == AF_INET6 && !t->sockets_.empty()) continue;
      return std::move(*error);
    }
    Socket s;
    s.fd = std::move(std::get<UniqueFd>(opened));
    s.family = family;
    s.bound = address;
    s.gso = options.offload && BatchIo::probe_gso(s.fd.get());
    if (port == 0) {
      // The first socket picked an ephemeral port; the others share it so that a peer sees one
      // encapsulation port whichever of our addresses it talks to.
      sockaddr_storage sa;
      socklen_t len = sizeof sa;
      ::getsockname(s.fd.get(), reinterpret_cast<sockaddr*>(&sa), &len);
      from_sockaddr(sa, &port);
    }
    t->fd_numbers_.push_back(s.fd.get());
    t->sockets_.push_back(std::move(s));
    t->round_.add_socket();
  }
  t->local_port_ = port;
  t->multi_homed_ = multi_homed_families(t->sockets_);
  t->multi_homed_any_ = t->multi_homed_[0] || t->multi_homed_[1];
  return t;
}

uint16_t UdpEncapTransport::remote_port(const wire::IpAddress& peer, uint16_t sctp_port) const {
  if (auto learned = ports_.learned(peer, sctp_port)) return *learned;
  auto it = pinned_.find(peer);
  return it == pinned_.end() ? default_remote_port_ : it->second;
}

uint16_t UdpEncapTransport::send_port(const wire::IpAddress& peer, wire::Bytes packet) {
  // RFC 9260 3.1: the destination port is the peer's SCTP port.
  const uint16_t sctp_port = packet.size() >= 4 ? wire::load_u16(packet, 2) : 0;
  if (auto port = ports_.take(peer, sctp_port)) return *port;
  auto it = pinned_.find(peer);
  return it == pinned_.end() ? default_remote_port_ : it->second;
}

void UdpEncapTransport::on_verified(const ReceivedPacket& packet) {
  // RFC 6951 5.4: the remote encapsulation port is the UDP source port of what the peer sent,
  // learned here only once an association verified the packet (see EncapPortMap).
  ports_.learn(packet.source, wire::load_u16(packet.data, 0), packet.encapsulation_port);
}

void UdpEncapTransport::on_answered_stateless(const ReceivedPacket& packet) {
  // RFC 6951 5.4: "the reply to an INIT goes back to the port it came from"; the same holds for
  // the other stateless answers (RFC 9260 8.4), which must not teach us anything.
  ports_.reply_once(packet.source, wire::load_u16(packet.data, 0), packet.encapsulation_port);
}

bool UdpEncapTransport::gso() const {
  return std::all_of(sockets_.begin(), sockets_.end(), [](const Socket& s) { return s.gso; });
}

void UdpEncapTransport::disable_gso() {
  for (auto& s : sockets_) s.gso = false;
}

UdpEncapTransport::Socket* UdpEncapTransport::routed_socket(const wire::IpAddress& destination) {
  return net::routed_socket(sockets_, routes_, multi_homed_, destination);
}

UdpEncapTransport::Socket* UdpEncapTransport::socket_for(const wire::IpAddress& source,
                                                         const wire::IpAddress& destination) {
  const int family = destination.is_v4() ? AF_INET : AF_INET6;
  // A multi-homed end with no source learned for this destination: the address routing picks
  // (route_source.h), not the first one bound.
  if (multi_homed_any_ && is_unspecified(source)) [[unlikely]] {
    if (Socket* routed = routed_socket(destination)) return routed;
  }
  Socket* wildcard = nullptr;
  Socket* any_of_family = nullptr;
  for (auto& s : sockets_) {
    if (s.family != family) continue;
    if (!is_unspecified(source) && s.bound == source) return &s;
    if (is_unspecified(s.bound) && !wildcard) wildcard = &s;
    if (!any_of_family) any_of_family = &s;
  }
  return wildcard ? wildcard : any_of_family;
}

size_t UdpEncapTransport::hand_out(std::span<ReceivedPacket> out) {
  size_t stored = 0;
  while (in_next_ < in_count_ && stored < out.size()) {
    const Datagram& d = in_[in_next_];
    // UDP GRO: the buffer holds datagrams of segment_size bytes back to back, each one SCTP packet
    // (RFC 6951 5.1: one SCTP packet per UDP datagram).
    const size_t segment = d.segment_size ? d.segment_size : d.data.size();
    const size_t length = std::min(segment, d.data.size() - in_offset_);
    const wire::Bytes packet = d.data.subspan(in_offset_, length);
    if (d.segment_size && length < d.data.size()) ++gro_packets_;
    in_offset_ += length;
    if (in_offset_ >= d.data.size() || length == 0) {
      ++in_next_;
      in_offset_ = 0;
    }
    if (!accept(packet)) continue;
    // The source port is learned only after the engine verified the packet (on_verified).
    ReceivedPacket& p = out[stored++];
    p.encapsulation_port = d.source_port;
    p.source = d.source;
    p.destination = is_unspecified(d.destination) ? in_socket_->bound : d.destination;
    p.data = packet;
    if (tap_) tap_->on_wire({false, p.source, p.destination, d.source_port, local_port_, packet});
  }
  return stored;
}

size_t UdpEncapTransport::receive(std::span<ReceivedPacket> out) {
  if (out.empty()) return 0;
  // The spans handed out point into io_'s buffers, which the next read overwrites: what the last
  // read left goes out first, and a call that handed out anything reads no more.
  if (const size_t stored = hand_out(out)) return stored;
  // One read per call, from one socket; the starting socket rotates so that none starves the others.
  for (size_t k = 0; k < sockets_.size(); ++k) {
    const size_t index = (next_socket_ + k) % sockets_.size();
    const Socket& s = sockets_[index];
    while (!round_.drained(index)) {
      const size_t n = io_.receive(s.fd.get(), in_, batching_);
      round_.record(index, n, batching_ ? in_.size() : 1);
      if (n == 0) break;
      in_count_ = n;
      in_next_ = 0;
      in_offset_ = 0;
      in_socket_ = &s;
      if (const size_t stored = hand_out(out)) {
        next_socket_ = (next_socket_ + k + 1) % sockets_.size();
        return stored;
      }
    }
  }
  round_.finished();
  return 0;
}

size_t UdpEncapTransport::send(std::span<const OutgoingPacket> packets) {
  size_t accepted = 0;
  size_t i = 0;
  while (i < packets.size()) {
    // Group consecutive packets that leave through the same socket into one sendmmsg.
    Socket* socket = socket_for(packets[i].source, packets[i].destination);
    if (!socket) {
      ++i;  // no socket of that family: unreachable, like a missing route
      continue;
    }
    size_t n = 0;
    if (out_.size() < packets.size() - i) out_.resize(packets.size() - i);
    while (i + n < packets.size() &&
           socket_for(packets[i + n].source, packets[i + n].destination) == socket) {
      const OutgoingPacket& p = packets[i + n];
      OutgoingDatagram& d = out_[n];
      d.source = is_unspecified(socket->bound) ? p.source : wire::IpAddress{};
      d.destination = p.destination;
      d.destination_port = send_port(p.destination, p.data);
      d.data = p.data;
      if (tap_)
        tap_->on_wire({true, is_unspecified(socket->bound) ? p.source : socket->bound, p.destination, local_port_,
                       d.destination_port, p.data});
      ++n;
    }
    accepted += io_.send(socket->fd.get(), socket->family, std::span(out_).first(n), batching_, &socket->gso);
    i += n;
  }
  return accepted;
}

}  // namespace sctpkit::net
