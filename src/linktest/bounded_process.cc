#include "linktest/bounded_process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>

namespace sctpkit::linktest {

namespace {

// Closes both ends of a pipe on every path.
struct Pipe {
  int fd[2] = {-1, -1};
  bool open() { return ::pipe2(fd, O_CLOEXEC) == 0; }
  void close_end(int i) {
    if (fd[i] >= 0) ::close(fd[i]);
    fd[i] = -1;
  }
  ~Pipe() {
    close_end(0);
    close_end(1);
  }
};

// Reads what is there; false at EOF or error. Past `max`, the rest is read and dropped so the child
// never blocks on a full pipe.
bool read_some(int fd, std::string& into, size_t max) {
  char buffer[4096];
  const ssize_t n = ::read(fd, buffer, sizeof buffer);
  if (n < 0) return errno == EINTR || errno == EAGAIN;
  if (n == 0) return false;
  into.append(buffer, std::min(static_cast<size_t>(n), max - std::min(max, into.size())));
  return true;
}

}  // namespace

ProcessOutput run_bounded(const std::vector<std::string>& argv, std::chrono::milliseconds limit, size_t max_output) {
  ProcessOutput output;
  if (argv.empty()) return output;
  Pipe out, err;
  if (!out.open() || !err.open()) return output;
  // Everything the child needs is built before fork: after it, only async-signal-safe calls.
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  const int null_fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (null_fd < 0) return output;
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::setpgid(0, 0);
    ::dup2(null_fd, 0);
    ::dup2(out.fd[1], 1);
    ::dup2(err.fd[1], 2);
    ::close_range(3, ~0U, 0);
    ::execv(args[0], args.data());
    ::_exit(127);
  }
  ::close(null_fd);
  if (pid < 0) return output;
  ::setpgid(pid, pid);  // also here: whichever runs first, the group exists before we may kill it
  output.started = true;
  out.close_end(1);
  err.close_end(1);

  const auto deadline = std::chrono::steady_clock::now() + limit;
  bool out_open = true, err_open = true;
  while (out_open || err_open) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      output.timed_out = true;
      break;
    }
    pollfd fds[2] = {{out_open ? out.fd[0] : -1, POLLIN, 0}, {err_open ? err.fd[0] : -1, POLLIN, 0}};
    const int ready = ::poll(fds, 2, static_cast<int>(std::min<int64_t>(left.count(), 1000)));
    if (ready < 0 && errno != EINTR) break;
    if (fds[0].revents) out_open = read_some(out.fd[0], output.out, max_output);
    if (fds[1].revents) err_open = read_some(err.fd[0], output.err, max_output);
  }
  // Both pipes closed means it is exiting (or handed them on); give it until the deadline to do so.
  int status = 0;
  while (!output.timed_out) {
    const pid_t done = ::waitpid(pid, &status, WNOHANG);
    if (done == pid) {
      output.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      return output;
    }
    if (done < 0 && errno != EINTR) return output;
    if (std::chrono::steady_clock::now() >= deadline) output.timed_out = true;
    else ::usleep(10000);
  }
  ::kill(-pid, SIGKILL);
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return output;
}

}  // namespace sctpkit::linktest
