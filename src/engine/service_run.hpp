// What the engine keeps about one service during a run (the spec says what
// the file asks for; this says where the run stands). Internal to the engine.
#pragma once

#include <cstddef>
#include <optional>
#include <vector>

#include "config/project_spec.hpp"
#include "engine/clock.hpp"
#include "engine/state.hpp"
#include "graph/dependency_graph.hpp"

namespace summon::engine {

/// One `depends_on` entry of `service` (its `entry`-th) that names another service.
struct Waiter {
  graph::ServiceIndex service = 0;
  std::size_t entry = 0;
  config::Condition condition = config::Condition::ready;
};

struct ServiceRun {
  bool selected = false;
  State state = State::pending;

  // Bring-up: the entries of other services waiting on this one, and this
  // one's own entries (met or not) with how many are still unmet.
  std::vector<Waiter> waiters;
  std::vector<bool> met;
  std::size_t unmet = 0;
  bool reached_ready = false;  // has been ready or completed (counted once)

  // Processes: start() sent and not yet answered; spawned and not yet
  // reported stopped (so something of it may be left to stop).
  bool spawn_pending = false;
  bool spawned = false;

  // Teardown: whether its dependencies wait for it to be down, and how many
  // of its dependents it still waits for.
  bool holds_dependencies = false;
  std::size_t dependents_up = 0;
  bool stop_sent = false;
  bool kill_sent = false;

  std::optional<TimerId> ready_deadline;
  std::optional<TimerId> stop_deadline;
  std::optional<TimePoint> started_at;
  std::optional<TimePoint> stop_sent_at;
};

}  // namespace summon::engine
