// The text form: a summary line, the critical path, then a table.
#include "timeline/text.hpp"

#include <algorithm>
#include <numeric>

#include <fmt/format.h>

#include "timeline/critical_path.hpp"

namespace summon::timeline {

namespace {

// "ready 1.41s", "completed 24ms", "failed 3.20s", "started 5ms", "spawned 0ms".
std::string outcome(const ServiceTimes& service) {
  if (service.completed) return "completed " + duration_text(*service.completed);
  if (service.ready) return "ready " + duration_text(*service.ready);
  if (service.failed) return "failed " + duration_text(*service.failed);
  if (service.started) return "started " + duration_text(*service.started);
  if (service.spawned) return "spawned " + duration_text(*service.spawned);
  return "-";
}

std::string summary(const Timeline& timeline) {
  const auto count = timeline.services.size();
  const auto services = fmt::format("{} service{}", count, count == 1 ? "" : "s");
  if (timeline.open)
    return fmt::format("bring-up: {}, still going ({} so far)", services,
                       duration_text(timeline.total));
  std::string failed;
  for (const auto& service : timeline.services)
    if (service.failed && !service.end()) failed += (failed.empty() ? "" : ", ") + service.name;
  if (!failed.empty())
    return fmt::format("bring-up: {} in {}; failed: {}", services, duration_text(timeline.total),
                       failed);
  return fmt::format("bring-up: {} in {}", services, duration_text(timeline.total));
}

std::string path_line(const Timeline& timeline, const std::vector<std::size_t>& path) {
  if (path.empty()) return "critical path: none";
  const auto& services = timeline.services;
  const auto& last = services[path.front()];
  const auto end = last.end() ? last.end() : last.failed;
  const char* what = last.completed ? "completed" : last.ready ? "ready" : "failed";
  std::string line = fmt::format("critical path: {} {} at {}", last.name, what,
                                 end ? duration_text(*end) : std::string("-"));
  // Each dependency with its own share: from when what it waited for was
  // there (the start, for the last) to when it was there itself.
  const auto there = [&](std::size_t k) -> std::optional<Duration> {
    return there_by(services[path[k]], services[path[k - 1]].spawned.value_or(Duration{}));
  };
  for (std::size_t k = 1; k < path.size(); ++k) {
    const auto own_there = there(k);
    const auto before = k + 1 < path.size() ? there(k + 1) : std::optional<Duration>(Duration{});
    const auto share = own_there && before ? *own_there - *before : Duration{};
    line += fmt::format(" ← {} +{}", services[path[k]].name, duration_text(share));
  }
  return line;
}

}  // namespace

std::string duration_text(Duration duration) {
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(duration).count();
  if (ms < 1000) return fmt::format("{}ms", ms);
  return fmt::format("{:.2f}s", std::chrono::duration<double>(duration).count());
}

std::string text(const Timeline& timeline) {
  const auto path = critical_path(timeline);
  std::string out = summary(timeline) + "\n" + path_line(timeline, path) + "\n";
  if (timeline.services.empty()) return out;

  // Rows in the order they were spawned; the file's order among equals.
  std::vector<std::size_t> order(timeline.services.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::ranges::stable_sort(order, [&](std::size_t a, std::size_t b) {
    return timeline.services[a].spawned.value_or(Duration::max()) <
           timeline.services[b].spawned.value_or(Duration::max());
  });
  std::vector<std::vector<std::string>> rows = {
      {"", "SERVICE", "WAITED", "BOOT", "THERE AT", "DEPENDS ON"}};
  for (auto k : order) {
    const auto& service = timeline.services[k];
    const auto end = service.end() ? service.end() : service.failed;
    std::string depends_on;
    for (const auto& name : service.depends_on)
      depends_on += (depends_on.empty() ? "" : ", ") + name;
    rows.push_back({std::ranges::find(path, k) != path.end() ? "*" : " ", service.name,
                    service.spawned ? duration_text(*service.spawned) : "-",
                    service.spawned && end ? duration_text(*end - *service.spawned) : "-",
                    outcome(service), depends_on.empty() ? "-" : depends_on});
  }
  std::vector<std::size_t> widths(rows.front().size(), 0);
  for (const auto& row : rows)
    for (std::size_t c = 0; c < row.size(); ++c) widths[c] = std::max(widths[c], row[c].size());
  out += "\n";
  for (const auto& row : rows) {
    std::string line;
    for (std::size_t c = 0; c < row.size(); ++c)
      line += c + 1 == row.size() ? row[c]
                                  : fmt::format("{:<{}}{}", row[c], widths[c], c == 0 ? " " : "  ");
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out += line + "\n";
  }
  out +=
      "(* the critical path; WAITED: from the start to its spawn, BOOT: from its spawn to "
      "THERE AT)\n";
  return out;
}

}  // namespace summon::timeline
