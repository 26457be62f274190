// dotenv files (`env_file`, and the `.env` used for interpolation).
#pragma once

#include <optional>
#include <string>

#include "config/diagnostic.hpp"
#include "config/project_spec.hpp"

namespace summon::config {

/// Parses dotenv text into its entries, in file order; a key given twice
/// appears twice (later entries win, as in any EnvList).
///
/// A line is `KEY=VALUE`, optionally after `export `, with white space allowed
/// around the `=`; keys are `[A-Za-z_][A-Za-z0-9_.-]*`. Blank lines and lines
/// starting with `#` are skipped. Values:
/// - unquoted: the rest of the line, trimmed; a `#` after white space starts a
///   comment (`a#b` is text); `A=` is the empty string;
/// - single-quoted: literal, with no escapes;
/// - double-quoted: `\n`, `\"` and `\\` are escapes; any other backslash is
///   kept as written (`"C:\dir"` stays `C:\dir`).
/// Quoted values may span lines, and only white space or a `#` comment may
/// follow the closing quote. There is no interpolation. CRLF line ends count
/// as LF (inside quoted values too), and a leading UTF-8 byte order mark is
/// ignored.
///
/// Malformed lines are diagnostics at their line and column, all of them
/// reported (an unterminated quote at the end of the text, naming the line
/// that opened it); returns nullopt if there was any.
std::optional<EnvList> parse_dotenv(const std::string& text, const std::string& file,
                                    Diagnostics& diagnostics);

/// Reads and parses a dotenv file (with the same byte checks as a config file).
std::optional<EnvList> load_dotenv(const std::string& path, Diagnostics& diagnostics);

}  // namespace summon::config
