// usrsctp_perf: the usrsctp side of bench/compare.py. Same flags and JSON summary as `sctpkit perf`
// (bench/perf_common.h), linked to Debian's libusrsctp with its debug logging left off: Debian's
// `tsctp` switches that logging on at start-up and runs several times slower, which would flatter us.
//
// The server is one one-to-many socket (RFC 6458 3) served by one thread, so that it scales to the
// 10,000 idle associations of `--mode idle` without a thread per association. The client drives one
// one-to-one socket per association. Each message's PPID says what the server does with it:
// kPpidData is counted, kPpidPing echoed, kPpidEnd answered with the counts since the last end, and
// kPpidRss answered with the server's RSS in KiB.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>
#include <usrsctp.h>

#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <map>
#include <mutex>
#include <thread>

#include "perf_common.h"

namespace sctpkit::bench {
namespace {

constexpr uint32_t kPpidData = 0;
constexpr uint32_t kPpidPing = 1;
constexpr uint32_t kPpidEnd = 2;
constexpr uint32_t kPpidRss = 3;
constexpr std::size_t kReceiveBuffer = 256 * 1024;

// A UDP port nobody holds right now, for the client's own encapsulation port.
uint16_t free_udp_port() {
  int fd = ::socket(AF_INET, SOCK_DGRAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  uint16_t port = 0;
  if (fd >= 0 && ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) == 0) {
    port = ntohs(a.sin_port);
  }
  if (fd >= 0) ::close(fd);
  return port;
}

ssize_t send_message(struct socket* s, const void* data, std::size_t len, uint32_t ppid, uint16_t sid, bool unordered,
                     sctp_assoc_t assoc = 0) {
  sctp_sndinfo info{};
  info.snd_sid = sid;
  info.snd_ppid = htonl(ppid);
  info.snd_flags = unordered ? SCTP_UNORDERED : 0;
  info.snd_assoc_id = assoc;
  return usrsctp_sendv(s, data, len, nullptr, 0, &info, sizeof info, SCTP_SENDV_SNDINFO, 0);
}

// Reads one whole message (across partial deliveries) into `buf`; returns its length, or -1.
ssize_t receive_message(struct socket* s, std::vector<char>& buf) {
  std::size_t got = 0;
  for (;;) {
    if (buf.size() - got < 4096) buf.resize(buf.size() * 2);
    int flags = 0;
    socklen_t fromlen = 0;
    socklen_t infolen = 0;
    unsigned int infotype = 0;
    ssize_t n = usrsctp_recvv(s, buf.data() + got, buf.size() - got, nullptr, &fromlen, nullptr, &infolen,
                              &infotype, &flags);
    if (n <= 0) return -1;
    got += static_cast<std::size_t>(n);
    if (flags & MSG_EOR) return static_cast<ssize_t>(got);
  }
}

// Per association on the server: what arrived since the last end message, and a ping being reassembled.
struct Tally {
  uint64_t bytes = 0;
  uint64_t messages = 0;
  std::vector<char> partial;
};

int run_server(const PerfOptions& o) {
  struct socket* s = usrsctp_socket(AF_INET, SOCK_SEQPACKET, IPPROTO_SCTP, nullptr, nullptr, 0, nullptr);
  if (s == nullptr) {
    std::fprintf(stderr, "usrsctp_perf: cannot create an SCTP socket: %s\n", std::strerror(errno));
    return kExitFailure;
  }
  const int on = 1;
  usrsctp_setsockopt(s, IPPROTO_SCTP, SCTP_RECVRCVINFO, &on, sizeof on);
  sctp_initmsg init{};
  init.sinit_num_ostreams = 1024;
  init.sinit_max_instreams = 1024;
  usrsctp_setsockopt(s, IPPROTO_SCTP, SCTP_INITMSG, &init, sizeof init);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(o.port);
  a.sin_addr.s_addr = htonl(INADDR_ANY);
  if (usrsctp_bind(s, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || usrsctp_listen(s, 1) != 0) {
    std::fprintf(stderr, "usrsctp_perf: cannot listen on SCTP port %u: %s\n", o.port, std::strerror(errno));
    return kExitFailure;
  }
  std::fprintf(stderr, "usrsctp_perf: listening on SCTP port %u\n", o.port);
  std::map<sctp_assoc_t, Tally> tallies;
  std::vector<char> buf(kReceiveBuffer);
  for (;;) {
    sctp_rcvinfo info{};
    socklen_t infolen = sizeof info;
    unsigned int infotype = 0;
    int flags = 0;
    socklen_t fromlen = 0;
    ssize_t n = usrsctp_recvv(s, buf.data(), buf.size(), nullptr, &fromlen, &info, &infolen, &infotype, &flags);
    if (n < 0) {
      if (errno == EINTR || errno == EAGAIN) continue;
      std::fprintf(stderr, "usrsctp_perf: receive failed: %s\n", std::strerror(errno));
      return kExitFailure;
    }
    if ((flags & MSG_NOTIFICATION) || infotype != SCTP_RECVV_RCVINFO) continue;
    Tally& t = tallies[info.rcv_assoc_id];
    const uint32_t ppid = ntohl(info.rcv_ppid);
    const bool eor = (flags & MSG_EOR) != 0;
    if (ppid == kPpidData) {
      t.bytes += static_cast<uint64_t>(n);
      t.messages += eor ? 1 : 0;
      continue;
    }
    t.partial.insert(t.partial.end(), buf.data(), buf.data() + n);
    if (!eor) continue;
    std::string reply;
    if (ppid == kPpidPing) {
      send_message(s, t.partial.data(), t.partial.size(), kPpidPing, info.rcv_sid,
                   (info.rcv_flags & SCTP_UNORDERED) != 0, info.rcv_assoc_id);
    } else if (ppid == kPpidEnd) {
      reply = std::to_string(t.bytes) + " " + std::to_string(t.messages);
      t.bytes = t.messages = 0;
    } else if (ppid == kPpidRss) {
      reply = std::to_string(rss_kib());
    }
    t.partial.clear();
    if (!reply.empty()) send_message(s, reply.data(), reply.size(), ppid, 0, false, info.rcv_assoc_id);
    if (ppid == kPpidEnd && o.one_off) break;
  }
  usrsctp_close(s);
  return kExitOk;
}

// Wakes the parallel setup loop when usrsctp's threads report an event on one of its sockets. The
// upcall runs on those threads, maybe with the socket's lock held: it only sets a flag, and the loop
// calls usrsctp without holding this mutex.
class Wakeup {
 public:
  static void upcall(struct socket*, void* arg, int) {
    auto* w = static_cast<Wakeup*>(arg);
    {
      std::lock_guard lock(w->mutex_);
      w->pending_ = true;
    }
    w->cv_.notify_one();
  }

  // Returns once an event came since the last call, or after `timeout` (the caller rescans anyway).
  void wait(std::chrono::milliseconds timeout) {
    std::unique_lock lock(mutex_);
    cv_.wait_for(lock, timeout, [this] { return pending_; });
    pending_ = false;
  }

 private:
  std::mutex mutex_;
  std::condition_variable cv_;
  bool pending_ = false;
};

class Client {
 public:
  explicit Client(const PerfOptions& o) : o_(o) {
    addr_.sin_family = AF_INET;
    addr_.sin_port = htons(o.port);
    inet_pton(AF_INET, o.host.c_str(), &addr_.sin_addr);
  }

  // A connected one-to-one socket, or nullptr with errno set.
  struct socket* connect() {
    struct socket* s = make_socket();
    if (s == nullptr) return nullptr;
    if (usrsctp_connect(s, reinterpret_cast<sockaddr*>(&addr_), sizeof addr_) != 0) {
      int saved = errno;
      usrsctp_close(s);
      errno = saved;
      return nullptr;
    }
    return s;
  }

  // A one-to-one socket with the client's options, not yet connected; nullptr with errno set.
  struct socket* make_socket() {
    struct socket* s = usrsctp_socket(AF_INET, SOCK_STREAM, IPPROTO_SCTP, nullptr, nullptr, 0, nullptr);
    if (s == nullptr) return nullptr;
    const int on = 1;
    usrsctp_setsockopt(s, IPPROTO_SCTP, SCTP_NODELAY, &on, sizeof on);
    sctp_initmsg init{};
    init.sinit_num_ostreams = o_.streams;
    init.sinit_max_instreams = o_.streams;
    usrsctp_setsockopt(s, IPPROTO_SCTP, SCTP_INITMSG, &init, sizeof init);
    if (o_.udp) {
      // RFC 6951 5.1: packets to the server go inside UDP to its encapsulation port.
      sctp_udpencaps encaps{};
      encaps.sue_address.ss_family = AF_INET;
      encaps.sue_port = htons(*o_.udp);
      usrsctp_setsockopt(s, IPPROTO_SCTP, SCTP_REMOTE_UDP_ENCAPS_PORT, &encaps, sizeof encaps);
    }
    return s;
  }

  // Sends a control message and returns the server's text answer ("" on failure).
  std::string ask(struct socket* s, uint32_t ppid) {
    char c = 0;
    if (send_message(s, &c, 1, ppid, 0, false) < 0) return "";
    std::vector<char> buf(4096);
    ssize_t n = receive_message(s, buf);
    return n > 0 ? std::string(buf.data(), static_cast<std::size_t>(n)) : "";
  }

  int run(PerfResult& r) {
    r.mode = o_.mode;
    r.transport = o_.udp ? "udp" : "raw";
    r.message_size = o_.message_size;
    if (o_.mode == "setup") return o_.parallel > 1 ? run_setup_parallel(r) : run_setup(r);
    if (o_.mode == "idle") return run_idle(r);
    struct socket* s = connect();
    if (s == nullptr) return unreachable();
    int rc = o_.mode == "pingpong" ? run_pingpong(s, r) : run_bulk(s, r);
    usrsctp_close(s);
    return rc;
  }

 private:
  int unreachable() {
    std::fprintf(stderr, "usrsctp_perf: cannot connect to %s port %u: %s (is the server running?)\n",
                 o_.host.c_str(), o_.port, std::strerror(errno));
    return kExitUnreachable;
  }

  bool done(Clock::time_point start, uint64_t n) const {
    return (o_.count && n >= o_.count) || seconds_since(start) >= o_.seconds;
  }

  int run_bulk(struct socket* s, PerfResult& r) {
    std::vector<char> msg(o_.message_size, 'x');
    const auto start = Clock::now();
    while (!done(start, r.messages)) {
      uint16_t sid = static_cast<uint16_t>(r.messages % o_.streams);
      if (send_message(s, msg.data(), msg.size(), kPpidData, sid, o_.unordered) < 0) {
        std::fprintf(stderr, "usrsctp_perf: send failed: %s\n", std::strerror(errno));
        return kExitFailure;
      }
      r.bytes += msg.size();
      ++r.messages;
    }
    // The server answers the end message after all the ordered data before it: the clock stops
    // when everything sent has arrived.
    std::string counts = ask(s, kPpidEnd);
    r.seconds = seconds_since(start);
    unsigned long long b = 0, m = 0;
    if (std::sscanf(counts.c_str(), "%llu %llu", &b, &m) != 2) {
      std::fprintf(stderr, "usrsctp_perf: the server did not report its counts\n");
      return kExitFailure;
    }
    r.server_bytes = b;
    r.server_messages = m;
    return kExitOk;
  }

  int run_pingpong(struct socket* s, PerfResult& r) {
    std::vector<char> msg(o_.message_size, 'p');
    std::vector<char> buf(o_.message_size + 4096);
    const auto start = Clock::now();
    while (!done(start, r.messages)) {
      uint16_t sid = static_cast<uint16_t>(r.messages % o_.streams);
      const auto t0 = Clock::now();
      if (send_message(s, msg.data(), msg.size(), kPpidPing, sid, o_.unordered) < 0 ||
          receive_message(s, buf) != static_cast<ssize_t>(msg.size())) {
        std::fprintf(stderr, "usrsctp_perf: ping-pong failed: %s\n", std::strerror(errno));
        return kExitFailure;
      }
      r.latencies_us.push_back(std::chrono::duration<double, std::micro>(Clock::now() - t0).count());
      r.bytes += msg.size();
      ++r.messages;
    }
    r.seconds = seconds_since(start);
    return kExitOk;
  }

  int run_setup(PerfResult& r) {
    const auto start = Clock::now();
    while (!done(start, r.setups)) {
      struct socket* s = connect();
      if (s == nullptr) return unreachable();
      // RFC 9260 9.2: graceful SHUTDOWN, as TCP's close sends FIN. Closing at once and moving on
      // corrupts libusrsctp 0.9.5's heap after a few thousand setups (its timer thread frees
      // associations still being torn down), so wait for the SHUTDOWN exchange to end first.
      usrsctp_shutdown(s, SHUT_WR);
      std::vector<char> buf(256);
      while (receive_message(s, buf) > 0) {
      }
      usrsctp_close(s);
      ++r.setups;
    }
    r.seconds = seconds_since(start);
    r.messages = r.setups;
    return kExitOk;
  }

  // `parallel` handshakes in flight at once on this one thread (non-blocking sockets, upcalls): as
  // soon as one is up its SHUTDOWN is queued and a new handshake starts, the same shape as `sctpkit
  // perf --parallel`. A setup counts at the end of its SHUTDOWN exchange (the socket reads EOF), and
  // only then is the socket closed (see run_setup: libusrsctp 0.9.5's heap). The test ends when
  // every association is closed.
  int run_setup_parallel(PerfResult& r) {
    struct Slot {
      struct socket* s;
      bool shutting_down;
    };
    std::vector<Slot> slots;
    const auto start = Clock::now();
    uint64_t started = 0;
    int connecting = 0;
    auto start_one = [&] {
      struct socket* s = make_socket();
      if (s == nullptr) return false;
      usrsctp_set_non_blocking(s, 1);
      usrsctp_set_upcall(s, &Wakeup::upcall, &wakeup_);
      if (usrsctp_connect(s, reinterpret_cast<sockaddr*>(&addr_), sizeof addr_) != 0 && errno != EINPROGRESS) {
        const int saved = errno;
        usrsctp_close(s);
        errno = saved;
        return false;
      }
      slots.push_back({s, false});
      ++started;
      ++connecting;
      return true;
    };
    int rc = kExitOk;
    for (int i = 0; i < o_.parallel && !done(start, started) && rc == kExitOk; ++i) {
      if (!start_one()) rc = unreachable();
    }
    std::vector<char> buf(256);
    auto last_progress = Clock::now();
    while (!slots.empty()) {
      wakeup_.wait(std::chrono::milliseconds(10));
      // New slots are appended while this runs: index, not iterators, and they are looked at next time.
      for (std::size_t i = 0, end = slots.size(); i < end;) {
        Slot& slot = slots[i];
        const int events = usrsctp_get_events(slot.s);
        bool finished = false;
        if (!slot.shutting_down && (events & (SCTP_EVENT_WRITE | SCTP_EVENT_ERROR))) {
          // Writable: up, or failed (a socket with an error is writable too); shutdown() tells which.
          --connecting;
          if (usrsctp_shutdown(slot.s, SHUT_WR) != 0) {
            if (rc == kExitOk) rc = unreachable();
            finished = true;
          } else {
            slot.shutting_down = true;
            if (rc == kExitOk && !done(start, started) && !start_one()) rc = unreachable();
          }
          last_progress = Clock::now();
        } else if (slot.shutting_down && (events & (SCTP_EVENT_READ | SCTP_EVENT_ERROR))) {
          int flags = 0;
          socklen_t fromlen = 0, infolen = 0;
          unsigned int infotype = 0;
          const ssize_t n = usrsctp_recvv(slot.s, buf.data(), buf.size(), nullptr, &fromlen, nullptr, &infolen,
                                          &infotype, &flags);
          if (n == 0) {
            ++r.setups;  // RFC 9260 9.2: SHUTDOWN COMPLETE; EOF
            finished = true;
          } else if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK) {
            std::fprintf(stderr, "usrsctp_perf: an association failed while shutting down: %s\n",
                         std::strerror(errno));
            rc = kExitFailure;
            finished = true;
          }
          last_progress = Clock::now();
        }
        if (!finished) {
          ++i;
          continue;
        }
        usrsctp_close(slots[i].s);  // `slot` may dangle: start_one() appends
        slots[i] = slots.back();  // the unvisited last slot takes this index and is visited now
        slots.pop_back();
        if (end > slots.size()) --end;
      }
      if (seconds_since(last_progress) > 10) {
        std::fprintf(stderr, "usrsctp_perf: %zu associations made no progress within 10 s (%d connecting%s)\n",
                     slots.size(), connecting, r.setups == 0 ? ": is the server running?" : "");
        // None ever set up: the server is not answering (compare.py retries that once it is up).
        rc = r.setups == 0 ? kExitUnreachable : kExitTimeout;
        break;
      }
    }
    r.seconds = seconds_since(start);
    r.messages = r.setups;
    return rc;
  }

  int run_idle(PerfResult& r) {
    const std::size_t count = o_.count ? o_.count : 10000;
    struct socket* control = connect();
    if (control == nullptr) return unreachable();
    const auto start = Clock::now();
    r.rss_before_kib = std::atol(ask(control, kPpidRss).c_str());
    std::vector<struct socket*> idle;
    idle.reserve(count);
    int rc = kExitOk;
    while (idle.size() < count) {
      struct socket* s = connect();
      if (s == nullptr) {
        rc = unreachable();
        break;
      }
      idle.push_back(s);
    }
    if (rc == kExitOk) {
      // Let the server settle (delayed SACKs, timers) before it measures itself.
      std::this_thread::sleep_for(std::chrono::milliseconds(500));
      r.rss_after_kib = std::atol(ask(control, kPpidRss).c_str());
    }
    r.idle_count = idle.size();
    r.seconds = seconds_since(start);
    for (struct socket* s : idle) usrsctp_close(s);
    usrsctp_close(control);
    return rc;
  }

  const PerfOptions& o_;
  sockaddr_in addr_{};
  Wakeup wakeup_;  // outlives every socket whose upcall points at it: main() leaves with _exit
};

}  // namespace
}  // namespace sctpkit::bench

int main(int argc, char** argv) {
  using namespace sctpkit::bench;
  PerfOptions o;
  CLI::App app{"usrsctp_perf: usrsctp throughput, message rate, latency and setup rate (bench/compare.py)"};
  add_perf_options(app, o, true);
  CLI11_PARSE(app, argc, argv);
  if (const int rc = check_role("usrsctp_perf", o); rc != kExitOk) return rc;
  if (!o.udp && !o.raw) {
    std::fprintf(stderr, "usrsctp_perf: choose a transport: --udp[=PORT] or --raw\n");
    return kExitUsage;
  }
  if (o.raw && geteuid() != 0) {
    std::fprintf(stderr, "usrsctp_perf: --raw needs root (raw IP sockets); run as root or use --udp\n");
    return kExitPrivilege;
  }
  // The server owns the encapsulation port; a client takes any free one (RFC 6951 5.1: the server
  // learns it from the source port of the INIT).
  uint16_t local_udp = o.udp ? (o.server ? *o.udp : free_udp_port()) : 0;
  usrsctp_init(local_udp, nullptr, nullptr);
  // Note: no usrsctp_sysctl_set_sctp_debug_on(); debug output stays off, as in a release build.
  usrsctp_sysctl_set_sctp_blackhole(2);  // no ABORT for stray packets of other tests on this host
  int rc;
  if (o.server) {
    rc = run_server(o);
  } else {
    PerfResult r;
    Client client(o);
    rc = client.run(r);
    if (rc == kExitOk) r.print(o.json);
  }
  std::fflush(stdout);
  // usrsctp_finish() waits for every association to be freed, which graceful shutdowns of
  // thousands of associations can stretch to seconds: the results are out, leave now.
  _exit(rc);
}
