// Looking at processes from outside, through /proc and pidfds: what is left after a run.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "record.hpp"

namespace summon::testing {

/// True when `pid` is a live process. A zombie is dead: it only waits to be reaped.
bool alive(pid_t pid);

/// The live processes whose process group is `pgid`.
std::vector<pid_t> group_members(pid_t pgid);

/// This process's children that have ended and wait to be reaped.
std::vector<pid_t> zombie_children();

/// Waits up to `timeout` for `pid` to end; true when it ended (or never existed).
bool wait_gone(pid_t pid, std::chrono::milliseconds timeout);

/// The pid in a pidfile, or 0 when there is none.
pid_t read_pidfile(const std::string& path);

/// The folder of the summon cgroup tree ("/sys/fs/cgroup/summon.123") that
/// process `pid` runs in, if it runs in one.
std::optional<std::string> summon_cgroup_of(pid_t pid);

/// Whether summon should make a cgroup tree here: SUMMON_NO_CGROUP is unset and
/// this process can make a folder in its own cgroup v2 folder, as summon will.
bool cgroup_tree_expected();

/// Waits up to `timeout` for `path` to be removed; true when it is gone.
bool wait_removed(const std::string& path, std::chrono::milliseconds timeout);

/// Every process the record names (a service's pid, its child, any member of its
/// process group) that is still alive, as texts such as "web: pid 123 is alive".
/// The test's own process group is never counted.
std::vector<std::string> survivors(const Record& record);

/// The pids of `service`'s main processes, in the order they started.
std::vector<pid_t> starts(const Record& record, const std::string& service);

/// Waits for every process the record names to be gone, up to a deadline
/// that only keeps a failing test from hanging; true when none is left.
bool all_gone(const Record& record);

/// Sends SIGKILL to every process the record names that is still alive (and to
/// its group), so that a failed test leaves nothing running.
void kill_survivors(const Record& record);

}  // namespace summon::testing
