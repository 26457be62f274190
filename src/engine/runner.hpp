// The engine's only window on the outside world (ninja's CommandRunner): the
// runtime implements Runner with real processes and probes, tests with a
// fake that records each call. What happens comes back through
// RunnerEvents, which the engine implements: two interfaces, one each way.
#pragma once

#include <string>

#include "engine/clock.hpp"
#include "engine/exit_status.hpp"
#include "graph/dependency_graph.hpp"

namespace summon::engine {

using graph::ServiceIndex;

/// What the runner reports, preferably from the event loop after the Runner
/// call returned; the engine also copes with a report made from inside a
/// call, by handling it right after. A report that means nothing in the
/// service's state is ignored.
class RunnerEvents {
 public:
  virtual ~RunnerEvents() = default;

  /// Service i's process was spawned (exec succeeded).
  virtual void on_started(ServiceIndex i) = 0;
  /// Service i could not be spawned; `why` reads after "NAME: ": "cannot
  /// start: ./api: No such file or directory", "port 5432 is already in use".
  virtual void on_start_failed(ServiceIndex i, std::string why) = 0;
  /// Service i's readiness probe held while its process was alive.
  virtual void on_ready(ServiceIndex i) = 0;
  /// Service i's readiness probe failed for good; `why` reads after "NAME: ".
  virtual void on_probe_failed(ServiceIndex i, std::string why) = 0;
  /// Service i's main process ended.
  virtual void on_exited(ServiceIndex i, ExitStatus status) = 0;
  /// After stop() or kill(): none of service i's processes is left.
  virtual void on_stopped(ServiceIndex i) = 0;
  /// After ready: its `alive` probe failed `failures` times in a row, or
  /// its watchdog ran out or was triggered. `why` reads after "NAME
  /// unhealthy: ": "http 127.0.0.1:8080/health: status 503 (3 in a row)",
  /// "no WATCHDOG=1 for 2s".
  virtual void on_unhealthy(ServiceIndex i, std::string why) = 0;
  /// After on_unhealthy: an `alive` attempt succeeded again.
  virtual void on_healthy(ServiceIndex i) = 0;
  /// The service asked for more time to get ready (sd_notify's
  /// EXTEND_TIMEOUT_USEC): its readiness deadline is at least `extra` from now.
  virtual void on_deadline_extended(ServiceIndex i, Duration extra) = 0;
};

/// Carries out the engine's decisions; reports come back on RunnerEvents.
class Runner {
 public:
  virtual ~Runner() = default;

  /// Spawns service i and, if it has a `ready` probe, starts watching it;
  /// once ready, watches its `alive` probe and watchdog, if any. Reports
  /// exactly one of on_started / on_start_failed; after on_started,
  /// on_ready or on_probe_failed at most once while it runs, on_unhealthy
  /// and on_healthy after ready, and on_exited once when its main process
  /// ends. Called again after the service ended and was reported stopped, it
  /// starts it anew (a restart): its output history and log file go on.
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
