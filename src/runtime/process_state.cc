#include "runtime/process_state.hpp"

namespace summon::runtime {

namespace {

struct Row {
  ProcessState from;
  ProcessEvent event;
  ProcessState to;
};

using enum ProcessState;
using enum ProcessEvent;

// Every transition there is; anything else is ignored. The spawner reports a
// child's exec before its exit, so `reaped` never meets `loading`. A stop is
// owed a report whatever the state: at once where nothing runs (idle), once
// the group is empty where something may (draining), and never twice
// (stopped ignores it).
constexpr Row table[] = {
    {idle, spawned, loading},        {idle, spawn_failed, idle},
    {idle, stop, stopped},

    {loading, exec_ok, running},     {loading, exec_failed, idle},
    {loading, stop, cancelling},

    {cancelling, exec_ok, stopping}, {cancelling, exec_failed, stopped},
    {cancelling, stop, cancelling},

    {running, reaped, exited},       {running, stop, stopping},

    {exited, stop, draining},

    {stopping, reaped, draining},    {stopping, stop, stopping},

    {draining, stop, draining},      {draining, group_empty, stopped},

    {stopped, spawned, loading},     {stopped, spawn_failed, idle},
};

}  // namespace

std::optional<ProcessState> next_state(ProcessState state, ProcessEvent event) {
  for (const Row& row : table)
    if (row.from == state && row.event == event) return row.to;
  return std::nullopt;
}

bool leader_unreaped(ProcessState state) {
  return state == loading || state == cancelling || state == running || state == stopping;
}

bool can_start(ProcessState state) {
  return next_state(state, spawned).has_value();
}

std::string_view process_state_name(ProcessState state) {
  switch (state) {
    case idle:
      return "idle";
    case loading:
      return "loading";
    case cancelling:
      return "cancelling";
    case running:
      return "running";
    case exited:
      return "exited";
    case stopping:
      return "stopping";
    case draining:
      return "draining";
    case stopped:
      return "stopped";
  }
  return "unknown";
}

std::string_view process_event_name(ProcessEvent event) {
  switch (event) {
    case spawned:
      return "spawned";
    case spawn_failed:
      return "spawn failed";
    case exec_ok:
      return "exec ok";
    case exec_failed:
      return "exec failed";
    case reaped:
      return "reaped";
    case stop:
      return "stop";
    case group_empty:
      return "group empty";
  }
  return "unknown";
}

}  // namespace summon::runtime
