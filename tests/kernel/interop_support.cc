#include "kernel/interop_support.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <thread>

#include <gtest/gtest.h>

namespace sctpkit::kernel_test {

using Clock = std::chrono::steady_clock;

const CarrierInfo& info(Carrier carrier) {
  static const CarrierInfo kCarriers[] = {
      {Carrier::RawIpv4, "RawIpv4", kGuestIpv4, kHostIpv4, false, 6000},
      {Carrier::RawIpv6, "RawIpv6", kGuestIpv6, kHostIpv6, false, 6100},
      {Carrier::UdpIpv4, "UdpIpv4", kGuestIpv4, kHostIpv4, true, 6200},
  };
  return kCarriers[static_cast<int>(carrier)];
}

std::string carrier_name(Carrier carrier) { return info(carrier).name; }

Options prepare_carrier(KernelPeer& peer, Carrier carrier) {
  const bool udp = info(carrier).udp;
  // RFC 6951 via the kernel's sysctls: udp_port is the port it listens on, encap_port the remote
  // port it sends to when it starts an association (as a server it answers the port it heard from).
  EXPECT_TRUE(peer.set_sysctl("net.sctp.udp_port", std::to_string(kUdpPort)));
  EXPECT_TRUE(peer.set_sysctl("net.sctp.encap_port", udp ? std::to_string(kUdpPort) : "0"));
  // RFC 9260 8.3: heartbeats every 500 ms (plus RTO and jitter), so that an idle second shows them.
  EXPECT_TRUE(peer.set_sysctl("net.sctp.hb_interval", "500"));
  // The kernel's heartbeat timer also waits one RTO; its default floor of 1 s would stretch each
  // cell. 300 ms is still far above the link's round trip, even under emulation.
  EXPECT_TRUE(peer.set_sysctl("net.sctp.rto_min", "300"));
  EXPECT_TRUE(peer.set_sysctl("net.sctp.rto_initial", "1000"));
  Options options;
  options.transport = udp ? TransportKind::Udp : TransportKind::RawIp;
  options.udp_remote_port = kUdpPort;
  options.heartbeat_interval = std::chrono::milliseconds(300);
  // Software emulation under load: handshakes and echoes of large messages take seconds.
  options.timeout = std::chrono::seconds(60);
  options.outbound_streams = 16;
  return options;
}

void ChunkCounter::attach(Options& options) {
  options.packet_trace = [this](const PacketTrace& trace) {
    // Walk the chunks after the 12-byte common header (RFC 9260 3.1, 3.2); lengths are padded to 4.
    const auto packet = trace.packet;
    size_t at = 12;
    while (at + 4 <= packet.size()) {
      const uint8_t type = packet[at];
      const size_t length = static_cast<size_t>(packet[at + 2]) << 8 | packet[at + 3];
      if (length < 4) break;
      (trace.sent ? sent : received)[type]++;
      at += (length + 3) & ~size_t{3};
    }
  };
}

HostProcess::HostProcess(KernelPeer& peer, const std::vector<std::string>& argv) {
  char path[] = "/tmp/sctpkit-k2-hostXXXXXX";
  const int log = mkstemp(path);
  log_path_ = path;
  const pid_t parent = getpid();
  // The child inherits the namespace of the thread that forks it.
  peer.in_namespace([&] {
    pid_ = fork();
    if (pid_ != 0) return;
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(127);
    const int null = open("/dev/null", O_RDWR);
    dup2(null, STDIN_FILENO);
    dup2(log, STDOUT_FILENO);
    dup2(log, STDERR_FILENO);
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    execv(args[0], args.data());
    _exit(127);
  });
  if (log >= 0) close(log);
}

HostProcess::~HostProcess() {
  if (running()) {
    kill(pid_, SIGKILL);
    waitpid(pid_, &status_, 0);
  }
  unlink(log_path_.c_str());
}

bool HostProcess::running() {
  if (pid_ <= 0) return false;
  if (waitpid(pid_, &status_, WNOHANG) == pid_) {
    pid_ = -1;
    return false;
  }
  return true;
}

std::string HostProcess::log() const {
  std::ifstream in(log_path_);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

int HostProcess::wait(std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  while (running()) {
    if (Clock::now() >= deadline) return -1;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return WIFEXITED(status_) ? WEXITSTATUS(status_) : -1;
}

KernelView::KernelView(KernelPeer& peer) : peer_(peer), before_(peer.snmp()) {}

long long KernelView::delta(const std::string& counter) { return peer_.snmp()[counter] - before_[counter]; }

void KernelView::expect_clean_after_close() {
  // The kernel frees an association after SHUTDOWN COMPLETE or ABORT; give it a moment under load.
  std::string assocs;
  const auto deadline = Clock::now() + std::chrono::seconds(15);
  do {
    assocs = peer_.proc_sctp("assocs");
    if (!assocs.empty() && assocs.find('\n') == assocs.rfind('\n')) break;  // the header line only
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  } while (Clock::now() < deadline);
  EXPECT_FALSE(assocs.empty()) << "no /proc/net/sctp/assocs from the guest";
  EXPECT_EQ(assocs.find('\n'), assocs.rfind('\n')) << "associations left in the guest:\n" << assocs;
  auto after = peer_.snmp();
  EXPECT_EQ(after["SctpChecksumErrors"], before_["SctpChecksumErrors"]) << peer_.proc_sctp("snmp");
  EXPECT_EQ(after["SctpOutOfBlues"], before_["SctpOutOfBlues"]) << peer_.proc_sctp("snmp");
}

CommandResult run_guest_client(KernelPeer& peer, const std::string& command, std::chrono::milliseconds timeout) {
  CommandResult result;
  const auto deadline = Clock::now() + timeout;
  for (int attempt = 0; attempt < 10; ++attempt) {
    result = peer.run(command, timeout);
    if (result.output.find("error connect") == std::string::npos || Clock::now() >= deadline) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
  }
  return result;
}

std::vector<uint8_t> pattern(size_t size, unsigned seed) {
  std::vector<uint8_t> data(size);
  for (size_t i = 0; i < size; ++i) data[i] = static_cast<uint8_t>((i * 131 + seed * 7919 + (i >> 8)) & 0xff);
  return data;
}

}  // namespace sctpkit::kernel_test
