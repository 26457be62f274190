#include "engine/state.hpp"

namespace summon::engine {

namespace {

struct Row {
  State from;
  Event event;
  State to;
};

using enum State;
using enum Event;

// Every transition there is; anything else is ignored. A service may exit
// while still `starting` if the runner reports the exit before the spawn, so
// exits are accepted there too. `failed` can be stopped: a service that was
// not ready in time still runs and is torn down with the rest.
constexpr Row table[] = {
    {pending, start, starting},       {pending, skip, skipped},

    {starting, spawned, started},     {starting, spawn_failed, failed},
    {starting, deadline, failed},     {starting, exited_ok, completed},
    {starting, exited_error, failed},

    {started, probe_held, ready},     {started, probe_failed, failed},
    {started, deadline, failed},      {started, exited_ok, completed},
    {started, exited_error, failed},  {started, stop, stopping},

    {ready, exited_ok, completed},    {ready, exited_error, failed},
    {ready, stop, stopping},

    {completed, stop, stopping},      {failed, stop, stopping},

    {stopping, group_empty, stopped},
};

}  // namespace

std::string_view state_name(State state) {
  switch (state) {
    case pending:
      return "pending";
    case starting:
      return "starting";
    case started:
      return "started";
    case ready:
      return "ready";
    case completed:
      return "completed";
    case stopping:
      return "stopping";
    case stopped:
      return "stopped";
    case failed:
      return "failed";
    case skipped:
      return "skipped";
  }
  return "unknown";
}

std::string_view event_name(Event event) {
  switch (event) {
    case start:
      return "start";
    case skip:
      return "skip";
    case spawned:
      return "spawned";
    case spawn_failed:
      return "spawn failed";
    case probe_held:
      return "probe held";
    case probe_failed:
      return "probe failed";
    case deadline:
      return "deadline";
    case exited_ok:
      return "exited ok";
    case exited_error:
      return "exited with error";
    case stop:
      return "stop";
    case group_empty:
      return "group empty";
  }
  return "unknown";
}

std::optional<State> next_state(State state, Event event) {
  for (const Row& row : table)
    if (row.from == state && row.event == event) return row.to;
  return std::nullopt;
}

bool meets(State state, config::Condition condition) {
  switch (condition) {
    case config::Condition::started:
      return state == started || state == ready || state == completed;
    case config::Condition::ready:
      return state == ready || state == completed;
    case config::Condition::completed:
      return state == completed;
  }
  return false;
}

}  // namespace summon::engine
