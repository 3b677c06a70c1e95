#include "net/batch_io.h"

#include <netinet/udp.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "net/socket_util.h"

namespace sctpkit::net {

void ReadRound::set_ready(std::span<const int> fds, std::span<const int> ready) {
  for (size_t i = 0; i < fds.size() && i < drained_.size(); ++i)
    drained_[i] = std::find(ready.begin(), ready.end(), fds[i]) == ready.end();
}

bool ReadRound::finished() {
  if (std::find(drained_.begin(), drained_.end(), false) != drained_.end()) return false;
  drained_.assign(drained_.size(), false);
  return true;
}

BatchIo::BatchIo() : buffers_(new uint8_t[kBatch * kBufferSize]), send_iov_(new iovec[kBatch * kMaxSegments]) {
  for (size_t i = 0; i < kBatch; ++i) {
    recv_iov_[i] = {buffers_.get() + i * kBufferSize, kBufferSize};
    msghdr& m = recv_msgs_[i].msg_hdr;
    m.msg_name = &slots_[i].name;
    m.msg_iov = &recv_iov_[i];
    m.msg_iovlen = 1;
    m.msg_control = slots_[i].control.data();
  }
}

bool BatchIo::probe_gso(int fd) {
  // 0 leaves the socket unsegmented; the option's existence is what we ask about. Each train sets
  // its own size per message (prepare_send).
  int size = 0;
  return ::setsockopt(fd, SOL_UDP, UDP_SEGMENT, &size, sizeof size) == 0;
}

bool BatchIo::enable_gro(int fd) {
  int on = 1;
  return ::setsockopt(fd, SOL_UDP, UDP_GRO, &on, sizeof on) == 0;
}

void BatchIo::size_buffers(int fd) {
  // The kernel's default (rmem_default, ~208 KiB) holds a tenth of the 2 MiB a_rwnd we advertise:
  // a busy receiver drops datagrams the window allowed, and the sender falls back to T3-rtx
  // timeouts (RFC 9260 6.3.3) with their 1 s minimum. The FORCE variants pass net.core.rmem_max
  // when we have CAP_NET_ADMIN; otherwise the kernel caps the plain request at that maximum.
  const int size = kSocketBuffer;
  if (::setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof size) != 0)
    ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
  if (::setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &size, sizeof size) != 0)
    ::setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof size);
}

void BatchIo::enable_pktinfo(int fd, int family) {
  int on = 1;
  if (family == AF_INET) {
    ::setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &on, sizeof on);
  } else {
    ::setsockopt(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &on, sizeof on);
  }
}

namespace {

// The local address (IP_PKTINFO / IPV6_PKTINFO) and the GRO segment size (UDP_GRO) of a received
// datagram.
wire::IpAddress destination_of(msghdr& msg, uint16_t& segment_size) {
  wire::IpAddress destination;
  segment_size = 0;
  for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c != nullptr; c = CMSG_NXTHDR(&msg, c)) {
    if (c->cmsg_level == SOL_UDP && c->cmsg_type == UDP_GRO) {
      int size;
      std::memcpy(&size, CMSG_DATA(c), sizeof size);
      segment_size = static_cast<uint16_t>(std::clamp(size, 0, 65535));
    }
    if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO) {
      in_pktinfo info;
      std::memcpy(&info, CMSG_DATA(c), sizeof info);
      destination = wire::IpAddress::v4(reinterpret_cast<const uint8_t*>(&info.ipi_addr));
    }
    if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_PKTINFO) {
      in6_pktinfo info;
      std::memcpy(&info, CMSG_DATA(c), sizeof info);
      const auto* b = reinterpret_cast<const uint8_t*>(&info.ipi6_addr);
      destination = IN6_IS_ADDR_V4MAPPED(&info.ipi6_addr) ? wire::IpAddress::v4(b + 12) : wire::IpAddress::v6(b);
    }
  }
  return destination;
}

// Sets the source address of an outgoing packet through a pktinfo control message.
size_t write_source(const wire::IpAddress& source, uint8_t* control, size_t capacity) {
  if (is_unspecified(source)) return 0;
  msghdr msg{};
  msg.msg_control = control;
  msg.msg_controllen = capacity;
  cmsghdr* c = CMSG_FIRSTHDR(&msg);
  if (source.is_v4()) {
    in_pktinfo info{};
    std::memcpy(&info.ipi_spec_dst, source.bytes().data(), 4);
    c->cmsg_level = IPPROTO_IP;
    c->cmsg_type = IP_PKTINFO;
    c->cmsg_len = CMSG_LEN(sizeof info);
    std::memcpy(CMSG_DATA(c), &info, sizeof info);
    return CMSG_SPACE(sizeof info);
  }
  in6_pktinfo info{};
  std::memcpy(&info.ipi6_addr, source.bytes().data(), 16);
  c->cmsg_level = IPPROTO_IPV6;
  c->cmsg_type = IPV6_PKTINFO;
  c->cmsg_len = CMSG_LEN(sizeof info);
  std::memcpy(CMSG_DATA(c), &info, sizeof info);
  return CMSG_SPACE(sizeof info);
}

}  // namespace

size_t BatchIo::receive(int fd, std::span<Datagram> out, bool batching) {
  const size_t want = std::min(out.size(), kBatch);
  if (want == 0) return 0;
  for (size_t i = 0; i < want; ++i) {
    msghdr& m = recv_msgs_[i].msg_hdr;
    m.msg_namelen = sizeof slots_[i].name;
    m.msg_controllen = slots_[i].control.size();
    m.msg_flags = 0;
    recv_msgs_[i].msg_len = 0;
  }
  int n = 0;
  if (batching) {
    do {
      n = ::recvmmsg(fd, recv_msgs_.data(), static_cast<unsigned>(want), MSG_DONTWAIT, nullptr);
    } while (n < 0 && errno == EINTR);
  } else {
    ssize_t r;
    do {
      r = ::recvmsg(fd, &recv_msgs_[0].msg_hdr, MSG_DONTWAIT);
    } while (r < 0 && errno == EINTR);
    if (r >= 0) {
      recv_msgs_[0].msg_len = static_cast<unsigned>(r);
      n = 1;
    } else {
      n = -1;
    }
  }
  if (n <= 0) return 0;
  size_t stored = 0;
  for (int i = 0; i < n; ++i) {
    Datagram& d = out[stored];
    auto source = from_sockaddr(slots_[i].name, &d.source_port);
    if (!source) continue;
    d.source = *source;
    d.destination = destination_of(recv_msgs_[i].msg_hdr, d.segment_size);
    d.data = wire::Bytes(buffers_.get() + i * kBufferSize, recv_msgs_[i].msg_len);
    ++stored;
  }
  return stored;
}

size_t BatchIo::gso_train(std::span<const OutgoingDatagram> packets, size_t first) {
  const OutgoingDatagram& head = packets[first];
  const size_t segment = head.data.size();
  size_t count = 1;
  size_t bytes = segment;
  // Linux udp_send_skb: every segment but the last is exactly gso_size bytes; the last may be shorter.
  while (first + count < packets.size() && count < kMaxSegments) {
    const OutgoingDatagram& p = packets[first + count];
    if (p.data.size() > segment || p.data.empty() || bytes + p.data.size() > kMaxGsoBytes) break;
    if (!p.header.empty() || !head.header.empty()) break;
    if (p.destination != head.destination || p.destination_port != head.destination_port || p.source != head.source)
      break;
    ++count;
    bytes += p.data.size();
    if (p.data.size() < segment) break;  // a shorter packet ends the train
  }
  return count;
}

BatchIo::Addressed BatchIo::address(Slot& slot, int family, const OutgoingDatagram& p) {
  ++addresses_written_;
  wire::IpAddress destination = p.destination;
  if (family == AF_INET6 && destination.is_v4()) {
    // A dual-stack socket reaches IPv4 peers through IPv4-mapped addresses.
    uint8_t mapped[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    std::memcpy(mapped + 12, destination.bytes().data(), 4);
    destination = wire::IpAddress::v6(mapped);
  }
  const socklen_t name_length = to_sockaddr(destination, p.destination_port, slot.name);
  wire::IpAddress source = p.source;
  if (family == AF_INET6 && source.is_v4() && !is_unspecified(source)) {
    uint8_t mapped[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    std::memcpy(mapped + 12, source.bytes().data(), 4);
    source = wire::IpAddress::v6(mapped);
  }
  return {name_length, write_source(source, slot.control.data(), slot.control.size())};
}

void BatchIo::prepare_send(size_t i, int family, std::span<const OutgoingDatagram> packets, size_t first,
                           size_t count, iovec* iov) {
  const OutgoingDatagram& p = packets[first];
  size_t pieces = 0;
  if (!p.header.empty()) iov[pieces++] = {const_cast<uint8_t*>(p.header.data()), p.header.size()};
  for (size_t k = 0; k < count; ++k)
    iov[pieces++] = {const_cast<uint8_t*>(packets[first + k].data.data()), packets[first + k].data.size()};
  msghdr& m = msgs_[i].msg_hdr;
  m.msg_iov = iov;
  m.msg_iovlen = pieces;
  m.msg_flags = 0;

  // Sends mostly go to one peer from one address, a packet or two per call: the last such pair's
  // sockaddr and pktinfo stay converted in last_ across calls. Messages of this sendmmsg may point
  // at it, so it is rewritten only before the first of them does; another pair meanwhile is
  // converted into its own slot.
  bool cached = last_.family == family && last_.destination == p.destination &&
                last_.destination_port == p.destination_port && last_.source == p.source;
  if (!cached && !last_used_) {
    last_.family = family;
    last_.destination = p.destination;
    last_.destination_port = p.destination_port;
    last_.source = p.source;
    last_.addressed = address(last_.slot, family, p);
    cached = true;
  }
  Slot& slot = cached ? last_.slot : slots_[i];
  const Addressed addressed = cached ? last_.addressed : address(slot, family, p);
  last_used_ |= cached;
  m.msg_name = &slot.name;
  m.msg_namelen = addressed.name_length;
  size_t used = addressed.control_length;
  uint8_t* control = slot.control.data();
  if (count > 1) {
    // The segment size travels with the message (UDP_SEGMENT as a control message) rather than
    // on the socket, so that trains of different sizes can share one sendmmsg. After the cached
    // pktinfo it would change last_ under other messages: the train's own slot takes both.
    if (cached) {
      std::memcpy(slots_[i].control.data(), control, used);
      control = slots_[i].control.data();
    }
    const uint16_t segment = static_cast<uint16_t>(p.data.size());
    auto* c = reinterpret_cast<cmsghdr*>(control + used);
    c->cmsg_level = SOL_UDP;
    c->cmsg_type = UDP_SEGMENT;
    c->cmsg_len = CMSG_LEN(sizeof segment);
    std::memcpy(CMSG_DATA(c), &segment, sizeof segment);
    used += CMSG_SPACE(sizeof segment);
  }
  m.msg_control = used ? control : nullptr;
  m.msg_controllen = used;
}

size_t BatchIo::send(int fd, int family, std::span<const OutgoingDatagram> packets, bool batching, bool* gso) {
  size_t sent = 0;
  size_t accepted = 0;
  while (sent < packets.size()) {
    const bool trains = batching && gso != nullptr && *gso;
    size_t messages = 0;
    last_used_ = false;  // the previous sendmmsg has returned: nothing points at last_ any more
    for (size_t next = sent; next < packets.size() && messages < kBatch; ++messages) {
      const size_t count = trains ? gso_train(packets, next) : 1;
      prepare_send(messages, family, packets, next, count, send_iov_.get() + messages * kMaxSegments);
      counts_[messages] = count;
      next += count;
    }
    int n;
    if (batching) {
      do {
        n = ::sendmmsg(fd, msgs_.data(), static_cast<unsigned>(messages), MSG_DONTWAIT);
      } while (n < 0 && errno == EINTR);
    } else {
      n = 0;
      for (size_t i = 0; i < messages; ++i) {
        ssize_t r;
        do {
          r = ::sendmsg(fd, &msgs_[i].msg_hdr, MSG_DONTWAIT);
        } while (r < 0 && errno == EINTR);
        if (r < 0) break;
        ++n;
      }
    }
    if (n <= 0) {
      const int error = errno;
      if (counts_[0] > 1 && error != EAGAIN && error != ENOBUFS) {
        // The kernel refused the GSO message itself (EIO: no checksum offload on the device;
        // EINVAL: a segment larger than the path MTU; ENOPROTOOPT: no UDP_SEGMENT): send plain
        // datagrams from now on, starting with this train.
        *gso = false;
        continue;
      }
      // One packet the kernel refuses (e.g. no route to that destination) must not stall the rest:
      // drop it (or its train: the same destination), as an IP network would, and go on.
      sent += counts_[0];
      continue;
    }
    for (int i = 0; i < n; ++i) {
      sent += counts_[static_cast<size_t>(i)];
      accepted += counts_[static_cast<size_t>(i)];
    }
  }
  return accepted;
}

}  // namespace sctpkit::net
