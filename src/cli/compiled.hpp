// Compiling the target for a command, and reporting problems the same way everywhere.
#pragma once

#include <optional>
#include <vector>

#include "cli/file_lookup.hpp"
#include "graph/compile.hpp"

namespace summon::cli {

struct Selection {
  graph::CompiledProject compiled;
  std::vector<graph::ServiceIndex> services;  // the selected services and their dependencies
};

/// Compiles target.file and selects target.services; on any problem prints
/// every diagnostic to stderr, secret values masked (config/secrets.hpp),
/// and returns nullopt (exit code 2).
std::optional<Selection> compile_target(const Target& target,
                                        const config::LoadOptions& options = {});

}  // namespace summon::cli
