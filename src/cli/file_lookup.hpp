// Which services file a command reads, and which services it names (SPEC 2).
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace summon::cli {

struct Target {
  std::string file;                   // the (first) services file, as the user will recognise it
  std::vector<std::string> merged;    // more files given with -f, merged onto it in order
  std::vector<std::string> services;  // the services named; empty means all
  std::vector<std::string> profiles;  // --profile, then $SUMMON_PROFILES
  bool no_override = false;           // --no-override
};

/// FILE is the first positional argument when it names an existing file or
/// folder (a folder means its services.yaml, else summon.yaml, else
/// Procfile), ends in .yaml/.yml, or is named `Procfile` or `Procfile.*`;
/// otherwise the `file_flags` (-f, each a file or folder; the first names the
/// project, the others are merged onto it), else $SUMMON_FILE, else
/// services.yaml, summon.yaml or Procfile in the current folder. The other
/// positionals are service names. On failure returns nullopt and sets `error`.
std::optional<Target> find_target(const std::vector<std::string>& file_flags,
                                  std::vector<std::string> positionals, std::string& error);

}  // namespace summon::cli
