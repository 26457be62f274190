#include "runtime/membership.hpp"

#include <cstdlib>

#include "runtime/proc_entry.hpp"

namespace summon::runtime {

std::optional<pid_t> session_of(pid_t pid) {
  const auto fields = stat_fields(pid);  // state, ppid, pgrp, session, ...
  if (fields.size() <= 3) return std::nullopt;
  return static_cast<pid_t>(std::strtol(fields[3].c_str(), nullptr, 10));
}

bool belongs_to_service(pid_t sender, pid_t leader, const Cgroup* cgroup) {
  if (sender <= 0) return false;
  if (sender == leader) return true;
  if (cgroup) return cgroup->contains(sender);
  return session_of(sender) == leader;
}

}  // namespace summon::runtime
