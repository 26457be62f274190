// `${...}` interpolation of string values (SPEC 1.2).
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/diagnostic.hpp"

namespace summon::config {

/// Where interpolated values come from.
struct InterpolationContext {
  /// A variable's value: summon's environment, then the `.env` beside the file.
  std::function<std::optional<std::string>(const std::string&)> lookup;
  /// The names under the top-level `ports:`.
  std::vector<std::string> declared_ports;
  /// The ports picked for this run; when null, `${ports.NAME}` is left as written
  /// (after checking NAME is declared), as `check` and `config` show it.
  const std::map<std::string, int>* ports = nullptr;
};

/// Expands `${NAME}`, `${NAME:-default}`, `${NAME-default}`, `${NAME:?message}`,
/// `${NAME?message}`, `${ports.NAME}` and `$$`; a `$` not followed by `{` or `$`
/// is literal. Defaults are themselves interpolated. On an unset variable, an
/// undeclared port or a malformed `${`, records a diagnostic at `mark` (naming
/// the variable) and returns nullopt.
std::optional<std::string> interpolate(std::string_view text, const InterpolationContext& context,
                                       const std::string& file, Mark mark,
                                       Diagnostics& diagnostics);

}  // namespace summon::config
