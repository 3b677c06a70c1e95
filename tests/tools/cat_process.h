// Runs `sctpkit` as a child process with piped stdin/stdout/stderr, for the command tests. Every
// read and wait is bounded; the destructor kills a child that is still running.
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

namespace sctpkit::tools::testing {

// The exit codes the README documents (tools/commands.h), as scripts see them.
inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;
inline constexpr int kExitUsage = 2;
inline constexpr int kExitPrivilege = 4;
inline constexpr int kExitAborted = 5;
inline constexpr int kExitTimeout = 6;
inline constexpr int kExitUnreachable = 7;

class Process {
 public:
  // The whole of stdin, in the pipe (and its end) before the child starts: the child's first read
  // gets it all, and the next one the end, however slowly the test runs.
  struct Input {
    std::string text;  // at most a pipe's buffer (64 KiB)
  };

  explicit Process(std::vector<std::string> args) : Process({}, std::move(args)) {}
  Process(std::vector<std::string> args, const Input& input) { start({}, std::move(args), &input); }
  // `wrapper` runs sctpkit (e.g. {"/usr/sbin/ip", "netns", "exec", NAME}); it must exec, not fork,
  // so that the pid stays the one to kill.
  Process(std::vector<std::string> wrapper, std::vector<std::string> args) {
    start(std::move(wrapper), std::move(args), nullptr);
  }
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;
  ~Process() {
    if (pid_ > 0 && !status_) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
    for (int fd : {stdin_, stdout_, stderr_})
      if (fd >= 0) ::close(fd);
  }

 private:
  void start(std::vector<std::string> wrapper, std::vector<std::string> args, const Input* input) {
    int in[2], out[2], err[2];
    // Close-on-exec: a child started later must not hold this one's pipes (its stdin would never
    // see EOF); dup2 clears the flag on the copies that become 0, 1 and 2.
    if (::pipe2(in, O_CLOEXEC) || ::pipe2(out, O_CLOEXEC) || ::pipe2(err, O_CLOEXEC)) return;
    if (input) (void)!::write(in[1], input->text.data(), input->text.size());
    pid_ = ::fork();
    if (pid_ == 0) {
      ::dup2(in[0], 0);
      ::dup2(out[1], 1);
      ::dup2(err[1], 2);
      for (int fd : {in[0], in[1], out[0], out[1], err[0], err[1]}) ::close(fd);
      std::vector<char*> argv;
      static std::string binary = std::string(SCTPKIT_BINARY_DIR) + "/sctpkit";
      for (auto& w : wrapper) argv.push_back(w.data());
      argv.push_back(binary.data());
      for (auto& a : args) argv.push_back(a.data());
      argv.push_back(nullptr);
      ::execv(argv[0], argv.data());
      ::_exit(127);
    }
    ::close(in[0]);
    ::close(out[1]);
    ::close(err[1]);
    stdin_ = in[1];
    stdout_ = out[0];
    stderr_ = err[0];
    if (input) close_stdin();
  }

 public:
  void signal(int sig) { ::kill(pid_, sig); }
  void write(const std::string& text) { (void)!::write(stdin_, text.data(), text.size()); }
  void close_stdin() {
    ::close(stdin_);
    stdin_ = -1;
  }

  // Reads stdout until it holds `expected` (or the timeout passes); returns all read so far.
  std::string read_stdout_until(const std::string& expected, std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (out_.find(expected) == std::string::npos && read_some(stdout_, out_, deadline)) {
    }
    return out_;
  }

  // Reads stdout until it holds `size` bytes or more (or the timeout passes); returns all read so far.
  const std::string& read_stdout_size(size_t size, std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (out_.size() < size && read_some(stdout_, out_, deadline)) {
    }
    return out_;
  }

  // Waits for the exit (killing the child when the timeout passes: nullopt), collecting stderr.
  std::optional<int> wait(std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (read_some(stderr_, err_, deadline)) {
    }
    while (read_some(stdout_, out_, deadline)) {
    }
    int status = 0;
    for (;;) {
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        status_ = status;
        return WIFEXITED(status) ? std::optional(WEXITSTATUS(status)) : std::optional(128 + WTERMSIG(status));
      }
      if (std::chrono::steady_clock::now() >= deadline) {
        ::kill(pid_, SIGKILL);
        ::waitpid(pid_, &status, 0);
        status_ = status;
        return std::nullopt;
      }
      ::usleep(10000);  // the child closed its pipes and is exiting: poll its status briefly
    }
  }

  // Reads stderr until it holds `expected` (or the timeout passes); returns all read so far.
  std::string read_stderr_until(const std::string& expected, std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (err_.find(expected) == std::string::npos && read_some(stderr_, err_, deadline)) {
    }
    return err_;
  }

  [[nodiscard]] const std::string& err() const { return err_; }
  [[nodiscard]] const std::string& out() const { return out_; }

 private:
  // One read into `into`; false at EOF or when the deadline passed.
  static bool read_some(int fd, std::string& into, std::chrono::steady_clock::time_point deadline) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return false;
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) return false;
    char buffer[4096];
    const ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n <= 0) return false;
    into.append(buffer, static_cast<size_t>(n));
    return true;
  }

  pid_t pid_ = -1;
  int stdin_ = -1, stdout_ = -1, stderr_ = -1;
  std::optional<int> status_;
  std::string out_, err_;
};

}  // namespace sctpkit::tools::testing
