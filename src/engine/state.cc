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
// exits are accepted there too. `completed` may still hold processes (what a
// task left behind on purpose), kept until it is stopped; `failed` clears
// whatever is left of it at once, without leaving the state.
constexpr Row table[] = {
    {pending, start, starting},        {pending, skip, skipped},

    {starting, spawned, started},      {starting, spawn_failed, failed},
    {starting, deadline, failed},      {starting, exited_ok, completed},
    {starting, exited_error, failed},  {starting, restart, stopping},

    {started, probe_held, ready},      {started, probe_failed, failed},
    {started, deadline, failed},       {started, exited_ok, completed},
    {started, exited_error, failed},   {started, restart, stopping},
    {started, stop, stopping},         {started, kill, killing},

    {ready, exited_ok, completed},     {ready, exited_error, failed},
    {ready, restart, stopping},        {ready, alive_failed, unhealthy},
    {ready, give_up, failed},
    {ready, stop, stopping},           {ready, kill, killing},

    {unhealthy, alive_held, ready},    {unhealthy, exited_ok, completed},
    {unhealthy, exited_error, failed}, {unhealthy, restart, stopping},
    {unhealthy, give_up, failed},      {unhealthy, stop, stopping},
    {unhealthy, kill, killing},

    {completed, stop, stopping},       {completed, kill, killing},
    {completed, start, starting},      {failed, start, starting},

    // An exit while it waits its turn to go down begins its stop.
    {started, exited_anyway, stopping}, {ready, exited_anyway, stopping},
    {unhealthy, exited_anyway, stopping},

    {stopping, kill, killing},         {stopping, group_empty, stopped},
    {killing, group_empty, stopped},

    // Clearing the last attempt of a restart: its readiness deadline can
    // still pass (during bring-up), or its spawn turn out to have failed.
    {stopping, deadline, failed},      {killing, deadline, failed},
    {stopping, spawn_failed, failed},

    {stopped, wait, backoff},          {stopped, start, starting},
    {backoff, start, starting},        {backoff, cancel, stopped},
    {backoff, deadline, failed},       {backoff, give_up, failed},

    {skipped, start, starting},
};

}  // namespace

std::string_view state_name(State state) {
  switch (state) {
    case pending: return "pending";
    case starting: return "starting";
    case started: return "started";
    case ready: return "ready";
    case unhealthy: return "unhealthy";
    case completed: return "completed";
    case stopping: return "stopping";
    case killing: return "killing";
    case backoff: return "backoff";
    case stopped: return "stopped";
    case failed: return "failed";
    case skipped: return "skipped";
  }
  return "unknown";
}

std::string_view event_name(Event event) {
  switch (event) {
    case start: return "start";
    case skip: return "skip";
    case spawned: return "spawned";
    case spawn_failed: return "spawn failed";
    case probe_held: return "probe held";
    case probe_failed: return "probe failed";
    case deadline: return "deadline";
    case exited_ok: return "exited ok";
    case exited_error: return "exited with error";
    case exited_anyway: return "exited anyway";
    case restart: return "restart";
    case alive_failed: return "alive failed";
    case alive_held: return "alive held";
    case give_up: return "give up";
    case stop: return "stop";
    case kill: return "kill";
    case group_empty: return "group empty";
    case wait: return "wait";
    case cancel: return "cancel";
  }
  return "unknown";
}

std::string_view want_name(Want want) { return want == Want::up ? "up" : "down"; }

std::optional<State> next_state(State state, Event event) {
  for (const Row& row : table)
    if (row.from == state && row.event == event) return row.to;
  return std::nullopt;
}

bool meets(State state, config::Condition condition) {
  switch (condition) {
    case config::Condition::started:
      return state == started || state == ready || state == unhealthy || state == completed;
    case config::Condition::ready:
      return state == ready || state == unhealthy || state == completed;
    case config::Condition::completed:
      return state == completed;
  }
  return false;
}

bool running(State state) {
  return state == starting || state == started || state == ready || state == unhealthy;
}

}  // namespace summon::engine
