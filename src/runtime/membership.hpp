// Whether a process belongs to a service, for messages that claim to come
// from one (an sd_notify datagram's sender, as SCM_CREDENTIALS gives it).
#pragma once

#include <sys/types.h>

#include <optional>

#include "runtime/cgroups.hpp"

namespace summon::runtime {

/// The session of process `pid` (from /proc/PID/stat), or nullopt if it is
/// gone or cannot be read.
std::optional<pid_t> session_of(pid_t pid);

/// Whether `sender` is a process of the service whose main process is
/// `leader` (alive: its pid cannot have been reused): the leader itself;
/// else, with the service's `cgroup`, any member of it; else any process of
/// the leader's session (the service called setsid at its start, so its
/// session holds everything it started that did not leave it). A process
/// that has already ended cannot be checked and does not belong.
bool belongs_to_service(pid_t sender, pid_t leader, const Cgroup* cgroup);

}  // namespace summon::runtime
