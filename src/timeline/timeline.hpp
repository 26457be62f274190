// The bring-up timeline (SPEC 2.3): when each service of one bring-up was
// spawned, started, ready or completed, or failed, with the dependency edges.
// A plain value: the recorder makes it, the renderers read it, and JSON
// carries it from the supervisor to the command that shows it.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace summon::timeline {

/// From the start of the bring-up: its first spawn (the engine's bring_up()
/// for the first one).
using Duration = std::chrono::microseconds;

struct ServiceTimes {
  std::string name;
  /// What it depends on, as written (a dependency missing from the timeline
  /// was already there when the bring-up began: it counts as ready at 0).
  std::vector<std::string> depends_on;
  std::optional<Duration> spawned;    // the runner was asked to spawn it
  std::optional<Duration> started;    // its process runs
  std::optional<Duration> ready;      // its probe held (or it has none)
  std::optional<Duration> completed;  // its main process exited with code 0
  std::optional<Duration> failed;     // it failed (its last failure in the bring-up)

  /// When it was there for its dependents: completed, else ready, else none.
  std::optional<Duration> end() const { return completed ? completed : ready; }

  bool operator==(const ServiceTimes&) const = default;
};

struct Timeline {
  /// The services spawned in this bring-up, in the file's order.
  std::vector<ServiceTimes> services;
  /// From its start to its last ready, completion or failure.
  Duration total{};
  /// Still going: some service of it has not settled yet.
  bool open = false;

  /// The service called `name`, if it took part.
  const ServiceTimes* find(const std::string& name) const {
    for (const auto& service : services)
      if (service.name == name) return &service;
    return nullptr;
  }

  bool operator==(const Timeline&) const = default;
};

}  // namespace summon::timeline
