// The AF_PACKET side of bench/packet_ceiling.cc: Ethernet frames carrying IPv4 protocol 132, sent
// through a TPACKET_V2 TX ring or sendmmsg on a packet socket, received through a TPACKET_V3 RX ring
// (see packet(7) and the kernel's Documentation/networking/packet_mmap.rst). A packet socket is
// below IP: nothing here routes, resolves neighbours, fragments or fills in IP header fields, so the
// frame is built whole (Ethernet header, IPv4 header with its checksum, SCTP packet) from the
// addresses the caller resolved once. Header-only: the probe is one translation unit plus this.
#pragma once

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <linux/filter.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

namespace sctpkit::bench::packet {

using Mac = std::array<uint8_t, 6>;
constexpr std::size_t kEthHeader = 14;
constexpr std::size_t kIpHeader = 20;
constexpr int kProtocolSctp = 132;

// Where frames go out and come from: one interface, our and the peer's link and IPv4 addresses.
struct Link {
  std::string interface;
  int ifindex = 0;
  int mtu = 0;
  Mac local_mac{};
  Mac peer_mac{};
  in_addr local_ip{};
  in_addr peer_ip{};
};

// The interface that holds `local` (getifaddrs), its index, MTU and MAC; false after saying why not.
inline bool find_interface(in_addr local, Link& link) {
  ifaddrs* all = nullptr;
  if (::getifaddrs(&all) != 0) return false;
  for (ifaddrs* a = all; a; a = a->ifa_next) {
    if (a->ifa_addr && a->ifa_addr->sa_family == AF_INET &&
        reinterpret_cast<sockaddr_in*>(a->ifa_addr)->sin_addr.s_addr == local.s_addr)
      link.interface = a->ifa_name;
  }
  ::freeifaddrs(all);
  if (link.interface.empty() || link.interface.size() >= IFNAMSIZ) {
    std::fprintf(stderr, "packet_ceiling: no interface holds our control address\n");
    return false;
  }
  link.local_ip = local;
  link.ifindex = static_cast<int>(::if_nametoindex(link.interface.c_str()));
  const int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  ifreq r{};
  std::memcpy(r.ifr_name, link.interface.c_str(), link.interface.size());
  const bool ok = ::ioctl(fd, SIOCGIFHWADDR, &r) == 0 && r.ifr_hwaddr.sa_family == ARPHRD_ETHER;
  if (ok) std::memcpy(link.local_mac.data(), r.ifr_hwaddr.sa_data, 6);
  const bool mtu_ok = ::ioctl(fd, SIOCGIFMTU, &r) == 0;
  link.mtu = mtu_ok ? r.ifr_mtu : 1500;
  ::close(fd);
  if (!ok) std::fprintf(stderr, "packet_ceiling: %s is not an Ethernet interface\n", link.interface.c_str());
  return ok;
}

// The peer's MAC from the neighbour table (SIOCGARP): the control connection's handshake has just
// resolved it. False after saying why not.
inline bool find_peer_mac(Link& link) {
  const int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  arpreq r{};
  auto* pa = reinterpret_cast<sockaddr_in*>(&r.arp_pa);
  pa->sin_family = AF_INET;
  pa->sin_addr = link.peer_ip;
  std::memcpy(r.arp_dev, link.interface.c_str(), link.interface.size());
  const bool ok = ::ioctl(fd, SIOCGARP, &r) == 0 && (r.arp_flags & ATF_COM);
  ::close(fd);
  if (!ok) {
    std::fprintf(stderr, "packet_ceiling: no neighbour entry for the peer on %s\n", link.interface.c_str());
    return false;
  }
  std::memcpy(link.peer_mac.data(), r.arp_ha.sa_data, 6);
  return true;
}

// RFC 1071 checksum of an IPv4 header: a packet socket sends what we write, and the peer's IP
// input drops a datagram whose header checksum is wrong.
inline uint16_t ip_checksum(const uint8_t* h) {
  uint32_t sum = 0;
  for (std::size_t i = 0; i < kIpHeader; i += 2) sum += static_cast<uint32_t>(h[i] << 8 | h[i + 1]);
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return static_cast<uint16_t>(~sum);
}

// Ethernet and IPv4 headers (RFC 791 3.1: DF, TTL 64, protocol 132) in front of `sctp_size` bytes.
inline void write_headers(uint8_t* f, const Link& link, std::size_t sctp_size) {
  std::memcpy(f, link.peer_mac.data(), 6);
  std::memcpy(f + 6, link.local_mac.data(), 6);
  f[12] = 0x08;
  f[13] = 0x00;
  uint8_t* ip = f + kEthHeader;
  std::memset(ip, 0, kIpHeader);
  ip[0] = 0x45;
  const auto total = static_cast<uint16_t>(kIpHeader + sctp_size);
  ip[2] = static_cast<uint8_t>(total >> 8);
  ip[3] = static_cast<uint8_t>(total);
  ip[6] = 0x40;
  ip[8] = 64;
  ip[9] = kProtocolSctp;
  std::memcpy(ip + 12, &link.local_ip, 4);
  std::memcpy(ip + 16, &link.peer_ip, 4);
  const uint16_t sum = ip_checksum(ip);
  ip[10] = static_cast<uint8_t>(sum >> 8);
  ip[11] = static_cast<uint8_t>(sum);
}

// A packet socket bound to `link`'s interface. Protocol 0 for a socket that only sends: the kernel
// then hands it no received frames at all.
inline int open_packet_socket(const Link& link, uint16_t protocol) {
  const int fd = ::socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    std::fprintf(stderr, "packet_ceiling: packet socket: %s (needs CAP_NET_RAW)\n", std::strerror(errno));
    return -1;
  }
  const int size = 4 << 20;  // frames in flight are charged to the send buffer until freed
  ::setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &size, sizeof size);
  ::setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof size);
  if (protocol == 0) {
    sockaddr_ll a{};
    a.sll_family = AF_PACKET;
    a.sll_ifindex = link.ifindex;
    if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
      std::fprintf(stderr, "packet_ceiling: bind to %s: %s\n", link.interface.c_str(), std::strerror(errno));
      ::close(fd);
      return -1;
    }
  }
  return fd;
}

inline bool attach_filter(int fd, std::vector<sock_filter> code) {
  sock_fprog prog{static_cast<unsigned short>(code.size()), code.data()};
  return ::setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &prog, sizeof prog) == 0;
}

// Classic BPF that keeps nothing: on a raw socket of protocol 132 it keeps the kernel from answering
// ICMP protocol-unreachable (a raw socket exists) while queueing nothing for us to read.
inline bool attach_drop_all(int fd) { return attach_filter(fd, {BPF_STMT(BPF_RET | BPF_K, 0)}); }

// Sends whole frames: sendmmsg of a batch, or a TPACKET_V2 TX ring flushed by one send() per batch.
class FrameSender {
 public:
  static constexpr std::size_t kBatch = 32;  // net::BatchIo::kBatch, so that syscalls per packet match
  static constexpr std::size_t kFrameSize = 2048;  // one 1500 B MTU frame plus the ring's frame header
  static constexpr std::size_t kRingFrames = 1024;

  FrameSender() = default;
  FrameSender(const FrameSender&) = delete;  // owns its socket and ring
  FrameSender& operator=(const FrameSender&) = delete;

  // `ring`: the TX ring (else sendmmsg). `bypass`: PACKET_QDISC_BYPASS. False after saying why not.
  bool open(const Link& link, bool ring, bool bypass) {
    link_ = &link;
    fd_ = open_packet_socket(link, 0);
    if (fd_ < 0) return false;
    const int on = 1;
    if (bypass) ::setsockopt(fd_, SOL_PACKET, PACKET_QDISC_BYPASS, &on, sizeof on);
    if (!ring) {
      buffer_.resize(kBatch * kFrameSize);
      for (std::size_t i = 0; i < kBatch; ++i) msgs_[i].msg_hdr = msghdr{nullptr, 0, &iov_[i], 1, nullptr, 0, 0};
      return true;
    }
    const int version = TPACKET_V2;
    tpacket_req req{};
    req.tp_block_size = 32 * kFrameSize;
    req.tp_frame_size = kFrameSize;
    req.tp_frame_nr = kRingFrames;
    req.tp_block_nr = kRingFrames / 32;
    if (::setsockopt(fd_, SOL_PACKET, PACKET_VERSION, &version, sizeof version) != 0 ||
        ::setsockopt(fd_, SOL_PACKET, PACKET_TX_RING, &req, sizeof req) != 0) {
      std::fprintf(stderr, "packet_ceiling: PACKET_TX_RING: %s\n", std::strerror(errno));
      return false;
    }
    void* m = ::mmap(nullptr, kRingFrames * kFrameSize, PROT_READ | PROT_WRITE, MAP_SHARED, fd_, 0);
    if (m == MAP_FAILED) {
      std::fprintf(stderr, "packet_ceiling: mmap of the TX ring: %s\n", std::strerror(errno));
      return false;
    }
    ring_ = static_cast<uint8_t*>(m);
    return true;
  }
  ~FrameSender() {
    if (ring_) ::munmap(ring_, kRingFrames * kFrameSize);
    if (fd_ >= 0) ::close(fd_);
  }
  [[nodiscard]] int fd() const { return fd_; }

  // Sends up to `count` (<= kBatch) frames of `sctp_size`-byte SCTP packets that fill(sctp, i)
  // writes in place; returns how many the kernel took (ring: how many entered the ring).
  template <class Fill>
  std::size_t send(std::size_t count, std::size_t sctp_size, Fill&& fill) {
    const std::size_t frame = kEthHeader + kIpHeader + sctp_size;
    if (!ring_) {
      for (std::size_t i = 0; i < count; ++i) {
        uint8_t* f = buffer_.data() + i * kFrameSize;
        write_headers(f, *link_, sctp_size);
        fill(f + kEthHeader + kIpHeader, i);
        iov_[i] = iovec{f, frame};
      }
      const int n = ::sendmmsg(fd_, msgs_.data(), static_cast<unsigned>(count), MSG_DONTWAIT);
      return n > 0 ? static_cast<std::size_t>(n) : 0;
    }
    std::size_t queued = 0;
    for (; queued < count; ++queued) {
      auto* h = reinterpret_cast<tpacket2_hdr*>(ring_ + next_ * kFrameSize);
      if (status(h) != TP_STATUS_AVAILABLE) break;  // still in flight: the kernel frees it later
      // TX ring data starts after the frame header (no PACKET_TX_HAS_OFF).
      uint8_t* f = reinterpret_cast<uint8_t*>(h) + TPACKET2_HDRLEN - sizeof(sockaddr_ll);
      write_headers(f, *link_, sctp_size);
      fill(f + kEthHeader + kIpHeader, queued);
      h->tp_len = static_cast<uint32_t>(frame);
      std::atomic_ref<uint32_t>(h->tp_status).store(TP_STATUS_SEND_REQUEST, std::memory_order_release);
      next_ = (next_ + 1) % kRingFrames;
    }
    flush();
    return queued;
  }

  // Ring: asks the kernel to send what waits in the ring. Frames it could not take stay requested.
  void flush() {
    if (ring_) ::send(fd_, nullptr, 0, MSG_DONTWAIT);
  }
  // Ring: true once every frame is back with us (sent and freed).
  [[nodiscard]] bool idle() const {
    for (std::size_t i = 0; ring_ && i < kRingFrames; ++i)
      if (status(reinterpret_cast<tpacket2_hdr*>(ring_ + i * kFrameSize)) != TP_STATUS_AVAILABLE) return false;
    return true;
  }

 private:
  static uint32_t status(tpacket2_hdr* h) {
    return std::atomic_ref<uint32_t>(h->tp_status).load(std::memory_order_acquire);
  }
  const Link* link_ = nullptr;
  int fd_ = -1;
  uint8_t* ring_ = nullptr;
  std::size_t next_ = 0;
  std::vector<uint8_t> buffer_;
  std::array<iovec, kBatch> iov_{};
  std::array<mmsghdr, kBatch> msgs_{};
};

// A TPACKET_V3 RX ring on one interface, for IPv4 frames of protocol 132 only (a classic BPF
// filter in the kernel). The kernel fills whole blocks and wakes us once per block.
// Bound to ETH_P_IP the ring sees a frame beside IPv4 input (after the ingress hooks); bound to
// ETH_P_ALL it sees it as a capture tap does, before them, so that a netdev ingress rule may then
// drop the frame before IPv4 input runs at all.
class FrameReceiver {
 public:
  static constexpr std::size_t kBlockSize = 256 << 10;
  static constexpr std::size_t kBlocks = 256;  // 64 MiB, ~40k full-size frames: 0.1 s at 400k/s

  FrameReceiver() = default;
  FrameReceiver(const FrameReceiver&) = delete;  // owns its socket and ring
  FrameReceiver& operator=(const FrameReceiver&) = delete;

  bool open(const Link& link, bool all_protocols) {
    fd_ = open_packet_socket(link, ETH_P_IP);
    if (fd_ < 0) return false;
    // From the Ethernet header: EtherType IPv4 at 12, IP protocol at 14 + 9.
    const bool filtered = attach_filter(fd_, {BPF_STMT(BPF_LD | BPF_H | BPF_ABS, 12),
                                              BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, ETH_P_IP, 0, 3),
                                              BPF_STMT(BPF_LD | BPF_B | BPF_ABS, kEthHeader + 9),
                                              BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, kProtocolSctp, 0, 1),
                                              BPF_STMT(BPF_RET | BPF_K, 0xffff), BPF_STMT(BPF_RET | BPF_K, 0)});
    const int version = TPACKET_V3;
    tpacket_req3 req{};
    req.tp_block_size = kBlockSize;
    req.tp_block_nr = kBlocks;
    req.tp_frame_size = 2048;
    req.tp_frame_nr = kBlockSize * kBlocks / 2048;
    req.tp_retire_blk_tov = 1;  // ms: a part-filled block (acks, the tail of a run) still comes up
    if (!filtered || ::setsockopt(fd_, SOL_PACKET, PACKET_VERSION, &version, sizeof version) != 0 ||
        ::setsockopt(fd_, SOL_PACKET, PACKET_RX_RING, &req, sizeof req) != 0) {
      std::fprintf(stderr, "packet_ceiling: PACKET_RX_RING: %s\n", std::strerror(errno));
      return false;
    }
    void* m = ::mmap(nullptr, kBlockSize * kBlocks, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_LOCKED, fd_, 0);
    if (m == MAP_FAILED) m = ::mmap(nullptr, kBlockSize * kBlocks, PROT_READ | PROT_WRITE, MAP_SHARED, fd_, 0);
    if (m == MAP_FAILED) {
      std::fprintf(stderr, "packet_ceiling: mmap of the RX ring: %s\n", std::strerror(errno));
      return false;
    }
    ring_ = static_cast<uint8_t*>(m);
    sockaddr_ll a{};
    a.sll_family = AF_PACKET;
    a.sll_protocol = htons(all_protocols ? ETH_P_ALL : ETH_P_IP);
    const int on = 1;  // ETH_P_ALL: not our own acks on their way out
    if (all_protocols) ::setsockopt(fd_, SOL_PACKET, PACKET_IGNORE_OUTGOING, &on, sizeof on);
    a.sll_ifindex = link.ifindex;
    if (::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
      std::fprintf(stderr, "packet_ceiling: bind to %s: %s\n", link.interface.c_str(), std::strerror(errno));
      return false;
    }
    return true;
  }
  ~FrameReceiver() {
    if (ring_) ::munmap(ring_, kBlockSize * kBlocks);
    if (fd_ >= 0) ::close(fd_);
  }
  [[nodiscard]] int fd() const { return fd_; }

  // Calls on_ip(ip_datagram, size) for each frame of every block the kernel has handed over, and
  // gives the blocks back; returns how many frames.
  template <class OnIp>
  std::size_t drain(OnIp&& on_ip) {
    std::size_t frames = 0;
    for (;;) {
      auto* b = reinterpret_cast<tpacket_block_desc*>(ring_ + current_ * kBlockSize);
      std::atomic_ref<uint32_t> block_status(b->hdr.bh1.block_status);
      if (!(block_status.load(std::memory_order_acquire) & TP_STATUS_USER)) return frames;
      auto* p = reinterpret_cast<uint8_t*>(b) + b->hdr.bh1.offset_to_first_pkt;
      for (uint32_t i = 0; i < b->hdr.bh1.num_pkts; ++i) {
        auto* h = reinterpret_cast<tpacket3_hdr*>(p);
        const uint32_t link_header = static_cast<uint32_t>(h->tp_net) - h->tp_mac;  // frame bytes before IP
        if (h->tp_net > h->tp_mac && h->tp_snaplen > link_header) on_ip(p + h->tp_net, h->tp_snaplen - link_header);
        ++frames;
        p += h->tp_next_offset;
      }
      block_status.store(TP_STATUS_KERNEL, std::memory_order_release);
      current_ = (current_ + 1) % kBlocks;
    }
  }

  // Frames the kernel dropped because the ring was full (PACKET_STATISTICS; reading resets them).
  uint64_t take_drops() {
    tpacket_stats_v3 s{};
    socklen_t len = sizeof s;
    if (::getsockopt(fd_, SOL_PACKET, PACKET_STATISTICS, &s, &len) != 0) return 0;
    return s.tp_drops;
  }

 private:
  int fd_ = -1;
  uint8_t* ring_ = nullptr;
  std::size_t current_ = 0;
};

}  // namespace sctpkit::bench::packet
