#include "linktest/matrix_control.h"

#include <fmt/core.h>

#include <nlohmann/json.hpp>

#include "sctpkit/sctpkit.h"

namespace sctpkit::linktest {

namespace {

// linktest's default phase timeout (`linktest --timeout`).
constexpr std::chrono::milliseconds kDefaultPhaseTimeout{10000};

PairResult failed(const Peer& from, const Peer& to, PairOutcome outcome, std::string detail) {
  PairResult result;
  result.from = from.name;
  result.to = to.name;
  result.outcome = outcome;
  result.detail = std::move(detail);
  return result;
}

Expected<Association> connect(const Peer& agent, const ControlSettings& settings) {
  Options options;
  // The engine gives up after its INIT retransmissions; the phase timeout bounds it on top.
  options.timeout = settings.phase_timeout.value_or(kDefaultPhaseTimeout);
  if (settings.init_retries) options.max_init_retransmits = *settings.init_retries;
  if (settings.rto_initial) {
    options.rto_initial = *settings.rto_initial;
    options.rto_min = std::min(options.rto_min, *settings.rto_initial);
  }
  if (settings.udp_port) options.udp_remote_port = *settings.udp_port;
  options.transport = settings.transport == ControlTransport::Udp ? TransportKind::Udp : TransportKind::RawIp;
  auto association = Association::connect(agent.host, agent.port, options);
  if (!association && settings.transport == ControlTransport::Auto &&
      association.error().code == Error::Code::NoPrivilege) {
    options.transport = TransportKind::Udp;
    association = Association::connect(agent.host, agent.port, options);
  }
  return association;
}

}  // namespace

std::string control_request(const Peer& to, const ControlSettings& settings) {
  nlohmann::ordered_json request;
  request["op"] = "linktest";
  request["target"] = to.address();
  request["timeout_ms"] = settings.pair_timeout.count();
  if (settings.init_retries) request["init_retries"] = *settings.init_retries;
  if (settings.rto_initial) request["rto_initial_ms"] = settings.rto_initial->count();
  if (settings.phase_timeout) request["phase_timeout_ms"] = settings.phase_timeout->count();
  return request.dump();
}

PairResult ask_agent(const Peer& from, const Peer& to, const ControlSettings& settings) {
  auto association = connect(from, settings);
  if (!association) {
    const auto& error = association.error();
    // Without the privilege the driver reaches no agent at all; say what to do, not "unreachable".
    if (error.code == Error::Code::NoPrivilege || error.code == Error::Code::InvalidArgument ||
        error.code == Error::Code::AddressInUse)
      return failed(from, to, PairOutcome::Fail, fmt::format("driver: {}", error.message));
    return failed(from, to, PairOutcome::AgentUnreachable,
                  fmt::format("agent {} unreachable: {}", from.address(), error.message));
  }
  const SendOptions control{kControlStream, kControlPpid, false};
  const std::string request = control_request(to, settings);
  if (auto sent = association->send(request, control); !sent)
    return failed(from, to, PairOutcome::Fail, fmt::format("sending the request to the agent: {}", sent.error().message));
  const auto deadline = std::chrono::steady_clock::now() + settings.pair_timeout + settings.reply_grace;
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0)
      return failed(from, to, PairOutcome::Fail,
                    fmt::format("no report from the agent within {} ms", (settings.pair_timeout + settings.reply_grace).count()));
    auto message = association->receive(left);
    if (!message) {
      if (message.error().code == Error::Code::Timeout) continue;
      const std::string why = association->close_reason().empty() ? message.error().message : association->close_reason();
      return failed(from, to, PairOutcome::Fail, fmt::format("the agent closed the control association: {}", why));
    }
    // Anything else on the association (an echo) is not the answer; the control PPID is.
    if (message->ppid != kControlPpid) continue;
    const std::string_view report(reinterpret_cast<const char*>(message->data.data()), message->data.size());
    if (report == request)
      return failed(from, to, PairOutcome::Fail,
                    "the agent echoed the request: it does not run matrix tests (an older sctpkit?)");
    auto result = result_from_report(from.name, to.name, report);
    // A short exchange: a failed shutdown changes nothing about the path that was measured.
    (void)association->shutdown();
    return result;
  }
}

}  // namespace sctpkit::linktest
