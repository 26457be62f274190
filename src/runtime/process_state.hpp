// One service's processes at run time, as an explicit state × event table
// (as engine/state.hpp is for the engine): ServiceProcess changes its state
// only through next_state(), so every path a start can take is listed in
// process_state.cc. A service goes round it once per start: `stopped` leads
// to `loading` again.
#pragma once

#include <optional>
#include <string_view>

namespace summon::runtime {

/// Where a service's processes stand.
enum class ProcessState {
  idle,        // nothing of it runs and no stop is owed: never started, or its start failed
  loading,     // spawned; whether its exec worked is not known yet
  cancelling,  // stopped while loading: the exec's result is still to come
  running,     // exec'd; its main process lives
  exited,      // its main process ended on its own; what it started may live on
  stopping,    // stopped (signal sent); its main process lives
  draining,    // stopped, its main process ended; waiting until none of its processes is left
  stopped,     // reported stopped; it may be started anew
};

/// What can happen to them.
enum class ProcessEvent {
  spawned,       // a child was made for it
  spawn_failed,  // none could be made (port in use, probe, pipe or fork error)
  exec_ok,       // the child exec'd the program
  exec_failed,   // the child could not exec (and exits by itself)
  reaped,        // the main process ended (and was reaped)
  stop,          // a stop signal (or SIGKILL) was sent
  group_empty,   // once stopped: none of its processes is left
};

/// The lower-case name used in tests and messages: "idle", "loading", ...
std::string_view process_state_name(ProcessState state);
std::string_view process_event_name(ProcessEvent event);

/// The state after `event` in `state`, or nullopt when the event means
/// nothing there (a second stop after the stop was reported, a start while
/// something still runs); the caller then leaves things as they are.
std::optional<ProcessState> next_state(ProcessState state, ProcessEvent event);

/// Whether the main process has not been reaped in `state`: its pid, and the
/// number of the process group it leads, cannot have been reused.
bool leader_unreaped(ProcessState state);

/// Whether a start may begin in `state`: nothing of an earlier start runs.
bool can_start(ProcessState state);

}  // namespace summon::runtime
