// Shared pieces of the interop matrix (our stack on the namespace side, the kernel in the guest):
// the transport cells, a host process guard, chunk counting on traced packets, and the checks of
// the kernel's own view (/proc/net/sctp) that every cell ends with.
#pragma once

#include <sys/types.h>

#include <array>
#include <chrono>
#include <map>
#include <string>
#include <vector>

#include "kernel/kernel_peer.h"
#include "sctpkit/sctpkit.h"

namespace sctpkit::kernel_test {

// One column of the matrix: how SCTP travels between the namespace and the guest.
enum class Carrier { RawIpv4, RawIpv6, UdpIpv4 };

struct CarrierInfo {
  Carrier carrier;
  const char* name;
  const char* guest_address;
  const char* host_address;
  bool udp;
  uint16_t port_base;  // each cell adds its own offset: tests share one guest
};

const CarrierInfo& info(Carrier carrier);
std::string carrier_name(Carrier carrier);

// The UDP encapsulation port on both sides (RFC 6951 5.1: 9899 is the registered one).
constexpr uint16_t kUdpPort = 9899;

// Sets the guest's sysctls for `carrier` (UDP encapsulation on or off, short heartbeats) and
// returns Options for our stack to match. Call before starting guest programs: the kernel copies
// hb_interval into a socket when it is created.
Options prepare_carrier(KernelPeer& peer, Carrier carrier);

// Counts chunk types in the packets our stack sends and receives (Options::packet_trace).
struct ChunkCounter {
  std::array<int, 256> sent{};
  std::array<int, 256> received{};
  void attach(Options& options);
};
constexpr uint8_t kHeartbeat = 4;
constexpr uint8_t kHeartbeatAck = 5;

// A host program (e.g. `sctpkit cat -l --echo`) started inside the test namespace; killed and
// reaped when the guard goes, on every path.
class HostProcess {
 public:
  HostProcess(KernelPeer& peer, const std::vector<std::string>& argv);
  HostProcess(const HostProcess&) = delete;
  HostProcess& operator=(const HostProcess&) = delete;
  ~HostProcess();
  [[nodiscard]] bool running();
  // Its stderr so far.
  [[nodiscard]] std::string log() const;
  // Waits for it to exit; its exit code, or -1 (killed, or still running after `timeout`).
  int wait(std::chrono::milliseconds timeout);

 private:
  pid_t pid_ = -1;
  int status_ = -1;
  std::string log_path_;
};

// The kernel's view around a cell: no checksum errors and no out-of-the-blue packets counted
// while it ran, and no association left in /proc/net/sctp/assocs when it ended.
class KernelView {
 public:
  explicit KernelView(KernelPeer& peer);
  // Fails the current test (with the counters) where the kernel saw something wrong.
  void expect_clean_after_close();
  long long delta(const std::string& counter);

 private:
  KernelPeer& peer_;
  std::map<std::string, long long> before_;
};

// Runs a guest command that connects out, repeating it while the connect is refused (our host
// program may still be opening its sockets).
CommandResult run_guest_client(KernelPeer& peer, const std::string& command,
                               std::chrono::milliseconds timeout = std::chrono::seconds(60));

// In a test body: skip unless the sctpkit binary was packed into the guest (/guest/sctpkit).
#define SCTPKIT_GUEST_TOOL(peer)                                                  \
  if ((peer)->run("test -x /guest/sctpkit").exit_code != 0)                       \
  GTEST_SKIP() << "the sctpkit binary could not be packed into the guest (pack_tool.sh)"

// Message i of a test: a pattern that differs by message and by position.
std::vector<uint8_t> pattern(size_t size, unsigned seed);

}  // namespace sctpkit::kernel_test
