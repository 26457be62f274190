// `summon up -d` (SPEC 2.2): the supervisor goes on in a session of its
// own, without a terminal, while the command that started it relays its
// lines until everything is ready (exit 0) or the bring-up failed and all
// is torn down (its exit code, after its failure summary).
#pragma once

#include <sys/types.h>

#include <optional>

namespace summon::cli {

class Detacher {
 public:
  Detacher() = default;
  ~Detacher();
  Detacher(const Detacher&) = delete;
  Detacher& operator=(const Detacher&) = delete;

  /// Forks. The parent relays the child's stdout and stderr to its own and
  /// returns the code to exit with once the child is ready or has ended. The
  /// child returns nullopt: in a new session, stdin from /dev/null, stdout
  /// and stderr to the parent until ready(). An error (no fork) is said and
  /// returned as exit code 1.
  std::optional<int> split();
  /// As split(), and with a pipe that holds the child to the parent (`up
  /// --ui`): the child's end reads the end of the file when the parent goes,
  /// whichever way, unless let_go() said first that it may stay.
  std::optional<int> split_held();
  /// In the child: the end of the holding pipe to watch; -1 if none.
  int held_fd() const { return held_fd_; }
  /// In the parent: the child may outlive it (`d` in the dashboard).
  void let_go();
  /// In the child, once everything is up: tells the parent, and from then on
  /// writes its own lines nowhere (its services' output is kept for `logs`).
  void ready();
  /// In the parent: the supervisor's pid.
  pid_t child() const { return child_; }

 private:
  pid_t child_ = -1;
  int ready_fd_ = -1;  // the child's end of the "ready" pipe
  int held_fd_ = -1;   // the holding pipe: the child's read end, or the parent's write end
};

}  // namespace summon::cli
