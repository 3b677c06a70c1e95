// The `kernel` transport: the public Association/Listener over the Linux kernel's own SCTP
// sockets (RFC 6458 socket API, one-to-one style), for hosts that load the sctp module. The
// kernel runs the protocol; these classes only translate calls, options and notifications.
//
// RFC 6458 pieces used: SCTP_INITMSG (streams, INIT retransmissions), SCTP_RTOINFO,
// SCTP_PEER_ADDR_PARAMS (heartbeat interval), SCTP_EVENTS (SCTP_SNDRCV cmsgs with each message,
// association change notifications, SCTP_RESTART among them for peer_restarts(), and shutdown
// notifications), SCTP_STATUS and SCTP_GET_PEER_ADDR_INFO (every path, net/kernel_paths.h),
// and sendmsg()'s SCTP_SNDRCV cmsg for stream, PPID, SCTP_UNORDERED and SCTP_ABORT. No libsctp:
// the static binary needs only libc.
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "sctpkit/association.h"
#include "sctpkit/options.h"
#include "wire/ip_address.h"

namespace sctpkit::detail {

class KernelAssociation {
 public:
  // The peer's resolved addresses; the first one's family decides the socket's.
  static Expected<std::unique_ptr<KernelAssociation>> connect(const std::vector<wire::IpAddress>& addresses, uint16_t port,
                                                              const Options& options);
  // An accepted socket (options already inherited from the listener).
  KernelAssociation(int fd, const Options& options);
  KernelAssociation(const KernelAssociation&) = delete;
  KernelAssociation& operator=(const KernelAssociation&) = delete;
  ~KernelAssociation();

  Status send(std::span<const uint8_t> data, const SendOptions& options);
  Expected<Message> receive(std::optional<std::chrono::milliseconds> timeout);
  Status shutdown();
  void abort(const std::string& reason);
  [[nodiscard]] bool is_open() const { return connected_ && !closed_; }
  [[nodiscard]] const std::string& close_reason() const { return close_reason_; }
  [[nodiscard]] Expected<AssociationInfo> status() const;
  [[nodiscard]] int fd() const { return fd_; }
  // SCTP_RESTART notifications read so far (saturating, as the userspace stack's count).
  [[nodiscard]] uint32_t peer_restarts() const { return peer_restarts_; }

 private:
  enum class Read { Message, Nothing, Ended };
  // One recvmsg(): a piece of a message, a notification, or the end. Whole messages go to inbox_.
  Read read_once();
  // Waits (poll) for `events` up to the deadline; false on timeout.
  bool wait_for(short events, std::optional<std::chrono::steady_clock::time_point> deadline) const;
  std::optional<std::chrono::steady_clock::time_point> deadline_for(
      std::optional<std::chrono::milliseconds> timeout) const;
  void on_notification(const uint8_t* data, size_t size);
  void close_with(const std::string& reason);

  int fd_ = -1;
  Options options_;
  bool connected_ = true;
  bool closed_ = false;
  bool peer_shutdown_ = false;
  std::string close_reason_;
  std::deque<Message> inbox_;
  Message partial_;  // a message whose end (MSG_EOR) has not arrived yet
  std::vector<uint8_t> buffer_;
  uint64_t messages_sent_ = 0;
  uint64_t messages_received_ = 0;
  uint64_t bytes_accepted_ = 0;  // payload sendmsg() took; the kernel may not have sent it yet
  uint64_t bytes_received_ = 0;
  uint16_t peer_restarts_ = 0;
};

class KernelListener {
 public:
  static Expected<std::unique_ptr<KernelListener>> listen(uint16_t port, const Options& options);
  KernelListener(const KernelListener&) = delete;
  KernelListener& operator=(const KernelListener&) = delete;
  ~KernelListener();
  Expected<std::unique_ptr<KernelAssociation>> accept(std::optional<std::chrono::milliseconds> timeout);
  [[nodiscard]] int fd() const { return fd_; }

 private:
  KernelListener(int fd, const Options& options) : fd_(fd), options_(options) {}
  int fd_ = -1;
  Options options_;
};

// The one-line error when the kernel cannot do SCTP.
Error kernel_sctp_missing();

}  // namespace sctpkit::detail
