// What a service's processes use now: CPU time and resident memory, read
// from its cgroup where it has one, else from /proc over its process group.
// Plain reads of short files, each bounded; nothing here throws.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "runtime/cgroups.hpp"

namespace summon::runtime {

struct ResourceUsage {
  std::chrono::nanoseconds cpu{0};  // user + system
  std::uint64_t memory_bytes = 0;   // resident

  bool operator==(const ResourceUsage&) const = default;
};

/// The usage of the processes in cgroup v2 folder `path`: cpu.stat's
/// usage_usec (which counts its members that have ended too) and
/// memory.current; without the memory controller there, the resident sets of
/// the members cgroup.procs lists. Nothing when no live process is in it,
/// or its files cannot be read.
std::optional<ResourceUsage> cgroup_usage(const std::string& path);

/// The usage of the live processes of each process group in `groups`, from
/// one pass over /proc: utime + stime of every /proc/PID/stat whose pgrp is
/// one of them, and its rss pages times the page size. Entry k is group k's;
/// nothing for a group with no live process (zombies do not count).
std::vector<std::optional<ResourceUsage>> process_group_usage(std::span<const pid_t> groups);

/// One service as usage_of() is asked about it.
struct UsageQuery {
  std::string name;          // its name, which names its cgroup leaf
  std::optional<pid_t> pid;  // its main process, which leads its group; nullopt: none runs
};

/// The usage of each service in `services` (entry k is service k's): from its
/// leaf of `cgroups` where it has one, else from its process group, with one
/// pass over /proc for all of those. Nothing for a service that does not run.
std::vector<std::optional<ResourceUsage>> usage_of(const CgroupTree& cgroups,
                                                   std::span<const UsageQuery> services);

}  // namespace summon::runtime
