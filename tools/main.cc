// sctpkit: one command, several tools. Argument parsing and output only; protocol logic lives in
// the libraries (../shared/design.md section 2).
#include <CLI/CLI.hpp>
#include <cstdio>

#include "tools/commands.h"

int main(int argc, char** argv) {
  CLI::App app{"sctpkit: SCTP toolkit (capture decoder, userspace stack, link test)", "sctpkit"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "sctpkit 0.1.0");
  sctpkit::tools::CommandRegistry registry;
  sctpkit::tools::register_commands(app, registry);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& error) {
    // CLI11 exits 0 for --help and 106..109 for usage errors; scripts get our documented code.
    const int code = app.exit(error);
    return code == 0 ? 0 : sctpkit::tools::kExitUsage;
  }
  return registry.run();
}
