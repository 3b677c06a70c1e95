// The AF_XDP side of bench/packet_ceiling.cc (--tx xdp, --rx xdp): an XDP program that hands IPv4
// frames of protocol 132 to an AF_XDP socket and passes everything else (ARP, the TCP control
// connection), and the socket itself (a UMEM of 2 KiB frames with its fill and completion rings, an
// RX and a TX ring; see the kernel's Documentation/networking/af_xdp.rst). No libbpf or libxdp: the
// program is a dozen BPF instructions loaded through the bpf() system call, attached with a
// bpf_link, so that it goes away with the process however it ends. Only kernel headers.
// Header-only, like packet_io.h.
#pragma once

#include <linux/bpf.h>
#include <linux/if_link.h>
#include <linux/if_xdp.h>
#include <poll.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "packet_io.h"

#ifndef AF_XDP
#define AF_XDP 44
#endif
#ifndef SOL_XDP
#define SOL_XDP 283
#endif

namespace sctpkit::bench::xdp {

inline long bpf(int cmd, bpf_attr& attr) { return ::syscall(__NR_bpf, cmd, &attr, sizeof attr); }

// The XSKMAP and the program that redirects into it, attached to one interface in driver (native)
// or generic (SKB) mode. Closing the link's descriptor detaches the program.
class Program {
 public:
  Program() = default;
  Program(const Program&) = delete;  // owns its map, program and link
  Program& operator=(const Program&) = delete;
  ~Program() {
    for (int fd : {link_, prog_, map_})
      if (fd >= 0) ::close(fd);
  }

  // `native`: XDP_FLAGS_DRV_MODE, else XDP_FLAGS_SKB_MODE. False after saying why not.
  bool attach(int ifindex, bool native) {
    bpf_attr m{};
    m.map_type = BPF_MAP_TYPE_XSKMAP;
    m.key_size = 4;
    m.value_size = 4;
    m.max_entries = kQueues;
    map_ = static_cast<int>(bpf(BPF_MAP_CREATE, m));
    if (map_ < 0) return say("BPF_MAP_CREATE (XSKMAP)");
    // r1 = ctx. Frames shorter than Ethernet + IPv4 headers, not IPv4 or not protocol 132 pass;
    // the rest go to the socket at this rx queue's index, or pass when there is none (the low bits
    // of bpf_redirect_map's flags: the action when the key has no entry).
    const auto insn = [](uint8_t code, uint8_t dst, uint8_t src, int16_t off, int32_t imm) {
      bpf_insn i{};
      i.code = code;
      i.dst_reg = dst & 0xf;
      i.src_reg = src & 0xf;
      i.off = off;
      i.imm = imm;
      return i;
    };
    constexpr int kIpProtocolOffset = packet::kEthHeader + 9;
    const bpf_insn code[] = {
        insn(BPF_LDX | BPF_W | BPF_MEM, 2, 1, offsetof(xdp_md, data), 0),
        insn(BPF_LDX | BPF_W | BPF_MEM, 3, 1, offsetof(xdp_md, data_end), 0),
        insn(BPF_ALU64 | BPF_MOV | BPF_X, 4, 2, 0, 0),
        insn(BPF_ALU64 | BPF_ADD | BPF_K, 4, 0, 0, packet::kEthHeader + packet::kIpHeader),
        insn(BPF_JMP | BPF_JGT | BPF_X, 4, 3, 10, 0),  // -> pass
        insn(BPF_LDX | BPF_H | BPF_MEM, 5, 2, 12, 0),
        insn(BPF_JMP | BPF_JNE | BPF_K, 5, 0, 8, 0x0008),  // EtherType 0x0800 read little-endian
        insn(BPF_LDX | BPF_B | BPF_MEM, 5, 2, kIpProtocolOffset, 0),
        insn(BPF_JMP | BPF_JNE | BPF_K, 5, 0, 6, packet::kProtocolSctp),
        insn(BPF_LDX | BPF_W | BPF_MEM, 2, 1, offsetof(xdp_md, rx_queue_index), 0),
        insn(BPF_LD | BPF_DW | BPF_IMM, 1, BPF_PSEUDO_MAP_FD, 0, map_),  // two slots
        insn(0, 0, 0, 0, 0),
        insn(BPF_ALU64 | BPF_MOV | BPF_K, 3, 0, 0, XDP_PASS),
        insn(BPF_JMP | BPF_CALL, 0, 0, 0, BPF_FUNC_redirect_map),
        insn(BPF_JMP | BPF_EXIT, 0, 0, 0, 0),
        insn(BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, XDP_PASS),  // pass:
        insn(BPF_JMP | BPF_EXIT, 0, 0, 0, 0),
    };
    static char license[] = "GPL";
    static char log[4096];
    bpf_attr p{};
    p.prog_type = BPF_PROG_TYPE_XDP;
    p.insns = reinterpret_cast<uintptr_t>(code);
    p.insn_cnt = sizeof code / sizeof code[0];
    p.license = reinterpret_cast<uintptr_t>(license);
    p.log_buf = reinterpret_cast<uintptr_t>(log);
    p.log_size = sizeof log;
    p.log_level = 1;
    prog_ = static_cast<int>(bpf(BPF_PROG_LOAD, p));
    if (prog_ < 0) {
      std::fprintf(stderr, "packet_ceiling: verifier log:\n%s\n", log);
      return say("BPF_PROG_LOAD");
    }
    bpf_attr l{};
    l.link_create.prog_fd = static_cast<uint32_t>(prog_);
    l.link_create.target_ifindex = static_cast<uint32_t>(ifindex);
    l.link_create.attach_type = BPF_XDP;
    l.link_create.flags = native ? XDP_FLAGS_DRV_MODE : XDP_FLAGS_SKB_MODE;
    link_ = static_cast<int>(bpf(BPF_LINK_CREATE, l));
    if (link_ < 0) return say(native ? "attach in driver mode" : "attach in SKB mode");
    return true;
  }

  // Frames of protocol 132 arriving on rx queue `queue` go to `xsk`.
  bool add_socket(uint32_t queue, int xsk) {
    bpf_attr u{};
    u.map_fd = static_cast<uint32_t>(map_);
    u.key = reinterpret_cast<uintptr_t>(&queue);
    u.value = reinterpret_cast<uintptr_t>(&xsk);
    u.flags = BPF_ANY;
    return bpf(BPF_MAP_UPDATE_ELEM, u) == 0 || say("XSKMAP update");
  }

  static constexpr uint32_t kQueues = 64;

 private:
  static bool say(const char* what) {
    std::fprintf(stderr, "packet_ceiling: %s: %s (needs CAP_BPF and CAP_NET_ADMIN)\n", what, std::strerror(errno));
    return false;
  }
  int map_ = -1, prog_ = -1, link_ = -1;
};

// One ring of an AF_XDP socket as mapped: producer and consumer indices and the entries.
template <class Entry>
struct Ring {
  std::atomic_ref<uint32_t> producer() const { return std::atomic_ref<uint32_t>(*producer_); }
  std::atomic_ref<uint32_t> consumer() const { return std::atomic_ref<uint32_t>(*consumer_); }
  Entry& at(uint32_t i) const { return entries[i & (size - 1)]; }
  uint32_t* producer_ = nullptr;
  uint32_t* consumer_ = nullptr;
  Entry* entries = nullptr;
  uint32_t size = 0;
  void* map = nullptr;
  std::size_t map_size = 0;
};

// An AF_XDP socket in copy mode (veth has no zero-copy) on one interface's queue 0: the first half
// of the UMEM's frames feed the RX path through the fill ring, the second half are TX buffers that
// come back through the completion ring.
class Socket {
 public:
  static constexpr uint32_t kFrameSize = 2048;
  static constexpr uint32_t kFrames = 8192;     // 16 MiB; 4096 each way
  static constexpr uint32_t kRingSize = 4096;
  static constexpr std::size_t kBatch = 32;   // net::BatchIo::kBatch, as packet_ceiling sends

  Socket() = default;
  Socket(const Socket&) = delete;  // owns its socket, UMEM and rings
  Socket& operator=(const Socket&) = delete;
  ~Socket() {
    unmap(rx_);
    unmap(tx_);
    unmap(fill_);
    unmap(completion_);
    if (umem_) ::munmap(umem_, static_cast<std::size_t>(kFrames) * kFrameSize);
    if (fd_ >= 0) ::close(fd_);
  }
  [[nodiscard]] int fd() const { return fd_; }

  // False after saying why not.
  bool open(const packet::Link& link, uint32_t queue) {
    link_ = &link;
    fd_ = ::socket(AF_XDP, SOCK_RAW | SOCK_CLOEXEC, 0);
    if (fd_ < 0) return say("socket");
    const std::size_t umem_size = static_cast<std::size_t>(kFrames) * kFrameSize;
    void* m = ::mmap(nullptr, umem_size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
    if (m == MAP_FAILED) return say("mmap of the UMEM");
    umem_ = static_cast<uint8_t*>(m);
    xdp_umem_reg reg{};
    reg.addr = reinterpret_cast<uintptr_t>(umem_);
    reg.len = umem_size;
    reg.chunk_size = kFrameSize;
    // The UMEM is pinned and charged to RLIMIT_MEMLOCK (8 MiB by default) unless CAP_IPC_LOCK.
    if (::setsockopt(fd_, SOL_XDP, XDP_UMEM_REG, &reg, sizeof reg) != 0)
      return say("XDP_UMEM_REG of 16 MiB", "needs CAP_IPC_LOCK or RLIMIT_MEMLOCK >= 16 MiB");
    const int n = kRingSize;
    for (int opt : {XDP_UMEM_FILL_RING, XDP_UMEM_COMPLETION_RING, XDP_RX_RING, XDP_TX_RING})
      if (::setsockopt(fd_, SOL_XDP, opt, &n, sizeof n) != 0) return say("ring size");
    xdp_mmap_offsets off{};
    socklen_t len = sizeof off;
    if (::getsockopt(fd_, SOL_XDP, XDP_MMAP_OFFSETS, &off, &len) != 0) return say("XDP_MMAP_OFFSETS");
    if (!map(rx_, off.rx, XDP_PGOFF_RX_RING) || !map(tx_, off.tx, XDP_PGOFF_TX_RING) ||
        !map(fill_, off.fr, XDP_UMEM_PGOFF_FILL_RING) || !map(completion_, off.cr, XDP_UMEM_PGOFF_COMPLETION_RING))
      return say("mmap of a ring");
    // The RX half of the UMEM goes to the kernel before bind, so that the first frames find room.
    const uint32_t fill_at = fill_.producer().load(std::memory_order_relaxed);
    for (uint32_t i = 0; i < kFrames / 2; ++i) fill_.at(fill_at + i) = static_cast<uint64_t>(i) * kFrameSize;
    fill_.producer().store(fill_at + kFrames / 2, std::memory_order_release);
    free_.reserve(kFrames / 2);
    for (uint32_t i = kFrames / 2; i < kFrames; ++i) free_.push_back(static_cast<uint64_t>(i) * kFrameSize);
    sockaddr_xdp a{};
    a.sxdp_family = AF_XDP;
    a.sxdp_flags = XDP_COPY;
    a.sxdp_ifindex = static_cast<uint32_t>(link.ifindex);
    a.sxdp_queue_id = queue;
    if (::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) return say("bind in copy mode");
    return true;
  }

  // Puts up to `count` (<= kBatch) frames of `sctp_size`-byte SCTP packets that fill(sctp, i) writes
  // on the TX ring and asks the kernel to send them; returns how many entered the ring (the kernel
  // sends them in this call or, when it stopped short, in the next).
  template <class Fill>
  std::size_t send(std::size_t count, std::size_t sctp_size, Fill&& fill) {
    reclaim();
    const uint32_t at = tx_.producer().load(std::memory_order_relaxed);
    const uint32_t room = tx_.size - (at - tx_.consumer().load(std::memory_order_acquire));
    count = std::min<std::size_t>({count, free_.size(), room});
    for (std::size_t i = 0; i < count; ++i) {
      const uint64_t addr = free_.back();
      free_.pop_back();
      uint8_t* f = umem_ + addr;
      packet::write_headers(f, *link_, sctp_size);
      fill(f + packet::kEthHeader + packet::kIpHeader, i);
      tx_.at(at + static_cast<uint32_t>(i)) =
          xdp_desc{addr, static_cast<uint32_t>(packet::kEthHeader + packet::kIpHeader + sctp_size), 0};
    }
    tx_.producer().store(at + static_cast<uint32_t>(count), std::memory_order_release);
    flush();
    return count;
  }

  // Copy mode sends only from this system call (at most 32 frames per call in the kernel).
  void flush() {
    if (in_flight() > 0) ::sendto(fd_, nullptr, 0, MSG_DONTWAIT, nullptr, 0);
  }
  // True once every TX frame is back with us (sent and completed).
  [[nodiscard]] bool idle() {
    reclaim();
    return free_.size() == kFrames / 2;
  }

  // Calls on_ip(ip_datagram, size) for every frame on the RX ring and gives the frames back
  // through the fill ring; returns how many frames.
  template <class OnIp>
  std::size_t drain(OnIp&& on_ip) {
    const uint32_t from = rx_.consumer().load(std::memory_order_relaxed);
    const uint32_t to = rx_.producer().load(std::memory_order_acquire);
    if (from == to) return 0;
    const uint32_t fill_at = fill_.producer().load(std::memory_order_relaxed);
    for (uint32_t i = from; i != to; ++i) {
      const xdp_desc& d = rx_.at(i);
      if (d.len > packet::kEthHeader) on_ip(umem_ + d.addr + packet::kEthHeader, d.len - packet::kEthHeader);
      // Copy mode: the frame's start within its chunk (headroom) is the kernel's; the chunk's start
      // is what goes back.
      fill_.at(fill_at + (i - from)) = d.addr & ~static_cast<uint64_t>(kFrameSize - 1);
    }
    rx_.consumer().store(to, std::memory_order_release);
    fill_.producer().store(fill_at + (to - from), std::memory_order_release);
    return to - from;
  }

  // Frames the kernel could not put on the RX ring since the last call: no free frame (rx_dropped,
  // which also counts what rx_fill_ring_empty_descs does) or a full RX ring (rx_ring_full).
  uint64_t take_drops() {
    xdp_statistics s{};
    socklen_t len = sizeof s;
    if (::getsockopt(fd_, SOL_XDP, XDP_STATISTICS, &s, &len) != 0) return 0;
    const uint64_t total = s.rx_dropped + s.rx_ring_full;
    const uint64_t d = total - drops_seen_;
    drops_seen_ = total;
    return d;
  }

 private:
  [[nodiscard]] uint32_t in_flight() const {
    return tx_.producer().load(std::memory_order_relaxed) - tx_.consumer().load(std::memory_order_acquire);
  }
  // TX frames the kernel has finished with, back to the free list.
  void reclaim() {
    const uint32_t from = completion_.consumer().load(std::memory_order_relaxed);
    const uint32_t to = completion_.producer().load(std::memory_order_acquire);
    for (uint32_t i = from; i != to; ++i) free_.push_back(completion_.at(i));
    completion_.consumer().store(to, std::memory_order_release);
  }
  template <class Entry>
  bool map(Ring<Entry>& r, const xdp_ring_offset& off, off_t pgoff) {
    r.size = kRingSize;
    r.map_size = off.desc + kRingSize * sizeof(Entry);
    void* m = ::mmap(nullptr, r.map_size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, fd_, pgoff);
    if (m == MAP_FAILED) return false;
    auto* base = static_cast<uint8_t*>(m);
    r.map = m;
    r.producer_ = reinterpret_cast<uint32_t*>(base + off.producer);
    r.consumer_ = reinterpret_cast<uint32_t*>(base + off.consumer);
    r.entries = reinterpret_cast<Entry*>(base + off.desc);
    return true;
  }
  template <class Entry>
  static void unmap(Ring<Entry>& r) {
    if (r.map) ::munmap(r.map, r.map_size);
  }
  static bool say(const char* what, const char* hint = "needs CAP_NET_RAW") {
    std::fprintf(stderr, "packet_ceiling: AF_XDP %s: %s (%s)\n", what, std::strerror(errno), hint);
    return false;
  }

  const packet::Link* link_ = nullptr;
  int fd_ = -1;
  uint8_t* umem_ = nullptr;
  Ring<xdp_desc> rx_, tx_;
  Ring<uint64_t> fill_, completion_;
  std::vector<uint64_t> free_;  // TX frames we may write; reserved once, never grows past kFrames / 2
  uint64_t drops_seen_ = 0;
};

}  // namespace sctpkit::bench::xdp
