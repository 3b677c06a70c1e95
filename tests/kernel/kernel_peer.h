// A Linux-kernel SCTP peer for interop tests: the packaged Debian kernel booted under qemu with a
// busybox initramfs (built and cached by build_cache.sh), its NIC on a tap device inside a network
// namespace this harness creates and always removes.
//
// Addresses: guest 10.77.0.2/24 and fd77::2/64, namespace side 10.77.0.1/24 and fd77::1/64. Tests
// reach the guest from inside the namespace (in_namespace()); traffic goes nowhere else.
//
// One peer boots per test binary (shared()); tests share it, so each uses its own ports.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <string>

namespace sctpkit::kernel_test {

constexpr const char* kGuestIpv4 = "10.77.0.2";
constexpr const char* kHostIpv4 = "10.77.0.1";
constexpr const char* kGuestIpv6 = "fd77::2";
constexpr const char* kHostIpv6 = "fd77::1";

struct CommandResult {
  int exit_code = -1;  // -1: no answer within the time limit
  std::string output;  // stdout and stderr together
};

class KernelPeer {
 public:
  // The peer of this test binary, booted on first use. nullptr when it is not there; `why_not`
  // then says why, and `skip` whether that is this machine's lot (not root, packages missing: a
  // test skips) or a fault (the cache or the boot failed: a test fails).
  static KernelPeer* shared(std::string* why_not, bool* skip);

  KernelPeer(const KernelPeer&) = delete;
  KernelPeer& operator=(const KernelPeer&) = delete;
  ~KernelPeer();

  // Runs a one-line shell command in the guest (busybox sh; the guest programs are on PATH).
  CommandResult run(const std::string& command, std::chrono::milliseconds timeout = std::chrono::seconds(30));

  // Starts a guest program in the background, its output going to a log named `name`.
  void start_program(const std::string& name, const std::string& command_line);
  // Waits until a line of that log starts with `prefix`; false after the timeout.
  bool wait_for_line(const std::string& name, const std::string& prefix,
                     std::chrono::milliseconds timeout = std::chrono::seconds(20));
  std::string program_log(const std::string& name);
  void stop_program(const std::string& name);

  // /proc/net/sctp/<file> of the guest: "assocs", "eps", "snmp", "remaddr".
  std::string proc_sctp(const std::string& file);
  // The guest's /proc/net/sctp/snmp as name -> value.
  std::map<std::string, long long> snmp();
  // sysctl in the guest, e.g. set_sysctl("net.sctp.udp_port", "9899"); true on success.
  bool set_sysctl(const std::string& key, const std::string& value);
  std::string sysctl(const std::string& key);

  // Runs `fn` with the calling thread inside the test namespace. Sockets created there stay in it.
  void in_namespace(const std::function<void()>& fn);

  [[nodiscard]] const std::string& namespace_name() const { return netns_; }
  [[nodiscard]] double boot_seconds() const { return boot_seconds_; }
  [[nodiscard]] double cache_seconds() const { return cache_seconds_; }
  // How the guest runs ("pc,accel=kvm", "pc,accel=tcg"), and why the accelerators tried before it failed.
  [[nodiscard]] const std::string& accelerator() const { return accelerator_; }
  [[nodiscard]] const std::string& failed_accelerators() const { return failed_accelerators_; }
  [[nodiscard]] std::string console_log() const;

  // Stops qemu and removes the namespace; safe to call twice (also runs at exit and on signals).
  void shutdown();

 private:
  KernelPeer() = default;
  bool start(std::string* why_not, bool* skip);
  struct Accelerator {
    const char* machine;  // qemu -machine
    const char* cpu;      // qemu -cpu
    std::chrono::seconds patience;  // from start to the guest's first answer
  };
  bool boot(std::string* why_not);
  bool boot_with(const Accelerator& accelerator, std::string* why_not);
  bool send_line(const std::string& line);
  void stop_qemu();  // closes the control channel, ends qemu
  bool read_more(std::chrono::steady_clock::time_point deadline);
  bool read_until(const std::string& marker, std::chrono::steady_clock::time_point deadline);

  std::string cache_dir_;
  std::string run_dir_;
  std::string initrd_;  // the cached initramfs, with the sctpkit binary appended where that worked
  std::string netns_;
  pid_t qemu_pid_ = -1;
  int control_fd_ = -1;
  int netns_fd_ = -1;
  int guard_fd4_ = -1;
  int guard_fd6_ = -1;
  unsigned next_id_ = 1;
  std::string pending_;  // control channel bytes not yet consumed
  double boot_seconds_ = 0;
  std::string accelerator_;
  std::string failed_accelerators_;
  double cache_seconds_ = 0;
};

// In a test body: the shared peer as `var`, or skip / fail the test with the reason.
#define SCTPKIT_KERNEL_PEER(var)                                                \
  std::string var##_why_not;                                                    \
  bool var##_skip = false;                                                      \
  ::sctpkit::kernel_test::KernelPeer* var =                                     \
      ::sctpkit::kernel_test::KernelPeer::shared(&var##_why_not, &var##_skip);  \
  if (var == nullptr) {                                                         \
    if (var##_skip) GTEST_SKIP() << var##_why_not;                              \
    FAIL() << var##_why_not;                                                    \
  }

}  // namespace sctpkit::kernel_test
