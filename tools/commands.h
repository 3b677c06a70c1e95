// The subcommands of `sctpkit` and the exit codes that scripts can rely on.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>

namespace sctpkit::tools {

// Exit codes, shared by every subcommand and documented in the README.
inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;      // the check or operation ran and failed (e.g. bad checksums with --check)
inline constexpr int kExitUsage = 2;        // bad arguments
inline constexpr int kExitInput = 3;        // an input file or interface could not be opened or read
inline constexpr int kExitPrivilege = 4;    // missing privilege (CAP_NET_RAW, capture permission)
inline constexpr int kExitAborted = 5;      // the peer aborted the association (RFC 9260 9.1)
inline constexpr int kExitTimeout = 6;      // a timeout passed (e.g. no answer within cat -w)
inline constexpr int kExitUnreachable = 7;  // the peer is unreachable (INIT or data retransmissions exhausted)
inline constexpr int kExitInterrupted = 130;  // stopped by SIGINT (Ctrl-C) or SIGTERM, as shells report 128 + SIGINT

// Each subcommand registers itself on the app and leaves the action to run once parsing succeeded.
class CommandRegistry {
 public:
  void on_selected(CLI::App* sub, std::function<int()> action) {
    sub->callback([this, action = std::move(action)] { action_ = action; });
  }
  int run() const { return action_ ? action_() : kExitUsage; }

 private:
  std::function<int()> action_;
};

void register_dump(CLI::App& app, CommandRegistry& registry);
void register_cat(CLI::App& app, CommandRegistry& registry);
void register_linktest(CLI::App& app, CommandRegistry& registry);
void register_perf(CLI::App& app, CommandRegistry& registry);

inline void register_commands(CLI::App& app, CommandRegistry& registry) {
  register_dump(app, registry);
  register_cat(app, registry);
  register_linktest(app, registry);
  register_perf(app, registry);
}

}  // namespace sctpkit::tools
