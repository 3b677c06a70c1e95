// A Transport moves whole SCTP packets (common header onwards) between local and remote IP
// addresses. It knows nothing about associations: the EventLoop feeds what it receives to an
// assoc::Endpoint and sends what the Endpoint produces.
//
// Errors are values that a tool prints in one line (TransportError::message); nothing here throws.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "wire/byte_io.h"
#include "wire/ip_address.h"

namespace sctpkit::net {

struct TransportError {
  enum class Code : uint8_t {
    NoPrivilege,     // raw sockets need CAP_NET_RAW
    AddressInUse,    // bind() failed: the port or address is taken
    AddressInvalid,  // bind() failed: not a local address, or the wrong family
    Unsupported,     // the kernel lacks something (a family, a socket option)
    System,          // any other errno
  };
  Code code = Code::System;
  int error_number = 0;
  std::string message;  // one line, says what to do about it
};

// A packet handed out by Transport::receive. `data` points into the transport's own buffers and
// stays valid until the next receive() call.
struct ReceivedPacket {
  wire::IpAddress source;
  wire::IpAddress destination;
  wire::Bytes data;
  uint16_t encapsulation_port = 0;  // UDP source port under RFC 6951; 0 over raw IP
};

struct OutgoingPacket {
  wire::IpAddress source;  // all-zero: let the kernel choose (RFC 9260 leaves source selection to IP)
  wire::IpAddress destination;
  wire::Bytes data;
};

// One packet as it crossed a transport, for tracing (Options::packet_trace): the addresses and
// UDP ports as on the wire, not as configured.
struct WirePacket {
  bool sent = false;
  wire::IpAddress source;  // unspecified when the kernel picks it (a wildcard socket sending)
  wire::IpAddress destination;
  uint16_t udp_source_port = 0;  // RFC 6951 encapsulation ports; both 0 over raw IP
  uint16_t udp_destination_port = 0;
  wire::Bytes data;
};

class WireTap {
 public:
  virtual ~WireTap() = default;
  virtual void on_wire(const WirePacket& packet) = 0;
};

class Transport {
 public:
  virtual ~Transport() = default;

  // The descriptors to wait on for readability; receive() drains all of them.
  [[nodiscard]] virtual std::span<const int> fds() const = 0;
  // Receives up to out.size() packets without blocking; returns how many were stored. Packets the
  // transport must not handle (a port we did not bind, garbage too short to be SCTP) are dropped
  // here and counted in dropped(). A socket whose read came back short (the kernel had no more) is
  // not read again until every socket has been found empty: that call returns 0 without a system
  // call, and the next one reads them all again.
  virtual size_t receive(std::span<ReceivedPacket> out) = 0;
  // Readiness from the caller's poll: until then, receive() reads only these of fds() (an
  // empty read of a socket poll did not name costs a system call for nothing).
  virtual void set_ready(std::span<const int> ready_fds) { (void)ready_fds; }
  // The descriptors a busy-polling caller reads without waiting for poll to name them (EventLoop's
  // spin): by default all. One whose input is rare is better left to the caller's periodic poll,
  // as each empty read of it costs a system call per spin round.
  [[nodiscard]] virtual std::span<const int> spin_fds() const { return fds(); }
  // True while packets the kernel already handed over wait in the transport for receive() (a UDP
  // GRO read brings up to 64 packets per datagram): no descriptor turns readable for them.
  [[nodiscard]] virtual bool holds_input() const { return false; }
  // Sends the packets (batched where the kernel allows); returns how many the kernel took. A
  // packet the kernel refuses (no route, buffer full) is lost, as on any IP network: SCTP retransmits.
  virtual size_t send(std::span<const OutgoingPacket> packets) = 0;
  // Bytes of headers the transport adds below SCTP beyond the IP header (UDP: 8), for the
  // engine's max_packet_size.
  [[nodiscard]] virtual size_t overhead() const = 0;
  // What the engine made of a packet this transport handed out (while it is still valid), so that
  // a transport learns from the network only what was verified (RFC 6951 5.4): `packet` passed an
  // association's checks, or was answered statelessly (the answer goes back where it came from,
  // and nothing is remembered).
  virtual void on_verified(const ReceivedPacket& packet) { (void)packet; }
  virtual void on_answered_stateless(const ReceivedPacket& packet) { (void)packet; }
  // Packets received but not handed out (filtered or malformed).
  [[nodiscard]] uint64_t dropped() const { return dropped_; }

  // The SCTP ports our endpoints own. Only packets to these ports are handed out: a raw socket sees
  // every SCTP packet on the host, and other stacks' ports must be left alone (neither answered
  // nor aborted). Virtual for a transport that reads through another (PacketTransport's raw socket).
  virtual void bind_port(uint16_t port);
  virtual void unbind_port(uint16_t port);
  [[nodiscard]] bool is_bound(uint16_t port) const;

  // Shown every packet handed out by receive() and every packet send() passes to the kernel.
  void set_tap(WireTap* tap) { tap_ = tap; }

 protected:
  // True if `packet` is long enough to be SCTP and addressed to a bound port; counts the drop otherwise.
  bool accept(wire::Bytes packet);
  uint64_t dropped_ = 0;
  WireTap* tap_ = nullptr;

 private:
  std::vector<uint16_t> ports_;
};

// The SCTP ports a packet carries (RFC 9260 3.1: source port, then destination port).
inline std::optional<uint16_t> sctp_destination_port(wire::Bytes packet) {
  if (packet.size() < 12) return std::nullopt;  // RFC 9260 3.1: the common header is 12 bytes
  return wire::load_u16(packet, 2);
}

}  // namespace sctpkit::net
