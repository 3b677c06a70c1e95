// `sctpkit linktest` and `sctpkit perf` with the kernel's SCTP on one end: the host's linktest
// (our stack, in the namespace) against the guest's kernel echo server, raw IPv4 and UDP
// encapsulation; `linktest --kernel` and `perf --kernel` in the guest against our `--serve` and
// `perf -s` on the host; and `linktest --serve --kernel` in the guest against the host's linktest.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cstdlib>
#include <functional>
#include <sstream>
#include <string>
#include <vector>

#include "kernel/interop_support.h"

namespace sctpkit::kernel_test {
namespace {

using std::chrono::seconds;

// The JSON object a tool printed on a line of its own, amid its other output; null if none parses.
nlohmann::json json_line(const std::string& output) {
  std::istringstream lines(output);
  std::string line;
  while (std::getline(lines, line))
    if (!line.empty() && line.front() == '{') return nlohmann::json::parse(line, nullptr, false);
  return nullptr;
}

// The phases' results by name, in order: "setup=pass data=pass ...", for one readable comparison.
std::string phase_results(const nlohmann::json& report) {
  std::string out;
  for (const auto& phase : report["phases"])
    out += (out.empty() ? "" : " ") + phase["name"].get<std::string>() + "=" + phase["result"].get<std::string>();
  return out;
}

const nlohmann::json* phase(const nlohmann::json& report, const std::string& name) {
  for (const auto& p : report["phases"])
    if (p["name"] == name) return &p;
  return nullptr;
}

// Waits until the guest's log of `name` has a line "exit=N" and returns N (-1 on time-out).
int guest_exit_code(KernelPeer& peer, const std::string& name, std::chrono::milliseconds timeout) {
  if (!peer.wait_for_line(name, "exit=", timeout)) return -1;
  const std::string log = peer.program_log(name);
  const auto at = log.rfind("exit=");
  return std::atoi(log.c_str() + at + 5);
}

// Checks the kernel's view and the report of a linktest run against the guest's echo server.
class HostLinktest : public ::testing::TestWithParam<Carrier> {};

// Our linktest (client, in the namespace) against the guest's one-to-one echo server, which
// returns each message whole on its stream, with its PPID and U flag: every phase must pass, the
// data phase byte for byte, and the kernel must count no checksum error and no out-of-the-blue
// packet.
TEST_P(HostLinktest, PassesAgainstTheKernelEchoServer) {
  SCTPKIT_KERNEL_PEER(peer);
  const CarrierInfo& carrier = info(GetParam());
  prepare_carrier(*peer, GetParam());
  KernelView view(*peer);
  const std::string port = std::to_string(carrier.port_base + 40);
  peer->start_program("lt_echo", "echo_stream " + port);
  ASSERT_TRUE(peer->wait_for_line("lt_echo", "ready")) << peer->program_log("lt_echo");
  HostProcess linktest(*peer, {SCTPKIT_TOOL, "linktest", carrier.udp ? "--udp=9899" : "--raw", "--json", "--abort",
                               "--timeout", "60", "--bulk", "256", carrier.guest_address, port});
  const int code = linktest.wait(std::chrono::seconds(240));
  const std::string output = linktest.log();
  EXPECT_EQ(code, 0) << output << "\nguest:\n" << peer->program_log("lt_echo");
  const auto report = json_line(output);
  ASSERT_TRUE(report.is_object()) << output;
  EXPECT_EQ(report["verdict"], "pass") << output;
  EXPECT_EQ(report["transport"], carrier.udp ? "udp" : "raw");
  EXPECT_EQ(phase_results(report), "setup=pass data=pass heartbeat=pass shutdown=pass abort=pass") << output;
  // The data phase compared the echoes byte for byte; the setup phase read the kernel's INIT ACK.
  EXPECT_NE(report["association"]["peer_tag"], 0) << output;
  EXPECT_EQ(report["association"]["mis"], 16) << "echo_stream offers 16 streams (SCTP_INITMSG)";
  EXPECT_TRUE(report["handshake_ms"].is_number()) << output;
  peer->stop_program("lt_echo");
  // The abort phase's ABORT is the only one the kernel saw.
  EXPECT_EQ(view.delta("SctpAborteds"), 1) << peer->proc_sctp("snmp");
  view.expect_clean_after_close();
}

INSTANTIATE_TEST_SUITE_P(Kernel, HostLinktest, ::testing::Values(Carrier::RawIpv4, Carrier::UdpIpv4),
                         [](const auto& p) { return carrier_name(p.param); });

// `sctpkit linktest --kernel` in the guest against `sctpkit linktest --serve` on our stack (raw
// IPv4) in the namespace: what the kernel's sockets show passes, the heartbeat phase says it is not
// observable there rather than failing, and our server saw a graceful end.
TEST(GuestLinktest, KernelClientPassesAgainstOurServer) {
  SCTPKIT_KERNEL_PEER(peer);
  SCTPKIT_GUEST_TOOL(peer);
  prepare_carrier(*peer, Carrier::RawIpv4);
  KernelView view(*peer);
  HostProcess serve(*peer, {SCTPKIT_TOOL, "linktest", "--serve", "6441", "--raw"});
  peer->start_program("lt_kclient", std::string("sctpkit linktest --kernel --json --abort --timeout 60 --bulk 256 ") +
                                        kHostIpv4 + " 6441; echo exit=$?");
  const int code = guest_exit_code(*peer, "lt_kclient", seconds(240));
  const std::string output = peer->program_log("lt_kclient");
  EXPECT_EQ(code, 0) << output << "\nserver:\n" << serve.log();
  const auto report = json_line(output);
  ASSERT_TRUE(report.is_object()) << output;
  EXPECT_EQ(report["verdict"], "pass") << output;
  EXPECT_EQ(report["transport"], "kernel");
  EXPECT_EQ(phase_results(report), "setup=pass data=pass heartbeat=skip shutdown=pass abort=pass") << output;
  const auto* heartbeat = phase(report, "heartbeat");
  ASSERT_NE(heartbeat, nullptr);
  const std::string seen = (*heartbeat)["seen"].get<std::string>();
  EXPECT_NE(seen.find("not observable on kernel sockets"), std::string::npos) << seen;
  // What it did check: SCTP_STATUS kept the primary path active (its srtt, in whole ms, may be 0).
  EXPECT_NE(seen.find("the primary path stayed active"), std::string::npos) << seen;
  EXPECT_TRUE(report["throughput_mbps"].is_number()) << output;
  EXPECT_EQ(report["association"]["os"], 10) << output;  // the default Options::outbound_streams
  // Our server saw the first association shut down and the second one aborted by the peer.
  const std::string served = serve.log();
  EXPECT_NE(served.find(": shut down"), std::string::npos) << served;
  EXPECT_NE(served.find(": aborted by the peer"), std::string::npos) << served;
  view.expect_clean_after_close();
}

// The reverse: `sctpkit linktest --serve --kernel` in the guest, the host's linktest (our stack)
// against it. The kernel's heartbeat interval is its own, so the host waits for ours only.
TEST(GuestLinktest, HostPassesAgainstKernelServe) {
  SCTPKIT_KERNEL_PEER(peer);
  SCTPKIT_GUEST_TOOL(peer);
  prepare_carrier(*peer, Carrier::RawIpv4);
  KernelView view(*peer);
  peer->start_program("lt_kserve", "sctpkit linktest --serve 6442 --kernel");
  ASSERT_TRUE(peer->wait_for_line("lt_kserve", "sctpkit linktest: serving SCTP port 6442 over the kernel's SCTP"))
      << peer->program_log("lt_kserve");
  HostProcess linktest(*peer, {SCTPKIT_TOOL, "linktest", "--raw", "--json", "--timeout", "60", "--bulk", "256",
                               kGuestIpv4, "6442"});
  const int code = linktest.wait(std::chrono::seconds(240));
  const std::string output = linktest.log();
  EXPECT_EQ(code, 0) << output << "\nguest:\n" << peer->program_log("lt_kserve");
  const auto report = json_line(output);
  ASSERT_TRUE(report.is_object()) << output;
  EXPECT_EQ(phase_results(report), "setup=pass data=pass heartbeat=pass shutdown=pass") << output;
  // A dual-stack kernel listener names the host by its v4-mapped address.
  EXPECT_TRUE(peer->wait_for_line("lt_kserve", "sctpkit linktest: association from")) << peer->program_log("lt_kserve");
  EXPECT_NE(peer->program_log("lt_kserve").find("10.77.0.1 port"), std::string::npos) << peer->program_log("lt_kserve");
  peer->stop_program("lt_kserve");
  view.expect_clean_after_close();
}

// A second address on each side of the link (10.77.0.3 in the guest, 10.77.0.4 in the namespace),
// removed again whatever the test does: the guest is shared by every test.
constexpr const char* kGuestSecond = "10.77.0.3";
constexpr const char* kHostSecond = "10.77.0.4";
class SecondAddresses {
 public:
  explicit SecondAddresses(KernelPeer& peer) : peer_(peer) {
    ok_ = peer_.run(std::string("ip addr add ") + kGuestSecond + "/24 dev eth0").exit_code == 0 && host("add") == 0;
  }
  SecondAddresses(const SecondAddresses&) = delete;
  SecondAddresses& operator=(const SecondAddresses&) = delete;
  ~SecondAddresses() {
    peer_.run(std::string("ip addr del ") + kGuestSecond + "/24 dev eth0");
    host("del");
  }
  [[nodiscard]] bool ok() const { return ok_; }

 private:
  int host(const std::string& verb) {
    int rc = -1;
    peer_.in_namespace([&] { rc = std::system(("ip addr " + verb + " " + kHostSecond + "/24 dev tap0").c_str()); });
    return rc;
  }
  KernelPeer& peer_;
  bool ok_ = false;
};

// RFC 9260 6.4 with the kernel as a multi-homed server: echo_stream bound to the IPv4 wildcard
// lists every address of the guest in its INIT ACK. With a second address on each side, the host's
// linktest (two -s addresses) must check a path to each of the kernel's addresses, and the kernel
// must count nothing out of the blue (a packet from an address we did not list would be).
TEST(HostLinktestMultihome, KernelServerOnTwoAddressesHasEveryPathChecked) {
  SCTPKIT_KERNEL_PEER(peer);
  prepare_carrier(*peer, Carrier::RawIpv4);
  SecondAddresses second(*peer);
  ASSERT_TRUE(second.ok());
  KernelView view(*peer);
  peer->start_program("lt_mh_echo", "echo_stream 6444");
  ASSERT_TRUE(peer->wait_for_line("lt_mh_echo", "ready")) << peer->program_log("lt_mh_echo");
  HostProcess linktest(*peer, {SCTPKIT_TOOL, "linktest", "--raw", "--json", "--timeout", "30", "--bulk", "0", "-s",
                               std::string(kHostIpv4) + "," + kHostSecond, kGuestIpv4, "6444"});
  const int code = linktest.wait(std::chrono::seconds(120));
  const std::string output = linktest.log();
  EXPECT_EQ(code, 0) << output << "\nguest:\n" << peer->program_log("lt_mh_echo");
  const auto report = json_line(output);
  ASSERT_TRUE(report.is_object()) << output;
  EXPECT_EQ(phase_results(report), "setup=pass data=pass heartbeat=pass shutdown=pass") << output;
  ASSERT_TRUE(report["paths"].is_array()) << output;
  for (const char* address : {kGuestIpv4, kGuestSecond}) {
    int answered = 0;
    for (const auto& path : report["paths"])
      if (path["peer"] == address) answered += path["hb_ack_received"].get<int>();
    EXPECT_GT(answered, 0) << "no HEARTBEAT ACK from " << address << ": " << report["paths"].dump();
  }
  for (const auto& path : report["paths"]) EXPECT_EQ(path["result"], "pass") << path.dump();
  std::printf("linktest paths against the kernel on two addresses: %s\n", report["paths"].dump().c_str());
  peer->stop_program("lt_mh_echo");
  view.expect_clean_after_close();
}

// `sctpkit linktest --kernel` in the guest as a multi-homed client (two -s addresses) against our
// `--serve` on two addresses: the kernel backend's status() lists both of the server's addresses
// (SCTP_GET_PEER_ADDRS, SCTP_GET_PEER_ADDR_INFO), and the heartbeat phase passes on the kernel's
// view of each: the second address, unconfirmed after the handshake, confirmed by the kernel's
// HEARTBEAT to it (RFC 9260 5.4).
TEST(GuestLinktestMultihome, KernelClientOnTwoAddressesListsAndChecksBothPaths) {
  SCTPKIT_KERNEL_PEER(peer);
  SCTPKIT_GUEST_TOOL(peer);
  prepare_carrier(*peer, Carrier::RawIpv4);
  SecondAddresses second(*peer);
  ASSERT_TRUE(second.ok());
  KernelView view(*peer);
  HostProcess serve(*peer, {SCTPKIT_TOOL, "linktest", "--serve", "6445", "--raw", "-s",
                            std::string(kHostIpv4) + "," + kHostSecond});
  peer->start_program("lt_mh_kclient", std::string("sctpkit linktest --kernel --json --timeout 60 --bulk 0 -s ") +
                                           kGuestIpv4 + "," + kGuestSecond + " " + kHostIpv4 + " 6445; echo exit=$?");
  const int code = guest_exit_code(*peer, "lt_mh_kclient", seconds(240));
  const std::string output = peer->program_log("lt_mh_kclient");
  EXPECT_EQ(code, 0) << output << "\nserver:\n" << serve.log();
  const auto report = json_line(output);
  ASSERT_TRUE(report.is_object()) << output;
  EXPECT_EQ(report["verdict"], "pass") << output;
  EXPECT_EQ(phase_results(report), "setup=pass data=pass heartbeat=pass shutdown=pass") << output;
  ASSERT_TRUE(report["paths"].is_array()) << output;
  ASSERT_EQ(report["paths"].size(), 2u) << report["paths"].dump();
  // The primary (the address connected to) first, then the one only the INIT ACK listed.
  EXPECT_EQ(report["paths"][0]["peer"], kHostIpv4) << report["paths"].dump();
  EXPECT_EQ(report["paths"][1]["peer"], kHostSecond) << report["paths"].dump();
  for (const auto& path : report["paths"]) {
    EXPECT_EQ(path["state"], "active") << path.dump();
    EXPECT_EQ(path["result"], "pass") << path.dump();
    EXPECT_TRUE(path["srtt_ms"].is_number()) << path.dump();
    EXPECT_FALSE(path["basis"].get<std::string>().empty()) << path.dump();
  }
  EXPECT_EQ(report["paths"][1]["basis"], "confirmed by a HEARTBEAT ACK; active") << report["paths"].dump();
  std::printf("linktest --kernel paths on two addresses each: %s\n", report["paths"].dump().c_str());
  view.expect_clean_after_close();
}

// The same with SCTP to our second address dropped in the namespace (nftables, before our raw
// socket sees it): the kernel never gets a HEARTBEAT ACK from 10.77.0.4, the address stays
// unconfirmed (RFC 9260 5.4), and the heartbeat phase fails naming that path; exit 1.
TEST(GuestLinktestMultihome, KernelClientFailsThePathWhoseHeartbeatsAreDropped) {
  SCTPKIT_KERNEL_PEER(peer);
  SCTPKIT_GUEST_TOOL(peer);
  prepare_carrier(*peer, Carrier::RawIpv4);
  SecondAddresses second(*peer);
  ASSERT_TRUE(second.ok());
  auto nft = [&](const std::string& script) {
    int rc = -1;
    peer->in_namespace([&] { rc = std::system(("nft -f - <<'EOF'\n" + script + "\nEOF").c_str()); });
    return rc;
  };
  if (nft(std::string("table inet kpaths22_drop {\n chain in { type filter hook input priority 0;\n  ip daddr ") +
          kHostSecond + " meta l4proto sctp drop\n }\n}") != 0)
    GTEST_SKIP() << "nftables unavailable in the test namespace";
  struct Unblock {
    std::function<int(const std::string&)> nft;
    ~Unblock() { nft("delete table inet kpaths22_drop"); }
  } unblock{nft};
  HostProcess serve(*peer, {SCTPKIT_TOOL, "linktest", "--serve", "6446", "--raw", "-s",
                            std::string(kHostIpv4) + "," + kHostSecond});
  peer->start_program("lt_mh_kdrop", std::string("sctpkit linktest --kernel --json --timeout 8 --bulk 0 -s ") +
                                         kGuestIpv4 + "," + kGuestSecond + " " + kHostIpv4 + " 6446; echo exit=$?");
  const int code = guest_exit_code(*peer, "lt_mh_kdrop", seconds(240));
  const std::string output = peer->program_log("lt_mh_kdrop");
  EXPECT_EQ(code, 1) << output << "\nserver:\n" << serve.log();
  const auto report = json_line(output);
  ASSERT_TRUE(report.is_object()) << output;
  EXPECT_EQ(phase_results(report), "setup=pass data=pass heartbeat=fail shutdown=pass") << output;
  const auto* heartbeat = phase(report, "heartbeat");
  ASSERT_NE(heartbeat, nullptr);
  EXPECT_NE((*heartbeat)["seen"].get<std::string>().find("the kernel had no HEARTBEAT ACK from 10.77.0.4 in "),
            std::string::npos)
      << heartbeat->dump();
  EXPECT_EQ((*heartbeat)["hint"], "is that network routed and SCTP allowed on it?") << heartbeat->dump();
  ASSERT_EQ(report["paths"].size(), 2u) << output;
  EXPECT_EQ(report["paths"][0]["result"], "pass") << report["paths"].dump();
  EXPECT_EQ(report["paths"][1]["peer"], kHostSecond) << report["paths"].dump();
  EXPECT_EQ(report["paths"][1]["state"], "unconfirmed") << report["paths"].dump();
  EXPECT_EQ(report["paths"][1]["result"], "fail") << report["paths"].dump();
  std::printf("linktest --kernel with the second path dropped: %s\n", (*heartbeat)["seen"].dump().c_str());
}

// `sctpkit perf --kernel` in the guest against `perf -s --one-off` on our stack: a short bulk test
// whose every byte the server counted, measured until the kernel saw it all acknowledged.
TEST(GuestPerf, KernelClientAgainstOurServer) {
  SCTPKIT_KERNEL_PEER(peer);
  SCTPKIT_GUEST_TOOL(peer);
  prepare_carrier(*peer, Carrier::RawIpv4);
  KernelView view(*peer);
  HostProcess server(*peer, {SCTPKIT_TOOL, "perf", "-s", "--one-off", "--raw", "-p", "6443"});
  // The JSON comes indented over many lines: joined into one for json_line().
  peer->start_program("perf_kclient", std::string("sctpkit perf --kernel -c ") + kHostIpv4 +
                                          " -p 6443 -t 2 -l 16384 -w 60 -J > /tmp/perf.json; code=$?; "
                                          "tr -d '\\n' < /tmp/perf.json; echo; echo exit=$code");
  const int code = guest_exit_code(*peer, "perf_kclient", seconds(120));
  const std::string output = peer->program_log("perf_kclient");
  EXPECT_EQ(code, 0) << output << "\nserver:\n" << server.log();
  const auto result = json_line(output);
  ASSERT_TRUE(result.is_object()) << output;
  EXPECT_EQ(result["transport"], "kernel");
  EXPECT_GT(result["bytes"].get<uint64_t>(), 0u) << output;
  EXPECT_EQ(result["bytes"], result["server"]["bytes"]) << output;
  std::printf("perf --kernel (guest -> our stack, raw IPv4, 16 KiB messages): %s\n", output.c_str());
  EXPECT_EQ(server.wait(std::chrono::seconds(30)), 0) << server.log();
  view.expect_clean_after_close();
}

}  // namespace
}  // namespace sctpkit::kernel_test
