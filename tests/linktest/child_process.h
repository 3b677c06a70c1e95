// A child process for the linktest end-to-end tests: any argv (e.g. `ip netns exec NS sctpkit ...`),
// stdout and stderr collected, every wait bounded, killed by the destructor if still running.
#pragma once

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace sctpkit::linktest::testing {

inline std::string sctpkit_binary() { return std::string(SCTPKIT_BINARY_DIR) + "/sctpkit"; }

class Child {
 public:
  explicit Child(std::vector<std::string> argv) {
    int out[2], err[2];
    if (::pipe2(out, O_CLOEXEC) || ::pipe2(err, O_CLOEXEC)) return;
    pid_ = ::fork();
    if (pid_ == 0) {
      ::setpgid(0, 0);  // its own group, so that the destructor also reaches what it started
      const int null = ::open("/dev/null", O_RDONLY);
      ::dup2(null, 0);
      ::dup2(out[1], 1);
      ::dup2(err[1], 2);
      std::vector<char*> args;
      for (auto& a : argv) args.push_back(a.data());
      args.push_back(nullptr);
      ::execvp(args[0], args.data());
      ::_exit(127);
    }
    ::close(out[1]);
    ::close(err[1]);
    out_fd_ = out[0];
    err_fd_ = err[0];
  }
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;
  ~Child() {
    if (pid_ > 0 && !exited_) {
      ::kill(-pid_, SIGKILL);
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
    for (int fd : {out_fd_, err_fd_})
      if (fd >= 0) ::close(fd);
  }

  void signal(int sig) {
    if (pid_ > 0 && !exited_) ::kill(pid_, sig);
  }

  // Reads stderr until it holds `text` or the timeout passes; whether it does.
  bool wait_stderr(const std::string& text, std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (err_.find(text) == std::string::npos) {
      if (!read_some({out_fd_, err_fd_}, deadline)) return err_.find(text) != std::string::npos;
    }
    return true;
  }

  // The exit code (128+N for a signal), or nullopt after killing it when the timeout passed.
  std::optional<int> wait(std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (read_some({out_fd_, err_fd_}, deadline)) {
    }
    int status = 0;
    for (;;) {
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        exited_ = true;
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      }
      if (std::chrono::steady_clock::now() >= deadline) {
        ::kill(-pid_, SIGKILL);
        ::kill(pid_, SIGKILL);
        ::waitpid(pid_, &status, 0);
        exited_ = true;
        return std::nullopt;
      }
      ::usleep(10000);
    }
  }

  [[nodiscard]] const std::string& out() const { return out_; }
  [[nodiscard]] const std::string& err() const { return err_; }

 private:
  // One read from whichever pipe has data; false when both are at EOF or the deadline passed.
  bool read_some(std::vector<int> fds, std::chrono::steady_clock::time_point deadline) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()).count();
    if (left <= 0) return false;
    pollfd p[2] = {{fds[0], POLLIN, 0}, {fds[1], POLLIN, 0}};
    const int n_open = (fds[0] >= 0) + (fds[1] >= 0);
    if (n_open == 0) return false;
    if (::poll(p, 2, static_cast<int>(left)) <= 0) return false;
    for (int i = 0; i < 2; ++i) {
      if (p[i].fd < 0 || !(p[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      char buffer[65536];
      const ssize_t n = ::read(p[i].fd, buffer, sizeof buffer);
      int& fd = i == 0 ? out_fd_ : err_fd_;
      if (n <= 0) {
        ::close(fd);
        fd = -1;
        return out_fd_ >= 0 || err_fd_ >= 0;
      }
      (i == 0 ? out_ : err_).append(buffer, static_cast<size_t>(n));
    }
    return true;
  }

  pid_t pid_ = -1;
  bool exited_ = false;
  int out_fd_ = -1, err_fd_ = -1;
  std::string out_, err_;
};

}  // namespace sctpkit::linktest::testing
