#include "net/kernel_socket.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

// The kernel's UAPI header (no libsctp); it needs the socket types declared first.
#include <linux/sctp.h>
#include <linux/sock_diag.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include <fmt/format.h>

#include "net/kernel_paths.h"
#include "net/socket_util.h"

namespace sctpkit::detail {

using Clock = std::chrono::steady_clock;

namespace {

constexpr size_t kReadChunk = 64 * 1024;

Error system_failure(const char* what) { return {Error::Code::System, fmt::format("{}: {}", what, std::strerror(errno))}; }

// Sets what the kernel reads from the socket when an association starts (RFC 6458 8.1).
Status configure(int fd, const Options& o) {
  // RFC 6458 8.1.3 / RFC 9260 5.1: the streams asked for and accepted, and INIT retransmissions.
  sctp_initmsg init{};
  init.sinit_num_ostreams = o.outbound_streams;
  init.sinit_max_instreams = o.max_inbound_streams;
  init.sinit_max_attempts = static_cast<uint16_t>(o.max_init_retransmits);
  if (::setsockopt(fd, IPPROTO_SCTP, SCTP_INITMSG, &init, sizeof init) != 0) return system_failure("SCTP_INITMSG");
  // RFC 6458 8.1.1: RTO.Initial and RTO.Min (RFC 9260 16); 0 leaves RTO.Max as it is.
  sctp_rtoinfo rto{};
  rto.srto_initial = static_cast<uint32_t>(o.rto_initial.count());
  rto.srto_min = static_cast<uint32_t>(o.rto_min.count());
  if (::setsockopt(fd, IPPROTO_SCTP, SCTP_RTOINFO, &rto, sizeof rto) != 0) return system_failure("SCTP_RTOINFO");
  if (o.heartbeat_interval) {
    // RFC 6458 8.1.9: the endpoint's default for every path (assoc id 0, no address).
    sctp_paddrparams params{};
    params.spp_hbinterval = static_cast<uint32_t>(o.heartbeat_interval->count());
    params.spp_flags = SPP_HB_ENABLE;
    if (::setsockopt(fd, IPPROTO_SCTP, SCTP_PEER_ADDR_PARAMS, &params, sizeof params) != 0)
      return system_failure("SCTP_PEER_ADDR_PARAMS");
  }
  // RFC 6458 6.2.1: an SCTP_SNDRCV cmsg with each message (stream, PPID, SCTP_UNORDERED), and the
  // notifications that tell how the association goes.
  sctp_event_subscribe events{};
  events.sctp_data_io_event = 1;
  events.sctp_association_event = 1;
  events.sctp_shutdown_event = 1;
  if (::setsockopt(fd, IPPROTO_SCTP, SCTP_EVENTS, &events, sizeof events) != 0) return system_failure("SCTP_EVENTS");
  // Small messages leave at once, as our own stack sends them.
  const int on = 1;
  ::setsockopt(fd, IPPROTO_SCTP, SCTP_NODELAY, &on, sizeof on);
  // The kernel holds a send until the message fits its buffer; root may go past wmem_max.
  const int send_buffer = static_cast<int>(std::min<size_t>(o.send_buffer, 1 << 30));
  const int receive_buffer = static_cast<int>(std::min<size_t>(o.receive_buffer, 1 << 30));
  if (::setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &send_buffer, sizeof send_buffer) != 0)
    ::setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &send_buffer, sizeof send_buffer);
  if (::setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &receive_buffer, sizeof receive_buffer) != 0)
    ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &receive_buffer, sizeof receive_buffer);
  return {};
}

Expected<int> open_socket(int family) {
  const int fd = ::socket(family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, IPPROTO_SCTP);
  if (fd >= 0) return fd;
  if (errno == EPROTONOSUPPORT || errno == ESOCKTNOSUPPORT || errno == EAFNOSUPPORT) return kernel_sctp_missing();
  return system_failure("socket");
}

// Binds Options::local_addresses (the first with bind(), the others with the RFC 6458 9.1 bindx
// sockopt) or the wildcard, on `port`.
Status bind_local(int fd, int family, const Options& o, uint16_t port) {
  std::vector<wire::IpAddress> locals;
  for (const auto& text : o.local_addresses) {
    auto address = wire::IpAddress::parse(text);
    if (!address) return Error{Error::Code::InvalidArgument, fmt::format("bad local address {}", text)};
    locals.push_back(*address);
  }
  if (locals.empty() && port == 0) return {};
  sockaddr_storage ss{};
  socklen_t length = 0;
  if (locals.empty()) {
    length = net::to_sockaddr(family == AF_INET ? wire::IpAddress::v4(0, 0, 0, 0) : *wire::IpAddress::parse("::"), port, ss);
  } else {
    length = net::to_sockaddr(locals.front(), port, ss);
  }
  if (::bind(fd, reinterpret_cast<sockaddr*>(&ss), length) != 0) {
    if (errno == EADDRINUSE) return Error{Error::Code::AddressInUse, fmt::format("SCTP port {} is in use", port)};
    return system_failure("bind");
  }
  for (size_t i = 1; i < locals.size(); ++i) {
    length = net::to_sockaddr(locals[i], port, ss);
    if (::setsockopt(fd, IPPROTO_SCTP, SCTP_SOCKOPT_BINDX_ADD, &ss, length) != 0) return system_failure("bindx");
  }
  return {};
}

// One sendmsg() with an SCTP_SNDRCV cmsg (RFC 6458 5.3.2): stream, PPID and flags go with the data.
ssize_t send_with_sndrcv(int fd, const void* data, size_t size, const sctp_sndrcvinfo& info) {
  char control[CMSG_SPACE(sizeof(sctp_sndrcvinfo))] = {};
  iovec iov{const_cast<void*>(data), size};
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control;
  msg.msg_controllen = sizeof control;
  cmsghdr* c = CMSG_FIRSTHDR(&msg);
  c->cmsg_level = IPPROTO_SCTP;
  c->cmsg_type = SCTP_SNDRCV;
  c->cmsg_len = CMSG_LEN(sizeof(sctp_sndrcvinfo));
  std::memcpy(CMSG_DATA(c), &info, sizeof info);
  return ::sendmsg(fd, &msg, MSG_DONTWAIT | MSG_NOSIGNAL);
}

const char* state_name(int state) {
  switch (state) {
    case SCTP_COOKIE_WAIT: return "COOKIE-WAIT";
    case SCTP_COOKIE_ECHOED: return "COOKIE-ECHOED";
    case SCTP_ESTABLISHED: return "ESTABLISHED";
    case SCTP_SHUTDOWN_PENDING: return "SHUTDOWN-PENDING";
    case SCTP_SHUTDOWN_SENT: return "SHUTDOWN-SENT";
    case SCTP_SHUTDOWN_RECEIVED: return "SHUTDOWN-RECEIVED";
    case SCTP_SHUTDOWN_ACK_SENT: return "SHUTDOWN-ACK-SENT";
    default: return "CLOSED";
  }
}

}  // namespace

Error kernel_sctp_missing() {
  return {Error::Code::System, "the kernel has no SCTP (module sctp not loaded): use --udp or --raw"};
}

// ---- KernelAssociation

KernelAssociation::KernelAssociation(int fd, const Options& options) : fd_(fd), options_(options) {
  buffer_.resize(kReadChunk);
}

KernelAssociation::~KernelAssociation() {
  if (is_open()) abort("handle destroyed");
  if (fd_ >= 0) ::close(fd_);
}

Expected<std::unique_ptr<KernelAssociation>> KernelAssociation::connect(const std::vector<wire::IpAddress>& addresses,
                                                                        uint16_t port, const Options& options) {
  const int family = addresses.front().is_v4() ? AF_INET : AF_INET6;
  auto fd = open_socket(family);
  if (!fd) return fd.error();
  auto association = std::make_unique<KernelAssociation>(*fd, options);
  association->connected_ = false;  // until the handshake completes: nothing to abort before
  if (auto s = configure(*fd, options); !s) return s.error();
  if (auto s = bind_local(*fd, family, options, options.local_port); !s) return s.error();
  sockaddr_storage ss{};
  const socklen_t length = net::to_sockaddr(addresses.front(), port, ss);
  if (::connect(*fd, reinterpret_cast<sockaddr*>(&ss), length) != 0 && errno != EINPROGRESS)
    return Error{Error::Code::ConnectFailed, fmt::format("connect failed: {}", std::strerror(errno))};
  // The kernel runs the handshake; writable means it ended one way or the other.
  if (!association->wait_for(POLLOUT, association->deadline_for(std::nullopt))) {
    association->abort("connect timed out");
    return Error{Error::Code::Timeout, fmt::format("no answer from {} port {}", addresses.front().to_string(), port)};
  }
  int error = 0;
  socklen_t error_length = sizeof error;
  ::getsockopt(*fd, SOL_SOCKET, SO_ERROR, &error, &error_length);
  if (error == ECONNREFUSED) return Error{Error::Code::ConnectFailed, "connect failed: aborted by the peer"};
  if (error == ETIMEDOUT) return Error{Error::Code::ConnectFailed, "connect failed: no answer to INIT"};
  if (error != 0) return Error{Error::Code::ConnectFailed, fmt::format("connect failed: {}", std::strerror(error))};
  association->connected_ = true;
  return association;
}

std::optional<Clock::time_point> KernelAssociation::deadline_for(std::optional<std::chrono::milliseconds> timeout) const {
  const auto limit = timeout ? timeout : options_.timeout;
  if (!limit || *limit == std::chrono::milliseconds::max()) return std::nullopt;
  return Clock::now() + *limit;
}

bool KernelAssociation::wait_for(short events, std::optional<Clock::time_point> deadline) const {
  for (;;) {
    int wait_ms = -1;
    if (deadline) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(*deadline - Clock::now()).count();
      if (left < 0) return false;
      wait_ms = static_cast<int>(std::min<long long>(left, 1 << 30));
    }
    pollfd p{fd_, events, 0};
    const int n = ::poll(&p, 1, wait_ms);
    if (n > 0) return true;
    if (n == 0) return false;
    if (errno != EINTR) return true;  // let the next call report the error
  }
}

void KernelAssociation::close_with(const std::string& reason) {
  if (closed_) return;
  closed_ = true;
  close_reason_ = reason;
}

void KernelAssociation::on_notification(const uint8_t* data, size_t size) {
  // RFC 6458 6.1: every notification starts with its type (u16), flags (u16) and length (u32).
  if (size < 8) return;
  uint16_t type = 0;
  std::memcpy(&type, data, sizeof type);
  if (type == SCTP_SHUTDOWN_EVENT) {
    peer_shutdown_ = true;  // RFC 9260 9.2: the peer sent SHUTDOWN; what it sent before still arrives
    return;
  }
  if (type != SCTP_ASSOC_CHANGE || size < sizeof(sctp_assoc_change)) return;
  sctp_assoc_change change;
  std::memcpy(&change, data, sizeof change);
  switch (change.sac_state) {
    case SCTP_COMM_UP: connected_ = true; break;
    case SCTP_RESTART:
      // RFC 6458 6.1.1: the peer restarted (RFC 9260 5.2.4); the kernel goes on with the association.
      if (peer_restarts_ < UINT16_MAX) ++peer_restarts_;
      break;
    case SCTP_SHUTDOWN_COMP: close_with("shut down"); break;
    case SCTP_CANT_STR_ASSOC: close_with("no answer to INIT"); break;
    case SCTP_COMM_LOST:
      // RFC 6458 6.1.1: after an ABORT from the peer, sac_info carries that ABORT chunk; without it
      // the association failed on its own (retransmissions exhausted).
      close_with(change.sac_length > sizeof(sctp_assoc_change) ? "aborted by the peer"
                                                               : "peer unreachable (too many retransmissions)");
      break;
    default: break;
  }
}

KernelAssociation::Read KernelAssociation::read_once() {
  if (fd_ < 0) return Read::Ended;
  char control[CMSG_SPACE(sizeof(sctp_sndrcvinfo))];
  iovec iov{buffer_.data(), buffer_.size()};
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control;
  msg.msg_controllen = sizeof control;
  const ssize_t n = ::recvmsg(fd_, &msg, MSG_DONTWAIT);
  if (n < 0) {
    if (errno == EAGAIN || errno == EINTR) return Read::Nothing;
    if (errno == ECONNRESET) close_with("aborted by the peer");
    else if (errno == ETIMEDOUT) close_with("peer unreachable (too many retransmissions)");
    else if (errno == ENOTCONN) close_with("shut down");
    else close_with(fmt::format("recvmsg: {}", std::strerror(errno)));
    return Read::Ended;
  }
  if (n == 0) {
    // One-to-one style: end of file once the peer shut down and everything was read.
    peer_shutdown_ = true;
    close_with("shut down");
    return Read::Ended;
  }
  const auto size = static_cast<size_t>(n);
  if (msg.msg_flags & MSG_NOTIFICATION) {
    // Notifications are small and come whole in one read (Linux does not mark them MSG_EOR).
    // After SHUTDOWN COMPLETE on a socket we only half-closed (SHUT_WR), this notification is the
    // only sign of the end: reads then say EAGAIN, not end of file.
    on_notification(buffer_.data(), size);
    return closed_ ? Read::Ended : Read::Nothing;
  }
  if (partial_.data.empty()) {
    for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c != nullptr; c = CMSG_NXTHDR(&msg, c)) {
      if (c->cmsg_level != IPPROTO_SCTP || c->cmsg_type != SCTP_SNDRCV) continue;
      sctp_sndrcvinfo info;
      std::memcpy(&info, CMSG_DATA(c), sizeof info);
      partial_.stream = info.sinfo_stream;
      partial_.ppid = ntohl(info.sinfo_ppid);  // RFC 6458 5.3.2: the PPID travels in network order
      partial_.unordered = (info.sinfo_flags & SCTP_UNORDERED) != 0;
    }
  }
  partial_.data.insert(partial_.data.end(), buffer_.begin(), buffer_.begin() + static_cast<ptrdiff_t>(size));
  if (!(msg.msg_flags & MSG_EOR)) return Read::Nothing;
  bytes_received_ += partial_.data.size();
  inbox_.push_back(std::move(partial_));
  partial_ = Message{};
  ++messages_received_;
  return Read::Message;
}

Expected<Message> KernelAssociation::receive(std::optional<std::chrono::milliseconds> timeout) {
  const auto deadline = deadline_for(timeout);
  for (;;) {
    if (!inbox_.empty()) {
      Message m = std::move(inbox_.front());
      inbox_.pop_front();
      return m;
    }
    if (closed_) return Error{Error::Code::Closed, "association closed: " + close_reason_};
    const Read read = read_once();
    if (read != Read::Nothing) continue;
    if (options_.non_blocking) return Error{Error::Code::WouldBlock, "receive would block"};
    if (!wait_for(POLLIN, deadline)) return Error{Error::Code::Timeout, "receive timed out"};
  }
}

Status KernelAssociation::send(std::span<const uint8_t> data, const SendOptions& options) {
  if (closed_) return Error{Error::Code::Closed, "association closed: " + close_reason_};
  if (peer_shutdown_) return Error{Error::Code::NotConnected, "the peer shut down"};
  if (data.empty()) return Error{Error::Code::InvalidArgument, "RFC 9260 6: a message carries at least one byte"};
  if (data.size() > options_.max_message_size)
    return Error{Error::Code::InvalidArgument, "message larger than max_message_size"};
  sctp_sndrcvinfo info{};
  info.sinfo_stream = options.stream;
  info.sinfo_ppid = htonl(options.ppid);
  info.sinfo_flags = static_cast<uint16_t>((options.unordered ? SCTP_UNORDERED : 0) |  // RFC 9260 6.6
                                           (options.sack_immediately ? SCTP_SACK_IMMEDIATELY : 0));
  const auto deadline = deadline_for(std::nullopt);
  for (;;) {
    if (send_with_sndrcv(fd_, data.data(), data.size(), info) >= 0) {
      ++messages_sent_;
      bytes_accepted_ += data.size();
      return {};
    }
    const int error = errno;
    if (error == EINTR) continue;
    if (error == EAGAIN) {
      if (options_.non_blocking) return Error{Error::Code::WouldBlock, "send would block"};
      if (!wait_for(POLLOUT, deadline)) return Error{Error::Code::Timeout, "send timed out"};
      continue;
    }
    if (error == EINVAL) {
      sctp_status status{};
      socklen_t length = sizeof status;
      if (::getsockopt(fd_, IPPROTO_SCTP, SCTP_STATUS, &status, &length) == 0 && options.stream >= status.sstat_outstrms)
        return Error{Error::Code::InvalidArgument, fmt::format("stream {} not negotiated", options.stream)};
    }
    if (error == EMSGSIZE) return Error{Error::Code::InvalidArgument, "message larger than the kernel accepts"};
    if (error == EPIPE || error == ECONNRESET || error == ENOTCONN) {
      // What is still readable may say why (a notification); keep its messages for receive().
      while (read_once() == Read::Message) {
      }
      close_with(error == ECONNRESET ? "aborted by the peer" : "shut down");
      return Error{Error::Code::Closed, "association closed: " + close_reason_};
    }
    return Error{Error::Code::System, fmt::format("sendmsg: {}", std::strerror(error))};
  }
}

Status KernelAssociation::shutdown() {
  if (closed_) return {};
  // RFC 9260 9.2: SHUT_WR makes the kernel send SHUTDOWN once the queued data is acknowledged.
  if (::shutdown(fd_, SHUT_WR) != 0 && errno != ENOTCONN) return system_failure("shutdown");
  if (options_.non_blocking) return {};
  const auto deadline = deadline_for(std::nullopt);
  while (!closed_) {
    // What the peer still sends is kept for receive().
    if (read_once() != Read::Nothing) continue;
    if (!wait_for(POLLIN, deadline)) return Error{Error::Code::Timeout, "shutdown timed out"};
  }
  return {};
}

void KernelAssociation::abort(const std::string& reason) {
  if (closed_) return;
  if (!connected_) {
    close_with("aborted locally");
    return;
  }
  // RFC 6458 5.3.2 SCTP_ABORT: the message becomes the ABORT's User-Initiated Abort cause
  // (RFC 9260 3.3.10.12), so the peer sees the reason.
  sctp_sndrcvinfo info{};
  info.sinfo_flags = SCTP_ABORT;
  if (send_with_sndrcv(fd_, reason.data(), reason.size(), info) < 0 && fd_ >= 0) {
    // RFC 6458 8.1.4: close() with a zero linger time aborts as well.
    linger l{1, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_LINGER, &l, sizeof l);
    ::close(fd_);
    fd_ = -1;
  }
  close_with("aborted locally");
}

Expected<AssociationInfo> KernelAssociation::status() const {
  sctp_status status{};
  socklen_t length = sizeof status;
  if (closed_ || ::getsockopt(fd_, IPPROTO_SCTP, SCTP_STATUS, &status, &length) != 0)
    return Error{Error::Code::Closed, "association closed: " + close_reason_};
  AssociationInfo info;
  info.state = state_name(status.sstat_state);
  info.outbound_streams = status.sstat_outstrms;
  info.inbound_streams = status.sstat_instrms;
  info.peer_rwnd = status.sstat_rwnd;
  info.messages_sent = messages_sent_;
  info.messages_received = messages_received_;
  sockaddr_storage local{};
  socklen_t local_length = sizeof local;
  if (::getsockname(fd_, reinterpret_cast<sockaddr*>(&local), &local_length) == 0)
    net::from_sockaddr(local, &info.local_port);
  const auto& primary = status.sstat_primary;
  sockaddr_storage peer{};
  std::memcpy(&peer, &primary.spinfo_address, sizeof peer);
  if (auto address = net::from_sockaddr(peer, &info.peer_port)) info.peer_address = address->to_string();
  // Every peer address, as our engine lists them (RFC 9260 6.4: a multi-homed peer's others are
  // its backup paths); SCTP_STATUS alone shows only the primary, which stays the fallback.
  info.paths = kernel_peer_paths(fd_, peer);
  if (info.paths.empty() && !info.peer_address.empty()) {
    PathInfo path;
    path.address = info.peer_address;
    path.primary = true;
    set_path_state(primary.spinfo_state, path);
    path.srtt = std::chrono::milliseconds(primary.spinfo_srtt);
    path.rto = std::chrono::milliseconds(primary.spinfo_rto);
    path.cwnd = primary.spinfo_cwnd;
    info.paths.push_back(std::move(path));
  }
  // What the kernel still holds to send or to see acknowledged (sk_wmem_queued, with its
  // per-chunk overhead): 0 once the peer acknowledged everything, which is what callers wait for.
  uint32_t meminfo[SK_MEMINFO_VARS] = {};
  socklen_t meminfo_length = sizeof meminfo;
  if (::getsockopt(fd_, SOL_SOCKET, SO_MEMINFO, meminfo, &meminfo_length) == 0 &&
      meminfo_length > SK_MEMINFO_WMEM_QUEUED * sizeof(uint32_t))
    info.queued_bytes = meminfo[SK_MEMINFO_WMEM_QUEUED];
  else if (status.sstat_penddata + status.sstat_unackdata > 0)
    info.queued_bytes = 1;  // some left, amount unknown
  // The kernel counts no acknowledged bytes: what it took minus what it still holds. That holding
  // includes each chunk's buffer overhead, so the figure runs low until everything is acknowledged.
  info.bytes_sent = bytes_accepted_ - std::min<uint64_t>(bytes_accepted_, info.queued_bytes);
  info.bytes_received = bytes_received_;
  sctp_assoc_stats stats{};
  socklen_t stats_length = sizeof stats;
  if (::getsockopt(fd_, IPPROTO_SCTP, SCTP_GET_ASSOC_STATS, &stats, &stats_length) == 0)
    info.retransmitted_chunks = stats.sas_rtxchunks;
  return info;
}

// ---- KernelListener

KernelListener::~KernelListener() {
  if (fd_ >= 0) ::close(fd_);
}

Expected<std::unique_ptr<KernelListener>> KernelListener::listen(uint16_t port, const Options& options) {
  int family = AF_INET6;  // dual stack: IPv4 peers arrive as v4-mapped addresses
  if (!options.local_addresses.empty()) {
    auto first = wire::IpAddress::parse(options.local_addresses.front());
    if (!first) return Error{Error::Code::InvalidArgument, "bad local address " + options.local_addresses.front()};
    family = first->is_v4() ? AF_INET : AF_INET6;
  }
  auto fd = open_socket(family);
  if (!fd && options.local_addresses.empty()) fd = open_socket(family = AF_INET);  // a host without IPv6
  if (!fd) return fd.error();
  std::unique_ptr<KernelListener> listener(new KernelListener(*fd, options));
  if (family == AF_INET6) {
    const int off = 0;
    ::setsockopt(*fd, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof off);
  }
  if (auto s = configure(*fd, options); !s) return s.error();
  if (auto s = bind_local(*fd, family, options, port); !s) return s.error();
  if (::listen(*fd, 64) != 0) return system_failure("listen");
  return listener;
}

Expected<std::unique_ptr<KernelAssociation>> KernelListener::accept(std::optional<std::chrono::milliseconds> timeout) {
  const auto limit = timeout ? timeout : options_.timeout;
  const auto deadline = limit && *limit != std::chrono::milliseconds::max() ? std::optional(Clock::now() + *limit)
                                                                             : std::nullopt;
  for (;;) {
    const int fd = ::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK);
    if (fd >= 0) {
      // The accepted socket inherits the listener's settings; the events are set again to be sure
      // the association's SCTP_SNDRCV cmsgs and notifications are on.
      if (auto s = configure(fd, options_); !s) {
        ::close(fd);
        return s.error();
      }
      return std::make_unique<KernelAssociation>(fd, options_);
    }
    if (errno == EINTR || errno == ECONNABORTED) continue;
    if (errno != EAGAIN) return system_failure("accept");
    if (options_.non_blocking) return Error{Error::Code::WouldBlock, "accept would block"};
    int wait_ms = -1;
    if (deadline) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(*deadline - Clock::now()).count();
      if (left <= 0) return Error{Error::Code::Timeout, "accept timed out"};
      wait_ms = static_cast<int>(std::min<long long>(left, 1 << 30));
    }
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, wait_ms) < 0 && errno != EINTR) return system_failure("poll");
  }
}

}  // namespace sctpkit::detail
