// What the engine keeps about one service (the spec says what the file asks
// for; this says what the service should be and where it stands). Internal
// to the engine.
#pragma once

#include <cstddef>
#include <optional>
#include <vector>

#include "config/project_spec.hpp"
#include "engine/clock.hpp"
#include "engine/state.hpp"
#include "graph/dependency_graph.hpp"

namespace summon::engine {

/// One `depends_on` entry of a service, resolved to the service it names.
struct Requirement {
  graph::ServiceIndex service = 0;
  config::Condition condition = config::Condition::ready;
  bool restart = false;  // `restart: true`: the entry must hold for as long as it runs
};

/// nothing; `spawning`: start() was asked and not yet answered; `processes`:
/// spawned; `signalled`: sent its stop signal (or SIGKILL), and not yet
/// reported stopped.
enum class Hold { nothing, spawning, processes, signalled };

struct ServiceRun {
  // What the file says, resolved: its conditions on others, and who waits on it.
  std::vector<Requirement> requirements;
  std::vector<graph::ServiceIndex> dependents;

  bool selected = false;  // takes part in this run
  Want want = Want::down;
  bool cycle = false;  // `restart`: go down, then up again, with no delay
  State state = State::pending;
  /// What the runner may hold of it: a runtime fact beside its life's state
  /// (a failed service may still be spawning; a completed task may have
  /// left processes behind).
  Hold hold = Hold::nothing;

  // Supervision: restarts in a row, and the restart decided but not yet begun.
  int restarts = 0;       // in a row; back to 0 after staying ready long enough
  int restarts_all = 0;   // in this run
  std::optional<TimePoint> restart_at;  // when its backoff ends
  bool reached_ready = false;  // ready or completed since bring-up began: no longer waited for

  std::optional<TimerId> ready_deadline;
  TimePoint ready_deadline_from{};  // the first spawn it counts from
  TimePoint ready_deadline_at{};
  std::optional<TimerId> stop_deadline;
  std::optional<TimerId> backoff_timer;
  std::optional<TimerId> steady_timer;  // resets `restarts` once it has stayed ready
  std::optional<TimePoint> started_at;  // this spawn
  std::optional<TimePoint> stop_sent_at;  // its stop signal, for how long stopping took
};

}  // namespace summon::engine
