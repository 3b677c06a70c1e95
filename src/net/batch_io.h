// recvmmsg/sendmmsg over one datagram socket (UDP or raw IP), with the local address of each packet
// carried in IP_PKTINFO / IPV6_PKTINFO control messages. The buffers are allocated once, so the
// receive and send paths allocate nothing per packet.
#pragma once

#include <netinet/in.h>
#include <sys/socket.h>

#include <array>
#include <memory>
#include <cstdint>
#include <span>
#include <vector>

#include "net/transport.h"
#include "wire/ip_address.h"

namespace sctpkit::net {

struct Datagram {
  wire::IpAddress source;
  uint16_t source_port = 0;  // UDP only; 0 for raw IP
  wire::IpAddress destination;  // from the pktinfo control message; unspecified if the kernel gave none
  wire::Bytes data;
};

struct OutgoingDatagram {
  wire::IpAddress source;  // unspecified: the kernel chooses
  wire::IpAddress destination;
  uint16_t destination_port = 0;  // UDP only
  wire::Bytes data;
};

class BatchIo {
 public:
  static constexpr size_t kBatch = 32;
  static constexpr size_t kBufferSize = 65536;  // the largest IP datagram

  BatchIo();
  // Asks the kernel for the destination address of each received packet.
  static void enable_pktinfo(int fd, int family);
  // Socket buffers large enough for a receive window of data arriving while we are not scheduled.
  static void size_buffers(int fd);
  static constexpr int kSocketBuffer = 4 << 20;

  // Non-blocking; returns how many datagrams were read (0 when none are waiting). With
  // `batching` off it reads one datagram per call to recvmsg (for the benchmark's comparison).
  size_t receive(int fd, std::span<Datagram> out, bool batching = true);
  // Returns how many datagrams the kernel accepted; stops at the first it refused.
  size_t send(int fd, int family, std::span<const OutgoingDatagram> packets, bool batching = true);

 private:
  struct Slot {
    sockaddr_storage name;
    alignas(cmsghdr) std::array<uint8_t, 64> control;
  };
  // kBatch * kBufferSize, left uninitialised: the kernel writes before we read, and pages nobody
  // touched cost no memory (a stack per client association would otherwise hold 2 MiB each).
  std::unique_ptr<uint8_t[]> buffers_;
  std::array<Slot, kBatch> slots_{};
  std::array<iovec, kBatch> iov_{};
  std::array<mmsghdr, kBatch> msgs_{};
};

}  // namespace sctpkit::net
