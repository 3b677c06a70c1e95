#include "net/packet_transport.h"

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <linux/filter.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>

namespace sctpkit::net {

namespace {

constexpr size_t kRingBytes = 8 << 20;   // ~4k full-size frames: as much as a raw socket's 4 MiB queue holds
constexpr size_t kRingBlock = 64 << 10;  // a multiple of the page and of every frame size we pick
constexpr size_t kMaxDestinations = 4096;  // forgotten all at once beyond this (spoofed INIT sources)
constexpr size_t kFrameHeaders = PacketTransport::kEthernetHeader + kIpv4HeaderSize;

TransportError privilege_error(std::string what, int e) {
  auto error = system_error(what, e);
  if (e == EPERM || e == EACCES) {
    error.code = TransportError::Code::NoPrivilege;
    error.message = "packet sockets (--raw-io packet) need CAP_NET_RAW: run as root (or setcap cap_net_raw+ep on "
                    "the binary), or use --udp for SCTP over UDP (RFC 6951), which needs no privilege";
  }
  return error;
}

// The largest MTU of the host's Ethernet-framed interfaces, for the ring's frame size (a frame
// longer than a ring slot would arrive truncated and be dropped).
size_t largest_ethernet_mtu() {
  size_t largest = 1500;
  ifaddrs* all = nullptr;
  if (::getifaddrs(&all) != 0) return largest;
  const int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  for (ifaddrs* a = all; a && fd >= 0; a = a->ifa_next) {
    if (!a->ifa_addr || a->ifa_addr->sa_family != AF_PACKET || (a->ifa_flags & IFF_LOOPBACK)) continue;
    ifreq r{};
    std::strncpy(r.ifr_name, a->ifa_name, IFNAMSIZ - 1);
    if (::ioctl(fd, SIOCGIFMTU, &r) == 0 && r.ifr_mtu > 0) largest = std::max(largest, static_cast<size_t>(r.ifr_mtu));
  }
  if (fd >= 0) ::close(fd);
  ::freeifaddrs(all);
  return largest;
}

constexpr uint16_t kDontFragment = 0x4000;  // RFC 791 3.1: the flags and fragment offset word
constexpr uint16_t kFragmentBits = 0x3fff;  // MF and the offset
constexpr uint32_t kWholeFrame = 0x40000;  // a filter's "pass, all of it"

// Classic BPF run by the kernel on each IPv4 frame (offsets relative to the IP header, so any link
// type works): IPv4 protocol 132; DF or a fragment's bits set (a datagram without either is the
// raw socket's, fragments are counted); when `locals` is not empty, a destination among them.
std::vector<sock_filter> sctp_filter(const std::vector<wire::IpAddress>& locals) {
  // Jump offsets count the instructions skipped: [0 protocol] [1 jeq] [2 flags] [3 jset]
  // ([4 destination] [one jeq per local] [drop]) [accept] [drop].
  const size_t n = locals.size();
  const size_t accept = n == 0 ? 4 : 6 + n;
  const size_t drop = accept + 1;
  std::vector<sock_filter> code{
      BPF_STMT(BPF_LD | BPF_B | BPF_ABS, static_cast<uint32_t>(SKF_NET_OFF + 9)),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, kIpProtocolSctp, 0, static_cast<uint8_t>(drop - 2)),
      BPF_STMT(BPF_LD | BPF_H | BPF_ABS, static_cast<uint32_t>(SKF_NET_OFF + 6)),
      BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, kDontFragment | kFragmentBits, 0, static_cast<uint8_t>(drop - 4))};
  if (n > 0) {
    code.push_back(BPF_STMT(BPF_LD | BPF_W | BPF_ABS, static_cast<uint32_t>(SKF_NET_OFF + 16)));
    for (size_t i = 0; i < n; ++i) {
      // BPF loads words from network order into host order: compare with the address as a number.
      const auto& b = locals[i].bytes();
      const uint32_t address = uint32_t{b[0]} << 24 | uint32_t{b[1]} << 16 | uint32_t{b[2]} << 8 | b[3];
      code.push_back(BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, address, static_cast<uint8_t>(accept - (5 + i) - 1), 0));
    }
    code.push_back(BPF_STMT(BPF_RET | BPF_K, 0));
  }
  code.push_back(BPF_STMT(BPF_RET | BPF_K, kWholeFrame));
  code.push_back(BPF_STMT(BPF_RET | BPF_K, 0));
  return code;
}

// The raw socket's filter, the ring's complement (RingFrame::RawSocket): DF clear, or longer than
// `ring_limit`. It sees datagrams after reassembly, which leaves neither MF nor an offset.
std::vector<sock_filter> raw_socket_filter(size_t ring_limit) {
  return {BPF_STMT(BPF_LD | BPF_H | BPF_ABS, static_cast<uint32_t>(SKF_NET_OFF + 6)),
          BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, kDontFragment, 0, 3),
          BPF_STMT(BPF_LD | BPF_H | BPF_ABS, static_cast<uint32_t>(SKF_NET_OFF + 2)),
          BPF_JUMP(BPF_JMP | BPF_JGT | BPF_K, static_cast<uint32_t>(ring_limit), 1, 0),
          BPF_STMT(BPF_RET | BPF_K, 0),
          BPF_STMT(BPF_RET | BPF_K, kWholeFrame)};
}

bool attach_filter(int fd, std::vector<sock_filter> code) {
  sock_fprog program{static_cast<unsigned short>(code.size()), code.data()};
  return ::setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &program, sizeof program) == 0;
}

// RFC 1071 over the 20-byte header.
uint16_t header_checksum(std::span<const uint8_t, kIpv4HeaderSize> h) {
  uint32_t sum = 0;
  for (size_t i = 0; i < kIpv4HeaderSize; i += 2) sum += static_cast<uint32_t>(h[i] << 8 | h[i + 1]);
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return static_cast<uint16_t>(~sum);
}

uint32_t frame_status(tpacket2_hdr* h) {
  return std::atomic_ref<uint32_t>(h->tp_status).load(std::memory_order_acquire);
}

}  // namespace

// One send slot: the Ethernet and IPv4 headers, the two iovecs (headers, then the caller's SCTP
// bytes, so nothing is copied), and the packet socket address naming the interface.
struct PacketTransport::Slot {
  std::array<uint8_t, kFrameHeaders> headers;
  std::array<iovec, 2> iov;
  sockaddr_ll address;
};

std::optional<Ipv4Payload> parse_ipv4_frame(wire::Bytes datagram, size_t ring_limit, RingFrame& kind) {
  kind = RingFrame::Malformed;
  if (datagram.size() < kIpv4HeaderSize || datagram[0] >> 4 != 4 || datagram[9] != kIpProtocolSctp) return std::nullopt;
  const uint16_t flags = wire::load_u16(datagram, 6);
  // RFC 791 3.1: more-fragments flag or a fragment offset. No reassembly here: the kernel's happens
  // after the packet tap, and a first fragment would look like a truncated SCTP packet.
  if (flags & kFragmentBits) {
    kind = RingFrame::Fragment;
    return std::nullopt;
  }
  // Before the length check against what was captured: a frame longer than the ring's comes truncated.
  if (!(flags & kDontFragment) || wire::load_u16(datagram, 2) > ring_limit) {
    kind = RingFrame::RawSocket;
    return std::nullopt;
  }
  auto parsed = strip_ipv4_header(datagram);
  if (parsed) kind = RingFrame::Sctp;
  return parsed;
}

void write_frame_ipv4_header(std::span<uint8_t, kIpv4HeaderSize> out, const wire::IpAddress& source,
                             const wire::IpAddress& destination, size_t payload_size, uint16_t id) {
  // A packet socket sends the bytes as they are: every field the kernel would fill is ours.
  write_ipv4_header(out, source, destination, payload_size, 64);
  wire::store_u16(out, 4, id);  // RFC 6864 4.1: any value for an atomic (DF) datagram
  wire::store_u16(out, 10, header_checksum(out));
}

PacketTransport::PacketTransport() = default;

PacketTransport::~PacketTransport() {
  if (ring_) ::munmap(ring_, ring_size_);
}

std::variant<std::unique_ptr<PacketTransport>, TransportError> PacketTransport::open(const PacketOptions& options) {
  for (const auto& a : options.local_addresses)
    if (!a.is_v4())
      return TransportError{TransportError::Code::AddressInvalid, 0,
                            "packet I/O (--raw-io packet) is IPv4 only: " + a.to_string() +
                                " is IPv6; use --raw-io socket for IPv6"};
  std::unique_ptr<PacketTransport> t(new PacketTransport());
  t->locals_ = options.local_addresses;

  // The raw socket first: it answers the privilege question in RawIpTransport's words.
  RawIpOptions raw;
  raw.local_addresses = options.local_addresses;
  raw.ipv6 = false;
  auto opened = RawIpTransport::open(raw);
  if (auto* error = std::get_if<TransportError>(&opened)) return std::move(*error);
  t->raw_ = std::move(std::get<0>(opened));

  // Room for the header, the 16 bytes the kernel leaves before the MAC header, and a whole frame.
  const size_t needed = TPACKET_ALIGN(TPACKET2_HDRLEN) + 16 + kEthernetHeader + largest_ethernet_mtu();
  t->frame_size_ = 2048;
  while (t->frame_size_ < needed && t->frame_size_ < kRingBlock) t->frame_size_ *= 2;
  t->frame_count_ = kRingBytes / t->frame_size_;
  // A V2 ring puts the network header at TPACKET_ALIGN(header + max(link header, 16)) into the
  // frame (af_packet.c, tpacket_rcv), and truncates what does not fit behind it.
  t->ring_limit_ = t->frame_size_ - TPACKET_ALIGN(TPACKET2_HDRLEN + 16);

  for (int fd : t->raw_->fds()) {
    if (!attach_filter(fd, raw_socket_filter(t->ring_limit_)))
      return system_error("BPF filter on the raw IPv4 socket", errno);
    // What was queued before the filter: the ring may have it too.
    while (::recv(fd, nullptr, 0, MSG_DONTWAIT | MSG_TRUNC) >= 0) {
    }
  }
  t->raw_batch_.reserve(BatchIo::kBatch);
  if (!t->resolver_.ok()) return system_error("netlink route socket", errno);

  // Protocol 0 until bound: no frame is queued before the filter and the ring are in place.
  t->rx_ = UniqueFd(::socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (t->rx_.get() < 0) return privilege_error("packet socket", errno);
  t->fd_numbers_.push_back(t->rx_.get());
  for (int fd : t->raw_->fds()) t->fd_numbers_.push_back(fd);
  if (!attach_filter(t->rx_.get(), sctp_filter(t->locals_)))
    return system_error("BPF filter on the packet socket", errno);
  const int version = TPACKET_V2;
  tpacket_req request{};
  request.tp_block_size = kRingBlock;
  request.tp_block_nr = kRingBytes / kRingBlock;
  request.tp_frame_size = static_cast<unsigned>(t->frame_size_);
  request.tp_frame_nr = static_cast<unsigned>(t->frame_count_);
  if (::setsockopt(t->rx_.get(), SOL_PACKET, PACKET_VERSION, &version, sizeof version) != 0 ||
      ::setsockopt(t->rx_.get(), SOL_PACKET, PACKET_RX_RING, &request, sizeof request) != 0) {
    auto error = system_error("PACKET_RX_RING", errno);
    error.code = TransportError::Code::Unsupported;
    error.message += " (the kernel refused the packet ring: check for CONFIG_PACKET_MMAP limits or "
                     "memory locking; use --raw-io socket)";
    return error;
  }
  t->ring_size_ = kRingBytes;
  void* ring = ::mmap(nullptr, t->ring_size_, PROT_READ | PROT_WRITE, MAP_SHARED, t->rx_.get(), 0);
  if (ring == MAP_FAILED) return system_error("mmap of the packet ring (use --raw-io socket)", errno);
  t->ring_ = static_cast<uint8_t*>(ring);
  sockaddr_ll bound{};
  bound.sll_family = AF_PACKET;
  bound.sll_protocol = htons(ETH_P_IP);
  bound.sll_ifindex = 0;  // every interface
  if (::bind(t->rx_.get(), reinterpret_cast<sockaddr*>(&bound), sizeof bound) != 0)
    return system_error("bind the packet socket", errno);

  t->tx_ = UniqueFd(::socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (t->tx_.get() < 0) return privilege_error("packet socket", errno);
  // Frames in flight are charged to the send buffer until the device frees them.
  const int size = BatchIo::kSocketBuffer;
  if (::setsockopt(t->tx_.get(), SOL_SOCKET, SO_SNDBUFFORCE, &size, sizeof size) != 0)
    ::setsockopt(t->tx_.get(), SOL_SOCKET, SO_SNDBUF, &size, sizeof size);

  t->slots_ = std::make_unique<Slot[]>(BatchIo::kBatch);
  t->msgs_ = std::make_unique<mmsghdr[]>(BatchIo::kBatch);
  for (size_t i = 0; i < BatchIo::kBatch; ++i) {
    Slot& s = t->slots_[i];
    s.iov[0] = iovec{s.headers.data(), s.headers.size()};
    s.address = sockaddr_ll{};
    s.address.sll_family = AF_PACKET;
    s.address.sll_protocol = htons(ETH_P_IP);
    s.address.sll_halen = 6;
    t->msgs_[i].msg_hdr = msghdr{&s.address, sizeof s.address, s.iov.data(), 2, nullptr, 0, 0};
  }
  return t;
}

void PacketTransport::release_frames() {
  for (; held_frames_ > 0; --held_frames_) {
    const size_t index = (next_frame_ + frame_count_ - held_frames_) % frame_count_;
    auto* h = reinterpret_cast<tpacket2_hdr*>(ring_ + index * frame_size_);
    std::atomic_ref<uint32_t>(h->tp_status).store(TP_STATUS_KERNEL, std::memory_order_release);
  }
}

void PacketTransport::set_ready(std::span<const int> ready_fds) {
  raw_->set_ready(ready_fds);
  raw_drained_ = std::none_of(raw_->fds().begin(), raw_->fds().end(), [&](int fd) {
    return std::find(ready_fds.begin(), ready_fds.end(), fd) != ready_fds.end();
  });
}

void PacketTransport::bind_port(uint16_t port) {
  Transport::bind_port(port);
  raw_->bind_port(port);
}

void PacketTransport::unbind_port(uint16_t port) {
  Transport::unbind_port(port);
  raw_->unbind_port(port);
}

size_t PacketTransport::receive(std::span<ReceivedPacket> out) {
  // The packets handed out last time are done with ("valid until the next receive()").
  release_frames();
  size_t stored = receive_ring(out);
  // The raw socket only while it may hold something (set_ready() named it, and no read came back
  // short since): an empty read costs a system call, and the ring costs none.
  if (stored < out.size() && !raw_drained_) {
    const size_t n = raw_->receive(out.subspan(stored));
    if (n == 0) raw_drained_ = true;
    for (size_t i = stored; i < stored + n; ++i)
      if (tap_) tap_->on_wire({false, out[i].source, out[i].destination, 0, 0, out[i].data});
    stored += n;
    raw_received_ += n;
    dropped_ += raw_->dropped() - raw_dropped_seen_;
    raw_dropped_seen_ = raw_->dropped();
  }
  return stored;
}

size_t PacketTransport::receive_ring(std::span<ReceivedPacket> out) {
  size_t stored = 0;
  // Bounded by the ring: frames we skip are held (and released) with the rest.
  while (stored < out.size() && held_frames_ < frame_count_) {
    auto* h = reinterpret_cast<tpacket2_hdr*>(ring_ + next_frame_ * frame_size_);
    const uint32_t status = frame_status(h);
    if (!(status & TP_STATUS_USER)) break;
    next_frame_ = (next_frame_ + 1) % frame_count_;
    ++held_frames_;
    const auto* link = reinterpret_cast<const sockaddr_ll*>(reinterpret_cast<uint8_t*>(h) + TPACKET_ALIGN(sizeof *h));
    // Another host's frame (promiscuous mode) or one we sent: a raw socket would not see it either.
    if (link->sll_pkttype == PACKET_OTHERHOST || link->sll_pkttype == PACKET_OUTGOING) continue;
    const size_t link_header = h->tp_net >= h->tp_mac ? h->tp_net - h->tp_mac : h->tp_snaplen + 1;
    if (h->tp_snaplen < link_header) {
      ++dropped_;
      continue;
    }
    // A frame longer than a ring slot arrives truncated (tp_snaplen < tp_len): its total length
    // says it is the raw socket's, or, past the bytes captured, that it is malformed.
    const wire::Bytes ip(reinterpret_cast<uint8_t*>(h) + h->tp_net, h->tp_snaplen - link_header);
    RingFrame kind;
    auto parsed = parse_ipv4_frame(ip, ring_limit_, kind);
    if (kind == RingFrame::Fragment) ++fragments_;
    if (kind == RingFrame::Malformed) ++dropped_;
    if (!parsed || !accept(parsed->payload)) continue;
    ReceivedPacket& p = out[stored++];
    p.source = wire::IpAddress::v4(ip.data() + 12);
    p.destination = parsed->destination;
    p.data = parsed->payload;
    p.encapsulation_port = 0;
    if (tap_) tap_->on_wire({false, p.source, p.destination, 0, 0, p.data});
  }
  return stored;
}

const NextHop* PacketTransport::next_hop(const wire::IpAddress& destination, size_t ip_size,
                                         std::chrono::steady_clock::time_point now) {
  auto it = destinations_.find(destination);
  bool refresh = false;
  if (it == destinations_.end() || now >= it->second.look_again) {
    // A resolved entry that is due: this packet goes through the kernel, which confirms (or
    // probes) the neighbour; the entry is resolved again at once for the next packets.
    refresh = it != destinations_.end() && it->second.hop.has_value();
    if (it == destinations_.end() && destinations_.size() >= kMaxDestinations) destinations_.clear();
    auto found = resolver_.resolve(destination);
    Destination d{found.hop, now + (found.hop ? kRefresh : kRetry)};
    it = destinations_.insert_or_assign(destination, d).first;
  }
  const auto& hop = it->second.hop;
  // Larger than the interface takes: the kernel fragments it (we never do).
  if (refresh || !hop || ip_size > hop->mtu) return nullptr;
  return &*hop;
}

size_t PacketTransport::send(std::span<const OutgoingPacket> packets) {
  const auto now = now_();
  size_t accepted = 0;
  size_t framed = 0;
  for (const OutgoingPacket& p : packets) {
    if (!p.destination.is_v4()) continue;  // IPv4 only (open() refused IPv6 local addresses)
    const NextHop* hop = next_hop(p.destination, kIpv4HeaderSize + p.data.size(), now);
    const wire::IpAddress& source = is_unspecified(p.source) && hop ? hop->preferred_source : p.source;
    // The two paths leave in the order the engine produced the packets: a packet held back behind
    // a batch of the other path arrives after its successors, and a receiver reporting it missing
    // in three SACKs makes the sender retransmit it and halve its window (RFC 9260 7.2.4), once
    // per neighbour refresh.
    if (!hop || is_unspecified(source)) {
      if (framed > 0) {
        accepted += flush_frames(framed);
        framed = 0;
      }
      raw_batch_.push_back(p);
      if (tap_) tap_->on_wire({true, p.source, p.destination, 0, 0, p.data});
      if (raw_batch_.size() == BatchIo::kBatch) accepted += flush_raw(raw_batch_.size());
      continue;
    }
    if (!raw_batch_.empty()) accepted += flush_raw(raw_batch_.size());
    Slot& s = slots_[framed];
    std::copy(hop->next_hop_mac.begin(), hop->next_hop_mac.end(), s.headers.begin());
    std::copy(hop->local_mac.begin(), hop->local_mac.end(), s.headers.begin() + 6);
    wire::store_u16(s.headers, 12, ETH_P_IP);
    write_frame_ipv4_header(std::span(s.headers).subspan<kEthernetHeader, kIpv4HeaderSize>(), source, p.destination,
                            p.data.size(), ip_id_++);
    s.iov[1] = iovec{const_cast<uint8_t*>(p.data.data()), p.data.size()};
    s.address.sll_ifindex = hop->ifindex;
    std::copy(hop->next_hop_mac.begin(), hop->next_hop_mac.end(), s.address.sll_addr);
    if (tap_) tap_->on_wire({true, source, p.destination, 0, 0, p.data});
    if (++framed == BatchIo::kBatch) {
      accepted += flush_frames(framed);
      framed = 0;
    }
  }
  if (framed > 0) accepted += flush_frames(framed);
  if (!raw_batch_.empty()) accepted += flush_raw(raw_batch_.size());
  return accepted;
}

size_t PacketTransport::flush_frames(size_t n) {
  size_t sent = 0;
  size_t i = 0;
  while (i < n) {
    int r;
    do {
      r = ::sendmmsg(tx_.get(), &msgs_[i], static_cast<unsigned>(n - i), MSG_DONTWAIT);
    } while (r < 0 && errno == EINTR);
    // A frame the kernel refuses (buffer full, interface down) is lost, as on any IP network;
    // the rest still go.
    if (r <= 0) {
      ++i;
      continue;
    }
    sent += static_cast<size_t>(r);
    i += static_cast<size_t>(r);
  }
  return sent;
}

size_t PacketTransport::flush_raw(size_t n) {
  const size_t sent = raw_->send(std::span(raw_batch_).first(n));
  raw_sent_ += n;
  raw_batch_.clear();
  return sent;
}

}  // namespace sctpkit::net
