// A service's life in one run, as an explicit state × event table (after
// s6-supervise): the engine changes a service's state only through
// next_state(), so every path a service can take is listed in state.cc.
#pragma once

#include <optional>
#include <string_view>

#include "config/project_spec.hpp"

namespace summon::engine {

/// Where one service stands. `started` (its process was spawned) and `ready`
/// (its probe held, or it has none) are distinct; `completed` means its main
/// process exited with code 0. `stopped`, `skipped` and a `failed` that never
/// spawned anything are final.
enum class State {
  pending,
  starting,
  started,
  ready,
  completed,
  stopping,
  stopped,
  failed,
  skipped
};

/// What can happen to a service.
enum class Event {
  start,         // the engine asked the runner to spawn it
  skip,          // bring-up ended (failure or shutdown) before it could start
  spawned,       // exec succeeded
  spawn_failed,  // exec failed
  probe_held,    // its readiness probe held (or it has none)
  probe_failed,  // its probe failed for good
  deadline,      // its readiness deadline passed
  exited_ok,     // its main process exited with code 0 (or from our own stop signal)
  exited_error,  // its main process exited non-zero or died of a signal
  stop,          // the engine sent it the stop signal (or SIGKILL)
  group_empty,   // after a stop, none of its processes is left
};

/// The lower-case name used in output and tests: "pending", "ready", ...
std::string_view state_name(State state);
std::string_view event_name(Event event);

/// The state after `event` in `state`, or nullopt when the event means
/// nothing there (a late probe result after an exit, a second exit, ...);
/// the engine then leaves the service as it is.
std::optional<State> next_state(State state, Event event);

/// Whether a dependency in `state` meets `condition` (SPEC 1.4): `started`
/// holds from started on, `ready` from ready on, `completed` only at
/// completed. A dependency that completed meets all three: it was spawned,
/// and a task that finished with code 0 has nothing more to be ready for.
bool meets(State state, config::Condition condition);

}  // namespace summon::engine
