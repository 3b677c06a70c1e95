// Shared set-up of the usrsctp interop cells: two namespaces joined by a veth pair (a: us or the
// usrsctp client, b: the server), a tcpdump capture in a, and the checks of the capture at the end.
#pragma once

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <thread>

#include <optional>
#include <string>
#include <vector>

#include "interop/capture.h"
#include "interop/child.h"
#include "net/netns.h"

namespace sctpkit::interop {

inline const std::string kUsrsctpDir = "/usr/lib/usrsctp";

enum class Path { RawV4, RawV6, Udp };

inline const char* path_name(Path path) {
  switch (path) {
    case Path::RawV4: return "RawV4";
    case Path::RawV6: return "RawV6";
    case Path::Udp: return "Udp";
  }
  return "?";
}

// Why the interop cells cannot run here, or nullopt.
inline std::optional<std::string> missing_prerequisite() {
  if (::geteuid() != 0) return "needs root (network namespaces, raw sockets, tcpdump)";
  if (!have_program(kUsrsctpDir + "/echo_server") || !have_program(kUsrsctpDir + "/client"))
    return "needs usrsctp's example programs in /usr/lib/usrsctp (Debian libusrsctp-examples)";
  if (!have_program("/usr/bin/tcpdump") || !have_program("tshark")) return "needs tcpdump and tshark";
  if (!have_program("/usr/sbin/ip")) return "needs ip (iproute2)";
  return std::nullopt;
}

// Waits until the process `pid` (in its namespace) holds a socket: `table` is a /proc/net file
// name (raw, raw6, udp, udp6) and `port` the local port column (the protocol for raw sockets).
inline bool wait_for_socket(pid_t pid, const std::string& table, uint16_t port, std::chrono::milliseconds timeout) {
  const std::string column = fmt::format(":{:04X} ", port);
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    const auto listing = run_command(fmt::format("cat /proc/{}/net/{}", pid, table), 5);
    if (listing.out.find(column) != std::string::npos) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return false;
}

class UsrsctpInterop : public ::testing::Test {
 protected:
  void SetUp() override {
    if (auto missing = missing_prerequisite()) GTEST_SKIP() << *missing;
    pair_.emplace();
    if (!pair_->available()) GTEST_SKIP() << pair_->reason();
    ASSERT_FALSE(dir_.path().empty());
  }

  const std::string& a() const { return pair_->a(); }
  const std::string& b() const { return pair_->b(); }
  static std::string b_address(Path path) { return path == Path::RawV6 ? "fd00:201::2" : "10.201.0.2"; }

  // Starts the capture in namespace a (where our client or the usrsctp client runs).
  void start_capture() {
    capture_.emplace(a(), dir_.file("cell.pcap"));
    ASSERT_TRUE(capture_->ok()) << "tcpdump did not start in " << a();
  }

  // Stops the capture and asserts that both oracles found the wire clean, with at least
  // `min_sctp_frames` SCTP frames decoded.
  void expect_clean_capture(Path path, size_t min_sctp_frames) {
    ASSERT_TRUE(capture_);
    capture_->stop(min_sctp_frames);
    const std::vector<uint16_t> udp_ports = path == Path::Udp ? std::vector<uint16_t>{9899} : std::vector<uint16_t>{};
    const CaptureVerdict verdict = check_capture(capture_->file(), udp_ports);
    EXPECT_GE(verdict.sctp_frames, min_sctp_frames) << "tshark decoded too few SCTP frames in " << capture_->file();
    EXPECT_EQ(verdict.good_checksums, verdict.sctp_frames) << "frames whose CRC32c tshark could not verify";
    EXPECT_TRUE(verdict.bad.empty()) << "tshark flagged frames: " << ::testing::PrintToString(verdict.bad);
    EXPECT_EQ(verdict.dump_check_code, 0) << verdict.dump_check_report;
    EXPECT_NE(verdict.dump_check_report.find(" 0 bad"), std::string::npos) << verdict.dump_check_report;
  }

  TempDir dir_;
  std::optional<net::testing::NetnsPair> pair_;
  std::optional<Capture> capture_;
};

}  // namespace sctpkit::interop
