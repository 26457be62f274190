// What survives summon's own SIGKILL: a small process that holds a socket
// from summon and, when it closes, kills every process group summon still had,
// and the run's cgroup tree if it has one; then it removes the run's folders.
#pragma once

#include <sys/types.h>

#include <string>
#include <string_view>

namespace summon::runtime {

/// PR_SET_PDEATHSIG would cover only summon's direct children, and only
/// while the thread that made them lives; a socket's end is seen however
/// summon ends, and telling a dead guardian something raises no SIGPIPE.
/// The guardian leaves summon's session, so a signal to summon's process
/// group (a terminal's Ctrl-C) does not reach it, and it ignores the usual
/// stop signals.
class Guardian {
 public:
  /// Forks the guardian. If that fails, summon runs without one.
  Guardian();
  /// Tells the guardian to end, closes the socket and waits for it; it kills
  /// any group still tracked (none after a clean teardown) and exits.
  ~Guardian();
  Guardian(const Guardian&) = delete;
  Guardian& operator=(const Guardian&) = delete;

  /// Process group `pgid` (a service's, or an exec probe's) is to be killed
  /// if summon dies.
  void track_group(pid_t pgid);
  /// Process `pid` alone (a `run` command, in summon's own group) likewise.
  void track_process(pid_t pid);
  /// Cgroup folder `path`, this run's tree: killed whole and removed.
  void track_cgroup(const std::string& path);
  /// Folder `path`, this run's runtime folder: removed.
  void track_folder(const std::string& path);
  /// It has ended: forget it (the number may be reused).
  void untrack(pid_t id);

  /// The guardian's own pid (it is summon's child), or -1 without one.
  pid_t pid() const { return pid_; }

 private:
  void send(char kind, pid_t id);
  void send_path(char kind, const std::string& path);
  void write_line(std::string_view line);

  pid_t pid_ = -1;
  int channel_ = -1;  // summon's end of the socket pair
};

}  // namespace summon::runtime
