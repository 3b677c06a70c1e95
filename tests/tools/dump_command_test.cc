// `sctpkit dump` end to end: the built binary against real tcpdump on the build's sample capture.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>

namespace {

const std::string kSctpkit = std::string(SCTPKIT_BINARY_DIR) + "/sctpkit";
const std::string kSample = std::string(SCTPKIT_BINARY_DIR) + "/samples/association.pcap";

struct Run {
  int status = -1;
  std::string out;
  std::string err;
};

std::string slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// Runs a shell command with TZ fixed, keeping stdout and stderr apart.
Run run(const std::string& command) {
  const std::string err_path = std::string(SCTPKIT_BINARY_DIR) + "/dump_test_stderr_" + std::to_string(getpid());
  Run result;
  FILE* pipe = popen(("TZ=UTC " + command + " 2>" + err_path).c_str(), "r");
  if (pipe == nullptr) return result;
  std::array<char, 4096> buffer{};
  size_t n = 0;
  while ((n = std::fread(buffer.data(), 1, buffer.size(), pipe)) > 0) result.out.append(buffer.data(), n);
  const int status = pclose(pipe);
  result.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  result.err = slurp(err_path);
  std::remove(err_path.c_str());
  return result;
}

bool have_tcpdump() {
  if (run("command -v tcpdump").status == 0) return true;
  ADD_FAILURE() << "tcpdump is not installed: these tests need it as their oracle (apt-get install tcpdump)";
  return false;
}

std::string first_line(const std::string& text) { return text.substr(0, text.find('\n')); }

TEST(DumpCommand, ReadsTheSampleAsTcpdumpDoes) {
  ASSERT_TRUE(have_tcpdump());
  for (const std::string flags : {"", "-v", "-ttt", "-tttt -v", "-c 4", "-t"}) {
    const auto expected = run("tcpdump -nn " + flags + " -r " + kSample);
    const auto actual = run(kSctpkit + " dump " + flags + " -r " + kSample);
    EXPECT_EQ(actual.status, 0) << flags << ": " << actual.err;
    EXPECT_EQ(expected.out, actual.out) << flags;
    EXPECT_EQ(first_line(expected.err), first_line(actual.err)) << "the reading-from-file banner, " << flags;
  }
  const auto lines = run(kSctpkit + " dump -r " + kSample).out;
  for (const char* chunk : {"[INIT]", "[INIT ACK]", "[COOKIE ECHO]", "[COOKIE ACK]", "[DATA]", "[SACK]", "[HB REQ]",
                            "[HB ACK]", "[SHUTDOWN]", "[SHUTDOWN ACK]", "[SHUTDOWN COMPLETE]"}) {
    EXPECT_NE(lines.find(chunk), std::string::npos) << "the sample association lacks " << chunk;
  }
}

TEST(DumpCommand, FilterExpressionSelectsLikeTcpdump) {
  ASSERT_TRUE(have_tcpdump());
  const std::string filter = "sctp and src port 60002";
  const auto expected = run("tcpdump -nn -r " + kSample + " '" + filter + "'");
  const auto actual = run(kSctpkit + " dump -r " + kSample + " " + filter);
  EXPECT_EQ(actual.status, 0) << actual.err;
  EXPECT_EQ(expected.out, actual.out);
  EXPECT_FALSE(actual.out.empty());
}

TEST(DumpCommand, WriteFileKeepsThePackets) {
  ASSERT_TRUE(have_tcpdump());
  const std::string copy = std::string(SCTPKIT_BINARY_DIR) + "/dump_test_copy_" + std::to_string(getpid()) + ".pcap";
  const auto written = run(kSctpkit + " dump -r " + kSample + " -w " + copy);
  EXPECT_EQ(written.status, 0) << written.err;
  EXPECT_EQ(written.out, "") << "with -w, packets go to the file only";
  EXPECT_EQ(run("tcpdump -nn -r " + copy).out, run("tcpdump -nn -r " + kSample).out);
  std::remove(copy.c_str());
}

TEST(DumpCommand, ErrorsAreOneLineWithTheDocumentedExitCode) {
  const auto missing = run(kSctpkit + " dump -r /nonexistent/file.pcap");
  EXPECT_EQ(missing.status, 3);
  EXPECT_EQ(std::count(missing.err.begin(), missing.err.end(), '\n'), 1) << missing.err;
  EXPECT_EQ(missing.err.rfind("sctpkit dump: ", 0), 0u) << missing.err;

  EXPECT_EQ(run(kSctpkit + " dump").status, 2) << "neither -r nor -i";
  EXPECT_EQ(run(kSctpkit + " dump -r a -i b").status, 2);
  EXPECT_EQ(run(kSctpkit + " dump -r " + kSample + " -vvv").status, 2) << "-vvv is not printed";
  EXPECT_EQ(run(kSctpkit + " dump -r " + kSample + " -vv").status, 0);
  EXPECT_EQ(run(kSctpkit + " dump -r " + kSample + " -c 0").status, 2);
  EXPECT_EQ(run(kSctpkit + " dump -r " + kSample + " --udp-port 0").status, 2);
  const auto bad_filter = run(kSctpkit + " dump -r " + kSample + " no such filter words");
  EXPECT_EQ(bad_filter.status, 2) << bad_filter.err;
  EXPECT_NE(bad_filter.err.find("sctpkit dump: "), std::string::npos) << bad_filter.err;
}

TEST(DumpCommand, HelpNamesEveryOption) {
  const auto help = run(kSctpkit + " dump --help");
  EXPECT_EQ(help.status, 0);
  for (const char* option : {"-r", "-i", "-w", "-c", "-t", "-v", "-n", "--udp-port", "filter", "docs/dump.md"}) {
    EXPECT_NE(help.out.find(option), std::string::npos) << option;
  }
}

// Live capture on loopback: banner, SIGINT, the summary, exit 0. Needs capture privilege.
TEST(DumpCommand, SigintEndsALiveCaptureWithTheSummary) {
  if (geteuid() != 0) GTEST_SKIP() << "live capture needs root or CAP_NET_RAW";
  const std::string base = std::string(SCTPKIT_BINARY_DIR) + "/dump_test_live_" + std::to_string(getpid());
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    FILE* out = std::freopen((base + ".out").c_str(), "w", stdout);
    FILE* err = std::freopen((base + ".err").c_str(), "w", stderr);
    if (out == nullptr || err == nullptr) _exit(127);
    execl(kSctpkit.c_str(), "sctpkit", "dump", "-i", "lo", static_cast<char*>(nullptr));
    _exit(127);
  }
  // Wait for the banner: the capture is then open.
  for (int i = 0; i < 100 && slurp(base + ".err").find("listening on lo") == std::string::npos; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  kill(child, SIGINT);
  int status = 0;
  for (int i = 0; i < 100 && waitpid(child, &status, WNOHANG) == 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  if (waitpid(child, &status, WNOHANG) == 0) {
    kill(child, SIGKILL);
    waitpid(child, &status, 0);
    FAIL() << "SIGINT did not stop the capture";
  }
  const std::string err = slurp(base + ".err");
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << err;
  EXPECT_NE(err.find("listening on lo, link-type EN10MB (Ethernet), snapshot length"), std::string::npos) << err;
  EXPECT_NE(err.find("packets captured"), std::string::npos) << err;
  EXPECT_NE(err.find("received by filter"), std::string::npos) << err;
  EXPECT_NE(err.find("dropped by kernel"), std::string::npos) << err;
  std::remove((base + ".out").c_str());
  std::remove((base + ".err").c_str());
}

}  // namespace
