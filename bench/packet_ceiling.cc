// packet_ceiling: would another kernel path carry raw SCTP faster than the raw IPv4 sockets that
// bench/raw_ceiling measures (and net::RawIpTransport uses)? The same back-to-back packets of
// protocol 132, counted where they arrive, with each end's send and receive path chosen apart:
//   --tx raw    raw IPv4 socket, IP_HDRINCL, sendmmsg (raw_ceiling's path)
//   --tx mmsg   AF_PACKET socket, whole Ethernet frames, sendmmsg, PACKET_QDISC_BYPASS
//   --tx ring   AF_PACKET TPACKET_V2 TX ring, one send() per batch, PACKET_QDISC_BYPASS
//   --tx xdp    AF_XDP socket in copy mode (veth has no zero-copy): frames on its TX ring, one
//               sendto() per batch
//   --rx raw    raw IPv4 socket, recvmmsg (raw_ceiling's path)
//   --rx ring   AF_PACKET TPACKET_V3 RX ring (ETH_P_IP, a BPF filter for protocol 132)
//   --rx ring-all   the same bound to ETH_P_ALL: it sees frames before the netdev ingress hook, so
//               that an nftables rule there (`ip protocol 132 drop`, made by the caller) can spare
//               them IPv4 input and the ICMP answer without a raw socket
//   --rx xdp    an XDP program on the interface redirects IPv4 frames of protocol 132 to an AF_XDP
//               socket (copy mode) before the kernel's IPv4 input runs, and passes the rest (ARP,
//               the control connection): no raw socket is needed then
//   --xdp-mode native|skb   attach that program in driver (veth's own XDP) or generic (SKB) mode
//   --hold none|drop|open   with a ring: whether a raw socket of protocol 132 is held open too,
//               with a drop-all BPF filter or with none (never read). The kernel runs its IPv4 input
//               for every frame whatever a packet socket took, and without a raw socket for 132 it
//               answers ICMP protocol-unreachable (rate-limited), so a real transport must hold one:
//               this measures what that costs. A raw sender (--tx raw) is such a socket as well.
//   --otherhost the sender writes a destination MAC that is not the receiver's: the receiver's
//               kernel marks the frame PACKET_OTHERHOST and its IPv4 input drops it at once, so the
//               packet socket's cost is seen without IP input (what a dedicated MAC would buy).
// An AF_XDP socket binds to queue 0 of the interface (a veth made by `ip link add` has one); with
// more rx queues, frames on the others would pass to IPv4 input. Frames are built whole
// (packet_io.h, xdp_io.h) from the addresses the TCP control connection resolved. The
// control connection (TCP, port -p, never during the measured run) starts a run, and at its end
// carries the receiver's count back: throughput and rate are what arrived, never what was sent.
// -l, the packet format, --acks and the JSON summary are raw_ceiling's, so runs of both compare
// line for line; the summary adds `config`, `packets.ring_drops` (the AF_PACKET ring's or the
// AF_XDP socket's RX drops) and `cpu_ns_per_packet` (see cpu_ns: the rate moves with the load of
// this shared machine, CPU time per packet much less).
#include <netinet/tcp.h>
#include <sys/resource.h>

#include <cerrno>
#include <cstring>
#include <ctime>

#include "net/batch_io.h"
#include "net/raw_ip_transport.h"
#include "net/socket_util.h"
#include "packet_io.h"
#include "perf_common.h"
#include "xdp_io.h"

namespace sctpkit::bench {
namespace {

using net::BatchIo;

constexpr uint8_t kKindData = 0xf0;
constexpr uint8_t kKindAck = 0xf3;
constexpr std::size_t kHeader = 12 + 1 + 8;  // common header, kind, sequence
constexpr std::size_t kAckSize = 28;            // common header + a SACK chunk without gap blocks
constexpr std::size_t kDataChunkOverhead = 28;  // common header + DATA chunk header

// Control messages: a START (run, packet size) that READY answers, an END (packets sent) that
// REPORT (packets, bytes, arrival span in ns, acks sent, ring drops, the server's user and system
// CPU ns) answers.
enum : uint64_t { kStart = 1, kReady, kEnd, kReport };
using Message = std::array<uint64_t, 8>;

void write_packet(uint8_t* p, std::size_t size, uint16_t port, uint32_t run, uint8_t kind, uint64_t value) {
  std::memset(p, 0, size);
  wire::store_u16(wire::MutableBytes(p, size), 0, port);
  wire::store_u16(wire::MutableBytes(p, size), 2, port);
  wire::store_u32(wire::MutableBytes(p, size), 4, run);
  p[12] = kind;
  std::memcpy(p + 13, &value, sizeof value);
}

int64_t now_ns() {
  timespec ts;
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

// This process's user and system CPU time in ns. With tick-based accounting (no
// CONFIG_IRQ_TIME_ACCOUNTING) system time includes the softirqs that ran in our context: on a veth
// the receiving namespace's whole input path runs in the sender's send call (netif_rx, then the
// softirq on leaving it), so CPU per packet, unlike the rate, does not move with the machine's load.
std::pair<uint64_t, uint64_t> cpu_ns() {
  rusage u{};
  ::getrusage(RUSAGE_SELF, &u);
  auto ns = [](timeval t) {
    return static_cast<uint64_t>(t.tv_sec) * 1000000000 + static_cast<uint64_t>(t.tv_usec) * 1000;
  };
  return {ns(u.ru_utime), ns(u.ru_stime)};
}

bool wait_for(int fd, short events, int ms) {
  pollfd p{fd, events, 0};
  return ::poll(&p, 1, ms) > 0;
}

bool send_message(int fd, const Message& m) {
  return ::send(fd, m.data(), sizeof m, MSG_NOSIGNAL) == static_cast<ssize_t>(sizeof m);
}

// One whole message within `ms`, or nullopt (closed, timed out).
std::optional<Message> receive_message(int fd, int ms) {
  Message m{};
  std::size_t got = 0;
  while (got < sizeof m) {
    if (!wait_for(fd, POLLIN, ms)) return std::nullopt;
    const ssize_t n = ::recv(fd, reinterpret_cast<uint8_t*>(m.data()) + got, sizeof m - got, MSG_DONTWAIT);
    if (n == 0 || (n < 0 && errno != EAGAIN)) return std::nullopt;
    if (n > 0) got += static_cast<std::size_t>(n);
  }
  return m;
}

struct PathConfig {
  std::string tx = "raw";
  std::string rx = "raw";
  std::string hold = "none";
  bool otherhost = false;
  std::string xdp_mode = "native";
};

// One end's send and receive paths, as PathConfig chose them.
class Endpoint {
 public:
  // `link` has both ends' addresses; false after saying why not.
  bool open(const PathConfig& c, packet::Link& link) {
    config_ = c;
    link_ = link;
    local_ = *wire::IpAddress::parse(ntop(link.local_ip));
    peer_ = *wire::IpAddress::parse(ntop(link.peer_ip));
    if (c.tx != "raw" && !packet::find_peer_mac(link_)) return false;
    if (c.otherhost) link_.peer_mac[5] ^= 0x5a;
    if (c.tx == "raw" || c.rx == "raw") {
      raw_ = net::UniqueFd(::socket(AF_INET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, net::kIpProtocolSctp));
      if (raw_.get() < 0) return say("raw IPv4 socket");
      BatchIo::enable_pktinfo(raw_.get(), AF_INET);
      BatchIo::size_buffers(raw_.get());
      const int on = 1;
      ::setsockopt(raw_.get(), IPPROTO_IP, IP_HDRINCL, &on, sizeof on);
      if (c.rx != "raw" && c.hold != "open" && !packet::attach_drop_all(raw_.get())) return say("SO_ATTACH_FILTER");
      ++raw_sockets_;
    }
    if (c.rx != "raw" && c.hold != "none") {
      hold_ = net::UniqueFd(::socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC, net::kIpProtocolSctp));
      if (hold_.get() < 0) return say("raw IPv4 socket");
      if (c.hold == "drop" && !packet::attach_drop_all(hold_.get())) return say("SO_ATTACH_FILTER");
      ++raw_sockets_;
    }
    if ((c.tx == "mmsg" || c.tx == "ring") && !sender_.open(link_, c.tx == "ring", true)) return false;
    if ((c.rx == "ring" || c.rx == "ring-all") && !receiver_.open(link_, c.rx == "ring-all")) return false;
    if ((c.tx == "xdp" || c.rx == "xdp") && !xsk_.open(link_, 0)) return false;
    if (c.rx != "xdp") return true;
    return program_.attach(link_.ifindex, c.xdp_mode == "native") && program_.add_socket(0, xsk_.fd());
  }

  [[nodiscard]] int tx_fd() const {
    return config_.tx == "raw" ? raw_.get() : config_.tx == "xdp" ? xsk_.fd() : sender_.fd();
  }
  [[nodiscard]] int rx_fd() const {
    return config_.rx == "raw" ? raw_.get() : config_.rx == "xdp" ? xsk_.fd() : receiver_.fd();
  }

  // Sends `count` (<= kBatch) SCTP packets of `size` bytes that fill(sctp, i) writes; returns how
  // many the kernel took.
  template <class Fill>
  std::size_t send(std::size_t count, std::size_t size, Fill&& fill) {
    if (config_.tx == "xdp") return xsk_.send(count, size, fill);
    if (config_.tx != "raw") return sender_.send(count, size, fill);
    for (std::size_t i = 0; i < count; ++i) {
      fill(batch_.data() + i * size, i);
      net::write_ipv4_header(headers_[i], local_, peer_, size, 64);
      out_[i] = net::OutgoingDatagram{local_, peer_, 0, wire::Bytes(batch_.data() + i * size, size), headers_[i]};
    }
    return io_.send(raw_.get(), AF_INET, std::span(out_).first(count));
  }
  void flush() {
    if (config_.tx == "xdp") xsk_.flush();
    else sender_.flush();
  }
  [[nodiscard]] bool idle() { return config_.tx == "raw" || (config_.tx == "xdp" ? xsk_.idle() : sender_.idle()); }

  // Calls on_sctp(sctp packet) for everything waiting; returns how many IP datagrams were read.
  template <class OnSctp>
  std::size_t receive(OnSctp&& on_sctp) {
    auto on_ip = [&](const uint8_t* ip, std::size_t size) {
      if (auto p = net::strip_ipv4_header(wire::Bytes(ip, size))) on_sctp(p->payload);
    };
    if (config_.rx == "xdp") return xsk_.drain(on_ip);
    if (config_.rx != "raw") return receiver_.drain(on_ip);
    std::size_t total = 0, n;
    while ((n = io_.receive(raw_.get(), in_)) > 0) {
      for (std::size_t i = 0; i < n; ++i) on_ip(in_[i].data.data(), in_[i].data.size());
      total += n;
    }
    return total;
  }
  uint64_t ring_drops() {
    return config_.rx == "raw" ? 0 : config_.rx == "xdp" ? xsk_.take_drops() : receiver_.take_drops();
  }

  nlohmann::json describe() const {
    return {{"tx", config_.tx}, {"rx", config_.rx}, {"hold", config_.hold}, {"otherhost", config_.otherhost},
            {"xdp_mode", config_.xdp_mode}, {"raw_sockets", raw_sockets_}, {"interface", link_.interface}};
  }

 private:
  static std::string ntop(in_addr a) {
    char text[INET_ADDRSTRLEN];
    ::inet_ntop(AF_INET, &a, text, sizeof text);
    return text;
  }
  static bool say(const char* what) {
    std::fprintf(stderr, "packet_ceiling: %s: %s (run as root)\n", what, std::strerror(errno));
    return false;
  }

  PathConfig config_;
  packet::Link link_;
  wire::IpAddress local_, peer_;
  net::UniqueFd raw_, hold_;
  int raw_sockets_ = 0;
  packet::FrameSender sender_;
  packet::FrameReceiver receiver_;
  xdp::Socket xsk_;
  xdp::Program program_;  // after xsk_: detached before the socket closes
  BatchIo io_;
  std::array<net::Datagram, BatchIo::kBatch> in_{};
  std::array<net::OutgoingDatagram, BatchIo::kBatch> out_{};
  std::array<std::array<uint8_t, net::kIpv4HeaderSize>, BatchIo::kBatch> headers_{};
  std::vector<uint8_t> batch_ = std::vector<uint8_t>(BatchIo::kBatch * 65536);
};

// Both ends' addresses from a connected control socket, and the interface that carries them.
bool resolve_link(int control, packet::Link& link) {
  sockaddr_in local{}, peer{};
  socklen_t len = sizeof local;
  ::getsockname(control, reinterpret_cast<sockaddr*>(&local), &len);
  len = sizeof peer;
  ::getpeername(control, reinterpret_cast<sockaddr*>(&peer), &len);
  link.peer_ip = peer.sin_addr;
  return packet::find_interface(local.sin_addr, link);
}

// Counts the data packets of one run, and answers every second one with a SACK-sized packet.
struct Counter {
  uint16_t port;
  uint32_t run;
  bool acks_on;
  uint64_t packets = 0, bytes = 0, acks_sent = 0, owed = 0;
  int64_t first_ns = 0, last_ns = 0;

  void drain(Endpoint& e) {
    auto on_sctp = [&](wire::Bytes sctp) {
      if (sctp.size() < kHeader || wire::load_u16(sctp, 2) != port || wire::load_u32(sctp, 4) != run ||
          sctp[12] != kKindData)
        return;
      last_ns = now_ns();
      if (packets++ == 0) first_ns = last_ns;
      bytes += sctp.size();
      ++owed;
    };
    while (e.receive(on_sctp) > 0) {
      while (acks_on && owed >= 2) {
        const std::size_t due = std::min<std::size_t>(owed / 2, BatchIo::kBatch);
        acks_sent += e.send(due, kAckSize, [&](uint8_t* p, std::size_t) {
          write_packet(p, kAckSize, port, run, kKindAck, packets);
        });
        owed -= 2 * due;  // an ack the kernel refused is not sent again, as raw_ceiling's server does
      }
    }
  }
};

// Serves one run on an accepted control connection.
int serve_run(int control, const PathConfig& config, const PerfOptions& o, bool acks_on) {
  auto start = receive_message(control, 5000);
  if (!start || (*start)[0] != kStart) return kExitFailure;
  packet::Link link;
  Endpoint e;
  if (!resolve_link(control, link) || !e.open(config, link)) return kExitPrivilege;
  e.ring_drops();  // from here on
  Counter c{o.port, static_cast<uint32_t>((*start)[1]), acks_on};
  const auto [user0, sys0] = cpu_ns();
  send_message(control, {kReady});
  for (;;) {
    pollfd fds[2] = {{e.rx_fd(), POLLIN, 0}, {control, POLLIN, 0}};
    ::poll(fds, 2, 100);
    c.drain(e);
    if (!(fds[1].revents & (POLLIN | POLLHUP | POLLERR))) continue;
    auto end = receive_message(control, 1000);
    if (!end || (*end)[0] != kEnd) return kExitFailure;
    // The last frames may still sit in a ring block the kernel retires after its timeout.
    for (int64_t quiet_until = now_ns() + 50'000'000; now_ns() < quiet_until;) {
      wait_for(e.rx_fd(), POLLIN, 10);
      c.drain(e);
    }
    const auto [user1, sys1] = cpu_ns();
    send_message(control, {kReport, c.packets, c.bytes, static_cast<uint64_t>(c.last_ns - c.first_ns), c.acks_sent,
                           e.ring_drops(), user1 - user0, sys1 - sys0});
    return kExitOk;
  }
}

int run_server(const PathConfig& config, const PerfOptions& o, bool acks_on) {
  net::UniqueFd listener(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  const int on = 1;
  ::setsockopt(listener.get(), SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(o.port);
  if (::bind(listener.get(), reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || ::listen(listener.get(), 4) != 0) {
    std::fprintf(stderr, "packet_ceiling: TCP control port %u: %s\n", o.port, std::strerror(errno));
    return kExitFailure;
  }
  for (;;) {
    net::UniqueFd control(::accept4(listener.get(), nullptr, nullptr, SOCK_CLOEXEC));
    if (control.get() < 0) continue;
    const int rc = serve_run(control.get(), config, o, acks_on);
    if (rc == kExitPrivilege || o.one_off) return rc;
  }
}

int run_client(const PathConfig& config, const PerfOptions& o) {
  const std::size_t size = o.message_size;
  if (size < kHeader || size > 65535 - net::kIpv4HeaderSize) {
    std::fprintf(stderr, "packet_ceiling: -l takes an SCTP packet size from %zu to %zu bytes\n", kHeader,
                 65535 - net::kIpv4HeaderSize);
    return kExitUsage;
  }
  net::UniqueFd control(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(o.port);
  ::inet_pton(AF_INET, o.host.c_str(), &a.sin_addr);
  if (::connect(control.get(), reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    std::fprintf(stderr, "packet_ceiling: control connection to %s:%u: %s\n", o.host.c_str(), o.port,
                 std::strerror(errno));
    return kExitUnreachable;
  }
  const int on = 1;
  ::setsockopt(control.get(), IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
  packet::Link link;
  Endpoint e;
  if (!resolve_link(control.get(), link) || !e.open(config, link)) return kExitPrivilege;
  if (config.tx != "raw" && size + net::kIpv4HeaderSize > static_cast<std::size_t>(link.mtu)) {
    std::fprintf(stderr, "packet_ceiling: AF_PACKET and AF_XDP send whole frames: -l at most %d on %s\n",
                 link.mtu - static_cast<int>(net::kIpv4HeaderSize), link.interface.c_str());
    return kExitUsage;
  }
  const uint32_t run = static_cast<uint32_t>(now_ns() ^ (static_cast<int64_t>(::getpid()) << 20)) | 1;
  send_message(control.get(), {kStart, run, size});
  auto ready = receive_message(control.get(), 5000);
  if (!ready || (*ready)[0] != kReady) {
    std::fprintf(stderr, "packet_ceiling: the server did not get ready (see its stderr)\n");
    return kExitFailure;
  }
  uint64_t sent = 0, refused = 0, acks = 0;
  auto count_acks = [&] {
    e.receive([&](wire::Bytes sctp) {
      if (sctp.size() >= kHeader && wire::load_u32(sctp, 4) == run && sctp[12] == kKindAck) ++acks;
    });
  };
  const auto [user0, sys0] = cpu_ns();
  const int64_t start = now_ns();
  const int64_t end = start + static_cast<int64_t>(o.seconds * 1e9);
  while (now_ns() < end) {
    errno = 0;
    const std::size_t accepted = e.send(BatchIo::kBatch, size, [&](uint8_t* p, std::size_t i) {
      write_packet(p, size, o.port, run, kKindData, sent + i);
    });
    sent += accepted;
    refused += BatchIo::kBatch - accepted;
    if (accepted < BatchIo::kBatch) wait_for(e.tx_fd(), POLLOUT, 10);
    count_acks();
  }
  const double send_seconds = static_cast<double>(now_ns() - start) / 1e9;
  for (int64_t give_up = now_ns() + 1'000'000'000; !e.idle() && now_ns() < give_up;) {
    e.flush();
    wait_for(e.tx_fd(), POLLOUT, 10);
  }
  const auto [user1, sys1] = cpu_ns();
  send_message(control.get(), {kEnd, sent});
  auto report = receive_message(control.get(), 5000);
  count_acks();
  if (!report || (*report)[0] != kReport) {
    std::fprintf(stderr, "packet_ceiling: no report from the server\n");
    return kExitFailure;
  }
  const uint64_t received = (*report)[1];
  PerfResult r;
  r.mode = "bulk";
  r.transport = "packet-ceiling";
  r.message_size = size - kDataChunkOverhead;
  r.seconds = received > 1 ? static_cast<double>((*report)[3]) / 1e9 : send_seconds;
  r.messages = sent;
  r.bytes = sent * r.message_size;
  r.server_messages = received;
  r.server_bytes = received * r.message_size;
  nlohmann::json j = r.to_json();
  const double per_s = r.seconds > 0 ? static_cast<double>(received) / r.seconds : 0.0;
  j["packets"] = {{"size", size},
                  {"sent", sent},
                  {"refused_by_kernel", refused},
                  {"received", received},
                  {"lost", sent - std::min(sent, received)},
                  {"per_s", per_s},
                  {"wire_mbps", per_s * static_cast<double>(size) * 8 / 1e6},
                  {"send_seconds", send_seconds},
                  {"acks_sent", (*report)[4]},
                  {"acks_received", acks},
                  {"ring_drops", (*report)[5]}};
  j["config"] = {{"client", e.describe()}};
  // CPU per packet that arrived, each end's user and system time (see cpu_ns).
  const auto per_packet = [&](uint64_t ns) {
    return received ? static_cast<double>(ns) / static_cast<double>(received) : 0.0;
  };
  j["cpu_ns_per_packet"] = {{"client_user", per_packet(user1 - user0)}, {"client_system", per_packet(sys1 - sys0)},
                            {"server_user", per_packet((*report)[6])}, {"server_system", per_packet((*report)[7])}};
  if (o.json) {
    std::printf("%s\n", j.dump().c_str());
  } else {
    std::printf("packet ceiling (client tx %s rx %s), %zu-byte SCTP packets, %.2f s: %.0f packets/s received "
                "(%.1f Mbit/s of DATA payload); %llu sent, %llu lost, %llu refused by the kernel, %llu dropped "
                "by the server's ring; acks %llu sent, %llu received\n",
                config.tx.c_str(), config.rx.c_str(), size, r.seconds, per_s, j["throughput_mbps"].get<double>(),
                static_cast<unsigned long long>(sent), static_cast<unsigned long long>(sent - std::min(sent, received)),
                static_cast<unsigned long long>(refused), static_cast<unsigned long long>((*report)[5]),
                static_cast<unsigned long long>((*report)[4]), static_cast<unsigned long long>(acks));
  }
  return kExitOk;
}

}  // namespace
}  // namespace sctpkit::bench

int main(int argc, char** argv) {
  using namespace sctpkit::bench;
  CLI::App app{
      "packet_ceiling: raw SCTP-sized packets over AF_XDP, AF_PACKET or raw IPv4 (see bench/packet_ceiling.cc)"};
  PerfOptions o;
  o.message_size = 1480;
  PathConfig config;
  bool acks = false;
  app.add_flag("-s,--server", o.server, "run the receiving end");
  app.add_option("-c,--client", o.host, "send to the receiving end at this IPv4 address");
  app.add_option("-p,--port", o.port, "TCP control port, also written in the packets");
  app.add_flag("--one-off", o.one_off, "server: exit after the first run");
  app.add_option("-t,--time", o.seconds, "seconds to send")->check(CLI::PositiveNumber);
  app.add_option("-l,--length", o.message_size, "SCTP packet size in bytes (after the IP header)");
  app.add_flag("--acks", acks, "server: answer every second packet with a SACK-sized one");
  app.add_option("--tx", config.tx,
                 "send path: raw, mmsg (AF_PACKET sendmmsg), ring (AF_PACKET TX ring) or xdp (AF_XDP TX ring)")
      ->check(CLI::IsMember({"raw", "mmsg", "ring", "xdp"}));
  app.add_option("--rx", config.rx,
                 "receive path: raw, ring (AF_PACKET TPACKET_V3 RX ring), ring-all (the ring bound to ETH_P_ALL) "
                 "or xdp (XDP program + AF_XDP socket)")
      ->check(CLI::IsMember({"raw", "ring", "ring-all", "xdp"}));
  app.add_option("--xdp-mode", config.xdp_mode, "--rx xdp: attach the XDP program native (driver) or skb (generic)")
      ->check(CLI::IsMember({"native", "skb"}));
  app.add_option("--hold", config.hold,
                 "with --rx ring, ring-all or xdp: a raw socket of protocol 132 held open: none, drop, open")
      ->check(CLI::IsMember({"none", "drop", "open"}));
  app.add_flag("--otherhost", config.otherhost, "AF_PACKET send: a destination MAC that is not the peer's");
  app.add_flag("--json", o.json, "print the summary as one JSON object");
  CLI11_PARSE(app, argc, argv);
  if (int rc = check_role("packet_ceiling", o); rc != kExitOk) return rc;
  return o.server ? run_server(config, o, acks) : run_client(config, o);
}
