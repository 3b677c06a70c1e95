#include <gtest/gtest.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <nlohmann/json.hpp>
#include <thread>

#include "linktest/bounded_process.h"
#include "linktest/matrix_agent.h"

namespace sctpkit::linktest {
namespace {

TestRequest request_ok(std::string_view text, const AgentSettings& settings = {}) {
  auto parsed = parse_test_request(text, settings);
  EXPECT_TRUE(std::holds_alternative<TestRequest>(parsed)) << text;
  return std::holds_alternative<TestRequest>(parsed) ? std::get<TestRequest>(parsed) : TestRequest{};
}

std::string refusal(std::string_view text, const AgentSettings& settings = {}) {
  auto parsed = parse_test_request(text, settings);
  EXPECT_TRUE(std::holds_alternative<std::string>(parsed)) << text;
  return std::holds_alternative<std::string>(parsed) ? std::get<std::string>(parsed) : "";
}

TEST(MatrixAgentRequest, ParsesAFullRequest) {
  const auto r = request_ok(
      R"({"op":"linktest","target":"[fd00::2]:30102","timeout_ms":20000,"init_retries":2,"rto_initial_ms":200,)"
      R"("phase_timeout_ms":2500})");
  EXPECT_EQ(r.target.host, "fd00::2");
  EXPECT_EQ(r.target.port, 30102);
  EXPECT_EQ(r.timeout.count(), 20000);
  EXPECT_EQ(r.init_retries, 2);
  EXPECT_EQ(r.rto_initial->count(), 200);
  EXPECT_EQ(r.phase_timeout->count(), 2500);
  const auto minimal = request_ok(R"({"op":"linktest","target":"10.0.0.2:9"})");
  EXPECT_EQ(minimal.timeout.count(), 60000);
  EXPECT_FALSE(minimal.init_retries);
  EXPECT_FALSE(minimal.rto_initial);
  EXPECT_FALSE(minimal.phase_timeout);
}

TEST(MatrixAgentRequest, RefusesWhatItDoesNotKnow) {
  EXPECT_NE(refusal("nope").find("not a JSON object"), std::string::npos);
  EXPECT_NE(refusal(R"({"target":"10.0.0.2:9"})").find("no op"), std::string::npos);
  EXPECT_NE(refusal(R"({"op":"linktest"})").find("no target"), std::string::npos);
  EXPECT_NE(refusal(R"({"op":"shell","target":"10.0.0.2:9"})").find("unknown op"), std::string::npos);
  EXPECT_NE(refusal(R"({"op":"linktest","target":"10.0.0.2:9","cmd":"x"})").find("unknown field 'cmd'"), std::string::npos);
  EXPECT_NE(refusal(R"({"op":"linktest","target":7})").find("target"), std::string::npos);
  EXPECT_NE(refusal(R"({"op":"linktest","target":"--raw:9"})").find("HOST"), std::string::npos);
  EXPECT_NE(refusal(R"({"op":"linktest","target":"10.0.0.2:9","timeout_ms":"5"})").find("timeout_ms"), std::string::npos);
  EXPECT_NE(refusal(R"({"op":"linktest","target":"10.0.0.2:9","timeout_ms":5})").find("timeout_ms"), std::string::npos);
  AgentSettings capped;
  capped.max_timeout = std::chrono::milliseconds(30000);
  EXPECT_NE(refusal(R"({"op":"linktest","target":"10.0.0.2:9","timeout_ms":30001})", capped).find("1000..30000"),
            std::string::npos);
  EXPECT_NE(refusal(R"({"op":"linktest","target":"10.0.0.2:9","init_retries":101})").find("init_retries"),
            std::string::npos);
  EXPECT_NE(refusal(R"({"op":"linktest","target":"10.0.0.2:9","rto_initial_ms":1.5})").find("rto_initial_ms"),
            std::string::npos);
  EXPECT_NE(refusal(R"({"op":"linktest","target":"10.0.0.2:9","phase_timeout_ms":-1})").find("phase_timeout_ms"),
            std::string::npos);
  const std::string huge = R"({"op":"linktest","target":"10.0.0.2:9","x":")" + std::string(kMaxControlRequest, 'x') + "\"}";
  EXPECT_NE(refusal(huge).find("more than"), std::string::npos);
}

TEST(MatrixAgentRequest, CommandRunsOurBinaryWithTheAgentsTransport) {
  AgentSettings settings;
  settings.executable = "/usr/bin/sctpkit";
  settings.transport_args = {"--udp=9899"};
  const auto r = request_ok(
      R"({"op":"linktest","target":"[fd00::2]:30102","init_retries":2,"rto_initial_ms":200,"phase_timeout_ms":2500})");
  EXPECT_EQ(test_command(r, settings),
            (std::vector<std::string>{"/usr/bin/sctpkit", "linktest", "fd00::2", "30102", "--json", "--udp=9899",
                                      "--init-retries", "2", "--rto-initial", "200", "--timeout", "2.5"}));
  const auto minimal = request_ok(R"({"op":"linktest","target":"10.0.0.2:9"})");
  EXPECT_EQ(test_command(minimal, AgentSettings{}),
            (std::vector<std::string>{"/proc/self/exe", "linktest", "10.0.0.2", "9", "--json"}));
}

// A stand-in for the sctpkit binary: a script that acts as `linktest` would.
class FakeBinary {
 public:
  explicit FakeBinary(const std::string& body) : path_(fmt_path()) {
    std::ofstream(path_) << "#!/bin/sh\n" << body << "\n";
    ::chmod(path_.c_str(), 0700);
  }
  ~FakeBinary() { ::unlink(path_.c_str()); }
  [[nodiscard]] const std::string& path() const { return path_; }

 private:
  static std::string fmt_path() {
    static int n = 0;
    return "/tmp/sctpkit-matrix-fake-" + std::to_string(::getpid()) + "-" + std::to_string(n++);
  }
  std::string path_;
};

nlohmann::json handle(MatrixAgent& agent, std::string_view request) {
  auto reply = agent.handle(request);
  EXPECT_TRUE(reply);
  return nlohmann::json::parse(reply.value_or("null"));
}

TEST(MatrixAgent, ReturnsTheTestsReportEvenWhenItExitsOne) {
  FakeBinary fake(R"(echo '{"verdict":"fail","server":"'"$2:$3"'","rtt_ms":null,"detail":"args: '"$*"'"}'; exit 1)");
  MatrixAgent agent(AgentSettings{fake.path(), {"--raw"}, std::chrono::minutes(1)});
  const auto report = handle(agent, R"({"op":"linktest","target":"10.0.0.2:30102","init_retries":3})");
  EXPECT_EQ(report["verdict"], "fail");
  EXPECT_EQ(report["server"], "10.0.0.2:30102");
  EXPECT_EQ(report["detail"], "args: linktest 10.0.0.2 30102 --json --raw --init-retries 3");
}

TEST(MatrixAgent, ABadRequestGetsAFailedReport) {
  MatrixAgent agent(AgentSettings{"/nonexistent", {}, std::chrono::minutes(1)});
  const auto report = handle(agent, R"({"op":"rm"})");
  EXPECT_EQ(report["verdict"], "fail");
  EXPECT_EQ(report["detail"].get<std::string>().rfind("agent: bad request: unknown op", 0), 0u);
}

TEST(MatrixAgent, ATestWithoutReportFailsWithItsLastErrorLine) {
  FakeBinary fake("echo starting >&2; echo 'sctpkit linktest: --bogus: unknown option' >&2; exit 2");
  MatrixAgent agent(AgentSettings{fake.path(), {}, std::chrono::minutes(1)});
  const auto report = handle(agent, R"({"op":"linktest","target":"10.0.0.2:30102"})");
  EXPECT_EQ(report["verdict"], "fail");
  EXPECT_EQ(report["detail"], "agent: the link test exited with code 2 and no report: sctpkit linktest: --bogus: unknown option");
}

TEST(MatrixAgent, AMissingBinaryFailsAndSaysSo) {
  MatrixAgent agent(AgentSettings{"/nonexistent/sctpkit", {}, std::chrono::minutes(1)});
  const auto report = handle(agent, R"({"op":"linktest","target":"10.0.0.2:30102"})");
  EXPECT_EQ(report["verdict"], "fail");
  EXPECT_NE(report["detail"].get<std::string>().find("exited with code 127"), std::string::npos);
}

TEST(MatrixAgent, KillsATestThatOutlivesItsTimeout) {
  FakeBinary fake("sleep 30 & wait");  // a child of its own, which must die too
  MatrixAgent agent(AgentSettings{fake.path(), {}, std::chrono::minutes(1)});
  const auto start = std::chrono::steady_clock::now();
  const auto report = handle(agent, R"({"op":"linktest","target":"10.0.0.2:30102","timeout_ms":1000})");
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(10));
  EXPECT_EQ(report["detail"], "agent: the link test did not finish within 1000 ms");
}

TEST(MatrixAgent, RunsOneTestAtATime) {
  const std::string started = "/tmp/sctpkit-matrix-started-" + std::to_string(::getpid());
  ::unlink(started.c_str());
  FakeBinary fake("touch " + started + R"(; sleep 2; echo '{"verdict":"pass"}')");
  MatrixAgent agent(AgentSettings{fake.path(), {}, std::chrono::minutes(1)});
  std::optional<std::string> first;
  std::thread t([&] { first = agent.handle(R"({"op":"linktest","target":"10.0.0.2:30102"})"); });
  // The first test runs (and holds the agent) once its process has started.
  for (int i = 0; i < 1000 && ::access(started.c_str(), F_OK) != 0; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  ::unlink(started.c_str());
  const auto second = handle(agent, R"({"op":"linktest","target":"10.0.0.3:30102"})");
  t.join();
  EXPECT_EQ(second["detail"], "agent: busy with another test");
  EXPECT_EQ(second["server"], "10.0.0.3:30102");
  ASSERT_TRUE(first);
  EXPECT_EQ(nlohmann::json::parse(*first)["verdict"], "pass");
}

TEST(BoundedProcess, CapsTheOutputItKeeps) {
  const auto output = run_bounded({"/bin/sh", "-c", "head -c 100000 /dev/zero | tr '\\0' x; echo err >&2"},
                                  std::chrono::seconds(20), 1000);
  EXPECT_TRUE(output.started);
  EXPECT_EQ(output.exit_code, 0);
  EXPECT_EQ(output.out.size(), 1000u);
  EXPECT_EQ(output.err, "err\n");
}

TEST(BoundedProcess, GivesTheChildNoneOfOurDescriptors) {
  const int fd = ::fcntl(1, F_DUPFD, 10);  // without O_CLOEXEC, as a socket of the agent might be
  const auto output = run_bounded({"/bin/sh", "-c", "ls /proc/self/fd"}, std::chrono::seconds(20));
  ::close(fd);
  ASSERT_GE(fd, 10);
  // 0, 1, 2 and the one ls opens to list the folder; not `fd`.
  EXPECT_EQ(std::count(output.out.begin(), output.out.end(), '\n'), 4);
}

}  // namespace
}  // namespace sctpkit::linktest
