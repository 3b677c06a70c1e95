#include "net/raw_ip_transport.h"

#include <fmt/format.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>

namespace sctpkit::net {

namespace {

std::variant<UniqueFd, TransportError> open_raw(int family, const wire::IpAddress& address) {
  UniqueFd fd(::socket(family, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, kIpProtocolSctp));
  if (fd.get() < 0) {
    const int e = errno;
    auto error = system_error(family == AF_INET ? "raw IPv4 socket for SCTP" : "raw IPv6 socket for SCTP", e);
    if (e == EPERM || e == EACCES) {
      error.code = TransportError::Code::NoPrivilege;
      error.message =
          "raw IP sockets need CAP_NET_RAW: run as root (or setcap cap_net_raw+ep on the binary), "
          "or use --udp for SCTP over UDP (RFC 6951), which needs no privilege";
    }
    return error;
  }
  BatchIo::enable_pktinfo(fd.get(), family);
  BatchIo::size_buffers(fd.get());
  if (!is_unspecified(address)) {
    sockaddr_storage sa;
    const socklen_t len = to_sockaddr(address, 0, sa);
    if (::bind(fd.get(), reinterpret_cast<sockaddr*>(&sa), len) != 0)
      return system_error(fmt::format("bind raw socket to {}", address.to_string()), errno);
  }
  return fd;
}

// IPv4 only: asks to write our own IP header; returns the TTL to put in it (the socket's, which is
// the system default), or nullopt if the kernel refuses IP_HDRINCL.
std::optional<uint8_t> enable_hdrincl(int fd) {
  int ttl = 0;
  socklen_t len = sizeof ttl;
  if (::getsockopt(fd, IPPROTO_IP, IP_TTL, &ttl, &len) != 0 || ttl <= 0 || ttl > 255) return std::nullopt;
  const int on = 1;
  if (::setsockopt(fd, IPPROTO_IP, IP_HDRINCL, &on, sizeof on) != 0) return std::nullopt;
  return static_cast<uint8_t>(ttl);
}

bool exists(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0;
}

}  // namespace

std::optional<Ipv4Payload> strip_ipv4_header(wire::Bytes datagram) {
  if (datagram.size() < 20) return std::nullopt;  // RFC 791: the fixed header
  const uint8_t version = datagram[0] >> 4;
  const size_t header = static_cast<size_t>(datagram[0] & 0x0f) * 4;
  if (version != 4 || header < 20 || header > datagram.size()) return std::nullopt;
  if (datagram[9] != kIpProtocolSctp) return std::nullopt;
  // The total length may be smaller than what we read (link padding), never larger.
  const size_t total = wire::load_u16(datagram, 2);
  if (total < header || total > datagram.size()) return std::nullopt;
  return Ipv4Payload{wire::IpAddress::v4(datagram.data() + 16), datagram.subspan(header, total - header)};
}

void write_ipv4_header(std::span<uint8_t, kIpv4HeaderSize> out, const wire::IpAddress& source,
                       const wire::IpAddress& destination, size_t payload_size, uint8_t ttl) {
  // RFC 791 3.1. Linux (raw_send_hdrinc) overwrites the total length and checksum and chooses the
  // identification when it is 0; DF as the kernel set it for us before (IP_PMTUDISC_WANT).
  std::fill(out.begin(), out.end(), uint8_t{0});
  out[0] = 0x45;  // version 4, 5 words
  wire::store_u16(out, 2, static_cast<uint16_t>(kIpv4HeaderSize + payload_size));
  wire::store_u16(out, 6, 0x4000);  // DF, fragment offset 0
  out[8] = ttl;
  out[9] = kIpProtocolSctp;
  if (source.is_v4()) std::copy_n(source.bytes().begin(), 4, out.begin() + 12);
  if (destination.is_v4()) std::copy_n(destination.bytes().begin(), 4, out.begin() + 16);
}

bool RawIpTransport::kernel_sctp_loaded(const std::string& proc_root, const std::string& sys_root) {
  // /proc/net/sctp exists in every namespace once the module is in; /sys/module/sctp where sysfs is
  // mounted.
  return exists(proc_root + "/net/sctp") || exists(sys_root + "/module/sctp");
}

std::optional<std::string> RawIpTransport::kernel_sctp_warning() {
  if (!kernel_sctp_loaded()) return std::nullopt;
  return std::string(
      "warning: the kernel's SCTP module is loaded, so the kernel will also answer our peer's packets "
      "(with ABORTs for ports it does not know); use --udp, or the kernel backend");
}

std::variant<std::unique_ptr<RawIpTransport>, TransportError> RawIpTransport::open(const RawIpOptions& options) {
  std::unique_ptr<RawIpTransport> t(new RawIpTransport());
  std::vector<wire::IpAddress> addresses = options.local_addresses;
  const bool wildcard = addresses.empty();
  if (wildcard) {
    if (options.ipv4) addresses.push_back(wire::IpAddress::v4(0, 0, 0, 0));
    if (options.ipv6) addresses.push_back(*wire::IpAddress::parse("::"));
  }
  for (const auto& address : addresses) {
    const int family = address.is_v4() ? AF_INET : AF_INET6;
    auto opened = open_raw(family, address);
    if (auto* error = std::get_if<TransportError>(&opened)) {
      if (wildcard && family == AF_INET6 && error->code == TransportError::Code::Unsupported &&
          !t->sockets_.empty())
        continue;  // a host without IPv6 still serves IPv4
      return std::move(*error);
    }
    Socket s;
    s.fd = std::move(std::get<UniqueFd>(opened));
    s.family = family;
    s.bound = address;
    if (family == AF_INET) {
      if (auto ttl = enable_hdrincl(s.fd.get())) {
        s.hdrincl = true;
        s.ttl = *ttl;
      }
    }
    t->fd_numbers_.push_back(s.fd.get());
    t->sockets_.push_back(std::move(s));
    t->round_.add_socket();
  }
  t->multi_homed_ = multi_homed_families(t->sockets_);
  t->multi_homed_any_ = t->multi_homed_[0] || t->multi_homed_[1];
  return t;
}

RawIpTransport::Socket* RawIpTransport::routed_socket(const wire::IpAddress& destination) {
  return net::routed_socket(sockets_, routes_, multi_homed_, destination);
}

RawIpTransport::Socket* RawIpTransport::socket_for(const wire::IpAddress& source,
                                                   const wire::IpAddress& destination) {
  const int family = destination.is_v4() ? AF_INET : AF_INET6;
  // A multi-homed end with no source learned for this destination: the address routing picks
  // (route_source.h), not the first one bound.
  if (multi_homed_any_ && is_unspecified(source)) [[unlikely]] {
    if (Socket* routed = routed_socket(destination)) return routed;
  }
  Socket* fallback = nullptr;
  for (auto& s : sockets_) {
    if (s.family != family) continue;
    if (!is_unspecified(source) && s.bound == source) return &s;
    if (!fallback || (is_unspecified(s.bound) && !is_unspecified(fallback->bound))) fallback = &s;
  }
  return fallback;
}

size_t RawIpTransport::receive(std::span<ReceivedPacket> out) {
  const size_t want = std::min(in_.size(), out.size());
  for (size_t k = 0; k < sockets_.size() && want > 0; ++k) {
    const size_t index = (next_socket_ + k) % sockets_.size();
    const Socket& s = sockets_[index];
    while (!round_.drained(index)) {
      const size_t n = io_.receive(s.fd.get(), std::span(in_).first(want));
      round_.record(index, n, want);
      if (n == 0) break;
      size_t stored = 0;
      for (size_t i = 0; i < n; ++i) {
        const Datagram& d = in_[i];
        wire::IpAddress destination = d.destination;
        wire::Bytes sctp = d.data;
        if (s.family == AF_INET) {
          // IPv4 raw sockets deliver the IP header (raw(7)); IPv6 ones do not.
          auto stripped = strip_ipv4_header(d.data);
          if (!stripped) {
            ++dropped_;
            continue;
          }
          destination = stripped->destination;
          sctp = stripped->payload;
        }
        if (!accept(sctp)) continue;
        ReceivedPacket& p = out[stored++];
        p.source = d.source;
        p.destination = is_unspecified(destination) ? s.bound : destination;
        p.data = sctp;
        if (tap_) tap_->on_wire({false, p.source, p.destination, 0, 0, sctp});
      }
      if (stored > 0) {
        next_socket_ = (next_socket_ + k + 1) % sockets_.size();
        return stored;
      }
    }
  }
  if (want > 0) round_.finished();
  return 0;
}

size_t RawIpTransport::send(std::span<const OutgoingPacket> packets) {
  size_t accepted = 0;
  size_t i = 0;
  // Each packet's socket is looked up once: the lookup that ends a batch (another socket, or a
  // full batch) is the next batch's socket. Packets no socket can send are skipped in runs.
  Socket* socket = packets.empty() ? nullptr : socket_for(packets[0].source, packets[0].destination);
  while (i < packets.size()) {
    size_t n = 0;            // packets from packets[i] on that go to `socket`
    Socket* next = nullptr;  // the socket of packets[i + n]
    for (;;) {
      if (socket) {
        const OutgoingPacket& p = packets[i + n];
        // A socket bound to an address sends from it; a wildcard one takes the source from pktinfo.
        const wire::IpAddress source = is_unspecified(socket->bound) ? p.source : socket->bound;
        out_[n] = OutgoingDatagram{is_unspecified(socket->bound) ? p.source : wire::IpAddress{}, p.destination, 0,
                                   p.data, {}};
        if (socket->hdrincl) {
          write_ipv4_header(headers_[n], source, p.destination, p.data.size(), socket->ttl);
          out_[n].header = headers_[n];
        }
        if (tap_) tap_->on_wire({true, source, p.destination, 0, 0, p.data});
      }
      ++n;
      if (i + n == packets.size()) break;
      const OutgoingPacket& q = packets[i + n];
      const OutgoingPacket& before = packets[i + n - 1];
      // A batch mostly goes between the same two addresses: no search of the sockets then.
      next = q.source == before.source && q.destination == before.destination ? socket
                                                                               : socket_for(q.source, q.destination);
      if (next != socket || n == out_.size()) break;
    }
    if (socket) accepted += send_batch(*socket, n);
    i += n;
    socket = next;
  }
  return accepted;
}

size_t RawIpTransport::send_batch(Socket& socket, size_t n) {
  errno = 0;
  size_t sent = io_.send(socket.fd.get(), socket.family, std::span(out_).first(n));
  if (sent < n && socket.hdrincl && errno == EMSGSIZE) {
    // Larger than the device MTU: with its own header a raw socket refuses what it would otherwise
    // fragment. Give the header back to the kernel for good and send the batch again (packets it
    // already took arrive twice, which SCTP tolerates: RFC 9260 6.2 reports duplicate TSNs).
    const int off = 0;
    if (::setsockopt(socket.fd.get(), IPPROTO_IP, IP_HDRINCL, &off, sizeof off) == 0) {
      socket.hdrincl = false;
      for (size_t k = 0; k < n; ++k) out_[k].header = {};
      sent = io_.send(socket.fd.get(), socket.family, std::span(out_).first(n));
    }
  }
  return sent;
}

}  // namespace sctpkit::net
