// recvmmsg/sendmmsg over one datagram socket (UDP or raw IP), with the local address of each packet
// carried in IP_PKTINFO / IPV6_PKTINFO control messages. The buffers are allocated once, so the
// receive and send paths allocate nothing per packet.
//
// On UDP sockets, where the kernel has them (Linux 4.18 / 5.0), the send path also uses UDP GSO
// (UDP_SEGMENT): a train of equal-size packets to one destination leaves as one message of up to
// kMaxSegments segments, which the kernel cuts into separate datagrams after routing it once; and the
// receive path UDP GRO (UDP_GRO): the kernel may hand such a train up as one buffer, which
// Datagram::segment_size says how to cut. See docs/perf.md, "Batching, GSO and GRO".
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
  // UDP GRO: `data` holds several datagrams of this size back to back (the last may be shorter).
  // 0: `data` is one datagram.
  uint16_t segment_size = 0;
};

struct OutgoingDatagram {
  wire::IpAddress source;  // unspecified: the kernel chooses
  wire::IpAddress destination;
  uint16_t destination_port = 0;  // UDP only
  wire::Bytes data;
  // Raw IPv4 with IP_HDRINCL: the IP header, sent in front of `data` (no GSO train). Empty: none.
  wire::Bytes header;
};

// Which of a transport's sockets may still hold input (Transport::receive, Transport::set_ready):
// a read that comes back short means the kernel had no more, so the socket is not read again until
// every socket was found empty; then a new round starts with all of them.
class ReadRound {
 public:
  void add_socket() { drained_.push_back(false); }
  void set_ready(std::span<const int> fds, std::span<const int> ready);
  [[nodiscard]] bool drained(size_t socket) const { return drained_[socket]; }
  void record(size_t socket, size_t got, size_t asked) {
    if (got < asked) drained_[socket] = true;
  }
  // True, and a new round begun, if every socket is drained.
  bool finished();

 private:
  std::vector<bool> drained_;
};

class BatchIo {
 public:
  static constexpr size_t kBatch = 32;
  static constexpr size_t kBufferSize = 65536;  // the largest IP datagram
  // UDP GSO: segments per message (UDP_MAX_SEGMENTS was 64 before Linux 5.5) and payload bytes per
  // message (a UDP datagram's length field is 16 bits; the IPv4 header takes 20 of them).
  static constexpr size_t kMaxSegments = 64;
  static constexpr size_t kMaxGsoBytes = 65535 - 20 - 8;

  BatchIo();
  // The receive headers point into this object (built once, not per read).
  BatchIo(const BatchIo&) = delete;
  BatchIo& operator=(const BatchIo&) = delete;
  // Asks the kernel for the destination address of each received packet.
  static void enable_pktinfo(int fd, int family);
  // Socket buffers large enough for a receive window of data arriving while we are not scheduled.
  static void size_buffers(int fd);
  static constexpr int kSocketBuffer = 4 << 20;
  // UDP only: whether the kernel takes UDP_SEGMENT on `fd` (probed with a harmless size of 0).
  static bool probe_gso(int fd);
  // UDP only: asks for GRO trains on `fd`; false if the kernel does not have UDP_GRO.
  static bool enable_gro(int fd);

  // Non-blocking; returns how many datagrams were read (0 when none are waiting). With
  // `batching` off it reads one datagram per call to recvmsg (for the benchmark's comparison).
  size_t receive(int fd, std::span<Datagram> out, bool batching = true);
  // Returns how many datagrams the kernel accepted; a datagram (or GSO train) it refuses is dropped
  // and the rest still go. `gso` (UDP only, may be null): true to send trains of equal-size packets
  // as GSO messages; set to false, and the train sent again without GSO, if the kernel refuses one
  // (a device without checksum offload, a path that would fragment).
  size_t send(int fd, int family, std::span<const OutgoingDatagram> packets, bool batching = true,
              bool* gso = nullptr);
  // Destination addresses converted to a sockaddr (and source pktinfo written) so far: once per
  // change of peer or source address, not once per packet (prepare_send).
  [[nodiscard]] uint64_t addresses_written() const { return addresses_written_; }

 private:
  struct Slot {
    sockaddr_storage name;
    alignas(cmsghdr) std::array<uint8_t, 64> control;
  };
  // kBatch * kBufferSize, left uninitialised: the kernel writes before we read, and pages nobody
  // touched cost no memory (a stack per client association would otherwise hold 2 MiB each).
  std::unique_ptr<uint8_t[]> buffers_;
  // The sockaddr and pktinfo of one packet, written into a slot.
  struct Addressed {
    socklen_t name_length = 0;
    size_t control_length = 0;
  };
  Addressed address(Slot& slot, int family, const OutgoingDatagram& p);
  // Fills msgs_[i] for packets[first, first + count), to one destination: the address and the
  // control messages (the source address, the GSO segment size), the address from last_ when it
  // holds this pair.
  void prepare_send(size_t i, int family, std::span<const OutgoingDatagram> packets, size_t first, size_t count,
                    iovec* iov);
  // How many packets from `first` can leave as one GSO message.
  static size_t gso_train(std::span<const OutgoingDatagram> packets, size_t first);

  std::array<Slot, kBatch> slots_{};
  std::array<mmsghdr, kBatch> msgs_{};  // sends
  // Receives: their pointers never change, so a read resets only what the kernel wrote back (a
  // ping-pong reads one datagram per wake-up; filling all kBatch headers cost more than its parse).
  std::array<iovec, kBatch> recv_iov_{};
  std::array<mmsghdr, kBatch> recv_msgs_{};
  std::array<size_t, kBatch> counts_{};  // packets in each message of a send
  std::unique_ptr<iovec[]> send_iov_;    // kBatch * kMaxSegments: one per packet of a GSO train
  uint64_t addresses_written_ = 0;
  // The last destination, port and source sent to, converted (prepare_send).
  struct LastAddress {
    int family = AF_UNSPEC;
    wire::IpAddress destination;
    uint16_t destination_port = 0;
    wire::IpAddress source;
    Addressed addressed;
    Slot slot{};
  };
  LastAddress last_;
  bool last_used_ = false;  // a message of the sendmmsg being built points at last_
};

}  // namespace sctpkit::net
