// What survives summon's own SIGKILL: a small process that holds a socket
// from summon and, when it closes without a word, kills everything the run
// started: the run's cgroup tree if it has one, and every process that
// carries the run's mark (run_mark.hpp), wherever it went.
#pragma once

#include <sys/types.h>

#include <string>
#include <string_view>

#include "runtime/run_mark.hpp"

namespace summon::runtime {

/// The guardian never kills by process group or by a pid it was told: those
/// numbers may have been reused by the time it acts. It kills a cgroup that
/// the run made, and processes it has checked for the run's mark through a
/// pidfd. A socket's end is seen however summon ends, and telling a dead
/// guardian something raises no SIGPIPE. The guardian leaves summon's
/// session, so a signal to summon's process group (a terminal's Ctrl-C)
/// does not reach it, and it ignores the usual stop signals.
class Guardian {
 public:
  /// Forks the guardian of run `run_id`; throws std::runtime_error if it
  /// cannot (summon does not run unguarded).
  Guardian(std::string run_id, RunIdentity identity);
  /// Tells the guardian that the run ended cleanly (it then kills nothing),
  /// closes the socket and waits for it.
  ~Guardian();
  Guardian(const Guardian&) = delete;
  Guardian& operator=(const Guardian&) = delete;

  /// Cgroup folder `path`, this run's tree: killed whole and removed.
  void track_cgroup(const std::string& path);

  /// The guardian's own pid (it is summon's child).
  pid_t pid() const { return pid_; }
  /// summon's end of the socket: it becomes readable (end of file) if the
  /// guardian dies, which summon watches for.
  int channel() const { return channel_; }

 private:
  void write_line(std::string_view line);

  pid_t pid_ = -1;
  int channel_ = -1;
};

}  // namespace summon::runtime
