// Two network namespaces joined by a veth pair, made by a test and always deleted, so raw-socket
// traffic never leaves the machine (design.md 5). Needs root; `available()` says why not otherwise.
#pragma once

#include <fcntl.h>
#include <sched.h>
#include <unistd.h>

#include <cstdlib>
#include <string>

#include <fmt/format.h>

#include "wire/ip_address.h"

namespace sctpkit::net::testing {

class NetnsPair {
 public:
  // Addresses: a = 10.201.0.1 / fd00:201::1, b = 10.201.0.2 / fd00:201::2. `tag` starts the
  // namespaces' names, so that whoever runs the test can tell whose they are.
  explicit NetnsPair(const std::string& tag = "sk")
      : a_(fmt::format("{}-a-{}", tag, ::getpid())), b_(fmt::format("{}-b-{}", tag, ::getpid())) {
    if (::geteuid() != 0) {
      reason_ = "needs root (network namespaces and raw sockets)";
      return;
    }
    cleanup();
    const std::string script = fmt::format(
        "ip netns add {a} && ip netns add {b} && "
        "ip link add sk-va{p} netns {a} type veth peer name sk-vb{p} netns {b} && "
        "ip -n {a} link set lo up && ip -n {b} link set lo up && "
        "ip -n {a} addr add 10.201.0.1/24 dev sk-va{p} && ip -n {b} addr add 10.201.0.2/24 dev sk-vb{p} && "
        "ip -n {a} -6 addr add fd00:201::1/64 dev sk-va{p} nodad && "
        "ip -n {b} -6 addr add fd00:201::2/64 dev sk-vb{p} nodad && "
        "ip -n {a} link set sk-va{p} up && ip -n {b} link set sk-vb{p} up",
        fmt::arg("a", a_), fmt::arg("b", b_), fmt::arg("p", ::getpid() % 100000));
    if (std::system((script + " 2>/dev/null").c_str()) != 0) {
      reason_ = "could not create network namespaces with a veth pair (ip netns / veth unavailable)";
      cleanup();
      return;
    }
    ok_ = true;
  }
  ~NetnsPair() { cleanup(); }
  NetnsPair(const NetnsPair&) = delete;
  NetnsPair& operator=(const NetnsPair&) = delete;

  [[nodiscard]] bool available() const { return ok_; }
  [[nodiscard]] const std::string& reason() const { return reason_; }
  [[nodiscard]] const std::string& a() const { return a_; }
  [[nodiscard]] const std::string& b() const { return b_; }
  static wire::IpAddress a_v4() { return wire::IpAddress::v4(10, 201, 0, 1); }
  static wire::IpAddress b_v4() { return wire::IpAddress::v4(10, 201, 0, 2); }
  static wire::IpAddress a_v6() { return *wire::IpAddress::parse("fd00:201::1"); }
  static wire::IpAddress b_v6() { return *wire::IpAddress::parse("fd00:201::2"); }

 private:
  void cleanup() {
    // Deleting a namespace deletes the veth pair with it.
    std::system(fmt::format("ip netns del {} 2>/dev/null; ip netns del {} 2>/dev/null", a_, b_).c_str());
  }
  std::string a_, b_, reason_;
  bool ok_ = false;
};

// Runs the calling thread in a namespace for its scope: sockets made meanwhile stay in it for life.
class InNetns {
 public:
  explicit InNetns(const std::string& name) {
    original_ = ::open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
    const int target = ::open(fmt::format("/var/run/netns/{}", name).c_str(), O_RDONLY | O_CLOEXEC);
    ok_ = original_ >= 0 && target >= 0 && ::setns(target, CLONE_NEWNET) == 0;
    if (target >= 0) ::close(target);
  }
  ~InNetns() {
    if (original_ >= 0) {
      [[maybe_unused]] int r = ::setns(original_, CLONE_NEWNET);
      ::close(original_);
    }
  }
  InNetns(const InNetns&) = delete;
  InNetns& operator=(const InNetns&) = delete;
  [[nodiscard]] bool ok() const { return ok_; }

 private:
  int original_ = -1;
  bool ok_ = false;
};

}  // namespace sctpkit::net::testing
