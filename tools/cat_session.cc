#include "tools/cat_session.h"

#include <poll.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fmt/core.h>

#include "tools/commands.h"

namespace sctpkit::tools {

namespace {

// Whether a read of stdin would return at once (data, or the end of the input).
bool input_ready() {
  pollfd p{STDIN_FILENO, POLLIN, 0};
  return ::poll(&p, 1, 0) > 0;
}

bool write_all(int fd, const uint8_t* data, size_t size) {
  while (size > 0) {
    const ssize_t n = ::write(fd, data, size);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    data += n;
    size -= static_cast<size_t>(n);
  }
  return true;
}

}  // namespace

int fail(int code, const std::string& reason) {
  fmt::print(stderr, "sctpkit cat: {}\n", reason);
  return code;
}

int exit_code_for(const Error& error) {
  switch (error.code) {
    case Error::Code::Timeout: return kExitTimeout;
    case Error::Code::NoPrivilege: return kExitPrivilege;
    case Error::Code::InvalidArgument: return kExitUsage;
    case Error::Code::ConnectFailed:
      return error.message.find("aborted by the peer") != std::string::npos ? kExitAborted : kExitUnreachable;
    default: return kExitFailure;
  }
}

int exit_code_for_close(const std::string& reason) {
  if (reason.rfind("shut down", 0) == 0) return kExitOk;
  if (reason.rfind("aborted by the peer", 0) == 0) return kExitAborted;
  if (reason.rfind("peer unreachable", 0) == 0 || reason.rfind("no answer", 0) == 0) return kExitUnreachable;
  if (reason.rfind("shutdown timed out", 0) == 0) return kExitTimeout;
  return kExitFailure;
}

void report_peer_restart(Association& a, uint32_t& seen) {
  const uint32_t restarts = a.peer_restarts();
  if (restarts == seen) return;
  seen = restarts;
  // The count is of messages only: cat does not send them again (the peer may have some of them).
  const size_t lost = a.take_send_failures().size();
  fmt::print(stderr, "sctpkit cat: the peer restarted; {} message{} it had not acknowledged may be lost\n", lost,
             lost == 1 ? "" : "s");
}

std::vector<std::string> InputSplitter::feed(std::string_view chunk, bool eof) {
  std::vector<std::string> messages;
  if (!lines_) {
    if (!chunk.empty()) messages.emplace_back(chunk);
    return messages;
  }
  pending_.append(chunk);
  size_t start = 0;
  for (size_t eol; (eol = pending_.find('\n', start)) != std::string::npos; start = eol + 1)
    messages.push_back(pending_.substr(start, eol + 1 - start));
  pending_.erase(0, start);
  if (eof && !pending_.empty()) messages.push_back(std::exchange(pending_, {}));
  return messages;
}

Session::Session(Association& association, const CatArgs& args, bool read_stdin)
    : a_(association), args_(args), read_stdin_(read_stdin), splitter_(args.lines) {
  send_.stream = static_cast<uint16_t>(args.stream);
  send_.ppid = args.ppid;
  send_.unordered = args.unordered;
}

int Session::run() {
  pollfd fds[2] = {{a_.fd(), POLLIN, 0}, {STDIN_FILENO, POLLIN, 0}};
  for (;;) {
    a_.process();
    if (auto code = drain()) return *code;
    // Shutting down, -w bounds a silence (the peer sends nothing more and does not complete).
    const int wait_ms = shutting_down_ ? static_cast<int>(args_.wait_seconds * 1000) : -1;
    const int ready = ::poll(fds, read_stdin_ ? 2 : 1, wait_ms);
    if (ready < 0 && errno != EINTR) return fail(kExitFailure, fmt::format("poll: {}", std::strerror(errno)));
    if (ready == 0) return finish();
    if (read_stdin_ && (fds[1].revents & (POLLIN | POLLHUP | POLLERR))) {
      if (auto code = read_input()) return *code;
    }
  }
}

// Delivers what arrived; a value once the association is over.
std::optional<int> Session::drain() {
  report_peer_restart(a_, restarts_seen_);
  for (;;) {
    auto taken = a_.receive_many(batch_, kReadBatch, std::chrono::milliseconds(0));
    if (!taken) {
      // The kernel backend counts a restart when receive() reads its notification.
      report_peer_restart(a_, restarts_seen_);
      if (taken.error().code == Error::Code::Closed) return finish();
      return std::nullopt;  // nothing more for now
    }
    for (const Message& message : batch_) {
      if (args_.echo) {
        SendOptions reply{message.stream, message.ppid, message.unordered};
        if (auto status = a_.send(message.data, reply); !status && !a_.is_open()) return finish();
      } else if (!write_all(STDOUT_FILENO, message.data.data(), message.data.size())) {
        a_.abort("stdout closed");
        return fail(kExitFailure, "stdout closed; association aborted");
      }
    }
  }
}

std::optional<int> Session::read_input() {
  const ssize_t n = ::read(STDIN_FILENO, buffer_, sizeof buffer_);
  if (n < 0 && (errno == EINTR || errno == EAGAIN)) return send_held_unless_input_ready();
  const bool eof = n <= 0;
  auto messages = splitter_.feed(std::string_view(buffer_, eof ? 0 : static_cast<size_t>(n)), eof);
  // RFC 9260 6.1: the input's last message asks the peer to acknowledge it at once (the I bit), so
  // that the SHUTDOWN that follows (9.2: sent once all data is acknowledged) does not wait out the
  // peer's delayed SACK (6.2, up to 200 ms). Only the end of the input tells which message was the
  // last, so while more input is ready at once (a file, a pipe already written) the newest message
  // waits for the next read; input that is not ready at once (a terminal) holds nothing back.
  if (held_ && (eof || !messages.empty())) {
    const bool sent = send(*held_, eof && messages.empty());
    held_.reset();
    if (!sent) return finish();
  }
  for (size_t i = 0; i < messages.size(); ++i) {
    const bool newest = i + 1 == messages.size();
    if (newest && !eof && input_ready()) {
      held_ = std::move(messages[i]);
      break;
    }
    if (!send(messages[i], newest && eof)) return finish();
  }
  if (!eof) return send_held_unless_input_ready();
  // EOF on stdin starts a graceful shutdown (RFC 9260 9.2). What the peer still sends (an echo
  // server's answers) goes on to stdout until it completes: a shutdown() that waited read nothing,
  // so once the answers outgrew our receive window both ends stalled and the rest was lost.
  read_stdin_ = false;
  shutting_down_ = true;
  if (auto status = a_.start_shutdown(); !status && !a_.is_open()) return finish();
  return drain();
}

std::optional<int> Session::send_held_unless_input_ready() {
  if (!held_ || input_ready()) return std::nullopt;
  const bool sent = send(*held_);
  held_.reset();
  return sent ? std::nullopt : std::optional(finish());
}

bool Session::send(std::string_view data, bool last) {
  SendOptions options = send_;
  options.sack_immediately = last;
  auto status = a_.send(data, options);
  if (status) return true;
  ++refused_;
  if (!a_.is_open()) return false;
  fmt::print(stderr, "sctpkit cat: send: {}\n", status.error().message);
  return true;
}

bool Session::input_left() {
  if (!read_stdin_) return false;
  if (held_) return true;
  if (!input_ready()) return false;
  // Ready may mean only the end of the input (an empty file, /dev/null): that lost nothing.
  return ::read(STDIN_FILENO, buffer_, sizeof buffer_) > 0;
}

int Session::finish() {
  // The peer shut down: our side completes the exchange (RFC 9260 9.2) before we report.
  if (a_.close_reason().empty()) a_.shutdown();
  const std::string reason = a_.close_reason();
  int code = exit_code_for_close(reason);
  if (code != kExitOk) fmt::print(stderr, "sctpkit cat: association ended: {}\n", reason);
  else if (args_.verbose) fmt::print(stderr, "sctpkit cat: association ended: {}\n", reason);
  // RFC 9260 9.2: once the peer shut down, it takes no more of our data. Input it refused, or that
  // was still waiting on stdin, never reached it: a script must not see success. (A terminal or an
  // idle pipe with nothing waiting lost nothing: exit 0, as ncat does.)
  const bool left = input_left();
  if (code == kExitOk && (refused_ > 0 || left)) {
    std::string what = refused_ > 0 ? fmt::format("{} message{} not sent", refused_, refused_ == 1 ? "" : "s") : "";
    if (left) what += what.empty() ? "input left unread" : ", more input left unread";
    fmt::print(stderr, "sctpkit cat: the peer shut down the association before the end of stdin: {}\n", what);
    code = kExitFailure;
  }
  return code;
}

}  // namespace sctpkit::tools
