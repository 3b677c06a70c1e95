#include <fmt/core.h>

#include "tools/commands.h"

namespace sctpkit::tools {

void register_dump(CLI::App& app, CommandRegistry& registry) {
  auto* sub = app.add_subcommand("dump", "Capture and decode SCTP packets, as tcpdump -nn prints them");
  registry.on_selected(sub, [] {
    fmt::print(stderr, "sctpkit dump: not built yet\n");
    return kExitFailure;
  });
}

}  // namespace sctpkit::tools
