#include "config/supervision_check.hpp"

#include <unordered_map>
#include <vector>

#include <fmt/format.h>

namespace summon::config {

namespace {

// "'api'", "'api' and 'worker'", "'api', 'web' and 'worker'".
std::string quoted_list(const std::vector<std::string>& names) {
  std::string out;
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (i > 0) out += i + 1 == names.size() ? " and " : ", ";
    out += fmt::format("'{}'", names[i]);
  }
  return out;
}

}  // namespace

void check_supervision(const ProjectSpec& project, const std::string& file,
                       Diagnostics& diagnostics) {
  // Who needs each service completed, in file order, each once.
  std::unordered_map<std::string, std::vector<std::string>> needed_by;
  for (const auto& other : project.services)
    for (const auto& dependency : other.depends_on) {
      if (dependency.condition != Condition::completed || dependency.service == other.name)
        continue;
      auto& dependents = needed_by[dependency.service];
      if (dependents.empty() || dependents.back() != other.name) dependents.push_back(other.name);
    }
  for (const auto& service : project.services) {
    auto dependents = needed_by.find(service.name);
    if (service.restart != RestartPolicy::always || dependents == needed_by.end()) continue;
    diagnostics.error(file, service.restart_mark,
                      fmt::format("restart: always cannot be used on '{}': {} {} it completed; use "
                                  "restart: on-failure",
                                  service.name, quoted_list(dependents->second),
                                  dependents->second.size() == 1 ? "needs" : "need"));
  }
}

}  // namespace summon::config
