#include "tools/linktest_matrix.h"

#include <fmt/core.h>

#include <algorithm>
#include <fstream>
#include <memory>
#include <sstream>

#include "linktest/matrix_agent.h"
#include "linktest/matrix_driver.h"
#include "linktest/matrix_print.h"
#include "tools/commands.h"

namespace sctpkit::tools {

namespace {

int fail(int code, const std::string& reason) {
  fmt::print(stderr, "sctpkit linktest: {}\n", reason);
  return code;
}

}  // namespace

void add_matrix_options(CLI::App& linktest, MatrixArgs& args) {
  linktest.add_flag("--matrix", args.enabled,
                    "Test every ordered pair of the peers NAME=HOST:PORT given as arguments or in --peers-file, "
                    "each from its own `linktest --serve` agent; print the node matrix");
  linktest.add_option("--peers-file", args.peers_file, "With --matrix: peers, one NAME=HOST:PORT a line ('#' comments)");
  linktest.add_option("--parallel", args.parallel,
                      "With --matrix: pairs run at once, never two through one node (default 2)");
  linktest.add_option("--pair-timeout", args.pair_timeout_seconds,
                      "With --matrix: seconds one pair may take in all (default 120)");
}

int run_matrix(const MatrixArgs& args, const std::vector<std::string>& peer_specs,
               const linktest::ControlSettings& control, bool json) {
  if (args.parallel < 1 || args.parallel > 64) return fail(kExitUsage, "--parallel takes 1..64");
  if (!(args.pair_timeout_seconds >= 1 && args.pair_timeout_seconds <= 3600))
    return fail(kExitUsage, "--pair-timeout takes 1..3600 seconds");

  std::vector<linktest::Peer> peers;
  for (const auto& spec : peer_specs) {
    auto peer = linktest::parse_peer(spec);
    if (auto* error = std::get_if<linktest::PeerError>(&peer)) return fail(kExitUsage, error->message);
    peers.push_back(std::get<linktest::Peer>(std::move(peer)));
  }
  if (!args.peers_file.empty()) {
    std::ifstream file(args.peers_file);
    std::stringstream text;
    if (!file || !(text << file.rdbuf()))
      return fail(kExitInput, fmt::format("--peers-file {}: cannot read it", args.peers_file));
    auto listed = linktest::parse_peers_text(text.str(), args.peers_file);
    if (auto* error = std::get_if<linktest::PeerError>(&listed)) return fail(kExitUsage, error->message);
    for (auto& peer : std::get<std::vector<linktest::Peer>>(listed)) peers.push_back(std::move(peer));
  }
  auto valid = linktest::validate_peers(std::move(peers));
  if (auto* error = std::get_if<linktest::PeerError>(&valid))
    return fail(kExitUsage, error->message + " (give NAME=HOST:PORT arguments or --peers-file)");
  peers = std::get<std::vector<linktest::Peer>>(std::move(valid));

  linktest::ControlSettings settings = control;
  settings.pair_timeout = std::chrono::milliseconds(static_cast<int64_t>(args.pair_timeout_seconds * 1000));
  fmt::print(stderr, "sctpkit linktest: matrix of {} peers, {} pairs, up to {} at once\n", peers.size(),
             peers.size() * (peers.size() - 1), std::min<size_t>(args.parallel, peers.size() / 2));
  linktest::MatrixRun run;
  run.parallel = static_cast<size_t>(args.parallel);
  run.on_result = [](const linktest::PairResult& r) {
    fmt::print(stderr, "sctpkit linktest: {} -> {}: {}{}{}\n", r.from, r.to, linktest::result_label(r.outcome),
               r.detail.empty() ? "" : ": ", r.detail);
  };
  const auto results = linktest::run_matrix(
      peers, [&](const linktest::Peer& from, const linktest::Peer& to) { return linktest::ask_agent(from, to, settings); },
      run);

  if (json) {
    for (const auto& r : results) fmt::print("{}\n", linktest::result_json(r));
    fmt::print("{}\n", linktest::summary_json(results));
  } else {
    std::vector<std::string> names;
    for (const auto& p : peers) names.push_back(p.name);
    fmt::print("{}", linktest::format_matrix(names, results));
  }
  std::fflush(stdout);
  const bool all_pass = std::all_of(results.begin(), results.end(),
                                    [](const auto& r) { return r.outcome == linktest::PairOutcome::Pass; });
  return all_pass ? kExitOk : kExitFailure;
}

std::function<std::optional<std::string>(std::string_view)> matrix_control_handler(
    std::vector<std::string> transport_args) {
  linktest::AgentSettings settings;
  settings.transport_args = std::move(transport_args);
  auto agent = std::make_shared<linktest::MatrixAgent>(std::move(settings));
  return [agent](std::string_view request) {
    // The request came from the network: printable characters only into the log.
    std::string shown(request.substr(0, 200));
    for (char& c : shown)
      if (c < 0x20 || c > 0x7e) c = '?';
    fmt::print(stderr, "sctpkit linktest: matrix request: {}\n", shown);
    return agent->handle(request);
  };
}

}  // namespace sctpkit::tools
