// dotenv files (`env_file`, and the `.env` used for interpolation).
#pragma once

#include <optional>
#include <string>

#include "config/diagnostic.hpp"
#include "config/project_spec.hpp"

namespace summon::config {

/// Parses dotenv text: `KEY=VALUE` lines, an optional `export ` prefix, `#`
/// comments (whole lines, and after an unquoted value following white space),
/// blank lines; single-quoted values are literal, double-quoted ones know `\n`,
/// `\"` and `\\` and may span lines; unquoted values are trimmed. No
/// interpolation. Malformed lines are diagnostics at their line and column
/// (all of them reported); returns nullopt if there was any.
std::optional<EnvList> parse_dotenv(const std::string& text, const std::string& file,
                                    Diagnostics& diagnostics);

/// Reads and parses a dotenv file (with the same byte checks as a config file).
std::optional<EnvList> load_dotenv(const std::string& path, Diagnostics& diagnostics);

}  // namespace summon::config
