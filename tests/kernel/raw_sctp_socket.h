// A raw IP socket for protocol 132, opened inside the kernel peer's namespace: sends SCTP packets
// built with our codec and receives the kernel peer's answers (tests only).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "kernel/kernel_peer.h"
#include "wire/byte_io.h"

namespace sctpkit::kernel_test {

class RawSctpSocket {
 public:
  // `family` is AF_INET or AF_INET6; the socket lives in the peer's namespace.
  RawSctpSocket(KernelPeer& peer, int family);
  ~RawSctpSocket();
  RawSctpSocket(const RawSctpSocket&) = delete;
  RawSctpSocket& operator=(const RawSctpSocket&) = delete;

  [[nodiscard]] bool ok() const { return fd_ >= 0; }
  // The kernel adds the IP header; `destination` is a numeric address of the socket's family.
  bool send_to(const std::string& destination, wire::Bytes packet);
  // The next SCTP packet (without IP header) for which `accept` is true; nullopt after the timeout.
  std::optional<std::vector<uint8_t>> receive(const std::function<bool(wire::Bytes)>& accept,
                                              std::chrono::milliseconds timeout);

 private:
  int fd_ = -1;
  int family_ = 0;
};

}  // namespace sctpkit::kernel_test
