// Which services file a command reads, and which services it names (SPEC 2).
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace summon::cli {

struct Target {
  std::string file;                   // the services file, as the user will recognise it
  std::vector<std::string> services;  // the services named; empty means all
};

/// FILE is the first positional argument when it names an existing file or
/// folder (a folder means its services.yaml, else summon.yaml, else
/// Procfile), ends in .yaml/.yml, or is named `Procfile` or `Procfile.*`;
/// otherwise `file_flag` (-f), else $SUMMON_FILE, else services.yaml,
/// summon.yaml or Procfile in the current folder. The other positionals
/// are service names. On failure returns nullopt and sets `error`.
std::optional<Target> find_target(const std::optional<std::string>& file_flag,
                                  std::vector<std::string> positionals, std::string& error);

}  // namespace summon::cli
