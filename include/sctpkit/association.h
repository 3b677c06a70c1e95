// A socket-style handle on one SCTP association (RFC 9260), run by sctpkit's userspace stack.
//
// Blocking use: connect(), then send()/receive() wait (up to the options' timeout).
// Non-blocking use (Options::non_blocking): calls return Error::Code::WouldBlock; wait for fd() to be
// readable (poll/epoll) and call process(), which runs the protocol: timers, retransmissions, SACKs.
// A handle is not thread-safe; one thread drives it.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "sctpkit/error.h"
#include "sctpkit/options.h"

namespace sctpkit {

struct Message {
  uint16_t stream = 0;
  uint32_t ppid = 0;  // payload protocol identifier, in host order
  bool unordered = false;
  std::vector<uint8_t> data;
};

struct SendOptions {
  uint16_t stream = 0;
  uint32_t ppid = 0;
  bool unordered = false;  // RFC 9260 6.6: delivered as soon as complete, not in stream order
  // RFC 9260 6.1 / 11.1 sack-immediately: the I bit on the message's last DATA chunk asks the peer
  // to acknowledge it at once instead of after its delayed-SACK wait (up to 200 ms): for the last
  // message before waiting on its acknowledgement (a shutdown, the end of a transfer).
  bool sack_immediately = false;
};

// A message send() took that the peer did not (or may not) get, back whole with the reason: queued
// while the association was being set up, on a stream the peer then did not grant (RFC 9260 5.1.1:
// the outbound streams are the lesser of ours and the peer's inbound limit), to send again on a
// stream below AssociationInfo::outbound_streams; or not acknowledged by the peer when the
// association ended (aborted, peer unreachable, setup failed) or the peer restarted (5.2.4,
// Association::peer_restarts()). A message the peer acknowledged only selectively comes back too:
// it may still drop it (RFC 9260 6.2.1). A graceful shutdown leaves none: it ends once everything
// is acknowledged.
struct SendFailure {
  SendOptions options;
  std::vector<uint8_t> data;
  std::string reason;
  // Some of it was sent, so the peer may have received it, whole or in part (RFC 6458 6.1.11's
  // SCTP_DATA_SENT); false: none of it left (SCTP_DATA_UNSENT), sending it again cannot duplicate.
  bool may_have_arrived = false;
};

struct PathInfo {
  std::string address;
  bool active = false;
  bool primary = false;
  std::chrono::microseconds srtt{0};
  std::chrono::microseconds rto{0};
  uint32_t cwnd = 0;
  // RFC 9260 5.4: false while the address is unconfirmed, no HEARTBEAT with a nonce to it answered
  // yet (the kernel backend's SCTP_UNCONFIRMED): no DATA or SACK goes there until it is confirmed.
  bool confirmed = true;
};

struct AssociationInfo {
  std::string state;  // RFC 9260 4 names: "ESTABLISHED", "SHUTDOWN-SENT", ...
  std::string peer_address;
  uint16_t local_port = 0;
  uint16_t peer_port = 0;
  uint16_t outbound_streams = 0;
  uint16_t inbound_streams = 0;
  uint32_t peer_rwnd = 0;
  size_t queued_bytes = 0;
  uint32_t bytes_in_flight = 0;
  uint64_t messages_sent = 0;
  uint64_t messages_received = 0;
  uint64_t bytes_sent = 0;      // user payload bytes the peer acknowledged
  uint64_t bytes_received = 0;  // user payload bytes delivered to this side
  uint64_t retransmitted_chunks = 0;
  std::vector<PathInfo> paths;
};

class Listener;
namespace detail {
class Stack;
struct TestAccess;  // defined by the tests only: a look at the stack behind a handle
class KernelAssociation;
class KernelListener;
}

class Association {
 public:
  // Resolves `host` (all its addresses become the peer's paths) and runs the handshake.
  static Expected<Association> connect(const std::string& host, uint16_t port, const Options& options = {});

  Association(Association&&) noexcept;
  Association& operator=(Association&&) noexcept;
  ~Association();  // aborts if still open

  Status send(std::span<const uint8_t> data, const SendOptions& options = {});
  Status send(std::string_view text, const SendOptions& options = {});
  // Waits for a whole message (up to `timeout`, std::chrono::milliseconds::max(): forever, whatever
  // Options::timeout says). Error::Code::Closed once the peer has shut down and all its data was read.
  Expected<Message> receive();
  Expected<Message> receive(std::chrono::milliseconds timeout);
  // Optional: hands back a received message the caller is done with. Its buffer receives a later
  // message, so a steady flow of messages allocates (and faults in) no new memory for each.
  void recycle(Message&& message);
  // Takes the messages waiting, oldest first and up to `max` (0 counts as 1), into `messages` in
  // one call: for a reader that drains a burst, one look-up and one call into the engine per batch
  // instead of two per message (receive() then recycle(): ~140 instructions more per 64 B message,
  // docs/bench.md). What `messages` holds on entry (the previous batch, done with, whichever
  // association's) is handed back first, as recycle() does; on return it holds the new messages
  // and the count is their number (at least 1). Only when none waits does it wait as
  // receive(timeout) does, and then returns one message or receive()'s error (WouldBlock, Closed,
  // a timeout); so with TransportKind::Kernel, one message per call. RFC 9260 6.2: the batch
  // leaves the receive window at once, and a window update it makes due leaves before the call
  // returns, as it would within the receive() that took the batch's last message.
  Expected<size_t> receive_many(std::vector<Message>& messages, size_t max, std::chrono::milliseconds timeout);
  // Messages send() accepted that the peer did not (or may not) get (see SendFailure), each
  // returned once, oldest first. At an end or a peer restart: first those partly or wholly sent
  // (may_have_arrived), in the order sent, then those that never left, stream by stream, each
  // stream's in the order sent; so each stream's come back in the order sent. Check after the
  // association is up when sending before it is (a non-blocking connect), when peer_restarts()
  // goes up, and once it has closed. Always empty with TransportKind::Kernel.
  std::vector<SendFailure> take_send_failures();
  // How many times the peer restarted (RFC 9260 5.2.4: it lost its state and set the association
  // up again from the same addresses and port; it goes on under this handle). What the peer had
  // not acknowledged then is in take_send_failures() by the time the count goes up, and the
  // messages it sent before are readable as ever. Cheap, no system call: look after process() or
  // a receive(). Saturates at 65,535. With TransportKind::Kernel, the kernel's SCTP_RESTART
  // notifications (RFC 6458 6.1.1), counted when a receive() reads them (take_send_failures()
  // stays empty there).
  [[nodiscard]] uint32_t peer_restarts() const;

  // RFC 9260 9.2: sends what is queued, then closes; blocking mode waits until it is done.
  Status shutdown();
  // The same without waiting, in either mode: receive() goes on delivering what the peer still
  // sends (9.2: it sends what it had queued before its SHUTDOWN ACK), then returns Closed. While
  // shutdown() waits, nothing is read, so an answer larger than the receive window stalls it.
  // The kernel backend waits as shutdown() does.
  Status start_shutdown();
  // RFC 9260 9.1: ends at once; the peer sees `reason`.
  void abort(const std::string& reason = "");

  [[nodiscard]] bool is_open() const;
  // Whether receive() would return at once (a message, or the end), without running the protocol.
  // Cheap: a server holding thousands of associations checks each without a system call.
  [[nodiscard]] bool readable() const;
  // Why the association ended, once it has ("" while open).
  [[nodiscard]] std::string close_reason() const;
  [[nodiscard]] Expected<AssociationInfo> status() const;

  // For non-blocking use: readable when process() has work. Shared with the Listener that
  // accepted this association. A moved-from handle has none (-1), and process() does nothing.
  [[nodiscard]] int fd() const;
  void process();

 private:
  friend class Listener;
  friend struct detail::TestAccess;
  Association(std::shared_ptr<detail::Stack> stack, uint32_t id);
  explicit Association(std::shared_ptr<detail::KernelAssociation> kernel);
  std::shared_ptr<detail::Stack> stack_;
  uint32_t id_ = 0;
  std::shared_ptr<detail::KernelAssociation> kernel_;  // TransportKind::Kernel instead of stack_
};

class Listener {
 public:
  // Listens on `port` on Options::local_addresses (or all addresses).
  static Expected<Listener> listen(uint16_t port, const Options& options = {});

  Listener(Listener&&) noexcept;
  Listener& operator=(Listener&&) noexcept;
  ~Listener();

  // The next association a peer set up (the handshake is already done). A moved-from Listener
  // listens on nothing: accept() returns Error::Code::Closed, fd() -1, process() does nothing.
  // accept(std::chrono::milliseconds::max()) waits forever, whatever Options::timeout says (a
  // netcat-like listener waits for its client indefinitely, as `ncat -l` does).
  Expected<Association> accept();
  Expected<Association> accept(std::chrono::milliseconds timeout);
  // The next association already set up, or nullopt at once, without running the stack or building
  // an error (a server polling after process() looks on every wake-up, mostly finding none).
  std::optional<Association> try_accept();

  // The UDP encapsulation port actually bound (useful with udp_local_port = 0); 0 for raw IP.
  [[nodiscard]] uint16_t udp_port() const;
  [[nodiscard]] int fd() const;
  void process();
  // Waits up to `timeout` for work, then runs the protocol: for a program whose only wait is on
  // fd(), the same as poll(fd(), timeout) then process(), with one system call fewer per wake-up.
  void process(std::chrono::milliseconds timeout);

 private:
  friend struct detail::TestAccess;
  explicit Listener(std::shared_ptr<detail::Stack> stack);
  explicit Listener(std::shared_ptr<detail::KernelListener> kernel);
  std::shared_ptr<detail::Stack> stack_;
  std::shared_ptr<detail::KernelListener> kernel_;  // TransportKind::Kernel instead of stack_
};

}  // namespace sctpkit
