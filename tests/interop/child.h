// A child process for the interop tests: any program (usrsctp's examples, tcpdump, sctpkit),
// optionally inside a network namespace (`ip netns exec`). stdout and stderr go to files so a test
// can read them at any time; stdin is a pipe. Every wait is bounded, and the destructor kills a
// child that still runs, so no path leaves a process behind.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace sctpkit::interop {

class Child {
 public:
  // Runs `argv` (argv[0] is a path) in `netns` ("": the current namespace). `tag` names the output
  // files under the test's temporary directory.
  Child(std::vector<std::string> argv, const std::string& netns, const std::string& tag);
  ~Child();
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;

  [[nodiscard]] bool started() const { return pid_ > 0; }
  [[nodiscard]] pid_t pid() const { return pid_; }
  void write(const std::string& text);
  void close_stdin();

  [[nodiscard]] std::string out() const;
  [[nodiscard]] std::string err() const;
  // Waits until stdout (or stderr) contains `text`; false when the timeout passed or the child died.
  bool wait_for_out(const std::string& text, std::chrono::milliseconds timeout) const;
  bool wait_for_err(const std::string& text, std::chrono::milliseconds timeout) const;

  // Sends `signal` (once) and waits for the exit: the exit code, 128+signal, or nullopt when it
  // had to be killed at the timeout.
  std::optional<int> stop(int signal, std::chrono::milliseconds timeout);
  // Waits for a voluntary exit.
  std::optional<int> wait(std::chrono::milliseconds timeout);
  // The child's resident set size in kB (VmRSS), or 0 if it is gone.
  [[nodiscard]] long rss_kb() const;
  [[nodiscard]] bool running();

 private:
  bool wait_for(const std::string& path, const std::string& text, std::chrono::milliseconds timeout) const;
  pid_t pid_ = -1;
  int stdin_ = -1;
  std::optional<int> status_;
  std::string out_path_, err_path_;
};

// A directory for one test's files (captures, outputs), removed at the end unless
// SCTPKIT_KEEP_INTEROP_FILES is set (to look at the captures of a failing run).
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  [[nodiscard]] const std::string& path() const { return path_; }
  [[nodiscard]] std::string file(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

// The test's TempDir (Child puts its output files there); set by TempDir's constructor.
const std::string& current_temp_dir();

// Runs a shell command line and returns its stdout (stderr dropped) and exit code, bounded by
// `timeout` (seconds, via timeout(1)).
struct CommandResult {
  int code = -1;
  std::string out;
};
CommandResult run_command(const std::string& command, int timeout_seconds = 60);

// True if `program` is on PATH (or is an executable path).
bool have_program(const std::string& program);

}  // namespace sctpkit::interop
