// Running the real `summon` binary from a test, the way a user's shell would.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
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
  /// Starts the child in a process group of its own, so that nothing it sends to
  /// its own group reaches the test.
  bool own_process_group = false;
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
  /// The user and system CPU time of the child and the children it waited for.
  std::chrono::duration<double> cpu{};
  /// The child exited but its stdout or stderr stayed open for 2 s more: something
  /// it started still holds them.
  bool output_left_open = false;

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

enum class Stream { out, err };

/// One line of a child's output, and when the test read it.
struct OutputLine {
  Stream stream = Stream::out;
  std::string text;  // without its newline
  /// On steady_clock, which is CLOCK_MONOTONIC: comparable with the test service's records.
  std::chrono::steady_clock::time_point at;
};

/// A program running beside the test, its output read as it comes: the test waits
/// for a line, sends signals, then collects the exit status and all output.
/// Every wait has a deadline; a child still running at destruction is killed.
class Background {
 public:
  Background(const std::string& program, const std::vector<std::string>& args,
             const RunOptions& options = {});
  ~Background();
  Background(const Background&) = delete;
  Background& operator=(const Background&) = delete;

  pid_t pid() const { return pid_; }

  /// Waits up to `timeout` for a line of either stream containing `text`, searching
  /// every line read so far first. Returns nullopt when the time ran out or the
  /// output ended without one.
  std::optional<OutputLine> wait_for_line(std::string_view text,
                                          std::chrono::milliseconds timeout = kDefaultWait);
  /// The same for the first line that `matches`.
  std::optional<OutputLine> wait_for_line_if(const std::function<bool(std::string_view)>& matches,
                                             std::chrono::milliseconds timeout = kDefaultWait);

  /// Sends `signal` to the program itself (not its group), as `kill PID` does.
  void send(int signal);

  /// Waits up to `timeout` for the program to exit and its output to end, then
  /// reaps it. Past `timeout` it is killed and the result counts as timed out.
  /// Only the first call waits; later ones return the same result.
  const RunResult& finish(std::chrono::milliseconds timeout = kDefaultWait);

  /// Every line read so far, both streams in the order they were read; a last line
  /// without a newline is included once its stream ends.
  const std::vector<OutputLine>& lines() const { return lines_; }
  /// The first line containing `text`, if one was read.
  std::optional<OutputLine> find_line(std::string_view text) const;

  static constexpr std::chrono::milliseconds kDefaultWait{10'000};

 private:
  /// Reads what comes until `deadline` or until the child exited and both pipes
  /// ended, whichever is first; returns early after a round that read something
  /// when `one_round`.
  void pump(std::chrono::steady_clock::time_point deadline, bool one_round);
  void read_stream(int index);
  void split_lines(int index, bool at_end);

  pid_t pid_ = -1;
  int fds_[2] = {-1, -1};  // stdout, stderr read ends
  int pidfd_ = -1;
  bool own_group_ = false;
  bool exited_ = false;
  bool reaped_ = false;
  std::chrono::steady_clock::time_point start_;
  std::optional<std::chrono::steady_clock::time_point> exited_at_;
  std::size_t line_start_[2] = {0, 0};
  std::vector<OutputLine> lines_;
  RunResult result_;
};

}  // namespace summon::testing
