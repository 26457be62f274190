// The commands of the CLI. Each returns the process exit code (SPEC 2.1).
#pragma once

#include <string>

#include "cli/file_lookup.hpp"

namespace summon::cli {

enum ExitCode { exit_ok = 0, exit_failed = 1, exit_invalid = 2 };

/// `summon check`: `FILE: ok (N services, M layers)` or every error.
int check_command(const Target& target);
/// `summon plan`: one line per layer, `layer 1: cache, db`.
int plan_command(const Target& target);
/// `summon graph`: the dependency graph as Graphviz dot or Mermaid.
int graph_command(const Target& target, const std::string& format);
/// `summon config`: the file as summon understands it, secrets masked unless asked.
int config_command(const Target& target, bool show_secrets);

}  // namespace summon::cli
