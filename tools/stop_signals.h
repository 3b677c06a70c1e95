// How the subcommands hear Ctrl-C (SIGINT) and SIGTERM.
#pragma once

#include <signal.h>

namespace sctpkit::tools {

// Calls `handler` on SIGINT and SIGTERM. Never SA_RESTART: a blocking wait (poll, read) returns
// with EINTR, so that the loop around it sees the flag the handler set. `first_only`
// (SA_RESETHAND): a second Ctrl-C gets the default action and quits at once.
inline void catch_stop_signals(void (*handler)(int), bool first_only = false) {
  struct sigaction action {};
  action.sa_handler = handler;
  sigemptyset(&action.sa_mask);
  action.sa_flags = first_only ? SA_RESETHAND : 0;
  ::sigaction(SIGINT, &action, nullptr);
  ::sigaction(SIGTERM, &action, nullptr);
}

}  // namespace sctpkit::tools
