#include "config/profiles.hpp"

#include <algorithm>
#include <unordered_map>

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace summon::config {

std::vector<std::string> profiles_from_list(const std::string& list) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= list.size()) {
    auto end = std::min(list.find(',', start), list.size());
    auto name = list.substr(start, end - start);
    auto first = name.find_first_not_of(" \t");
    if (first != std::string::npos) out.push_back(name.substr(first, name.find_last_not_of(" \t") - first + 1));
    start = end + 1;
  }
  return out;
}

void apply_profiles(ProjectSpec& project, const std::vector<std::string>& active,
                    const std::vector<std::string>& named, Diagnostics& diagnostics) {
  auto& services = project.services;
  if (std::all_of(services.begin(), services.end(), [](const auto& s) { return s.profiles.empty(); }))
    return;
  std::unordered_map<std::string, std::size_t> index;
  for (std::size_t i = 0; i < services.size(); ++i) index.emplace(services[i].name, i);

  std::vector<bool> part(services.size());
  for (std::size_t i = 0; i < services.size(); ++i) {
    const auto& profiles = services[i].profiles;
    part[i] = profiles.empty() || std::any_of(profiles.begin(), profiles.end(), [&](const auto& p) {
                return std::find(active.begin(), active.end(), p) != active.end();
              });
  }
  // Named services bring in what they depend on, whatever its profiles.
  std::vector<std::size_t> todo;
  for (const auto& name : named)
    if (auto found = index.find(name); found != index.end()) todo.push_back(found->second);
  std::vector<bool> reached(services.size());
  while (!todo.empty()) {
    auto i = todo.back();
    todo.pop_back();
    if (reached[i]) continue;
    reached[i] = part[i] = true;
    for (const auto& dependency : services[i].depends_on)
      if (auto found = index.find(dependency.service); found != index.end())
        todo.push_back(found->second);
  }

  for (std::size_t i = 0; i < services.size(); ++i) {
    if (!part[i]) continue;
    std::erase_if(services[i].depends_on, [&](const Dependency& dependency) {
      auto found = index.find(dependency.service);
      if (found == index.end() || part[found->second]) return false;
      const auto& profiles = services[found->second].profiles;
      diagnostics.error(project.file, dependency.mark,
                        fmt::format("service '{}' depends on '{}', which is only in profile{} {}; "
                                    "activate {} with --profile {}",
                                    services[i].name, dependency.service,
                                    profiles.size() == 1 ? "" : "s",
                                    fmt::join(profiles, ", "),
                                    profiles.size() == 1 ? "it" : "one", profiles.front()));
      return true;
    });
  }
  std::size_t kept = 0;
  for (std::size_t i = 0; i < services.size(); ++i)
    if (part[i]) {
      if (kept != i) services[kept] = std::move(services[i]);
      ++kept;
    }
  services.resize(kept);
}

}  // namespace summon::config
