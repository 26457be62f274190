// Descendants that left their service's process group (a daemon that forks
// twice and calls setsid, like `pg_ctl start`) come back to summon, their
// subreaper, when their parent ends. These find them, so that a service's
// stop reaches them too.
#pragma once

#include <sys/types.h>

#include <string_view>
#include <vector>

#include "runtime/child_reaper.hpp"
#include "runtime/run_mark.hpp"

namespace summon::runtime {

/// summon's children that it did not start itself: adopted orphans
/// (from /proc/self/task/*/children, so the cost is that of summon's own
/// children, not of every process on the machine). Always empty when
/// `reaper` does not adopt (summon inside another program).
std::vector<pid_t> adopted_children(const ChildReaper& reaper);

/// Whether process group or session `id` of a service whose main process
/// summon has already reaped is still held by a process of run `run_id`:
/// one of summon's adopted children (when `reaper` adopts), else a process
/// that carries the run's mark. Then the number cannot have been reused, and
/// signalling `-id` reaches only what the service left behind.
bool group_still_ours(const ChildReaper& reaper, pid_t id, std::string_view run_id,
                      const RunIdentity& who);

/// Whether process `pid` was started under service `service` of project
/// `project`: its environment still has the SUMMON_PROJECT and
/// SUMMON_SERVICE summon gave the service (daemons keep their environment).
bool started_under(pid_t pid, std::string_view project, std::string_view service);

}  // namespace summon::runtime
