#include "linktest/report.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace sctpkit::linktest {
namespace {

Report sample(bool failing) {
  Report r;
  r.server = "10.0.0.2:30102";
  r.transport = "raw";
  r.handshake_ms = 1.25;
  r.rtt_ms = 0.5;
  r.throughput_mbps = 100.0;
  r.phases.push_back({"setup", Outcome::Pass, 3, "INIT, INIT ACK, COOKIE ECHO, COOKIE ACK", "handshake 1.2 ms", ""});
  r.phases.push_back({"data", failing ? Outcome::Fail : Outcome::Pass, 1200, "10 messages", "ABORT received with cause <x>",
                      failing ? "see the server's log" : ""});
  r.phases.push_back({"abort", Outcome::Skip, 0, "", "not asked for", ""});
  r.association = AssociationFacts{0x11223344, 0x55667788, 10, 5, 65536};
  return r;
}

// The table said "server fd18::2:30102" and the JSON "server":"fd18::2:30102": the port read as
// the address's last group.
TEST(Report, ServerAddressBracketsIpv6) {
  EXPECT_EQ(server_address("10.0.0.2", 30102), "10.0.0.2:30102");
  EXPECT_EQ(server_address("fd18::2", 30102), "[fd18::2]:30102");
  EXPECT_EQ(server_address("::1", 7), "[::1]:7");
}

TEST(Report, VerdictAndDetailFollowTheFirstFailedPhase) {
  EXPECT_TRUE(sample(false).passed());
  EXPECT_EQ(sample(false).detail(), "");
  EXPECT_FALSE(sample(true).passed());
  EXPECT_EQ(sample(true).detail(), "data: ABORT received with cause <x>");
  EXPECT_FALSE(Report{}.passed()) << "a run without phases proves nothing";
}

TEST(Report, JsonHasTheKeysTheMatrixDriverReads) {
  const auto j = nlohmann::json::parse(to_json(sample(true)));
  EXPECT_EQ(j["verdict"], "fail");
  EXPECT_EQ(j["server"], "10.0.0.2:30102");
  EXPECT_EQ(j["transport"], "raw");
  EXPECT_DOUBLE_EQ(j["handshake_ms"].get<double>(), 1.25);
  EXPECT_DOUBLE_EQ(j["rtt_ms"].get<double>(), 0.5);
  EXPECT_DOUBLE_EQ(j["throughput_mbps"].get<double>(), 100.0);
  EXPECT_EQ(j["detail"], "data: ABORT received with cause <x>");
  ASSERT_EQ(j["phases"].size(), 3u);
  EXPECT_EQ(j["phases"][1]["name"], "data");
  EXPECT_EQ(j["phases"][1]["result"], "fail");
  EXPECT_EQ(j["phases"][1]["ms"], 1200);
  EXPECT_EQ(j["phases"][1]["hint"], "see the server's log");
  EXPECT_EQ(j["phases"][2]["result"], "skip");
  EXPECT_EQ(j["association"]["local_tag"], 0x11223344u);
  EXPECT_EQ(j["association"]["peer_tag"], 0x55667788u);
  EXPECT_EQ(j["association"]["os"], 10);
  EXPECT_EQ(j["association"]["mis"], 5);
  EXPECT_EQ(j["association"]["peer_rwnd"], 65536);
}

TEST(Report, JsonUsesNullForFiguresNotMeasured) {
  Report r;
  r.phases.push_back({"setup", Outcome::Fail, 5000, "INIT ACK", "INIT sent 3 times, no INIT ACK", "filtered?"});
  const auto j = nlohmann::json::parse(to_json(r));
  EXPECT_TRUE(j["handshake_ms"].is_null());
  EXPECT_TRUE(j["rtt_ms"].is_null());
  EXPECT_TRUE(j["throughput_mbps"].is_null());
  EXPECT_TRUE(j["association"].is_null());
}

TEST(Report, TableAlignsColumnsAndShowsTheHintUnderAFailure) {
  const std::string table = format_table(sample(true));
  EXPECT_EQ(table.find("phase"), 0u);
  const auto setup = table.find("\nsetup");
  const auto data = table.find("\ndata");
  ASSERT_NE(setup, std::string::npos);
  ASSERT_NE(data, std::string::npos);
  // "pass" and "fail" start in the same column, and so do the expectations.
  EXPECT_EQ(table.find("pass", setup) - setup, table.find("fail", data) - data);
  EXPECT_EQ(table.find("INIT, INIT ACK", setup) - setup, table.find("10 messages", data) - data);
  EXPECT_NE(table.find("check: see the server's log"), std::string::npos);
  EXPECT_NE(table.find("verdict: FAIL (1 of 3 phases failed; server 10.0.0.2:30102, raw IP transport)"),
            std::string::npos);
  EXPECT_NE(format_table(sample(false)).find("verdict: PASS"), std::string::npos);
}

TEST(Report, JunitHasOneCasePerPhaseAndEscapesText) {
  const std::string xml = to_junit(sample(true));
  EXPECT_NE(xml.find("<testsuite name=\"linktest\" tests=\"3\" failures=\"1\" skipped=\"1\""), std::string::npos);
  EXPECT_NE(xml.find("<testcase classname=\"linktest\" name=\"setup\" time=\"0.003\"/>"), std::string::npos);
  EXPECT_NE(xml.find("<failure message=\"ABORT received with cause &lt;x&gt;\">"), std::string::npos);
  EXPECT_NE(xml.find("check: see the server&apos;s log"), std::string::npos);
  EXPECT_NE(xml.find("<skipped message=\"not asked for\"/>"), std::string::npos);
  EXPECT_EQ(xml.find("<x>"), std::string::npos);
}

// A multi-homed run: the heartbeat phase's paths, one passing and one failing.
Report multi_homed() {
  Report r = sample(false);
  PathResult good{"10.1.0.1", "10.1.0.2", "active", 0.3, 5, 5, 6, 6, true, true, Outcome::Pass, "", ""};
  PathResult bad{"10.2.0.1", "10.2.0.2", "inactive", std::nullopt, 4, 0, 0, 0, true, true, Outcome::Fail,
                 "no HEARTBEAT ACK from 10.2.0.2 in 5 s over path 10.2.0.1 -> 10.2.0.2",
                 "is that network routed and SCTP allowed on it?"};
  r.paths = {good, bad};
  return r;
}

TEST(Report, SingleHomedReportsHaveNoPaths) {
  EXPECT_EQ(format_table(sample(false)).find("path"), std::string::npos);
  EXPECT_FALSE(nlohmann::json::parse(to_json(sample(false))).contains("paths"));
  EXPECT_EQ(to_junit(sample(false)).find("linktest.paths"), std::string::npos);
}

TEST(Report, TableListsEveryPathWithTheCheckUnderAFailedOne) {
  const std::string table = format_table(multi_homed());
  const auto head = table.find("\npath ");
  const auto good = table.find("\n10.1.0.1 -> 10.1.0.2");
  const auto bad = table.find("\n10.2.0.1 -> 10.2.0.2");
  ASSERT_NE(head, std::string::npos) << table;
  ASSERT_NE(good, std::string::npos) << table;
  ASSERT_NE(bad, std::string::npos) << table;
  EXPECT_LT(head, good);
  EXPECT_LT(good, bad);
  EXPECT_LT(bad, table.find("verdict:")) << "the paths come before the verdict";
  EXPECT_NE(table.find("active    0.3 ms  5 sent / 5 answered  6 received / 6 answered  pass", good), std::string::npos)
      << table;
  EXPECT_NE(table.find("inactive       -  4 sent / 0 answered  0 received / 0 answered  fail", bad), std::string::npos)
      << table;
  EXPECT_NE(table.find("check: no HEARTBEAT ACK from 10.2.0.2 in 5 s over path 10.2.0.1 -> 10.2.0.2: is that network "
                       "routed and SCTP allowed on it?",
                       bad),
            std::string::npos)
      << table;
}

TEST(Report, JsonAndJunitHaveAnEntryPerPath) {
  const auto j = nlohmann::json::parse(to_json(multi_homed()));
  ASSERT_EQ(j["paths"].size(), 2u);
  EXPECT_EQ(j["paths"][0]["local"], "10.1.0.1");
  EXPECT_EQ(j["paths"][0]["peer"], "10.1.0.2");
  EXPECT_EQ(j["paths"][0]["state"], "active");
  EXPECT_DOUBLE_EQ(j["paths"][0]["srtt_ms"].get<double>(), 0.3);
  EXPECT_EQ(j["paths"][0]["hb_sent"], 5);
  EXPECT_EQ(j["paths"][0]["hb_ack_received"], 5);
  EXPECT_EQ(j["paths"][0]["hb_received"], 6);
  EXPECT_EQ(j["paths"][0]["hb_ack_sent"], 6);
  EXPECT_EQ(j["paths"][0]["result"], "pass");
  EXPECT_TRUE(j["paths"][1]["srtt_ms"].is_null());
  EXPECT_EQ(j["paths"][1]["result"], "fail");
  EXPECT_EQ(j["paths"][1]["hint"], "is that network routed and SCTP allowed on it?");
  const std::string xml = to_junit(multi_homed());
  EXPECT_NE(xml.find("tests=\"5\" failures=\"1\""), std::string::npos) << xml;
  EXPECT_NE(xml.find("<testcase classname=\"linktest.paths\" name=\"heartbeat 10.1.0.1 -&gt; 10.1.0.2\" "
                     "time=\"0.000\"/>"),
            std::string::npos)
      << xml;
  EXPECT_NE(xml.find("<failure message=\"no HEARTBEAT ACK from 10.2.0.2 in 5 s over path 10.2.0.1 -&gt; 10.2.0.2\">"
                     "expected: HB REQ and HB ACK both ways on this path\nseen: no HEARTBEAT ACK"),
            std::string::npos)
      << xml;
  EXPECT_NE(xml.find("path inactive, our HB REQ 4 sent / 0 answered, the peer's 0 received / 0 answered\ncheck: is "
                     "that network routed and SCTP allowed on it?</failure>"),
            std::string::npos)
      << xml;
}

// On kernel sockets (no packets): the kernel's view of each peer address instead of heartbeat
// counts, in the table, the JSON ("basis") and JUnit.
Report kernel_multi_homed() {
  Report r = sample(false);
  r.transport = "kernel";
  PathResult good;
  good.peer = "10.77.0.1";
  good.state = "active";
  good.srtt_ms = 1.0;
  good.result = Outcome::Pass;
  good.basis = "primary, confirmed by the handshake; active";
  PathResult bad;
  bad.peer = "10.77.0.4";
  bad.state = "unconfirmed";
  bad.result = Outcome::Fail;
  bad.basis = "no HEARTBEAT ACK yet (unconfirmed, RFC 9260 5.4)";
  bad.seen = "the kernel had no HEARTBEAT ACK from 10.77.0.4 in 5 s (the address is still unconfirmed)";
  bad.hint = "is that network routed and SCTP allowed on it?";
  r.paths = {good, bad};
  return r;
}

TEST(Report, KernelPathsShowTheKernelsViewInsteadOfHeartbeatCounts) {
  const Report r = kernel_multi_homed();
  const std::string table = format_table(r);
  EXPECT_NE(table.find("\npeer address  state          srtt  the kernel's view (SCTP_GET_PEER_ADDR_INFO)"), std::string::npos) << table;
  EXPECT_EQ(table.find("HB REQ"), std::string::npos) << "no heartbeat is counted on kernel sockets\n" << table;
  EXPECT_NE(table.find("\n10.77.0.1     active       1.0 ms  primary, confirmed by the handshake; active"),
            std::string::npos)
      << table;
  EXPECT_NE(table.find("check: the kernel had no HEARTBEAT ACK from 10.77.0.4 in 5 s (the address is still "
                       "unconfirmed): is that network routed and SCTP allowed on it?"),
            std::string::npos)
      << table;
  const auto j = nlohmann::json::parse(to_json(r));
  EXPECT_EQ(j["paths"][1]["basis"], "no HEARTBEAT ACK yet (unconfirmed, RFC 9260 5.4)");
  EXPECT_EQ(j["paths"][1]["state"], "unconfirmed");
  // The userspace backends' paths keep their keys.
  EXPECT_FALSE(nlohmann::json::parse(to_json(multi_homed()))["paths"][0].contains("basis"));
  const std::string xml = to_junit(r);
  EXPECT_NE(xml.find("<testcase classname=\"linktest.paths\" name=\"path to 10.77.0.1\" time=\"0.000\"/>"),
            std::string::npos)
      << xml;
  EXPECT_NE(xml.find("seen: the kernel had no HEARTBEAT ACK from 10.77.0.4 in 5 s (the address is still unconfirmed); "
                     "the kernel's view: no HEARTBEAT ACK yet (unconfirmed, RFC 9260 5.4)\ncheck: is that network"),
            std::string::npos)
      << xml;
}

}  // namespace
}  // namespace sctpkit::linktest
