// Running the real `summon` binary from a test, the way a user's shell would.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace summon::testing {

/// Variables to set (a value) or remove (nullopt).
using EnvChanges = std::vector<std::pair<std::string, std::optional<std::string>>>;

struct RunOptions {
  /// The child's working directory; empty keeps the test's own.
  std::string cwd;
  /// Changes to the test's environment. SUMMON_FILE is always removed first,
  /// so that a test sees only the SUMMON_FILE it sets itself.
  EnvChanges env;
  /// After this the child is killed with SIGKILL and the run counts as timed out.
  std::chrono::milliseconds timeout{10'000};
};

struct RunResult {
  /// The exit status, or 128 + N when the child died of signal N.
  int exit_code = -1;
  /// The signal that ended the child, 0 when it exited.
  int signal = 0;
  bool timed_out = false;
  std::string out;
  std::string err;
  std::chrono::duration<double> elapsed{};
  /// The child's peak resident set size, from wait4's rusage.
  long peak_rss_kib = 0;

  /// "exit 2 in 0.004s, peak RSS 9 MiB": for test output.
  std::string summary() const;
};

/// Options to run in the folder `cwd`, with these changes to the environment.
RunOptions in_folder(std::string cwd, EnvChanges env = {});

/// The path of the binary under test: $SUMMON_BIN.
std::string summon_bin();

/// A folder of the source tree: $SUMMON_TESTS_DIR or $SUMMON_SOURCE_ROOT joined with `sub`.
std::string tests_dir(const std::string& sub = "");
std::string source_root(const std::string& sub = "");

/// Runs `program` with `args`, capturing its stdout and stderr whole. Never
/// blocks past options.timeout, however much the child writes.
RunResult run_program(const std::string& program, const std::vector<std::string>& args,
                      const RunOptions& options = {});

/// Runs $SUMMON_BIN with `args`.
RunResult run_summon(const std::vector<std::string>& args, const RunOptions& options = {});

}  // namespace summon::testing
