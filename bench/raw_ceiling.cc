// raw_ceiling: what the kernel's raw IPv4 path alone carries, with no SCTP logic, so that the raw
// bulk figures of `sctpkit perf --raw` can be read against it (bench/compare.py, docs/bench.md).
//
// The client sends back-to-back IPv4 packets of protocol 132 (IP_HDRINCL, sendmmsg in batches of
// BatchIo::kBatch: the syscalls, socket options and buffer sizes of net::RawIpTransport, through the
// same net::BatchIo) to the server, which reads them with recvmmsg on a raw socket of protocol 132
// and counts them. With --acks the server answers every second packet with a small one (the size of
// a SACK), which the client reads and counts, as a bulk sender does.
//
// Each packet starts like an SCTP common header (RFC 9260 3.1): ports, then a verification tag that
// holds the run's identifier, then a zero checksum (no SCTP stack reads these), then our kind byte
// and a sequence number. At the end the client sends END until the server answers REPORT with what
// it counted; the client prints that, in the JSON summary of bench/perf_common.h: throughput and
// rate are what arrived, never what was sent, and `packets.lost` says how many did not.
//
// -l is the SCTP packet size (the bytes after the IP header, what our transport hands the kernel).
// throughput_mbps counts, per packet that arrived, the user data a DATA chunk of that size carries
// (-l minus 28: the common header and the DATA chunk header, RFC 9260 3.3.1), so that it compares
// with `sctpkit perf`'s; packets.wire_mbps counts every SCTP byte.
//
// --fragment sends without IP_HDRINCL and with DF clear, so that a packet larger than the link MTU
// leaves as IP fragments (one route lookup and one copy per packet, not per frame) and arrives
// reassembled: what an SCTP packet size above the path MTU (RFC 9260 7.3 says SHOULD NOT) would buy.
#include <poll.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>

#include "net/batch_io.h"
#include "net/raw_ip_transport.h"
#include "net/socket_util.h"
#include "perf_common.h"

namespace sctpkit::bench {
namespace {

using net::BatchIo;

constexpr uint8_t kKindData = 0xf0;
constexpr uint8_t kKindEnd = 0xf1;
constexpr uint8_t kKindReport = 0xf2;
constexpr uint8_t kKindAck = 0xf3;
constexpr std::size_t kHeader = 12 + 1 + 8;  // common header, kind, sequence / count
constexpr std::size_t kReportSize = kHeader + 4 * 8;  // bytes, span in ns, answers sent, spare
constexpr std::size_t kAckSize = 28;            // common header + a SACK chunk without gap blocks
constexpr std::size_t kDataChunkOverhead = 28;  // common header + DATA chunk header

struct Packet {
  uint16_t port = 0;  // the server's port: the destination port of the client's packets
  uint32_t run = 0;
  uint8_t kind = 0;
  uint64_t value = 0;
};

void write_packet(uint8_t* p, std::size_t size, const Packet& k) {
  std::memset(p, 0, size);
  wire::store_u16(wire::MutableBytes(p, size), 0, k.port);
  wire::store_u16(wire::MutableBytes(p, size), 2, k.port);
  wire::store_u32(wire::MutableBytes(p, size), 4, k.run);
  p[12] = k.kind;
  std::memcpy(p + 13, &k.value, sizeof k.value);
}

std::optional<Packet> read_packet(wire::Bytes sctp, uint16_t port) {
  if (sctp.size() < kHeader || wire::load_u16(sctp, 2) != port) return std::nullopt;
  Packet k{port, wire::load_u32(sctp, 4), sctp[12], 0};
  std::memcpy(&k.value, sctp.data() + 13, sizeof k.value);
  return k;
}

uint64_t load_u64_at(wire::Bytes b, std::size_t offset) {
  uint64_t v;
  std::memcpy(&v, b.data() + offset, sizeof v);
  return v;
}

// One raw IPv4 socket of protocol 132, set up as net::RawIpTransport sets up its own; -1 after
// saying why not.
int open_socket() {
  int fd = ::socket(AF_INET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, net::kIpProtocolSctp);
  if (fd < 0) {
    std::fprintf(stderr, "raw_ceiling: raw IPv4 socket: %s (run as root, or give the binary CAP_NET_RAW)\n",
                 std::strerror(errno));
    return -1;
  }
  BatchIo::enable_pktinfo(fd, AF_INET);
  BatchIo::size_buffers(fd);
  const int on = 1;
  ::setsockopt(fd, IPPROTO_IP, IP_HDRINCL, &on, sizeof on);
  return fd;
}

// Sends `count` packets of `size` bytes from `payloads` (count <= kBatch) with their IP headers.
struct Sender {
  int fd;
  wire::IpAddress peer;
  // Given: written in the IP header and passed as IP_PKTINFO too, as net::RawIpTransport does on a
  // wildcard socket for an association's local address.
  wire::IpAddress source{};
  // False: the kernel writes the IP header, and fragments a packet larger than the link MTU.
  bool hdrincl = true;
  std::array<std::array<uint8_t, net::kIpv4HeaderSize>, BatchIo::kBatch> headers{};
  std::array<net::OutgoingDatagram, BatchIo::kBatch> out{};

  std::size_t send(BatchIo& io, const uint8_t* payloads, std::size_t size, std::size_t count) {
    for (std::size_t i = 0; i < count; ++i) {
      net::write_ipv4_header(headers[i], source, peer, size, 64);
      out[i] = net::OutgoingDatagram{source, peer, 0, wire::Bytes(payloads + i * size, size), {}};
      if (hdrincl) out[i].header = headers[i];
    }
    return io.send(fd, AF_INET, std::span(out).first(count));
  }
};

// True if `fd` became ready within `ms` (-1: no limit).
bool wait_for(int fd, short events, int ms) {
  pollfd p{fd, events, 0};
  return ::poll(&p, 1, ms) > 0;
}

int64_t now_ns() {
  timespec ts;
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

// What the server counted in one run.
struct Count {
  uint32_t run = 0;
  uint64_t packets = 0;
  uint64_t bytes = 0;
  int64_t first_ns = 0;
  int64_t last_ns = 0;
  uint64_t acks_sent = 0;
  uint64_t owed = 0;  // data packets not yet answered (one answer per two)
};

int run_server(const PerfOptions& o, bool acks_on) {
  const int fd = open_socket();
  if (fd < 0) return kExitPrivilege;
  net::UniqueFd guard(fd);
  BatchIo io;
  std::array<net::Datagram, BatchIo::kBatch> in{};
  std::vector<uint8_t> acks(BatchIo::kBatch * kAckSize);
  std::array<uint8_t, kReportSize> report{};
  Count c;
  bool reported = false;
  // One answer per two data packets, sent after each read (and before a report, which counts them).
  auto answer = [&](const wire::IpAddress& client) {
    while (acks_on && c.owed >= 2 && !net::is_unspecified(client)) {
      const std::size_t due = std::min<std::size_t>(c.owed / 2, BatchIo::kBatch);
      for (std::size_t i = 0; i < due; ++i)
        write_packet(acks.data() + i * kAckSize, kAckSize, {o.port, c.run, kKindAck, c.packets});
      c.acks_sent += Sender{fd, client}.send(io, acks.data(), kAckSize, due);
      c.owed -= 2 * due;
    }
  };
  for (;;) {
    // --one-off: the report travels as a raw packet too and may be lost; the client then sends END
    // again, so we stay until it has been quiet for a while.
    if (!wait_for(fd, POLLIN, reported ? 500 : -1)) return kExitOk;
    std::size_t n;
    while ((n = io.receive(fd, in)) > 0) {
      const int64_t t = now_ns();
      wire::IpAddress client;
      for (std::size_t i = 0; i < n; ++i) {
        auto ip = net::strip_ipv4_header(in[i].data);
        if (!ip) continue;
        auto k = read_packet(ip->payload, o.port);
        if (!k || k->kind == kKindAck || k->kind == kKindReport) continue;
        if (k->run != c.run) c = Count{k->run};
        client = in[i].source;
        if (k->kind == kKindData) {
          if (c.packets == 0) c.first_ns = t;
          c.last_ns = t;
          ++c.packets;
          c.bytes += ip->payload.size();
          ++c.owed;
        } else if (k->kind == kKindEnd) {
          answer(in[i].source);
          write_packet(report.data(), report.size(), {o.port, c.run, kKindReport, c.packets});
          const uint64_t fields[4] = {c.bytes, static_cast<uint64_t>(c.last_ns - c.first_ns), c.acks_sent, 0};
          std::memcpy(report.data() + kHeader, fields, sizeof fields);
          Sender{fd, in[i].source}.send(io, report.data(), report.size(), 1);
          reported = o.one_off;
        }
      }
      answer(client);
    }
  }
}

int run_client(const PerfOptions& o, const std::string& source, bool fragment) {
  const int fd = open_socket();
  if (fd < 0) return kExitPrivilege;
  net::UniqueFd guard(fd);
  const std::size_t size = o.message_size;
  if (size < kReportSize || size + net::kIpv4HeaderSize > 65535) {
    std::fprintf(stderr, "raw_ceiling: -l takes an SCTP packet size from %zu to %zu bytes\n", kReportSize,
                 65535 - net::kIpv4HeaderSize);
    return kExitUsage;
  }
  auto peer = wire::IpAddress::parse(o.host);
  const uint32_t run = static_cast<uint32_t>(now_ns() ^ (static_cast<int64_t>(::getpid()) << 20)) | 1;
  BatchIo io;
  Sender sender{fd, *peer};
  if (fragment) {
    const int off = 0;
    ::setsockopt(fd, IPPROTO_IP, IP_HDRINCL, &off, sizeof off);
    const int dont = IP_PMTUDISC_DONT;  // DF clear: the kernel fragments what the link cannot carry
    ::setsockopt(fd, IPPROTO_IP, IP_MTU_DISCOVER, &dont, sizeof dont);
    sender.hdrincl = false;
  }
  if (!source.empty()) {
    auto parsed = wire::IpAddress::parse(source);
    if (!parsed || !parsed->is_v4()) {
      std::fprintf(stderr, "raw_ceiling: --source wants an IPv4 address, not '%s'\n", source.c_str());
      return kExitUsage;
    }
    sender.source = *parsed;
  }
  std::vector<uint8_t> batch(BatchIo::kBatch * size);
  std::array<net::Datagram, BatchIo::kBatch> in{};
  uint64_t sent = 0, refused = 0, acks = 0;
  std::optional<Count> got;
  // Reads what the server sent back: acks, and at the end its report.
  auto drain = [&] {
    std::size_t n;
    while ((n = io.receive(fd, in)) > 0) {
      for (std::size_t i = 0; i < n; ++i) {
        auto ip = net::strip_ipv4_header(in[i].data);
        if (!ip) continue;
        auto k = read_packet(ip->payload, o.port);
        if (!k || k->run != run) continue;
        if (k->kind == kKindAck) ++acks;
        if (k->kind == kKindReport && ip->payload.size() >= kReportSize) {
          // The report carries the arrival span in place of first/last arrival times.
          got = Count{run, k->value, load_u64_at(ip->payload, kHeader), 0,
                      static_cast<int64_t>(load_u64_at(ip->payload, kHeader + 8)),
                      load_u64_at(ip->payload, kHeader + 16)};
        }
      }
    }
  };
  const int64_t start = now_ns();
  const int64_t end = start + static_cast<int64_t>(o.seconds * 1e9);
  while (now_ns() < end) {
    for (std::size_t i = 0; i < BatchIo::kBatch; ++i)
      write_packet(batch.data() + i * size, size, {o.port, run, kKindData, sent + i});
    errno = 0;
    const std::size_t accepted = sender.send(io, batch.data(), size, BatchIo::kBatch);
    sent += accepted;
    refused += BatchIo::kBatch - accepted;
    if (accepted < BatchIo::kBatch && (errno == EAGAIN || errno == ENOBUFS)) wait_for(fd, POLLOUT, 10);
    drain();
  }
  const double send_seconds = static_cast<double>(now_ns() - start) / 1e9;
  // END until the server's REPORT comes back (both may be lost: they travel as raw packets too).
  std::array<uint8_t, kHeader> end_packet{};
  write_packet(end_packet.data(), end_packet.size(), {o.port, run, kKindEnd, sent});
  // A deadline, not a number of tries: while the server's answers still arrive, each wait returns
  // at once, and 100 tries were used up in a few milliseconds, before a server that the machine's
  // load kept off the CPU had read the first END (the smoke test failed 3 times in 12 under load).
  const int64_t report_deadline = now_ns() + 5'000'000'000;
  while (!got && now_ns() < report_deadline) {
    sender.send(io, end_packet.data(), end_packet.size(), 1);
    wait_for(fd, POLLIN, 30);
    drain();
  }
  if (!got) {
    std::fprintf(stderr, "raw_ceiling: no report from %s within 5 s (is `raw_ceiling -s -p %u` running there?)\n",
                 o.host.c_str(), o.port);
    return kExitUnreachable;
  }
  PerfResult r;
  r.mode = "bulk";
  r.transport = "raw-ceiling";
  r.message_size = size - kDataChunkOverhead;
  r.seconds = got->packets > 1 ? static_cast<double>(got->last_ns) / 1e9 : send_seconds;
  r.messages = sent;
  r.bytes = sent * r.message_size;
  r.server_messages = got->packets;
  r.server_bytes = got->packets * r.message_size;
  nlohmann::json j = r.to_json();
  const double per_s = r.seconds > 0 ? static_cast<double>(got->packets) / r.seconds : 0.0;
  j["packets"] = {{"size", size},
                  {"sent", sent},
                  {"refused_by_kernel", refused},
                  {"received", got->packets},
                  {"lost", sent - std::min(sent, got->packets)},
                  {"per_s", per_s},
                  {"wire_mbps", per_s * static_cast<double>(size) * 8 / 1e6},
                  {"send_seconds", send_seconds},
                  {"acks_sent", got->acks_sent},
                  {"acks_received", acks}};
  if (o.json) {
    std::printf("%s\n", j.dump().c_str());
  } else {
    std::printf("raw IPv4 ceiling, %zu-byte SCTP packets, %.2f s: %.0f packets/s received (%.1f Mbit/s of "
                "DATA payload); %llu sent, %llu lost, %llu refused by the kernel; acks %llu sent, %llu received\n",
                size, r.seconds, per_s, j["throughput_mbps"].get<double>(), static_cast<unsigned long long>(sent),
                static_cast<unsigned long long>(sent - std::min(sent, got->packets)),
                static_cast<unsigned long long>(refused), static_cast<unsigned long long>(got->acks_sent),
                static_cast<unsigned long long>(acks));
  }
  return kExitOk;
}

}  // namespace
}  // namespace sctpkit::bench

int main(int argc, char** argv) {
  using namespace sctpkit::bench;
  CLI::App app{"raw_ceiling: the kernel's raw IPv4 path alone, no SCTP (see the comment atop bench/raw_ceiling.cc)"};
  PerfOptions o;
  o.message_size = 1480;
  bool acks = false;
  std::string source;
  bool fragment = false;
  app.add_flag("-s,--server", o.server, "run the receiving end");
  app.add_option("-c,--client", o.host, "send to the receiving end at this IPv4 address");
  app.add_option("-p,--port", o.port, "SCTP port written in the packets (tells concurrent runs apart)");
  app.add_flag("--one-off", o.one_off, "server: exit after the first report");
  app.add_option("-t,--time", o.seconds, "seconds to send")->check(CLI::PositiveNumber);
  app.add_option("-l,--length", o.message_size, "SCTP packet size in bytes (after the IP header)");
  app.add_flag("--acks", acks, "server: answer every second packet with a SACK-sized one");
  app.add_option("--source", source, "client: send from this local address, passed as IP_PKTINFO as well");
  app.add_flag("--fragment", fragment,
               "client: no IP_HDRINCL, DF clear: a packet larger than the link MTU leaves as IP fragments");
  app.add_flag("--json", o.json, "print the summary as one JSON object");
  CLI11_PARSE(app, argc, argv);
  if (int rc = check_role("raw_ceiling", o); rc != kExitOk) return rc;
  return o.server ? run_server(o, acks) : run_client(o, source, fragment);
}
