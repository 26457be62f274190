// The critical path: walked back from the last to be there, one wait at a time.
#include "timeline/critical_path.hpp"

#include <algorithm>

namespace summon::timeline {

std::optional<Duration> there_by(const ServiceTimes& service, Duration spawned) {
  if (service.completed && *service.completed <= spawned) return service.completed;
  if (service.ready && *service.ready <= spawned) return service.ready;
  return std::nullopt;
}

std::vector<std::size_t> critical_path(const Timeline& timeline) {
  const auto& services = timeline.services;
  // The last to be there, else the last to fail.
  std::optional<std::size_t> last;
  for (std::size_t k = 0; k < services.size(); ++k) {
    const auto end = services[k].end();
    if (end && (!last || *end > *services[*last].end())) last = k;
  }
  if (!last)
    for (std::size_t k = 0; k < services.size(); ++k) {
      const auto failed = services[k].failed;
      if (failed && (!last || *failed > *services[*last].failed)) last = k;
    }
  std::vector<std::size_t> path;
  for (auto at = last; at;) {
    path.push_back(*at);
    const auto& service = services[*at];
    at.reset();
    if (!service.spawned) break;
    std::optional<Duration> latest;
    for (const auto& name : service.depends_on) {
      const auto* dependency = timeline.find(name);
      if (!dependency) continue;  // there before the bring-up began
      const auto there = there_by(*dependency, *service.spawned);
      if (there && (!latest || *there > *latest)) {
        latest = there;
        at = static_cast<std::size_t>(dependency - services.data());
      }
    }
    // A cycle cannot be (the graph has none), but a hand-made timeline may.
    if (at && std::ranges::find(path, *at) != path.end()) break;
  }
  return path;
}

}  // namespace summon::timeline
