// Waits for a transport's input in tests: poll on its descriptors, then receive().
#pragma once

#include <poll.h>

#include <chrono>
#include <span>
#include <vector>

#include "net/transport.h"

namespace sctpkit::net::testing {

// Returns how many packets receive() stored, 0 if none came within `timeout_ms`.
inline size_t receive_wait(Transport& t, std::span<ReceivedPacket> out, int timeout_ms) {
  std::vector<pollfd> fds;
  for (int fd : t.fds()) fds.push_back({fd, POLLIN, 0});
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  for (;;) {
    if (size_t n = t.receive(out)) return n;
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0 || ::poll(fds.data(), fds.size(), static_cast<int>(left.count())) <= 0) return 0;
    // As the event loop does: a transport may read only the sockets poll named (PacketTransport's raw socket).
    std::vector<int> ready;
    for (const pollfd& p : fds)
      if (p.revents & POLLIN) ready.push_back(p.fd);
    t.set_ready(ready);
  }
}

}  // namespace sctpkit::net::testing
