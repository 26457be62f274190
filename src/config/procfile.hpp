// Procfiles (SPEC 1.6): `NAME: command` lines, as foreman reads them, loaded
// into the same ProjectSpec as a services file.
#pragma once

#include <string>
#include <vector>

#include "config/diagnostic.hpp"
#include "config/loader.hpp"

namespace summon::config {

/// True when the file's name is `Procfile` or starts with `Procfile.`
/// (`Procfile.dev`), except names ending in `.yaml` or `.yml`, which stay
/// services files. Only the last component of `path` counts.
bool is_procfile(const std::string& path);

/// One process line of a Procfile.
struct ProcfileLine {
  std::string name;
  std::string command;  // trimmed; handed to /bin/sh -c as written
  Mark mark;            // where the name starts
};

/// Parses Procfile text: each line is `NAME: COMMAND`; blank lines and lines
/// whose first non-blank character is `#` are skipped; white space around
/// NAME and COMMAND is dropped; CRLF counts as LF and a leading UTF-8 byte
/// order mark is ignored. NAME is letters, digits, `_` and `-` (foreman's
/// rule) and must also be a service name (a letter or digit first, at most
/// 63 characters, not starting with `x-`). A malformed line, an empty
/// command or a name given twice is a diagnostic at its line and column; all
/// of them are reported, and the lines without problems are returned.
std::vector<ProcfileLine> parse_procfile(const std::string& text, const std::string& file,
                                         Diagnostics& diagnostics);

/// The port foreman gives the first process when nothing says otherwise.
inline constexpr int procfile_base_port = 5000;
/// What each following line adds to it.
inline constexpr int procfile_port_step = 100;

/// Loads Procfile `text` as if it were the file at `path` (its bytes already
/// checked): one service per line, running COMMAND with `/bin/sh -c` in the
/// Procfile's folder, with no probe and no dependencies, and with PORT set as
/// foreman sets it: a base, plus 100 for each line before. The base is PORT
/// from the `.env` beside the file, else PORT from `options.getenv`, else
/// 5000. Every entry of that `.env` goes into every service's environment.
/// Nothing is interpolated: `$` is the shell's (so `summon config` prints
/// the commands with `$${` for `${`).
LoadResult load_procfile_text(const std::string& text, const std::string& path,
                              const LoadOptions& options = {});

}  // namespace summon::config
