#include "kernel/kernel_peer.h"

#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <sstream>
#include <thread>
#include <vector>

namespace sctpkit::kernel_test {
namespace {

using Clock = std::chrono::steady_clock;
constexpr const char* kNamespacePrefix = "sctpkit-kpeer-";
constexpr int kSctpProtocol = 132;

std::unique_ptr<KernelPeer>& shared_peer() {
  static std::unique_ptr<KernelPeer> peer;
  return peer;
}

// What a signal handler may touch: plain data, filled in once the peer runs.
volatile pid_t g_qemu_pid = -1;
char g_netns_path[256] = {};

void on_fatal_signal(int sig) {
  // Async-signal-safe cleanup: the qemu child and the namespace mount, then die as asked.
  if (g_qemu_pid > 0) kill(g_qemu_pid, SIGKILL);
  if (g_netns_path[0] != '\0') {
    umount2(g_netns_path, MNT_DETACH);
    unlink(g_netns_path);
  }
  signal(sig, SIG_DFL);
  raise(sig);
}

void at_exit() {
  if (shared_peer()) shared_peer()->shutdown();
}

int sh(const std::string& command) {
  const int status = std::system(command.c_str());
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

// Namespaces left behind by a test binary that was killed (SIGKILL on a ctest timeout cannot be
// caught): their name carries the pid, so remove those whose process is gone.
void remove_stale_namespaces() {
  DIR* dir = opendir("/run/netns");
  if (dir == nullptr) return;
  std::vector<std::string> stale;
  while (dirent* entry = readdir(dir)) {
    const std::string name = entry->d_name;
    if (name.rfind(kNamespacePrefix, 0) != 0) continue;
    const pid_t pid = static_cast<pid_t>(std::atol(name.c_str() + std::strlen(kNamespacePrefix)));
    if (pid > 0 && kill(pid, 0) != 0 && errno == ESRCH) stale.push_back(name);
  }
  closedir(dir);
  for (const auto& name : stale) sh("ip netns del " + name + " 2>/dev/null");
}

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

}  // namespace

KernelPeer* KernelPeer::shared(std::string* why_not, bool* skip) {
  static std::string failure;
  static bool failure_is_skip = false;
  static bool tried = false;
  if (!tried) {
    tried = true;
    std::unique_ptr<KernelPeer> peer(new KernelPeer());
    shared_peer() = std::move(peer);
    std::atexit(at_exit);
    if (!shared_peer()->start(&failure, &failure_is_skip)) {
      shared_peer()->shutdown();
      shared_peer().reset();
    }
  }
  if (!shared_peer()) {
    if (why_not != nullptr) *why_not = failure;
    if (skip != nullptr) *skip = failure_is_skip;
  }
  return shared_peer().get();
}

KernelPeer::~KernelPeer() { shutdown(); }

bool KernelPeer::start(std::string* why_not, bool* skip) {
  *skip = true;
  if (geteuid() != 0) {
    *why_not = "the kernel peer needs root (network namespace, tap device, raw sockets)";
    return false;
  }
  if (access("/dev/net/tun", R_OK | W_OK) != 0) {
    *why_not = "the kernel peer needs /dev/net/tun";
    return false;
  }
  cache_dir_ = std::string(SCTPKIT_BINARY_DIR) + "/kernel-cache";
  const auto cache_start = Clock::now();
  const int built = sh("bash " + std::string(SCTPKIT_SOURCE_DIR) + "/tests/kernel/build_cache.sh " + cache_dir_);
  cache_seconds_ = seconds_since(cache_start);
  if (built == 77) {
    *why_not = "the kernel peer's packages are missing (see the message above; scripts/setup.sh installs them)";
    return false;
  }
  *skip = false;
  if (built != 0) {
    *why_not = "building the kernel peer's cache failed";
    return false;
  }

  remove_stale_namespaces();
  netns_ = kNamespacePrefix + std::to_string(getpid());
  char run_template[] = "/tmp/sctpkit-kpeer-XXXXXX";
  if (mkdtemp(run_template) == nullptr) {
    *why_not = "mkdtemp failed";
    return false;
  }
  run_dir_ = run_template;

  // Install the signal handlers before the namespace exists, so that it never outlives us. Crash
  // signals stay with the sanitizers' reports: qemu dies with us anyway (PR_SET_PDEATHSIG) and the
  // next run removes the namespace.
  std::snprintf(g_netns_path, sizeof(g_netns_path), "/run/netns/%s", netns_.c_str());
  for (int sig : {SIGINT, SIGTERM, SIGHUP}) signal(sig, on_fatal_signal);
  const std::string ns = "ip -n " + netns_ + " ";
  if (sh("ip netns add " + netns_) != 0 || sh(ns + "link set lo up") != 0 ||
      sh(ns + "tuntap add dev tap0 mode tap") != 0 || sh(ns + "addr add " + kHostIpv4 + "/24 dev tap0") != 0 ||
      sh(ns + "-6 addr add " + kHostIpv6 + "/64 dev tap0 nodad") != 0 || sh(ns + "link set tap0 up") != 0) {
    *why_not = "setting up network namespace " + netns_ + " failed";
    return false;
  }
  netns_fd_ = open(g_netns_path, O_RDONLY | O_CLOEXEC);
  if (netns_fd_ < 0) {
    *why_not = "cannot open " + std::string(g_netns_path);
    return false;
  }
  // The namespace's kernel has no SCTP: without a raw socket for protocol 132 it would answer the
  // guest's packets with ICMP protocol-unreachable. Held open for the whole run.
  in_namespace([&] {
    guard_fd4_ = socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC, kSctpProtocol);
    guard_fd6_ = socket(AF_INET6, SOCK_RAW | SOCK_CLOEXEC, kSctpProtocol);
  });
  if (guard_fd4_ < 0 || guard_fd6_ < 0) {
    *why_not = "cannot open raw SCTP sockets in the namespace";
    return false;
  }
  // The sctpkit binary goes in as a second archive after the cached one, so that a rebuilt binary
  // does not rebuild the cache. Without it the guest still boots; tests that need it skip.
  initrd_ = cache_dir_ + "/initramfs.cpio";
#ifdef SCTPKIT_TOOL
  const std::string packed = run_dir_ + "/initrd.cpio";
  if (sh("bash " + std::string(SCTPKIT_SOURCE_DIR) + "/tests/kernel/pack_tool.sh " + run_dir_ + "/tool.cpio " +
         SCTPKIT_TOOL + " && cat " + initrd_ + " " + run_dir_ + "/tool.cpio > " + packed) == 0) {
    initrd_ = packed;
  }
#endif
  return boot(why_not);
}

bool KernelPeer::boot(std::string* why_not) {
  // KVM where it works, else emulation (a guest boots to ready in ~2 s under TCG here). A nested
  // KVM may not run the guest: on a PVM guest qemu aborts at once ("failed to set MSR 0x10a", the
  // host CPU model's IA32_ARCH_CAPABILITIES), and without that MSR the guest never came up; so the
  // accelerated boot gets 20 s, then the guest boots once more under TCG.
  std::vector<Accelerator> tries;
  if (access("/dev/kvm", R_OK | W_OK) == 0) tries.push_back({"pc,accel=kvm", "host", std::chrono::seconds(20)});
  tries.push_back({"pc,accel=tcg", "max", std::chrono::seconds(180)});
  for (const Accelerator& accelerator : tries) {
    std::string why;
    if (boot_with(accelerator, &why)) {
      accelerator_ = accelerator.machine;
      return true;
    }
    failed_accelerators_ += std::string(failed_accelerators_.empty() ? "" : "; then ") + accelerator.machine + ": " + why;
    stop_qemu();
    pending_.clear();
  }
  *why_not = failed_accelerators_;
  return false;
}

bool KernelPeer::boot_with(const Accelerator& accelerator, std::string* why_not) {
  const std::string socket_path = run_dir_ + "/control.sock";
  unlink(socket_path.c_str());
  std::vector<std::string> args = {
      "qemu-system-x86_64", "-machine", accelerator.machine, "-cpu", accelerator.cpu,
      "-m", "256", "-smp", "1", "-nodefaults", "-no-user-config", "-display", "none", "-vga", "none",
      "-no-reboot",
      // The uncompressed vmlinux boots through its PVH entry point: no decompression under emulation.
      "-kernel", cache_dir_ + "/vmlinux", "-initrd", initrd_,
      "-append", "console=ttyS0 quiet panic=-1 mitigations=off", "-serial", "file:" + run_dir_ + "/console.log",
      "-netdev", "tap,id=n0,ifname=tap0,script=no,downscript=no",
      "-device", "virtio-net-pci,netdev=n0,mac=52:54:00:77:00:02",
      "-device", "virtio-serial-pci",
      "-chardev", "socket,id=ctl,path=" + socket_path + ",server=on,wait=off",
      "-device", "virtserialport,chardev=ctl,name=ctl"};
  const std::string log_path = run_dir_ + "/qemu.log";
  const auto boot_start = Clock::now();
  const pid_t parent = getpid();
  const pid_t child = fork();
  if (child < 0) {
    *why_not = "fork failed";
    return false;
  }
  if (child == 0) {
    // qemu dies with the test binary, whatever kills it.
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(127);
    if (setns(netns_fd_, CLONE_NEWNET) != 0) _exit(126);
    const int log = open(log_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (log >= 0) {
      dup2(log, STDOUT_FILENO);
      dup2(log, STDERR_FILENO);
    }
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    execvp(argv[0], argv.data());
    _exit(127);
  }
  qemu_pid_ = child;
  g_qemu_pid = child;
  const auto qemu_said = [&] {
    std::ifstream in(log_path);
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    while (!text.empty() && text.back() == '\n') text.pop_back();
    return text.empty() ? std::string("(qemu.log is empty)") : text;
  };

  const auto deadline = boot_start + accelerator.patience;
  while (control_fd_ < 0 && Clock::now() < deadline) {
    const int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::snprintf(addr.sun_path, sizeof(addr.sun_path), "%s", socket_path.c_str());
    if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0) {
      control_fd_ = fd;
      break;
    }
    close(fd);
    if (waitpid(qemu_pid_, nullptr, WNOHANG) == qemu_pid_) {
      qemu_pid_ = -1;
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  if (control_fd_ < 0) {
    *why_not = "qemu did not open its control socket: " + qemu_said();
    return false;
  }
  // Until the guest's init serves the port, pings wait in the socket; repeat them in case the
  // guest drops what arrived before it opened the port.
  bool answered = false;
  while (!answered && Clock::now() < deadline) {
    const std::string line = std::to_string(next_id_++) + " true\n";
    if (!send_line(line)) break;
    // Every unanswered ping is run once the guest is up: a slow boot under load would otherwise
    // queue hundreds of them in front of the first real command.
    answered = read_until("\n@@end ", Clock::now() + std::chrono::milliseconds(2000));
    if (qemu_pid_ > 0 && waitpid(qemu_pid_, nullptr, WNOHANG) == qemu_pid_) {
      qemu_pid_ = -1;
      break;
    }
  }
  if (!answered) {
    *why_not = "the guest did not answer on its control channel; qemu: " + qemu_said() + "; console:\n" +
               console_log();
    return false;
  }
  // Consume the answers to the remaining pings.
  if (run("echo synced", std::chrono::seconds(120)).exit_code != 0) {
    *why_not = "the guest's control channel did not sync";
    return false;
  }
  boot_seconds_ = seconds_since(boot_start);
  return true;
}

// MSG_NOSIGNAL: a guest that went away must fail the command, not kill the test binary by SIGPIPE.
bool KernelPeer::send_line(const std::string& line) {
  return control_fd_ >= 0 &&
         send(control_fd_, line.data(), line.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(line.size());
}

bool KernelPeer::read_more(Clock::time_point deadline) {
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    if (left <= 0 || control_fd_ < 0) return false;
    pollfd pfd{control_fd_, POLLIN, 0};
    const int ready = poll(&pfd, 1, static_cast<int>(left));
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0) return false;
    char buffer[4096];
    const ssize_t n = read(control_fd_, buffer, sizeof(buffer));
    if (n <= 0) return false;  // qemu went away
    pending_.append(buffer, static_cast<size_t>(n));
    return true;
  }
}

bool KernelPeer::read_until(const std::string& marker, Clock::time_point deadline) {
  while (pending_.find(marker) == std::string::npos) {
    if (!read_more(deadline)) return false;
  }
  return true;
}

CommandResult KernelPeer::run(const std::string& command, std::chrono::milliseconds timeout) {
  CommandResult result;
  if (control_fd_ < 0 || command.find('\n') != std::string::npos) return result;
  const unsigned id = next_id_++;
  const std::string line = std::to_string(id) + " " + command + "\n";
  if (!send_line(line)) return result;
  const std::string marker = "\n@@end " + std::to_string(id) + " ";
  const auto deadline = Clock::now() + timeout;
  // The marker, then the rest of its line (the exit code).
  if (!read_until(marker, deadline)) return result;
  const size_t at = pending_.find(marker);
  while (pending_.find('\n', at + marker.size()) == std::string::npos) {
    if (!read_more(deadline)) return result;
  }
  const size_t end = pending_.find('\n', at + marker.size());
  std::string output = pending_.substr(0, at);
  result.exit_code = std::atoi(pending_.substr(at + marker.size(), end - at - marker.size()).c_str());
  pending_.erase(0, end + 1);
  // Drop answers to earlier commands that timed out (or to boot pings) in front of ours.
  const size_t stale = output.rfind("@@end ");
  if (stale != std::string::npos) {
    const size_t stale_end = output.find('\n', stale);
    output.erase(0, stale_end == std::string::npos ? output.size() : stale_end + 1);
  }
  result.output = std::move(output);
  return result;
}

void KernelPeer::start_program(const std::string& name, const std::string& command_line) {
  run("(" + command_line + ") > /tmp/" + name + ".log 2>&1 < /dev/null & echo $! > /tmp/" + name + ".pid");
}

std::string KernelPeer::program_log(const std::string& name) { return run("cat /tmp/" + name + ".log").output; }

bool KernelPeer::wait_for_line(const std::string& name, const std::string& prefix, std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  do {
    std::istringstream log(program_log(name));
    for (std::string line; std::getline(log, line);) {
      if (line.rfind(prefix, 0) == 0) return true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  } while (Clock::now() < deadline);
  return false;
}

void KernelPeer::stop_program(const std::string& name) { run("kill $(cat /tmp/" + name + ".pid) 2>/dev/null"); }

std::string KernelPeer::proc_sctp(const std::string& file) { return run("cat /proc/net/sctp/" + file).output; }

std::map<std::string, long long> KernelPeer::snmp() {
  std::map<std::string, long long> counters;
  std::istringstream text(proc_sctp("snmp"));
  std::string name;
  long long value = 0;
  while (text >> name >> value) counters[name] = value;
  return counters;
}

bool KernelPeer::set_sysctl(const std::string& key, const std::string& value) {
  return run("sysctl -w " + key + "=" + value).exit_code == 0;
}

std::string KernelPeer::sysctl(const std::string& key) {
  std::string out = run("sysctl -n " + key).output;
  while (!out.empty() && (out.back() == '\n' || out.back() == ' ')) out.pop_back();
  return out;
}

void KernelPeer::in_namespace(const std::function<void()>& fn) {
  // setns() moves only the calling thread; remember its own namespace to come back to.
  const std::string own_path = "/proc/self/task/" + std::to_string(syscall(SYS_gettid)) + "/ns/net";
  const int own = open(own_path.c_str(), O_RDONLY | O_CLOEXEC);
  if (own < 0 || netns_fd_ < 0 || setns(netns_fd_, CLONE_NEWNET) != 0) {
    if (own >= 0) close(own);
    std::fprintf(stderr, "kernel-peer: cannot enter namespace %s\n", netns_.c_str());
    std::abort();
  }
  struct Restore {
    int fd;
    ~Restore() {
      if (setns(fd, CLONE_NEWNET) != 0) std::abort();
      close(fd);
    }
  } restore{own};
  fn();
}

std::string KernelPeer::console_log() const {
  std::ifstream in(run_dir_ + "/console.log");
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

void KernelPeer::stop_qemu() {
  if (control_fd_ >= 0) {
    close(control_fd_);
    control_fd_ = -1;
  }
  if (qemu_pid_ > 0) {
    kill(qemu_pid_, SIGTERM);
    for (int i = 0; i < 50 && waitpid(qemu_pid_, nullptr, WNOHANG) == 0; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    kill(qemu_pid_, SIGKILL);
    waitpid(qemu_pid_, nullptr, 0);
    qemu_pid_ = -1;
  }
  g_qemu_pid = -1;
}

void KernelPeer::shutdown() {
  stop_qemu();
  for (int* fd : {&guard_fd4_, &guard_fd6_, &netns_fd_}) {
    if (*fd >= 0) close(*fd);
    *fd = -1;
  }
  if (!netns_.empty()) {
    sh("ip netns del " + netns_ + " 2>/dev/null");
    netns_.clear();
    g_netns_path[0] = '\0';
  }
  if (!run_dir_.empty()) {
    // Keep the guest's console next to the cache for a post-mortem, then drop the run files.
    sh("cp -f " + run_dir_ + "/console.log " + cache_dir_ + "/../kernel-console.log 2>/dev/null; rm -rf " + run_dir_);
    run_dir_.clear();
  }
}

}  // namespace sctpkit::kernel_test
