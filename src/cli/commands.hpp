// The commands of the CLI. Each returns the process exit code (SPEC 2.1).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "cli/file_lookup.hpp"
#include "timeline/timeline.hpp"

namespace summon::cli {

enum ExitCode { exit_ok = 0, exit_failed = 1, exit_invalid = 2 };

/// `summon check`: `FILE: ok (N services, M layers)` or every error.
int check_command(const Target& target);
/// `summon plan`: one line per layer, `layer 1: cache, db`.
int plan_command(const Target& target);
/// `summon graph`: the dependency graph as Graphviz dot or Mermaid.
int graph_command(const Target& target, const std::string& format);
/// `summon config`: the file as summon understands it, secrets masked unless asked.
/// With `origins`, each value is followed by the FILE:LINE it was written at (or `default`).
int config_command(const Target& target, bool show_secrets, bool origins);

/// The options `up` and `run` share (SPEC 2).
struct StackArgs {
  std::optional<std::string> timeout;  // `--timeout D`: replaces every probe's timeout
  bool quiet = false;
  bool no_color = false;
  std::optional<std::string> log_dir;
  std::optional<std::string> log_max_size;  // `--log-max-size S`: bytes, or with K, M, G
  int log_keep = 5;                         // `--log-keep N`
  bool abort_on_exit = false;               // `up` only
  bool detach = false;                      // `up -d`
  bool ui = false;                          // `up --ui`
  std::optional<std::string> timeline;      // `--timeline FILE`: written once all is ready
};

/// `summon up`: bring up, stream output, hold until Ctrl-C/SIGTERM/SIGHUP, tear down.
int up_command(const Target& target, const StackArgs& args);
/// `summon run ... -- CMD`: bring up, run CMD, tear down; CMD's exit code.
int run_command(const Target& target, const StackArgs& args,
                const std::vector<std::string>& command);

struct ControlTarget;

/// The forms of the bring-up timeline (SPEC 2.3).
enum class TimelineFormat { text, svg, json };
/// The form a `--timeline FILE` asks for by its extension: `.txt`, `.svg`,
/// `.json`; none for any other.
std::optional<TimelineFormat> timeline_format_of(const std::string& file);
/// Writes `timeline` to `file` in `format`; the error, if it could not.
std::optional<std::string> write_timeline(const timeline::Timeline& timeline, TimelineFormat format,
                                          const std::string& file);
/// `summon timeline [--format text|svg|json] [-o FILE]`: the last bring-up
/// of a running project, on stdout or in FILE.
int timeline_command(const ControlTarget& target, TimelineFormat format,
                     const std::optional<std::string>& output);

}  // namespace summon::cli
