// One end-to-end run's own folder, and summon started on a fixture of tests/fixtures/runtime/.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "record.hpp"
#include "run_summon.hpp"
#include "unit/load_helpers.hpp"

namespace summon::testing {

/// The test service program: $SUMMON_TEST_SERVICE.
std::string test_service_bin();

/// The path of tests/fixtures/runtime/NAME.
std::string runtime_fixture(const std::string& name);

/// A time on the clock of the test service's records (CLOCK_MONOTONIC), in ns.
std::int64_t monotonic_ns(std::chrono::steady_clock::time_point at);

/// Waits for `summon up` to print "[summon] ready:", then sends it `signal`
/// whether or not the line came; true when it came.
bool stop_when_ready(Background& up, int signal);

/// The duration summon printed right after `marker` in `line` ("350ms", "1.21s"),
/// in milliseconds; nullopt when there is none.
std::optional<double> duration_after(const std::string& line, const std::string& marker);

/// A run's exit status and both its streams, for failure messages.
std::string describe(const RunResult& run);

/// A fresh temporary folder (removed at the end) holding the record file. summon
/// runs in it with RECORD (the record file) and TEST_DIR (the folder) set, which
/// the fixtures pass on to the test service.
class Sandbox {
 public:
  Sandbox() = default;
  /// Kills whatever the record names that is still alive, then removes the folder.
  ~Sandbox();
  Sandbox(const Sandbox&) = delete;
  Sandbox& operator=(const Sandbox&) = delete;

  const std::filesystem::path& dir() const { return dir_.path(); }
  /// dir()/name.
  std::string path(const std::string& name) const { return (dir() / name).string(); }
  std::string record_path() const { return path("record"); }
  Record record() const { return Record::read(record_path()); }
  /// Waits up to `timeout` for the record to hold `service`'s `what` event,
  /// woken by inotify each time the file changes; true when it came.
  bool wait_for_record(const std::string& service, const std::string& what,
                       std::chrono::milliseconds timeout) const;

  /// Options to run in this folder with RECORD, TEST_DIR, XDG_RUNTIME_DIR (so
  /// that its projects' state lives here too) and `env` set, in a
  /// process group of its own, with 30 s to finish. NO_COLOR is removed: colour
  /// must be off only because stdout is not a terminal.
  RunOptions options(const EnvChanges& env = {}) const;

  /// Starts `summon up FIXTURE ARGS...` in the background.
  Background up(const std::string& fixture, const std::vector<std::string>& args = {},
                const EnvChanges& env = {}) const;

  /// Runs `summon run FIXTURE ARGS...` to its end; ARGS hold `-- CMD ...`.
  RunResult run(const std::string& fixture, const std::vector<std::string>& args,
                const EnvChanges& env = {}) const;

 private:
  TempDir dir_;
};

}  // namespace summon::testing
