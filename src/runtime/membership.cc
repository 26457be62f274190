#include "runtime/membership.hpp"

#include <fstream>
#include <sstream>
#include <string>

namespace summon::runtime {

std::optional<pid_t> session_of(pid_t pid) {
  std::ifstream file("/proc/" + std::to_string(pid) + "/stat");
  std::string stat;
  if (!std::getline(file, stat)) return std::nullopt;
  // "PID (COMM) STATE PPID PGRP SESSION ...": COMM may hold spaces and
  // parentheses, so the fields are counted from the last ')'.
  const auto close = stat.rfind(')');
  if (close == std::string::npos) return std::nullopt;
  std::istringstream fields(stat.substr(close + 1));
  std::string state;
  pid_t parent = 0, group = 0, session = 0;
  if (!(fields >> state >> parent >> group >> session)) return std::nullopt;
  return session;
}

bool belongs_to_service(pid_t sender, pid_t leader, const Cgroup* cgroup) {
  if (sender <= 0) return false;
  if (sender == leader) return true;
  if (cgroup) return cgroup->contains(sender);
  return session_of(sender) == leader;
}

}  // namespace summon::runtime
