// The state × event table: every path a service can take.
#include "engine/state.hpp"

#include <doctest/doctest.h>

#include <optional>

using summon::config::Condition;
using summon::engine::Event;
using summon::engine::meets;
using summon::engine::next_state;
using summon::engine::State;
using summon::engine::state_name;

TEST_CASE("a service's way up: pending, starting, started, ready") {
  CHECK(next_state(State::pending, Event::start) == State::starting);
  CHECK(next_state(State::starting, Event::spawned) == State::started);
  CHECK(next_state(State::started, Event::probe_held) == State::ready);
}

TEST_CASE("started and ready are distinct: a spawn alone never makes a service ready") {
  CHECK(next_state(State::starting, Event::probe_held) == std::nullopt);
  CHECK(next_state(State::pending, Event::spawned) == std::nullopt);
}

TEST_CASE("exits: code 0 completes, anything else fails") {
  for (State s : {State::starting, State::started, State::ready}) {
    CHECK(next_state(s, Event::exited_ok) == State::completed);
    CHECK(next_state(s, Event::exited_error) == State::failed);
  }
}

TEST_CASE("failures before ready: spawn error, probe failure, deadline") {
  CHECK(next_state(State::starting, Event::spawn_failed) == State::failed);
  CHECK(next_state(State::started, Event::probe_failed) == State::failed);
  CHECK(next_state(State::started, Event::deadline) == State::failed);
  CHECK(next_state(State::ready, Event::deadline) == std::nullopt);
}

TEST_CASE("only a pending service can be skipped") {
  CHECK(next_state(State::pending, Event::skip) == State::skipped);
  CHECK(next_state(State::started, Event::skip) == std::nullopt);
}

TEST_CASE(
    "whatever runs, or a task left behind, can be stopped, and is stopped once its group is "
    "empty") {
  for (State s : {State::started, State::ready, State::unhealthy, State::completed})
    CHECK(next_state(s, Event::stop) == State::stopping);
  CHECK(next_state(State::pending, Event::stop) == std::nullopt);
  // A failed service clears what is left of it without leaving `failed`.
  CHECK(next_state(State::failed, Event::stop) == std::nullopt);
  CHECK(next_state(State::stopping, Event::group_empty) == State::stopped);
  CHECK(next_state(State::stopping, Event::exited_error) == std::nullopt);
}

TEST_CASE("clearing the last attempt of a restart can still fail: its deadline, or its spawn") {
  CHECK(next_state(State::stopping, Event::deadline) == State::failed);
  CHECK(next_state(State::killing, Event::deadline) == State::failed);
  CHECK(next_state(State::stopping, Event::spawn_failed) == State::failed);
  CHECK(next_state(State::stopped, Event::deadline) == std::nullopt);
}

TEST_CASE("an exit while it waits its turn to go down begins its stop, and is no failure") {
  for (State s : {State::started, State::ready, State::unhealthy})
    CHECK(next_state(s, Event::exited_anyway) == State::stopping);
  CHECK(next_state(State::stopping, Event::exited_anyway) == std::nullopt);
}

TEST_CASE("stopped and skipped only start again, when asked") {
  for (State s : {State::stopped, State::skipped}) {
    for (Event e : {Event::spawned, Event::probe_held, Event::exited_ok, Event::exited_error,
                    Event::stop, Event::group_empty, Event::restart})
      CHECK(next_state(s, e) == std::nullopt);
    CHECK(next_state(s, Event::start) == State::starting);
  }
}

TEST_CASE("which dependency states meet each condition") {
  CHECK(meets(State::started, Condition::started));
  CHECK_FALSE(meets(State::started, Condition::ready));
  CHECK(meets(State::ready, Condition::ready));
  CHECK_FALSE(meets(State::ready, Condition::completed));
  for (Condition c : {Condition::started, Condition::ready, Condition::completed})
    CHECK(meets(State::completed, c));
  for (Condition c : {Condition::started, Condition::ready, Condition::completed}) {
    CHECK_FALSE(meets(State::failed, c));
    CHECK_FALSE(meets(State::starting, c));
  }
}

TEST_CASE("state names are the lower-case words of the manual") {
  CHECK(state_name(State::pending) == "pending");
  CHECK(state_name(State::started) == "started");
  CHECK(state_name(State::skipped) == "skipped");
}
