// The engine's only window on the outside world (ninja's CommandRunner): the
// runtime implements it with real processes and probes, tests with a fake
// that records each call.
#pragma once

#include <string>

#include "graph/dependency_graph.hpp"

namespace summon::engine {

using graph::ServiceIndex;

/// Carries out the engine's decisions. Outcomes come back as calls on the
/// Engine (on_started, on_ready, on_exited, on_stopped, ...), preferably
/// from the event loop after the method returned; the engine also copes with
/// a report made from inside a call, by handling it right after.
class Runner {
 public:
  virtual ~Runner() = default;

  /// Spawns service i and, if it has a `ready` probe, starts watching it.
  /// Reports exactly one of on_started / on_start_failed; after on_started,
  /// on_ready or on_probe_failed at most once while it runs, and on_exited
  /// once when its main process ends.
  virtual void start(ServiceIndex i) = 0;
  /// Sends `signal` to service i's whole process group and stops probing it.
  /// Reports on_stopped once none of its processes is left (at once if none
  /// was), after on_exited if its main process was still running.
  virtual void stop(ServiceIndex i, int signal) = 0;
  /// SIGKILL to every process service i started. Reports on_stopped as stop()
  /// does (once in all, for a stop followed by a kill).
  virtual void kill(ServiceIndex i) = 0;
  /// What service i's probe saw last, for a timeout message: e.g.
  /// "tcp 127.0.0.1:5432: connection refused". Empty if nothing yet.
  virtual std::string last_probe_result(ServiceIndex i) const = 0;
};

}  // namespace summon::engine
