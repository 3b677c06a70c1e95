// Runs a piece of a test as user nobody, in a forked child, so that the test process keeps its
// privileges: for the errors an unprivileged user must be shown (no CAP_NET_RAW, ...).
#pragma once

#include <gtest/gtest.h>
#include <pwd.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <string>
#include <utility>

namespace sctpkit::test {

// What the child reported.
struct NobodyOutcome {
  int exit_code = -1;
  std::string message;
};

// The child's exit code when it could not become nobody.
inline constexpr int kCouldNotBecomeNobody = 2;
// The child's exit code when it could not report its message.
inline constexpr int kCouldNotReport = 3;

// Forks; the child becomes nobody, runs `body` (which returns its exit code and a message) and
// exits with that code after writing the message to the parent. Fails the test (fatally) if the
// child cannot be started or does not exit normally; wrap the call in ASSERT_NO_FATAL_FAILURE.
template <typename Body>
void run_as_nobody(Body body, NobodyOutcome& outcome) {
  int pipe_fds[2];
  ASSERT_EQ(::pipe(pipe_fds), 0);
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    ::close(pipe_fds[0]);
    const passwd* nobody = ::getpwnam("nobody");
    if (::setgid(nobody ? nobody->pw_gid : 65534) != 0 || ::setuid(nobody ? nobody->pw_uid : 65534) != 0) {
      ::_exit(kCouldNotBecomeNobody);
    }
    const std::pair<int, std::string> result = body();
    if (::write(pipe_fds[1], result.second.data(), result.second.size()) < 0) ::_exit(kCouldNotReport);
    ::_exit(result.first);
  }
  ::close(pipe_fds[1]);
  outcome.message.clear();
  char buf[512];
  for (ssize_t n; (n = ::read(pipe_fds[0], buf, sizeof buf)) > 0;) outcome.message.append(buf, static_cast<size_t>(n));
  ::close(pipe_fds[0]);
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status));
  outcome.exit_code = WEXITSTATUS(status);
}

}  // namespace sctpkit::test
