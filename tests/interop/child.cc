#include "interop/child.h"

#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

namespace sctpkit::interop {

namespace {

std::string& temp_dir_slot() {
  static std::string dir;
  return dir;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::optional<int> decode(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  return 128 + WTERMSIG(status);
}

}  // namespace

const std::string& current_temp_dir() { return temp_dir_slot(); }

TempDir::TempDir() {
  std::string pattern = (std::filesystem::temp_directory_path() / "sctpkit-interop-XXXXXX").string();
  if (::mkdtemp(pattern.data())) path_ = pattern;
  temp_dir_slot() = path_;
}

TempDir::~TempDir() {
  temp_dir_slot().clear();
  if (path_.empty() || std::getenv("SCTPKIT_KEEP_INTEROP_FILES")) return;
  std::error_code ignored;
  std::filesystem::remove_all(path_, ignored);
}

Child::Child(std::vector<std::string> argv, const std::string& netns, const std::string& tag) {
  const std::string dir = current_temp_dir().empty() ? "/tmp" : current_temp_dir();
  out_path_ = dir + "/" + tag + ".out";
  err_path_ = dir + "/" + tag + ".err";
  if (!netns.empty()) argv.insert(argv.begin(), {"/usr/sbin/ip", "netns", "exec", netns});
  int in[2];
  if (::pipe2(in, O_CLOEXEC) != 0) return;
  pid_ = ::fork();
  if (pid_ == 0) {
    // The child: its own process group, so that stop() reaches `ip netns exec` and what it runs.
    ::setpgid(0, 0);
    ::dup2(in[0], 0);
    const int out = ::open(out_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    const int err = ::open(err_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (out < 0 || err < 0) ::_exit(126);
    ::dup2(out, 1);
    ::dup2(err, 2);
    std::vector<char*> args;
    for (auto& a : argv) args.push_back(a.data());
    args.push_back(nullptr);
    ::execv(args[0], args.data());
    ::_exit(127);
  }
  ::close(in[0]);
  stdin_ = in[1];
  if (pid_ < 0) {
    ::close(stdin_);
    stdin_ = -1;
  }
}

Child::~Child() {
  if (stdin_ >= 0) ::close(stdin_);
  if (pid_ > 0 && !status_) {
    ::kill(-pid_, SIGKILL);
    ::kill(pid_, SIGKILL);
    int status = 0;
    ::waitpid(pid_, &status, 0);
  }
}

void Child::write(const std::string& text) {
  if (stdin_ >= 0) (void)!::write(stdin_, text.data(), text.size());
}

void Child::close_stdin() {
  if (stdin_ >= 0) ::close(stdin_);
  stdin_ = -1;
}

std::string Child::out() const { return read_file(out_path_); }
std::string Child::err() const { return read_file(err_path_); }

bool Child::wait_for(const std::string& path, const std::string& text, std::chrono::milliseconds timeout) const {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    if (read_file(path).find(text) != std::string::npos) return true;
    if (std::chrono::steady_clock::now() >= deadline) return false;
    if (status_ || (pid_ > 0 && ::waitpid(pid_, nullptr, WNOHANG | WNOWAIT) == pid_)) {
      return read_file(path).find(text) != std::string::npos;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

bool Child::wait_for_out(const std::string& text, std::chrono::milliseconds timeout) const {
  return wait_for(out_path_, text, timeout);
}
bool Child::wait_for_err(const std::string& text, std::chrono::milliseconds timeout) const {
  return wait_for(err_path_, text, timeout);
}

std::optional<int> Child::wait(std::chrono::milliseconds timeout) {
  if (status_) return decode(*status_);
  if (pid_ <= 0) return std::nullopt;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  int status = 0;
  for (;;) {
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      status_ = status;
      return decode(status);
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      ::kill(-pid_, SIGKILL);
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, &status, 0);
      status_ = status;
      return std::nullopt;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

std::optional<int> Child::stop(int signal, std::chrono::milliseconds timeout) {
  if (!status_ && pid_ > 0) ::kill(-pid_, signal);
  return wait(timeout);
}

bool Child::running() {
  if (status_ || pid_ <= 0) return false;
  int status = 0;
  if (::waitpid(pid_, &status, WNOHANG) == pid_) {
    status_ = status;
    return false;
  }
  return true;
}

long Child::rss_kb() const {
  // `ip netns exec` execs the program in the same process, so the pid is the program's.
  std::ifstream in("/proc/" + std::to_string(pid_) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::strtol(line.c_str() + 6, nullptr, 10);
  }
  return 0;
}

CommandResult run_command(const std::string& command, int timeout_seconds) {
  CommandResult result;
  const std::string line = "timeout -k 5 " + std::to_string(timeout_seconds) + " sh -c '" + command + "' 2>/dev/null";
  FILE* pipe = ::popen(line.c_str(), "r");
  if (!pipe) return result;
  std::array<char, 4096> buffer;
  size_t n;
  while ((n = std::fread(buffer.data(), 1, buffer.size(), pipe)) > 0) result.out.append(buffer.data(), n);
  const int status = ::pclose(pipe);
  result.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

bool have_program(const std::string& program) {
  if (program.find('/') != std::string::npos) return ::access(program.c_str(), X_OK) == 0;
  return run_command("command -v " + program, 10).code == 0;
}

}  // namespace sctpkit::interop
