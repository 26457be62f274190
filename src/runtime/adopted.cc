// adopted_children(), group_still_ours() and started_under(), from /proc.
#include "runtime/adopted.hpp"

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>

#include "runtime/run_mark.hpp"

namespace summon::runtime {

std::vector<pid_t> adopted_children(const ChildReaper& reaper) {
  std::vector<pid_t> adopted;
  // Without the subreaper flag nothing comes back to this process, and its
  // children that summon does not watch are the host's own (or another
  // Stack's): none of them is summon's to signal.
  if (!reaper.adopts()) return adopted;
  std::error_code error;
  for (const auto& task : std::filesystem::directory_iterator("/proc/self/task", error)) {
    std::ifstream children(task.path() / "children");
    pid_t pid;
    while (children >> pid)
      if (!reaper.watches(pid)) adopted.push_back(pid);
  }
  return adopted;
}

bool group_still_ours(const ChildReaper& reaper, pid_t id, std::string_view run_id,
                      const RunIdentity& who) {
  // Orphans come back to summon: a member of the group is among its children.
  if (reaper.adopts()) {
    for (pid_t child : adopted_children(reaper))
      if (::getpgid(child) == id || ::getsid(child) == id) return true;
    return false;
  }
  // Inside a host program they go elsewhere: look for the mark.
  return marked_process_in_group(run_id, who, id);
}

bool started_under(pid_t pid, std::string_view project, std::string_view service) {
  std::ifstream file("/proc/" + std::to_string(pid) + "/environ", std::ios::binary);
  const std::string environ{std::istreambuf_iterator<char>(file), {}};
  auto has = [&](std::string_view key, std::string_view value) {
    std::string entry;
    entry.reserve(key.size() + value.size() + 2);
    entry.append(key).append("=").append(value).push_back('\0');
    return environ.compare(0, entry.size(), entry) == 0 ||
           environ.find(std::string(1, '\0') + entry) != std::string::npos;
  };
  return has("SUMMON_SERVICE", service) && has("SUMMON_PROJECT", project);
}

}  // namespace summon::runtime
