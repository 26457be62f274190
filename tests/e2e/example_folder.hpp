// An example of examples/ copied to a fresh folder and run there with the real
// binary, so that nothing it writes lands in the source tree.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "run_summon.hpp"
#include "unit/load_helpers.hpp"

namespace summon::testing {

class ExampleFolder {
 public:
  /// Copies examples/NAME (without what a run left there: runtime/, data/, __pycache__/)
  /// to a fresh temporary folder, readable by all so that a server that drops
  /// root for its workers (nginx) can still serve from it.
  explicit ExampleFolder(const std::string& name);

  const std::filesystem::path& dir() const { return dir_.path(); }
  /// dir()/name.
  std::string path(const std::string& name) const { return (dir() / name).string(); }

  /// Options to run in dir(), in a process group of its own, without NO_COLOR,
  /// with 30 s to finish.
  RunOptions options() const;
  /// Runs `summon ARGS...` in dir() to its end.
  RunResult summon(const std::vector<std::string>& args) const;

  /// The copied files that are gone or differ from the copy: empty when the
  /// folder is ready for a next run.
  std::vector<std::string> changed_files() const;

 private:
  TempDir dir_;
  std::map<std::string, std::string> files_;  // path in dir() -> content when copied
};

/// The pids of "[summon] NAME started (pid N)" lines in `out`.
std::vector<pid_t> started_pids(const std::string& out);

/// What a run left alive, as texts for test output: each pid summon started and
/// each member of its process group, and any process whose working directory
/// is in `folder`.
std::vector<std::string> leftovers(const std::string& out, const std::filesystem::path& folder);

inline bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

}  // namespace summon::testing
