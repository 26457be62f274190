// JSON both ways; times as milliseconds, so that people can read them too.
#include "timeline/json.hpp"

#include <cmath>

#include "timeline/critical_path.hpp"

namespace summon::timeline {

namespace {

using nlohmann::json;

json milliseconds(const std::optional<Duration>& at) {
  if (!at) return nullptr;
  return static_cast<double>(at->count()) / 1000.0;
}

// A time in milliseconds: false if it is neither null nor a number >= 0.
bool read_time(const json& value, std::optional<Duration>& at) {
  if (value.is_null()) {
    at.reset();
    return true;
  }
  if (!value.is_number()) return false;
  const double ms = value.get<double>();
  if (!(ms >= 0) || ms > 1e15) return false;
  at = Duration(std::llround(ms * 1000.0));
  return true;
}

constexpr const char* time_keys[] = {"spawned_ms", "started_ms", "ready_ms", "completed_ms",
                                     "failed_ms"};

std::optional<Duration> ServiceTimes::*const time_members[] = {
    &ServiceTimes::spawned, &ServiceTimes::started, &ServiceTimes::ready, &ServiceTimes::completed,
    &ServiceTimes::failed};

}  // namespace

json to_json(const Timeline& timeline) {
  json services = json::array();
  for (const auto& service : timeline.services) {
    json entry = {{"name", service.name}, {"depends_on", service.depends_on}};
    for (std::size_t k = 0; k < std::size(time_keys); ++k)
      entry[time_keys[k]] = milliseconds(service.*time_members[k]);
    services.push_back(std::move(entry));
  }
  json path = json::array();
  for (auto k : critical_path(timeline)) path.push_back(timeline.services[k].name);
  return {{"open", timeline.open},
          {"total_ms", milliseconds(timeline.total)},
          {"critical_path", std::move(path)},
          {"services", std::move(services)}};
}

std::optional<Timeline> from_json(const json& value) {
  if (!value.is_object()) return std::nullopt;
  const auto open = value.find("open");
  const auto total = value.find("total_ms");
  const auto services = value.find("services");
  if (open == value.end() || !open->is_boolean() || total == value.end() ||
      services == value.end() || !services->is_array())
    return std::nullopt;
  Timeline timeline;
  timeline.open = open->get<bool>();
  std::optional<Duration> total_time;
  if (!read_time(*total, total_time) || !total_time) return std::nullopt;
  timeline.total = *total_time;
  for (const auto& entry : *services) {
    if (!entry.is_object()) return std::nullopt;
    const auto name = entry.find("name");
    const auto depends_on = entry.find("depends_on");
    if (name == entry.end() || !name->is_string() || depends_on == entry.end() ||
        !depends_on->is_array())
      return std::nullopt;
    ServiceTimes service;
    service.name = name->get<std::string>();
    for (const auto& dependency : *depends_on) {
      if (!dependency.is_string()) return std::nullopt;
      service.depends_on.push_back(dependency.get<std::string>());
    }
    for (std::size_t k = 0; k < std::size(time_keys); ++k) {
      const auto time = entry.find(time_keys[k]);
      if (time == entry.end() || !read_time(*time, service.*time_members[k])) return std::nullopt;
    }
    timeline.services.push_back(std::move(service));
  }
  return timeline;
}

}  // namespace summon::timeline
