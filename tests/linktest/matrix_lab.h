// A small lab for the matrix tests: "nodes" are network namespaces on one bridge, which lives in a
// fourth namespace where the driver runs; each node can run a `sctpkit linktest --serve` agent.
// Every name holds the pid, so concurrent runs never meet; everything is deleted on every path.
// Needs root, `ip` and (for filters) `nft`; `reason()` says what is missing otherwise.
#pragma once

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>

namespace sctpkit::linktest::testing {

inline std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// A child process in a namespace, output to a log file; killed (its group) when it goes.
class NetnsProcess {
 public:
  NetnsProcess(const std::string& netns, std::vector<std::string> args, std::string log)
      : log_(std::move(log)) {
    std::vector<std::string> argv{"/usr/sbin/ip", "netns", "exec", netns};
    argv.insert(argv.end(), args.begin(), args.end());
    std::vector<char*> raw;
    for (auto& a : argv) raw.push_back(a.data());
    raw.push_back(nullptr);
    pid_ = ::fork();
    if (pid_ == 0) {
      ::setpgid(0, 0);
      FILE* out = std::fopen(log_.c_str(), "w");
      if (out) {
        ::dup2(::fileno(out), 1);
        ::dup2(::fileno(out), 2);
      }
      ::execv(raw[0], raw.data());
      ::_exit(127);
    }
    if (pid_ > 0) ::setpgid(pid_, pid_);
  }
  ~NetnsProcess() {
    if (pid_ > 0 && !exited_) {
      ::kill(-pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
    ::unlink(log_.c_str());
  }
  NetnsProcess(const NetnsProcess&) = delete;
  NetnsProcess& operator=(const NetnsProcess&) = delete;

  // Waits until the log holds `text` (false when the time passes or the process ended first).
  bool wait_for_log(const std::string& text, std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      if (log().find(text) != std::string::npos) return true;
      if (::waitpid(pid_, nullptr, WNOHANG) == pid_) {
        exited_ = true;
        return log().find(text) != std::string::npos;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return false;
  }
  [[nodiscard]] std::string log() const { return read_file(log_); }

 private:
  pid_t pid_ = -1;
  bool exited_ = false;
  std::string log_;
};

class MatrixLab {
 public:
  // Nodes get 10.231.0.1, .2, ...; the driver's namespace has 10.231.0.254 on the bridge.
  explicit MatrixLab(size_t nodes) : prefix_(fmt::format("skmx-{}", ::getpid())) {
    if (::geteuid() != 0) {
      reason_ = "needs root (network namespaces and raw sockets)";
      return;
    }
    for (size_t i = 0; i < nodes; ++i) nodes_.push_back(fmt::format("{}-n{}", prefix_, i + 1));
    cleanup();
    // Links are made inside the namespaces, never in ours, so their names cannot clash.
    std::string script = fmt::format(
        "ip netns add {d} && ip -n {d} link set lo up && ip -n {d} link add br0 type bridge && "
        "ip -n {d} addr add 10.231.0.254/24 dev br0 && ip -n {d} link set br0 up",
        fmt::arg("d", driver()));
    for (size_t i = 0; i < nodes; ++i)
      script += fmt::format(
          " && ip netns add {n} && ip -n {n} link set lo up && "
          "ip -n {d} link add v{i} type veth peer name eth0 netns {n} && "
          "ip -n {d} link set v{i} master br0 && ip -n {d} link set v{i} up && "
          "ip -n {n} addr add {a}/24 dev eth0 && ip -n {n} link set eth0 up",
          fmt::arg("d", driver()), fmt::arg("n", nodes_[i]), fmt::arg("i", i + 1), fmt::arg("a", address(i)));
    if (std::system((script + " >/dev/null 2>&1").c_str()) != 0) {
      reason_ = "could not make network namespaces with a bridge (ip netns / bridge / veth unavailable)";
      cleanup();
      return;
    }
    ok_ = true;
  }
  ~MatrixLab() {
    agents_.clear();  // the processes go before their namespaces
    cleanup();
  }
  MatrixLab(const MatrixLab&) = delete;
  MatrixLab& operator=(const MatrixLab&) = delete;

  [[nodiscard]] bool available() const { return ok_; }
  [[nodiscard]] const std::string& reason() const { return reason_; }
  [[nodiscard]] std::string driver() const { return prefix_ + "-d"; }
  [[nodiscard]] const std::string& node(size_t i) const { return nodes_[i]; }
  static std::string address(size_t i) { return fmt::format("10.231.0.{}", i + 1); }

  // Drops SCTP from `from`'s address to `port` at node `at` (nftables); false when nft failed.
  bool block_sctp(size_t at, size_t from, uint16_t port) {
    const std::string rules = fmt::format(
        "ip netns exec {n} nft add table inet skmx && "
        "ip netns exec {n} nft add chain inet skmx input '{{ type filter hook input priority 0 ; }}' && "
        "ip netns exec {n} nft add rule inet skmx input ip saddr {a} sctp dport {p} drop",
        fmt::arg("n", nodes_[at]), fmt::arg("a", address(from)), fmt::arg("p", port));
    return std::system((rules + " >/dev/null 2>&1").c_str()) == 0;
  }

  // Starts `sctpkit linktest --serve PORT <extra>` on node i; false unless it says it serves.
  bool start_agent(size_t i, uint16_t port, const std::vector<std::string>& extra) {
    std::vector<std::string> args{std::string(SCTPKIT_BINARY_DIR) + "/sctpkit", "linktest", "--serve",
                                  std::to_string(port)};
    args.insert(args.end(), extra.begin(), extra.end());
    agents_.push_back(std::make_unique<NetnsProcess>(nodes_[i], args, fmt::format("/tmp/{}-agent{}.log", prefix_, i + 1)));
    return agents_.back()->wait_for_log("serving", std::chrono::seconds(30));
  }
  [[nodiscard]] std::string agent_logs() const {
    std::string all;
    for (const auto& a : agents_) all += a->log() + "----\n";
    return all;
  }

 private:
  void cleanup() {
    std::string script = fmt::format("ip netns del {} 2>/dev/null", driver());
    for (const auto& n : nodes_) script += fmt::format("; ip netns del {} 2>/dev/null", n);
    std::system(script.c_str());
  }

  std::string prefix_;
  std::vector<std::string> nodes_;
  std::vector<std::unique_ptr<NetnsProcess>> agents_;
  std::string reason_;
  bool ok_ = false;
};

}  // namespace sctpkit::linktest::testing
