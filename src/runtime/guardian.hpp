// What survives summon's own SIGKILL: a small process that holds a socket
// from summon and, when it closes without a word, kills everything the run
// started: the run's cgroup tree if it has one, and every process that
// carries the run's mark (run_mark.hpp), wherever it went; then it removes
// the run's state folder (SPEC 2.2), so that no dead project is left listed.
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

  /// State folder `path` of this run's project (control::StateFolder): once
  /// summon has died and everything is killed, and once summon is wholly gone
  /// (so that its lock on the folder is dropped), it is removed as
  /// control::remove_stale() removes one: only a real folder, no link
  /// followed, owned by summon's user, whose lock no live supervisor holds,
  /// and only the files summon makes in it. A clean end removes nothing:
  /// summon removes its folder itself.
  void track_state_folder(const std::string& path);

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
