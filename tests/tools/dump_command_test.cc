// `sctpkit dump` end to end: the built binary against real tcpdump on the build's sample capture.
#include <gtest/gtest.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "private_loopback.h"

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
  for (const char* count : {"0", "-5", "many"}) {
    const auto bad_count = run(kSctpkit + " dump -r " + kSample + " -c " + count);
    EXPECT_EQ(bad_count.status, 2) << count;
    // CLI::PositiveNumber used to print DBL_MAX in full here.
    EXPECT_NE(bad_count.err.find("give a packet count of 1 or more"), std::string::npos) << bad_count.err;
    EXPECT_LT(bad_count.err.size(), 200u) << bad_count.err;
  }
  EXPECT_EQ(run(kSctpkit + " dump -r " + kSample + " --udp-port 0").status, 2);
  const auto bad_filter = run(kSctpkit + " dump -r " + kSample + " no such filter words");
  EXPECT_EQ(bad_filter.status, 2) << bad_filter.err;
  EXPECT_NE(bad_filter.err.find("sctpkit dump: "), std::string::npos) << bad_filter.err;
}

TEST(DumpCommand, HelpNamesEveryOption) {
  const auto help = run(kSctpkit + " dump --help");
  EXPECT_EQ(help.status, 0);
  for (const char* option : {"-r", "-i", "-w", "-c", "-B", "-s", "-p", "-l", "-t", "-v", "-n", "--udp-port", "filter",
                             "docs/dump.md",
                             "-r -", "Exit codes: 0", "2 bad arguments", "3 the file", "4 no capture privilege"}) {
    EXPECT_NE(help.out.find(option), std::string::npos) << option;
  }
}

// A `sctpkit dump` capturing live in a child process, its stdout and stderr in files.
class LiveDump {
 public:
  explicit LiveDump(std::vector<std::string> args)
      : base_(std::string(SCTPKIT_BINARY_DIR) + "/dump_test_live_" + std::to_string(getpid())) {
    args.insert(args.begin(), {"sctpkit", "dump"});
    child_ = fork();
    if (child_ == 0) {
      FILE* out = std::freopen((base_ + ".out").c_str(), "w", stdout);
      FILE* err = std::freopen((base_ + ".err").c_str(), "w", stderr);
      if (out == nullptr || err == nullptr) _exit(127);
      std::vector<char*> argv;
      for (auto& arg : args) argv.push_back(arg.data());
      argv.push_back(nullptr);
      execv(kSctpkit.c_str(), argv.data());
      _exit(127);
    }
  }
  ~LiveDump() {
    if (child_ > 0 && !exited_) {
      kill(child_, SIGKILL);
      waitpid(child_, nullptr, 0);
    }
    std::remove((base_ + ".out").c_str());
    std::remove((base_ + ".err").c_str());
  }
  LiveDump(const LiveDump&) = delete;
  LiveDump& operator=(const LiveDump&) = delete;

  [[nodiscard]] bool started() const { return child_ > 0; }
  // The banner is printed once the capture is open: nothing sent after it is missed.
  bool wait_for_banner() const {
    for (int i = 0; i < 100; ++i) {
      if (stderr_text().find("listening on") != std::string::npos) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return false;
  }
  void signal(int number) const { kill(child_, number); }
  // Whether it has exited (exit status in *code, -1 if it was killed), without waiting.
  bool exited(int* code) {
    int status = 0;
    if (exited_ || waitpid(child_, &status, WNOHANG) != child_) return exited_;
    exited_ = true;
    *code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    return true;
  }
  // SIGINT, then the exit status (-1 if it did not stop within 5 s).
  int interrupt() {
    kill(child_, SIGINT);
    int code = -1;
    for (int i = 0; i < 100 && !exited(&code); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(50));
    return code;
  }
  [[nodiscard]] std::string stderr_text() const { return slurp(base_ + ".err"); }

 private:
  std::string base_;
  pid_t child_ = -1;
  bool exited_ = false;
};

// Live capture on loopback: banner, SIGINT, the summary, exit 0. Needs capture privilege.
TEST(DumpCommand, SigintEndsALiveCaptureWithTheSummary) {
  if (geteuid() != 0) GTEST_SKIP() << "live capture needs root or CAP_NET_RAW";
  ASSERT_EQ(sctpkit::test::enter_private_loopback(), "");
  LiveDump dump({"-i", "lo"});
  ASSERT_TRUE(dump.started());
  EXPECT_TRUE(dump.wait_for_banner()) << dump.stderr_text();
  ASSERT_EQ(dump.interrupt(), 0) << "SIGINT did not stop the capture with exit 0: " << dump.stderr_text();
  const std::string err = dump.stderr_text();
  EXPECT_NE(err.find("listening on lo, link-type EN10MB (Ethernet), snapshot length"), std::string::npos) << err;
  EXPECT_NE(err.find("packets captured"), std::string::npos) << err;
  EXPECT_NE(err.find("received by filter"), std::string::npos) << err;
  EXPECT_NE(err.find("dropped by kernel"), std::string::npos) << err;
  EXPECT_EQ(err.find("-B KiB"), std::string::npos) << "no drops, no advice: " << err;
}

// -B sizes the kernel's ring: a burst that arrives while the capture is not reading is kept whole
// by the default and overflows a 1 MiB ring (8 slots of 128 KiB on lo in immediate mode), and then
// the summary says what to do about it. The capture stops by itself at -c: after the burst, packets
// trickle in until it has that many, so no SIGINT cuts off what is still in the ring.
TEST(DumpCommand, CaptureBufferSizeIsTheDashBOption) {
  if (geteuid() != 0) GTEST_SKIP() << "live capture needs root or CAP_NET_RAW";
  // Its own lo: what other tests send on the host's would count too (and could end it at -c).
  ASSERT_EQ(sctpkit::test::enter_private_loopback(), "");
  constexpr int kBurst = 150;
  constexpr uint16_t kPort = 47001;
  const int sender = socket(AF_INET, SOCK_DGRAM, 0);
  ASSERT_GE(sender, 0);
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_port = htons(kPort);
  to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  const std::vector<uint8_t> payload(200, 0x5A);
  const auto send_one = [&] {
    sendto(sender, payload.data(), payload.size(), 0, reinterpret_cast<const sockaddr*>(&to), sizeof to);
  };
  const auto burst_while_stopped = [&](std::vector<std::string> extra) {
    std::vector<std::string> args{"-i", "lo", "--udp-port", std::to_string(kPort), "-c", std::to_string(kBurst),
                                  "-w", "/dev/null"};
    args.insert(args.end(), extra.begin(), extra.end());
    LiveDump dump(args);
    EXPECT_TRUE(dump.started() && dump.wait_for_banner()) << dump.stderr_text();
    dump.signal(SIGSTOP);
    for (int i = 0; i < kBurst; ++i) send_one();
    dump.signal(SIGCONT);
    int code = -1;
    for (int i = 0; i < 2500 && !dump.exited(&code); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
      send_one();
    }
    if (!dump.exited(&code)) code = dump.interrupt();
    EXPECT_EQ(code, 0) << dump.stderr_text();
    return dump.stderr_text();
  };
  const std::string whole = burst_while_stopped({});
  EXPECT_NE(whole.find(std::to_string(kBurst) + " packets captured"), std::string::npos) << whole;
  EXPECT_NE(whole.find("\n0 packets dropped by kernel"), std::string::npos) << whole;
  EXPECT_EQ(whole.find("-B KiB"), std::string::npos) << whole;

  const std::string small = burst_while_stopped({"-B", "1024"});
  EXPECT_EQ(small.find("\n0 packets dropped by kernel"), std::string::npos) << small;
  EXPECT_NE(small.find("dropped by kernel"), std::string::npos) << small;
  EXPECT_NE(small.find("the capture buffer (1024 KiB) was full; give a larger one with -B KiB"), std::string::npos)
      << small;
  close(sender);
}

TEST(DumpCommand, CaptureBufferSizeMustBeSensible) {
  EXPECT_EQ(run(kSctpkit + " dump -i lo -B 0").status, 2);
  EXPECT_EQ(run(kSctpkit + " dump -i lo -B 2097152").status, 2) << "beyond libpcap's int of bytes";
  EXPECT_EQ(run(kSctpkit + " dump -i lo -B many").status, 2);
}

// tcpdump's -s and -p, typed out of habit on a busy node (headers only, no promiscuous mode), were
// refused as unexpected arguments.
TEST(DumpCommand, SnapshotLengthAndNoPromiscuousModeAsTcpdump) {
  if (geteuid() != 0) GTEST_SKIP() << "live capture needs root or CAP_NET_RAW";
  ASSERT_EQ(sctpkit::test::enter_private_loopback(), "");  // nobody else captures on this lo
  const auto capture = [](std::vector<std::string> args) {
    LiveDump dump(std::move(args));
    EXPECT_TRUE(dump.started() && dump.wait_for_banner()) << dump.stderr_text();
    const std::string promiscuity = run("ip -d link show lo").out;
    EXPECT_EQ(dump.interrupt(), 0) << dump.stderr_text();
    return std::make_pair(dump.stderr_text(), promiscuity);
  };
  const auto [short_banner, promiscuous] = capture({"-i", "lo", "-s", "96"});
  EXPECT_NE(short_banner.find("snapshot length 96 bytes"), std::string::npos) << short_banner;
  EXPECT_NE(promiscuous.find("promiscuity 1"), std::string::npos) << promiscuous;
  const auto [default_banner, not_promiscuous] = capture({"-i", "lo", "-s", "0", "-p", "-l"});
  EXPECT_NE(default_banner.find("snapshot length 262144 bytes"), std::string::npos) << default_banner;
  EXPECT_NE(not_promiscuous.find("promiscuity 0"), std::string::npos) << not_promiscuous;
  EXPECT_EQ(run(kSctpkit + " dump -i lo -s 262145").status, 2);
}

// `tcpdump -U -w -` feeds a live reader; without -U a packet stayed in stdio's buffer until 4 KiB
// had gathered or the capture ended, so the file (or pipe) showed nothing while it ran.
TEST(DumpCommand, PacketBufferedWriteShowsEachPacketAtOnce) {
  if (geteuid() != 0) GTEST_SKIP() << "live capture needs root or CAP_NET_RAW";
  ASSERT_EQ(sctpkit::test::enter_private_loopback(), "");
  const std::string path = std::string(SCTPKIT_BINARY_DIR) + "/dump_test_unbuffered_" + std::to_string(getpid());
  LiveDump dump({"-i", "lo", "-U", "-w", path});
  ASSERT_TRUE(dump.started() && dump.wait_for_banner()) << dump.stderr_text();
  const int sender = socket(AF_INET, SOCK_DGRAM, 0);
  ASSERT_GE(sender, 0);
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_port = htons(9899);  // the default encapsulation port: the live filter keeps it
  to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  const std::vector<uint8_t> payload(100, 0x5A);
  sendto(sender, payload.data(), payload.size(), 0, reinterpret_cast<const sockaddr*>(&to), sizeof to);
  close(sender);
  // pcap file header (24) + record header (16) + the frame: there while the capture still runs.
  size_t size = 0;
  for (int i = 0; i < 100 && size <= 24; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    size = slurp(path).size();
  }
  EXPECT_GT(size, 24u + 16u + 100u);
  EXPECT_EQ(dump.interrupt(), 0) << dump.stderr_text();
  std::remove(path.c_str());
}

}  // namespace
