// `sctpkit cat -l -k`: every peer served at once from one poll loop. All associations share the
// listener's stack and descriptor, so one process() call runs the protocol for all of them.
#include <poll.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fmt/core.h>
#include <algorithm>
#include <list>
#include <vector>

#include "tools/cat_session.h"
#include "tools/commands.h"

namespace sctpkit::tools {

namespace {

void say_accepted(const Association& a, const CatArgs& args) {
  if (!args.verbose) return;
  auto info = a.status();
  if (info) fmt::print(stderr, "sctpkit cat: association from {} port {}\n", info->peer_address, info->peer_port);
}

bool write_all(int fd, const std::vector<uint8_t>& data) {
  size_t done = 0;
  while (done < data.size()) {
    const ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    done += static_cast<size_t>(n);
  }
  return true;
}

}  // namespace

int serve_keep_open(Listener& listener, const CatArgs& args) {
  struct Peer {
    Association association;
    bool shut = false;  // the peer shut down: nothing more to read, waiting for the close
    uint32_t restarts = 0;  // peer restarts reported
  };
  std::list<Peer> peers;
  InputSplitter splitter(args.lines);
  // With --echo the peers' own messages are the answers: stdin is not read.
  bool read_stdin = !args.echo;
  const SendOptions send_options{static_cast<uint16_t>(args.stream), args.ppid, args.unordered};
  char buffer[65536];
  std::vector<pollfd> fds;
  // The last receive_many()'s messages: handed back by the next, whichever peer's (their buffers
  // hold that association's next messages).
  std::vector<Message> batch;
  for (;;) {
    listener.process();
    for (;;) {
      auto accepted = listener.accept(std::chrono::milliseconds(0));
      if (!accepted) break;
      say_accepted(*accepted, args);
      peers.push_back({std::move(*accepted)});
    }
    for (auto it = peers.begin(); it != peers.end();) {
      Association& a = it->association;
      report_peer_restart(a, it->restarts);
      while (!it->shut && a.readable()) {
        auto taken = a.receive_many(batch, kReadBatch, std::chrono::milliseconds(0));
        if (!taken) {
          // The peer shut down (the engine answers with SHUTDOWN ACK by itself, RFC 9260 9.2) or
          // the association ended: it is forgotten once closed. A kernel socket also polls
          // readable for a notification alone (a restart): then nothing was to be read.
          if (taken.error().code == Error::Code::Closed) it->shut = true;
          break;
        }
        for (const Message& message : batch) {
          if (args.echo) {
            // A full send buffer makes send() wait, running the protocol for every peer meanwhile.
            (void)a.send(message.data, SendOptions{message.stream, message.ppid, message.unordered});
          } else if (!write_all(STDOUT_FILENO, message.data)) {
            for (auto& peer : peers) peer.association.abort("stdout closed");
            return fail(kExitFailure, "stdout closed; associations aborted");
          }
        }
      }
      if (!a.close_reason().empty()) {
        const std::string reason = a.close_reason();
        if (args.verbose || exit_code_for_close(reason) != kExitOk)
          fmt::print(stderr, "sctpkit cat: association ended: {}\n", reason);
        it = peers.erase(it);
      } else {
        ++it;
      }
    }
    // Messages can reach an inbox while send() waits for another peer, without the descriptor
    // turning readable again: then look at once; a short wait also catches such a new association.
    const bool pending = std::any_of(peers.begin(), peers.end(), [](const Peer& p) {
      return !p.shut && p.association.readable();
    });
    // Our stack shares the listener's descriptor among all peers; the kernel's gives each its own.
    fds.clear();
    if (read_stdin) fds.push_back({STDIN_FILENO, POLLIN, 0});
    fds.push_back({listener.fd(), POLLIN, 0});
    for (const auto& peer : peers)
      if (peer.association.fd() != listener.fd()) fds.push_back({peer.association.fd(), POLLIN, 0});
    if (::poll(fds.data(), fds.size(), pending ? 0 : 100) < 0 && errno != EINTR)
      return fail(kExitFailure, fmt::format("poll: {}", std::strerror(errno)));
    if (read_stdin && (fds[0].revents & (POLLIN | POLLHUP | POLLERR))) {
      const ssize_t n = ::read(STDIN_FILENO, buffer, sizeof buffer);
      if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
      const bool eof = n <= 0;
      // stdin goes to every peer connected now; EOF only stops reading (the listener stays up).
      for (const auto& message : splitter.feed(std::string_view(buffer, eof ? 0 : static_cast<size_t>(n)), eof))
        for (auto& peer : peers)
          if (peer.association.is_open()) (void)peer.association.send(message, send_options);
      if (eof) read_stdin = false;
    }
  }
}

}  // namespace sctpkit::tools
