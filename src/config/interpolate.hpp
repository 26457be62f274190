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
  /// The services file's folder, absolute: what `${project.dir}` gives.
  std::string project_dir;
  /// Whether the value belongs to a service; outside one, `${service.cwd}` is
  /// an error.
  bool in_service = false;
  /// The service's working folder, absolute: what `${service.cwd}` gives.
  /// Unset while the service's own `cwd` is read, where it is an error too.
  std::optional<std::string> service_cwd;
};

/// Expands `${NAME}`, `${NAME:-default}` (unset or empty), `${NAME-default}`
/// (unset), `${NAME:?message}` (unset or empty: error), `${NAME?message}`
/// (unset: error), `${ports.NAME}`, `${project.dir}`, `${service.cwd}` and
/// `$$`; a `$` not followed by `{` or `$` is literal (`$HOME`, `a$`). Names
/// are `[A-Za-z_][A-Za-z0-9_]*`; `ports.`, `project.` and `service.` take no
/// default.
///
/// Defaults and messages are themselves interpolated, nesting up to 32 deep.
/// As in the shell, only `${` nests: the first `}` not closing a nested
/// reference ends the default, so `${A:-{x}}` is `{x}` when A is unset, and
/// A's value followed by `}` when it is set. A default that is not used is
/// still checked for syntax, undeclared ports and a misplaced
/// `${service.cwd}`, but its variables are not looked up.
///
/// Every problem is a diagnostic at `mark` naming the variable: unset
/// variables, undeclared ports, unknown `project.`/`service.` names,
/// `${service.cwd}` outside a service, malformed or unterminated `${`, nesting
/// too deep. Reading stops at the first syntax error, and after ten problems in
/// all. Returns nullopt if there was any. The cost is linear in the text.
std::optional<std::string> interpolate(std::string_view text, const InterpolationContext& context,
                                       const std::string& file, Mark mark,
                                       Diagnostics& diagnostics);

/// `text` written so that interpolating it gives `text` back: each `$`
/// followed by `$` or `{` is doubled (`${HOME}` becomes `$${HOME}`, `$$`
/// becomes `$$$`); any other `$` stays as it is (`$PORT`).
std::string escape_interpolation(std::string_view text);

}  // namespace summon::config
