// The mark every process of a run carries: SUMMON_RUN in its environment,
// holding the run's unguessable id. Processes keep their environment through
// fork, setsid and double-forking, so the mark finds a run's daemons and a
// `run` command's background jobs wherever they went, and a reused pid
// never carries it.
#pragma once

#include <sys/types.h>
#include <unistd.h>

#include <cstddef>
#include <optional>
#include <set>
#include <string>
#include <string_view>

#include "config/environment.hpp"

namespace summon::runtime {

inline constexpr const char* run_mark_variable = "SUMMON_RUN";

/// A new run id: 32 hex digits from the kernel's random source.
std::string new_run_id();

/// The SUMMON_RUN value for this run's processes: `run_id`, after the ids
/// of the runs summon itself runs under (`inherited`, comma-separated), so
/// that an outer run still finds the processes of a nested one.
std::string run_mark_value(const std::optional<std::string>& inherited, std::string_view run_id);

/// Sets SUMMON_RUN in `environment`, last, so that nothing a file sets can
/// replace it: run_mark_value() of the SUMMON_RUN it held.
void mark_environment(config::EnvList& environment, std::string_view run_id);

/// Whether environment block `environ` (NUL-separated KEY=VALUE entries, as
/// /proc/PID/environ holds it) carries the mark of run `run_id`.
bool environ_has_mark(std::string_view environ, std::string_view run_id);

/// Who may be a process of a run, beyond carrying its mark (a process's
/// environment is its own memory: anyone can write a mark into theirs): it
/// started no earlier than the run, and its real, effective, saved and file
/// system user ids are one and the same, an id the run uses (summon's, or a
/// service's `user:`) or, when summon is root, any (a server may drop root
/// to a user of its own, as mariadbd --user=mysql does). A set-user-ID
/// program someone started with a forged mark has mixed ids and is never
/// admitted; a process whose ids are all one user's is one that user could
/// signal anyway.
struct RunIdentity {
  std::set<uid_t> uids;
  bool any_user = false;           // summon is root: services may become anyone
  unsigned long long started = 0;  // /proc's start time units (clock ticks since boot)

  /// Now, with summon's own user id and `extra` ones.
  static RunIdentity now(const std::set<uid_t>& extra);
  /// Whether process `pid` (its /proc entry) may be a process of the run.
  bool admits(pid_t pid) const;
};

/// Whether a live process that carries the mark of run `run_id`, and that
/// `who` admits, is in process group or session `id` (one pass over /proc).
/// While it lives, the number `id` cannot be reused.
bool marked_process_in_group(std::string_view run_id, const RunIdentity& who, pid_t id);

/// One pass over /proc: SIGKILLs every process but this one, and but those
/// in `killed`, whose environment carries the mark of run `run_id` and that
/// `who` admits, each
/// through a pidfd opened before its environment was read, so that the
/// signal can only reach the process that was checked; adds them to
/// `killed` and returns how many it added. Repeat until it returns 0 to
/// catch what forked during a pass. Processes whose environment cannot be
/// read (another user's, to a summon that is not root) are passed over.
std::size_t kill_marked_processes(std::string_view run_id, const RunIdentity& who,
                                  std::set<pid_t>& killed);

/// Passes of kill_marked_processes() until `quiet_passes` in a row find
/// nothing (a few milliseconds apart when more than one: a process in the
/// middle of an exec has no environment to read for a moment), 200 passes
/// at the most.
void kill_marked_until_none(std::string_view run_id, const RunIdentity& who, int quiet_passes);

}  // namespace summon::runtime
