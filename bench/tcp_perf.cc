// tcp_perf: the kernel-TCP ceiling for what iperf3 does not measure: ping-pong latency percentiles
// and the connect/close rate, on the same path and with the same flags and JSON summary as
// `sctpkit perf` (bench/perf_common.h). TCP bulk throughput comes from iperf3 (bench/compare.py).
//
// A pingpong client starts by sending the message size (4 bytes, network order); the server then
// echoes every message of that size. A setup client connects and closes without a byte.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <unordered_map>

#include "perf_common.h"

namespace sctpkit::bench {
namespace {

bool write_all(int fd, const char* p, std::size_t n) {
  while (n > 0) {
    ssize_t w = ::send(fd, p, n, MSG_NOSIGNAL);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return false;
    p += w;
    n -= static_cast<std::size_t>(w);
  }
  return true;
}

// busy_poll_us > 0: non-blocking reads for up to that long before the read that sleeps, as
// `sctpkit perf --busy-poll` does (SO_BUSY_POLL does nothing on loopback or veth: neither has NAPI).
bool read_all(int fd, char* p, std::size_t n, unsigned busy_poll_us = 0) {
  while (n > 0) {
    ssize_t r = -1;
    if (busy_poll_us > 0) {
      const auto until = Clock::now() + std::chrono::microseconds(busy_poll_us);
      do {
        r = ::recv(fd, p, n, MSG_DONTWAIT);
      } while (r < 0 && (errno == EAGAIN || errno == EINTR) && Clock::now() < until);
    }
    if (r < 0) r = ::recv(fd, p, n, 0);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return false;
    p += r;
    n -= static_cast<std::size_t>(r);
  }
  return true;
}

void no_delay(int fd) {
  const int on = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
}

// One connection on the server: the 4-byte size header, then messages of that size to echo.
struct Conn {
  char header[4];
  std::size_t header_got = 0;
  std::size_t size = 0;
  std::vector<char> msg;
  std::size_t got = 0;
};

int run_server(const PerfOptions& o) {
  int lfd = ::socket(AF_INET, SOCK_STREAM, 0);
  const int on = 1;
  ::setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(o.port);
  if (lfd < 0 || ::bind(lfd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || ::listen(lfd, 4096) != 0) {
    std::fprintf(stderr, "tcp_perf: cannot listen on TCP port %u: %s\n", o.port, std::strerror(errno));
    return kExitFailure;
  }
  int ep = ::epoll_create1(0);
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.fd = lfd;
  ::epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &ev);
  std::unordered_map<int, Conn> conns;
  std::fprintf(stderr, "tcp_perf: listening on TCP port %u\n", o.port);
  epoll_event events[64];
  auto last_event = Clock::now();
  for (;;) {
    // --busy-poll: non-blocking waits for that long after the last event, then one that sleeps.
    const bool spin = o.busy_poll_us > 0 && Clock::now() - last_event < std::chrono::microseconds(o.busy_poll_us);
    int n = ::epoll_wait(ep, events, 64, spin ? 0 : -1);
    if (n > 0) last_event = Clock::now();
    for (int i = 0; i < n; ++i) {
      int fd = events[i].data.fd;
      if (fd == lfd) {
        int c = ::accept4(lfd, nullptr, nullptr, SOCK_CLOEXEC);
        if (c < 0) continue;
        no_delay(c);
        epoll_event cev{};
        cev.events = EPOLLIN;
        cev.data.fd = c;
        ::epoll_ctl(ep, EPOLL_CTL_ADD, c, &cev);
        conns[c] = Conn{};
        continue;
      }
      Conn& c = conns[fd];
      char* dst = c.header_got < 4 ? c.header + c.header_got : c.msg.data() + c.got;
      std::size_t want = c.header_got < 4 ? 4 - c.header_got : c.size - c.got;
      ssize_t r = ::recv(fd, dst, want, MSG_DONTWAIT);
      if (r < 0 && (errno == EAGAIN || errno == EINTR)) continue;
      bool ok = r > 0;
      if (ok && c.header_got < 4) {
        c.header_got += static_cast<std::size_t>(r);
        if (c.header_got == 4) {
          uint32_t size_be;
          std::memcpy(&size_be, c.header, 4);
          c.size = ntohl(size_be);
          ok = c.size > 0 && c.size <= (1u << 20);
          if (ok) c.msg.resize(c.size);
        }
      } else if (ok) {
        c.got += static_cast<std::size_t>(r);
        if (c.got == c.size) {
          ok = write_all(fd, c.msg.data(), c.size);
          c.got = 0;
        }
      }
      if (!ok) {
        ::epoll_ctl(ep, EPOLL_CTL_DEL, fd, nullptr);
        ::close(fd);
        conns.erase(fd);
      }
    }
  }
}

class Client {
 public:
  explicit Client(const PerfOptions& o) : o_(o) {
    addr_.sin_family = AF_INET;
    addr_.sin_port = htons(o.port);
    inet_pton(AF_INET, o.host.c_str(), &addr_.sin_addr);
  }

  int run(PerfResult& r) {
    r.mode = o_.mode;
    r.transport = "tcp";
    r.message_size = o_.message_size;
    if (o_.mode == "pingpong") return run_pingpong(r);
    if (o_.mode == "setup") return o_.parallel > 1 ? run_setup_parallel(r) : run_setup(r);
    std::fprintf(stderr, "tcp_perf: --mode %s is not measured here (use iperf3 for TCP bulk)\n", o_.mode.c_str());
    return kExitUsage;
  }

 private:
  int connect_socket() {
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return -1;
    if (::connect(fd, reinterpret_cast<const sockaddr*>(&addr_), sizeof addr_) != 0) {
      int saved = errno;
      ::close(fd);
      errno = saved;
      return -1;
    }
    return fd;
  }

  int unreachable() {
    std::fprintf(stderr, "tcp_perf: cannot connect to %s port %u: %s (is the server running?)\n",
                 o_.host.c_str(), o_.port, std::strerror(errno));
    return kExitUnreachable;
  }

  bool done(Clock::time_point start, uint64_t n) const {
    return (o_.count && n >= o_.count) || seconds_since(start) >= o_.seconds;
  }

  int run_pingpong(PerfResult& r) {
    int fd = connect_socket();
    if (fd < 0) return unreachable();
    no_delay(fd);
    uint32_t size_be = htonl(static_cast<uint32_t>(o_.message_size));
    std::vector<char> msg(o_.message_size, 'p');
    std::vector<char> back(o_.message_size);
    int rc = write_all(fd, reinterpret_cast<const char*>(&size_be), 4) ? kExitOk : kExitFailure;
    const auto start = Clock::now();
    while (rc == kExitOk && !done(start, r.messages)) {
      const auto t0 = Clock::now();
      if (!write_all(fd, msg.data(), msg.size()) || !read_all(fd, back.data(), back.size(), o_.busy_poll_us)) {
        std::fprintf(stderr, "tcp_perf: ping-pong failed: %s\n", std::strerror(errno));
        rc = kExitFailure;
        break;
      }
      r.latencies_us.push_back(std::chrono::duration<double, std::micro>(Clock::now() - t0).count());
      r.bytes += msg.size();
      ++r.messages;
    }
    r.seconds = seconds_since(start);
    ::close(fd);
    return rc;
  }

  int run_setup(PerfResult& r) {
    const auto start = Clock::now();
    while (!done(start, r.setups)) {
      int fd = connect_socket();
      if (fd < 0 && errno == EADDRNOTAVAIL && r.setups > 0) {
        // Every local port sits in TIME_WAIT: report the rate over what was done.
        std::fprintf(stderr, "tcp_perf: local ports exhausted after %llu setups; stopping early\n",
                     static_cast<unsigned long long>(r.setups));
        break;
      }
      if (fd < 0) return unreachable();
      ::close(fd);  // FIN, as the SCTP tools shut down gracefully
      ++r.setups;
    }
    r.seconds = seconds_since(start);
    r.messages = r.setups;
    return kExitOk;
  }

  // `parallel` connects in flight at once on this one thread (epoll), each closed (FIN) as soon as
  // it is up and replaced by a new one: the same shape as `sctpkit perf --parallel`, whose next
  // handshake starts once one is up and its SHUTDOWN is queued.
  int run_setup_parallel(PerfResult& r) {
    const int ep = ::epoll_create1(EPOLL_CLOEXEC);
    if (ep < 0) {
      std::fprintf(stderr, "tcp_perf: epoll_create1: %s\n", std::strerror(errno));
      return kExitFailure;
    }
    const auto start = Clock::now();
    uint64_t started = 0;
    int in_flight = 0;
    bool exhausted = false;
    auto more = [&] { return !exhausted && !done(start, started); };
    // false: the connect failed for another reason than the local ports running out (errno set).
    auto start_one = [&] {
      int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
      if (fd < 0) return false;
      if (::connect(fd, reinterpret_cast<const sockaddr*>(&addr_), sizeof addr_) != 0 && errno != EINPROGRESS) {
        const int saved = errno;
        ::close(fd);
        errno = saved;
        if (saved != EADDRNOTAVAIL || r.setups + static_cast<uint64_t>(in_flight) == 0) return false;
        // Every local port sits in TIME_WAIT: finish what is in flight, report the rate over that.
        std::fprintf(stderr, "tcp_perf: local ports exhausted after %llu setups; stopping early\n",
                     static_cast<unsigned long long>(r.setups));
        exhausted = true;
        return true;
      }
      epoll_event ev{};
      ev.events = EPOLLOUT;  // writable: connected (or failed: EPOLLERR, SO_ERROR says why)
      ev.data.fd = fd;
      ::epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
      ++in_flight;
      ++started;
      return true;
    };
    int rc = kExitOk;
    for (int i = 0; i < o_.parallel && more() && rc == kExitOk; ++i) {
      if (!start_one()) rc = unreachable();
    }
    epoll_event events[64];
    while (in_flight > 0) {
      const int n = ::epoll_wait(ep, events, 64, 10000);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        std::fprintf(stderr, "tcp_perf: %d connects did not complete within 10 s\n", in_flight);
        rc = kExitTimeout;
        break;
      }
      for (int i = 0; i < n; ++i) {
        const int fd = events[i].data.fd;
        int error = 0;
        if (events[i].events & (EPOLLERR | EPOLLHUP)) {  // else connected: no system call to ask
          socklen_t len = sizeof error;
          ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &len);
          if (error == 0) error = ECONNRESET;
        }
        ::close(fd);  // FIN, as the SCTP tools shut down gracefully; also leaves the epoll set
        --in_flight;
        if (error != 0) {
          errno = error;
          if (rc == kExitOk) rc = unreachable();
          continue;
        }
        ++r.setups;
        if (rc == kExitOk && more() && !start_one()) rc = unreachable();
      }
    }
    r.seconds = seconds_since(start);
    r.messages = r.setups;
    ::close(ep);
    return rc;
  }

  const PerfOptions& o_;
  sockaddr_in addr_{};
};

}  // namespace
}  // namespace sctpkit::bench

int main(int argc, char** argv) {
  using namespace sctpkit::bench;
  PerfOptions o;
  o.mode = "pingpong";
  o.message_size = 64;
  CLI::App app{"tcp_perf: kernel TCP ping-pong latency and connect/close rate (bench/compare.py)"};
  add_perf_options(app, o, false);
  app.add_option("--busy-poll", o.busy_poll_us,
                 "poll without sleeping for up to USEC microseconds before a wait that sleeps (default 0: off)")
      ->check(CLI::Range(0, 1000000));
  CLI11_PARSE(app, argc, argv);
  if (const int rc = check_role("tcp_perf", o); rc != kExitOk) return rc;
  if (o.server) return run_server(o);
  PerfResult r;
  int rc = Client(o).run(r);
  if (rc == kExitOk) r.print(o.json);
  return rc;
}
