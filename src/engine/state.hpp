// A service's life as an explicit state × event table (after s6-supervise):
// the engine changes a service's state only through next_state(), so every
// path a service can take is listed in state.cc. What the service should be
// (`Want`) is kept beside it; the engine's examine() moves one toward the other.
#pragma once

#include <optional>
#include <string_view>

#include "config/project_spec.hpp"

namespace summon::engine {

/// What a service should be: running (`up`) or not (`down`).
enum class Want { up, down };

/// Where one service stands. `started` (its process was spawned) and `ready`
/// (its probe held, or it has none) are distinct; `completed` means its main
/// process exited with code 0.
enum class State {
  pending,    // not started yet: waits for its conditions, or for nothing if not wanted
  starting,   // the runner was asked to spawn it
  started,    // spawned; its readiness probe has not held yet
  ready,      // its probe held (or it has none)
  unhealthy,  // was ready; its `alive` probe or watchdog says it no longer is
  completed,  // its main process exited with code 0
  stopping,   // going down (to stop or restart); signalled once what goes down with it stopped
  killing,    // SIGKILL was sent: its stop timeout passed, or everything is being killed
  backoff,    // ended, and waits out its restart delay before it starts again
  stopped,    // stopped by summon: none of its processes is left
  failed,     // ended badly or could not start; what is left of it is being stopped
  skipped,    // never started: a failure or a shutdown came first
};

/// What can happen to a service.
enum class Event {
  start,          // the engine asked the runner to spawn it
  skip,           // it is no longer wanted before it could start
  spawned,        // exec succeeded
  spawn_failed,   // exec failed
  probe_held,     // its readiness probe held (or it has none)
  probe_failed,   // its probe failed for good
  deadline,       // its readiness deadline passed
  exited_ok,      // its main process exited with code 0
  exited_error,   // its main process exited non-zero or died of a signal
  exited_anyway,  // its main process ended while it waited its turn to go down
  restart,        // it failed (exit, probe, liveness, deadline) and will be started again
  alive_failed,   // its liveness probe failed `failures` times in a row, or its watchdog ran out
  alive_held,     // after that, a liveness attempt succeeded
  give_up,        // it failed again after its last allowed restart, while it still runs
  stop,           // the engine sent it the stop signal
  kill,           // the engine sent it SIGKILL
  group_empty,    // after a stop, none of its processes is left
  wait,           // stopped for a restart: its backoff delay begins
  cancel,         // no longer wanted while waiting out its backoff
};

/// The lower-case name used in output and tests: "pending", "ready", ...
std::string_view state_name(State state);
std::string_view event_name(Event event);
std::string_view want_name(Want want);

/// The state after `event` in `state`, or nullopt when the event means
/// nothing there (a late probe result after an exit, a second exit, ...);
/// the engine then leaves the service as it is.
std::optional<State> next_state(State state, Event event);

/// Whether a dependency in `state` meets `condition` (SPEC 1.4): `started`
/// holds while it runs, `ready` from ready on (an unhealthy service still
/// counts: it runs, and its policy decides), `completed` only at completed.
/// A dependency that completed meets all three: it was spawned, and a task
/// that finished with code 0 has nothing more to be ready for.
bool meets(State state, config::Condition condition);

/// Whether a service in `state` is running (its main process may be alive).
bool running(State state);

}  // namespace summon::engine
