// Reading what /proc says of a process: one place for the file reads and the
// parsing that the guardian, the notify sender check and the stop path share.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

namespace summon::runtime {

/// The whole of the file at `path` (short /proc and cgroup files); empty if
/// it cannot be read.
std::string read_whole_file(const std::string& path);

/// /proc/PID/NAME, whole ("environ", "status"); empty if it cannot be read.
std::string read_proc_file(pid_t pid, const char* name);

/// The fields of /proc/PID/stat after "PID (COMM)", from the state on:
/// index 0 is field 3 of proc(5), so the session is [3] and the start time
/// [19]. COMM may hold spaces and parentheses, so they are counted from the
/// last ')'. Empty if the process is gone.
std::vector<std::string> stat_fields(pid_t pid);

/// The pids of every process /proc lists now.
std::vector<pid_t> all_processes();

}  // namespace summon::runtime
