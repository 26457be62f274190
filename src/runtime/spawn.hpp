// Starting one process (clone3 or fork, then exec), set up the way every
// process summon starts needs: its own session, clean signals, only the file
// descriptors it is given.
#pragma once

#include <sys/types.h>
#include <unistd.h>

#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "config/project_spec.hpp"

namespace summon::runtime {

struct SpawnRequest {
  /// argv[0] is a path (relative to `cwd` if it has a `/`), or a name looked
  /// up in the PATH of `environment` (default /usr/local/bin:/usr/bin:/bin;
  /// an empty entry is `cwd`). The child does the lookup, as `user` and from
  /// `cwd`, so a folder that user cannot enter is passed over.
  std::vector<std::string> argv;
  config::EnvList environment;      // the child's whole environment
  std::string cwd;                  // empty: summon's own
  std::optional<std::string> user;  // run as this user (summon must be root)
  int stdin_fd = -1;                // -1: /dev/null
  int stdout_fd = STDOUT_FILENO;    // becomes the child's fd 1
  int stderr_fd = STDERR_FILENO;    // becomes the child's fd 2
  /// {fd number in the child, fd in summon}: more descriptors to hand over.
  std::vector<std::pair<int, int>> extra_fds;
  /// setsid(): the child leads a new session and process group (pgid == pid),
  /// so a stop signal reaches everything it starts. Otherwise it stays in
  /// summon's process group (a `run` command, which the terminal's Ctrl-C
  /// should reach).
  bool own_session = true;
  /// A cgroup folder the child joins before exec, so that it and everything
  /// it starts are members from the first instruction. Empty: summon's own.
  std::string cgroup;
  /// The name of a variable the child sets to its own pid just before exec,
  /// in place of any entry of that name in `environment`: WATCHDOG_PID,
  /// which systemd sets to the service's main pid, which only the child
  /// knows before it execs. Empty: none.
  std::string pid_variable;
};

/// Starts the process and waits until it has exec'd. The child has default
/// signal dispositions, an empty signal mask, and no descriptors but 0, 1, 2
/// and `extra_fds`. Returns its pid, or why it could not start, worded for a
/// user: "./api: No such file or directory", "api: command not found in
/// PATH", "cwd /srv/x: No such file or directory". The caller reaps a child
/// that started (ChildReaper); one that could not exec is reaped here.
/// Changes nothing process-wide (no identity borrowed, no signal handler),
/// so a multi-threaded host program may call it.
std::variant<pid_t, std::string> spawn(const SpawnRequest& request);

/// A child made but perhaps not yet exec'd.
struct StartedProcess {
  pid_t pid;
  /// Closes (end of file) once the child has exec'd; before that, a child
  /// that cannot exec writes its errno (an int) here and exits 127. The
  /// caller owns and closes it.
  int exec_result;
};

/// The same as spawn(), without waiting for the exec: the loop can start the
/// next process while this one loads (a fan of 50 services starts at once).
/// Errors found before the child exists come back at once.
std::variant<StartedProcess, std::string> start_process(const SpawnRequest& request);

/// What start_process()'s child said through `exec_result` (errno `error`
/// for `program`, the request's argv[0], run from `cwd`), worded as spawn()
/// words it: ENOENT for a bare name is "NAME: command not found in PATH";
/// for a script that exists, "./x.sh: its interpreter /usr/bin/foo is
/// missing"; EACCES for a folder, "./x: is a folder, not a program".
std::string exec_error_text(const std::string& program, int error, const std::string& cwd = "");

}  // namespace summon::runtime
