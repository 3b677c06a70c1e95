// The driver's control client against a stand-in agent on loopback, over UDP encapsulation (no
// privilege needed).
#include <gtest/gtest.h>

#include <functional>
#include <nlohmann/json.hpp>
#include <thread>

#include "linktest/matrix_control.h"
#include "sctpkit/sctpkit.h"

namespace sctpkit::linktest {
namespace {

// Accepts one association and answers its first message with `reply(request)`; nullopt: no answer.
class FakeAgent {
 public:
  explicit FakeAgent(std::function<std::optional<std::string>(const Message&)> reply) {
    Options options;
    options.transport = TransportKind::Udp;
    options.udp_local_port = 0;
    options.local_addresses = {"127.0.0.1"};
    auto listener = Listener::listen(kPort, options);
    if (!listener) {
      error_ = listener.error().message;
      return;
    }
    udp_port_ = listener->udp_port();
    thread_ = std::thread([this, reply = std::move(reply), l = std::move(*listener)]() mutable {
      auto association = l.accept(std::chrono::seconds(30));
      if (!association) return;
      auto message = association->receive(std::chrono::seconds(30));
      if (!message) return;
      request_ = std::string(message->data.begin(), message->data.end());
      ppid_ = message->ppid;
      if (auto answer = reply(*message)) (void)association->send(*answer, SendOptions{message->stream, message->ppid, false});
      // Until the driver shuts down (or gives up).
      while (association->receive(std::chrono::seconds(10))) {
      }
    });
  }
  ~FakeAgent() {
    if (thread_.joinable()) thread_.join();
  }
  [[nodiscard]] const std::string& error() const { return error_; }
  [[nodiscard]] uint16_t udp_port() const { return udp_port_; }
  // Valid once the driver's call returned.
  [[nodiscard]] const std::string& request() const { return request_; }
  [[nodiscard]] uint32_t ppid() const { return ppid_; }

  static constexpr uint16_t kPort = 30102;

 private:
  std::string error_;
  uint16_t udp_port_ = 0;
  std::string request_;
  uint32_t ppid_ = 0;
  std::thread thread_;
};

ControlSettings udp_settings(uint16_t udp_port) {
  ControlSettings settings;
  settings.transport = ControlTransport::Udp;
  settings.udp_port = udp_port;
  settings.init_retries = 3;
  settings.rto_initial = std::chrono::milliseconds(300);
  settings.phase_timeout = std::chrono::milliseconds(5000);
  settings.pair_timeout = std::chrono::milliseconds(20000);
  return settings;
}

const Peer kFrom{"node-a", "127.0.0.1", FakeAgent::kPort};
const Peer kTo{"node-b", "fd00::2", 30102};

TEST(MatrixControl, RequestNamesTheTargetAndBudgets) {
  const auto request = nlohmann::json::parse(control_request(kTo, udp_settings(1)));
  EXPECT_EQ(request["op"], "linktest");
  EXPECT_EQ(request["target"], "[fd00::2]:30102");
  EXPECT_EQ(request["timeout_ms"], 20000);
  EXPECT_EQ(request["init_retries"], 3);
  EXPECT_EQ(request["rto_initial_ms"], 300);
  EXPECT_EQ(request["phase_timeout_ms"], 5000);
  // Unset settings stay the agent's test's defaults.
  ControlSettings defaults;
  EXPECT_FALSE(nlohmann::json::parse(control_request(kTo, defaults)).contains("init_retries"));
}

TEST(MatrixControl, AsksTheAgentAndReadsItsReport) {
  FakeAgent agent([](const Message&) {
    return std::string(R"({"verdict":"pass","handshake_ms":1.5,"rtt_ms":0.25,"throughput_mbps":512,"detail":""})");
  });
  ASSERT_EQ(agent.error(), "");
  const auto result = ask_agent(kFrom, kTo, udp_settings(agent.udp_port()));
  EXPECT_EQ(result.outcome, PairOutcome::Pass) << result.detail;
  EXPECT_EQ(result.from, "node-a");
  EXPECT_EQ(result.to, "node-b");
  EXPECT_DOUBLE_EQ(result.handshake_ms.value_or(0), 1.5);
  EXPECT_DOUBLE_EQ(result.throughput_mbps.value_or(0), 512);
  EXPECT_EQ(agent.ppid(), kControlPpid);
  EXPECT_EQ(agent.request(), control_request(kTo, udp_settings(agent.udp_port())));
}

TEST(MatrixControl, AnAgentThatEchoesIsAnOlderAgentNotAPass) {
  FakeAgent agent([](const Message& m) { return std::string(m.data.begin(), m.data.end()); });
  ASSERT_EQ(agent.error(), "");
  const auto result = ask_agent(kFrom, kTo, udp_settings(agent.udp_port()));
  EXPECT_EQ(result.outcome, PairOutcome::Fail);
  EXPECT_NE(result.detail.find("echoed the request"), std::string::npos) << result.detail;
}

TEST(MatrixControl, AnAgentThatDoesNotAnswerFailsThePairInTime) {
  FakeAgent agent([](const Message&) { return std::nullopt; });
  ASSERT_EQ(agent.error(), "");
  auto settings = udp_settings(agent.udp_port());
  settings.pair_timeout = std::chrono::milliseconds(1000);
  settings.reply_grace = std::chrono::milliseconds(0);
  const auto start = std::chrono::steady_clock::now();
  const auto result = ask_agent(kFrom, kTo, settings);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(15));
  EXPECT_EQ(result.outcome, PairOutcome::Fail);
  EXPECT_EQ(result.detail, "no report from the agent within 1000 ms");
}

TEST(MatrixControl, NoAgentIsAgentUnreachableNotAFailedPath) {
  // A UDP port nobody listens on: the INIT goes nowhere.
  auto settings = udp_settings(9);
  settings.init_retries = 1;
  settings.rto_initial = std::chrono::milliseconds(300);
  const auto result = ask_agent(kFrom, kTo, settings);
  EXPECT_EQ(result.outcome, PairOutcome::AgentUnreachable) << result.detail;
  EXPECT_EQ(result.detail.rfind("agent 127.0.0.1:30102 unreachable: ", 0), 0u) << result.detail;
}

}  // namespace
}  // namespace sctpkit::linktest
