// CaptureSource on a live interface: loopback capture of datagrams the test sends itself, stop()
// from another thread, and the errors of live capture. Needs root (or CAP_NET_RAW); skips otherwise.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <net/if.h>
#include <netinet/in.h>
#include <pcap/pcap.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <future>
#include <optional>
#include <thread>

#include "capture_test_util.h"
#include "as_nobody.h"
#include "private_loopback.h"
#include "trace/capture_source.h"

namespace sctpkit::trace {
namespace {

using namespace std::chrono_literals;

constexpr auto kTimeout = 10s;  // far above what loopback needs; only a broken capture waits this long

// Opens a live capture on a loopback of the test's own, or says why the test cannot run here.
std::unique_ptr<CaptureSource> open_live(const CaptureOptions& options, std::string* skip_reason) {
  if (::geteuid() != 0) {
    *skip_reason = "live capture needs root or CAP_NET_RAW";
    return nullptr;
  }
  if (const std::string why = test::enter_private_loopback(); !why.empty()) {
    ADD_FAILURE() << "as root, a network namespace of the test's own: " << why;
    return nullptr;
  }
  auto opened = CaptureSource::open(options);
  if (auto* error = std::get_if<CaptureError>(&opened)) {
    if (error->kind == CaptureError::Kind::Permission) *skip_reason = error->message;
    else ADD_FAILURE() << error->message;
    return nullptr;
  }
  return std::move(std::get<std::unique_ptr<CaptureSource>>(opened));
}

// Runs the capture on a thread; stops it (and fails) if it has not ended within kTimeout.
template <typename OnFrame>
std::variant<CaptureStats, CaptureError> run_bounded(CaptureSource& source, OnFrame on_frame,
                                                     const std::function<void()>& while_running) {
  std::promise<std::variant<CaptureStats, CaptureError>> done;
  auto result = done.get_future();
  std::thread runner([&] { done.set_value(source.run(on_frame)); });
  while_running();
  if (result.wait_for(kTimeout) != std::future_status::ready) {
    ADD_FAILURE() << "capture did not end within the timeout";
    source.stop();
  }
  runner.join();
  return result.get();
}

struct UdpSender {
  int fd = ::socket(AF_INET, SOCK_DGRAM, 0);
  uint16_t port = 0;
  UdpSender() {
    sockaddr_in local{};
    local.sin_family = AF_INET;
    local.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t size = sizeof local;
    if (::bind(fd, reinterpret_cast<sockaddr*>(&local), size) == 0 &&
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&local), &size) == 0) {
      port = ntohs(local.sin_port);
    }
  }
  ~UdpSender() { ::close(fd); }
  bool send_to(uint16_t destination_port, const std::vector<uint8_t>& payload) const {
    sockaddr_in to{};
    to.sin_family = AF_INET;
    to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    to.sin_port = htons(destination_port);
    return ::sendto(fd, payload.data(), payload.size(), 0, reinterpret_cast<sockaddr*>(&to), sizeof to) ==
           static_cast<ssize_t>(payload.size());
  }
};

TEST(CaptureLive, LoopbackDeliversThreeEncapsulatedPackets) {
  testing::ScratchDir dir("live");
  CaptureOptions options;
  options.interface = "lo";
  options.count = 3;
  options.write_file = dir.file("live.pcap");
  std::string skip;
  auto source = open_live(options, &skip);
  if (!source) {
    if (!skip.empty()) GTEST_SKIP() << skip;
    return;
  }
  EXPECT_EQ(source->link_type_name(), "EN10MB");
  EXPECT_EQ(source->snapshot_length(), options.snaplen);

  UdpSender sender;
  ASSERT_NE(sender.port, 0);
  std::vector<std::vector<uint8_t>> sent;
  for (uint32_t i = 0; i < 3; ++i) sent.push_back(testing::sample_sctp(5000, 30102, 0x100 + i, 8 + i));
  std::vector<std::vector<uint8_t>> received;
  std::vector<uint16_t> source_ports;
  auto outcome = run_bounded(
      *source,
      [&](const Frame& frame) {
        received.emplace_back(frame.sctp.begin(), frame.sctp.end());
        EXPECT_EQ(frame.ip.version, IpVersion::V4);
        EXPECT_EQ(frame.ip.source[0], 127);
        EXPECT_EQ(frame.ip.destination[0], 127);
        ASSERT_TRUE(frame.udp);
        EXPECT_EQ(frame.udp->destination_port, kDefaultUdpEncapsulationPort);
        source_ports.push_back(frame.udp->source_port);
      },
      [&] {
        // The capture is active once open() returns, so nothing sent from here on is missed.
        for (const auto& packet : sent) EXPECT_TRUE(sender.send_to(kDefaultUdpEncapsulationPort, packet));
      });
  ASSERT_TRUE(std::holds_alternative<CaptureStats>(outcome)) << std::get<CaptureError>(outcome).message;
  EXPECT_EQ(std::get<CaptureStats>(outcome).sctp_frames, 3u);
  // The default filter kept out the rest of loopback's traffic, such as the ICMP port-unreachable
  // answers to these very datagrams.
  EXPECT_EQ(std::get<CaptureStats>(outcome).packets_read, 3u);
  EXPECT_EQ(received, sent);
  EXPECT_EQ(source_ports, std::vector<uint16_t>(3, sender.port));
  source.reset();  // closes the -w file

  CaptureOptions reread;
  reread.read_file = options.write_file;
  auto written = CaptureSource::open(reread);
  ASSERT_TRUE(std::holds_alternative<std::unique_ptr<CaptureSource>>(written));
  std::vector<std::vector<uint8_t>> from_file;
  auto reread_outcome = std::get<std::unique_ptr<CaptureSource>>(written)->run(
      [&](const Frame& frame) { from_file.emplace_back(frame.sctp.begin(), frame.sctp.end()); });
  ASSERT_TRUE(std::holds_alternative<CaptureStats>(reread_outcome));
  EXPECT_EQ(from_file, sent);
}

// `tcpdump -i any` prints "lo    In  IP ..." from LINUX_SLL2; libpcap's default for "any" is
// LINUX_SLL, which has no interface, so live lines lacked it.
TEST(CaptureLive, AnyIsCapturedAsCookedV2LikeTcpdump) {
  CaptureOptions options;
  options.interface = "any";
  options.count = 1;
  std::string skip;
  auto source = open_live(options, &skip);
  if (!source) {
    if (!skip.empty()) GTEST_SKIP() << skip;
    return;
  }
  EXPECT_EQ(source->link_type_name(), "LINUX_SLL2");
  UdpSender sender;
  ASSERT_NE(sender.port, 0);
  std::optional<CookedLinkInfo> cooked;
  auto outcome = run_bounded(
      *source, [&](const Frame& frame) { cooked = frame.cooked; },
      [&] { EXPECT_TRUE(sender.send_to(kDefaultUdpEncapsulationPort, testing::sample_sctp(5000, 30102, 1, 8))); });
  ASSERT_TRUE(std::holds_alternative<CaptureStats>(outcome)) << std::get<CaptureError>(outcome).message;
  ASSERT_TRUE(cooked.has_value());
  EXPECT_EQ(cooked->interface_index, if_nametoindex("lo"));
}

TEST(CaptureLive, ABurstSentBeforeTheFirstReadIsKeptWhole) {
  // 150 packets wait in the kernel's ring before anything reads it: with libpcap's default 2 MiB,
  // the ring held 16 slots of 128 KiB on lo in immediate mode, and the rest were "dropped by
  // kernel"; 32 MiB holds 256 of them.
  constexpr uint32_t kBurst = 150;
  CaptureOptions options;
  options.interface = "lo";
  options.count = kBurst;
  std::string skip;
  auto source = open_live(options, &skip);
  if (!source) {
    if (!skip.empty()) GTEST_SKIP() << skip;
    return;
  }
  UdpSender sender;
  ASSERT_NE(sender.port, 0);
  for (uint32_t i = 0; i < kBurst; ++i) {
    ASSERT_TRUE(sender.send_to(kDefaultUdpEncapsulationPort, testing::sample_sctp(5000, 30102, 0x100 + i, 8)));
  }
  uint32_t received = 0;
  auto outcome = run_bounded(*source, [&](const Frame&) { ++received; }, [] {});
  ASSERT_TRUE(std::holds_alternative<CaptureStats>(outcome)) << std::get<CaptureError>(outcome).message;
  EXPECT_EQ(received, kBurst);
  EXPECT_EQ(std::get<CaptureStats>(outcome).kernel_dropped, 0u);
}

TEST(CaptureLive, StopFromAnotherThreadEndsAnIdleCapture) {
  CaptureOptions options;
  options.interface = "lo";
  options.filter = "udp port 7 and udp port 9";  // nothing matches: the capture only waits
  std::string skip;
  auto source = open_live(options, &skip);
  if (!source) {
    if (!skip.empty()) GTEST_SKIP() << skip;
    return;
  }
  const auto started = std::chrono::steady_clock::now();
  auto outcome = run_bounded(*source, [](const Frame&) {}, [&] {
    std::this_thread::sleep_for(100ms);
    source->stop();
  });
  EXPECT_TRUE(std::holds_alternative<CaptureStats>(outcome));
  EXPECT_LT(std::chrono::steady_clock::now() - started, 5s);
}

TEST(CaptureLiveErrors, BadFilterAndMissingInterface) {
  CaptureOptions bad_filter;
  bad_filter.interface = "lo";
  bad_filter.filter = "udp port 99999";
  CaptureOptions missing;
  missing.interface = "sctpkit-none0";
  if (::geteuid() != 0) {
    // Without privileges, opening a capture socket fails before the device or filter is looked at.
    EXPECT_EQ(std::get<CaptureError>(CaptureSource::open(missing)).kind, CaptureError::Kind::Permission);
    GTEST_SKIP() << "filter and device errors need root to get past the permission check";
  }
  auto filtered = CaptureSource::open(bad_filter);
  ASSERT_TRUE(std::holds_alternative<CaptureError>(filtered));
  const CaptureError& filter_error = std::get<CaptureError>(filtered);
  if (filter_error.kind == CaptureError::Kind::Permission) GTEST_SKIP() << filter_error.message;
  EXPECT_EQ(filter_error.kind, CaptureError::Kind::Filter);
  EXPECT_NE(filter_error.message.find("99999"), std::string::npos) << filter_error.message;

  auto absent = CaptureSource::open(missing);
  ASSERT_TRUE(std::holds_alternative<CaptureError>(absent));
  EXPECT_EQ(std::get<CaptureError>(absent).kind, CaptureError::Kind::Open);
  EXPECT_NE(std::get<CaptureError>(absent).message.find("sctpkit-none0: no such interface"), std::string::npos)
      << std::get<CaptureError>(absent).message;
}

TEST(CaptureLiveErrors, UnprivilegedUserIsToldToUseSudo) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root to drop to an unprivileged user";
  test::NobodyOutcome child;
  ASSERT_NO_FATAL_FAILURE(test::run_as_nobody(
      [] {
        CaptureOptions options;
        options.interface = "lo";
        auto opened = CaptureSource::open(options);
        const auto* error = std::get_if<CaptureError>(&opened);
        return std::pair{error != nullptr && error->kind == CaptureError::Kind::Permission ? 0 : 1,
                         error != nullptr ? error->message : std::string()};
      },
      child));
  const std::string& message = child.message;
  ASSERT_NE(child.exit_code, test::kCouldNotBecomeNobody) << "could not switch to user nobody";
  EXPECT_EQ(child.exit_code, 0) << message;
  EXPECT_EQ(message, "capturing on lo needs root or CAP_NET_RAW: run with sudo");
}

}  // namespace
}  // namespace sctpkit::trace
