#include "linktest/echo_server.h"

#include <poll.h>

#include <fmt/format.h>

namespace sctpkit::linktest {

using std::chrono::milliseconds;

Expected<std::unique_ptr<EchoServer>> EchoServer::open(uint16_t port, Options options) {
  options.non_blocking = true;
  auto listener = Listener::listen(port, options);
  if (!listener) return listener.error();
  return std::unique_ptr<EchoServer>(new EchoServer(std::move(*listener)));
}

void EchoServer::run(const std::atomic<bool>& stop, milliseconds tick) {
  while (!stop.load()) poll_once(tick);
}

void EchoServer::poll_once(milliseconds wait) {
  // Our stack serves every association through the listener's socket; on the kernel transport
  // each association has its own, and a message there must wake us as well.
  poll_fds_.assign(1, {listener_.fd(), POLLIN, 0});
  for (const auto& s : sessions_)
    if (const int fd = s->association.fd(); fd != listener_.fd()) poll_fds_.push_back({fd, POLLIN, 0});
  ::poll(poll_fds_.data(), poll_fds_.size(), static_cast<int>(wait.count()));
  listener_.process();
  accept_new();
  for (size_t i = 0; i < sessions_.size();) {
    if (pump(*sessions_[i])) {
      ++i;
      continue;
    }
    if (on_event_) {
      auto& a = sessions_[i]->association;
      on_event_({ServerEvent::Kind::Ended, sessions_[i]->peer, a.close_reason(), 0});
    }
    sessions_.erase(sessions_.begin() + static_cast<std::ptrdiff_t>(i));
  }
}

void EchoServer::accept_new() {
  for (;;) {
    auto accepted = listener_.accept(milliseconds(0));
    if (!accepted) return;
    auto session = std::make_unique<Session>(Session{std::move(*accepted), "", {}, false});
    if (auto info = session->association.status())
      session->peer = fmt::format("{} port {}", info->peer_address, info->peer_port);
    if (on_event_) on_event_({ServerEvent::Kind::Accepted, session->peer, "", 0});
    sessions_.push_back(std::move(session));
  }
}

bool EchoServer::pump(Session& s) {
  auto& a = s.association;
  // Earlier echoes first, so that an ordered stream stays in order.
  while (!s.pending.empty()) {
    const Message& m = s.pending.front();
    auto status = a.send(m.data, SendOptions{m.stream, m.ppid, m.unordered});
    if (!status && status.error().code == Error::Code::WouldBlock) break;
    s.pending.pop_front();  // sent, or refused for good (e.g. a stream we do not have)
  }
  for (;;) {
    auto message = a.receive(milliseconds(0));
    if (!message) {
      if (message.error().code != Error::Code::Closed) break;  // nothing more for now
      // RFC 9260 9.2: the peer shut down; answer with our SHUTDOWN ACK once our echoes are out.
      if (!s.shutting_down && s.pending.empty()) {
        s.shutting_down = true;
        a.shutdown();
      }
      break;
    }
    if (control_ && message->stream == kControlStream && message->ppid == kControlPpid) {
      const std::string_view request(reinterpret_cast<const char*>(message->data.data()), message->data.size());
      auto reply = control_(request);
      if (!reply) continue;
      message->data.assign(reply->begin(), reply->end());
    }
    s.pending.push_back(std::move(*message));
    auto& m = s.pending.back();
    if (s.pending.size() == 1) {
      auto status = a.send(m.data, SendOptions{m.stream, m.ppid, m.unordered});
      if (status || status.error().code != Error::Code::WouldBlock) s.pending.pop_back();
    }
  }
  return a.is_open() || a.close_reason().empty();
}

}  // namespace sctpkit::linktest
