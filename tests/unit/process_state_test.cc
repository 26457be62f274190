// The runtime's state × event table for one service's processes: every path
// a start can take, restarts included.
#include "runtime/process_state.hpp"

#include <doctest/doctest.h>

#include <optional>

using summon::runtime::can_start;
using summon::runtime::leader_unreaped;
using summon::runtime::next_state;
using summon::runtime::ProcessEvent;
using summon::runtime::ProcessState;

namespace {

using enum ProcessState;
using enum ProcessEvent;

constexpr ProcessState every_state[] = {idle,   loading,  cancelling, running,
                                        exited, stopping, draining,   stopped};
constexpr ProcessEvent every_event[] = {spawned, spawn_failed, exec_ok,    exec_failed,
                                        reaped,  stop,         group_empty};

}  // namespace

TEST_CASE("a start's way: loading until its exec is known, then running until it ends") {
  CHECK(next_state(idle, spawned) == loading);
  CHECK(next_state(loading, exec_ok) == running);
  CHECK(next_state(running, reaped) == exited);
}

TEST_CASE("a start that fails leaves nothing running and owes no stop") {
  CHECK(next_state(idle, spawn_failed) == idle);
  CHECK(next_state(loading, exec_failed) == idle);
  CHECK(next_state(idle, stop) == stopped);
}

TEST_CASE("the exec's answer comes before the exit, so loading never sees one") {
  CHECK(next_state(loading, reaped) == std::nullopt);
  CHECK(next_state(cancelling, reaped) == std::nullopt);
}

TEST_CASE("a stop while loading waits for the exec's answer") {
  CHECK(next_state(loading, stop) == cancelling);
  CHECK(next_state(cancelling, exec_ok) == stopping);
  CHECK(next_state(cancelling, exec_failed) == stopped);
}

TEST_CASE("a stop counts as done only once the main process ended and the group is empty") {
  CHECK(next_state(running, stop) == stopping);
  CHECK(next_state(stopping, reaped) == draining);
  CHECK(next_state(exited, stop) == draining);
  CHECK(next_state(draining, group_empty) == stopped);
  CHECK(next_state(stopping, group_empty) == std::nullopt);
  CHECK(next_state(exited, group_empty) == std::nullopt);
}

TEST_CASE("a second stop signal (SIGKILL after the timeout) changes nothing but the signal") {
  for (ProcessState s : {cancelling, stopping, draining}) CHECK(next_state(s, stop) == s);
}

TEST_CASE("stopped is reported once: a stop after it means nothing") {
  CHECK(next_state(stopped, stop) == std::nullopt);
  CHECK(next_state(stopped, group_empty) == std::nullopt);
}

TEST_CASE("a restart begins only where nothing of the start before runs") {
  CHECK(next_state(stopped, spawned) == loading);
  CHECK(next_state(stopped, spawn_failed) == idle);
  for (ProcessState s : every_state)
    CHECK_MESSAGE(can_start(s) == (s == idle || s == stopped), process_state_name(s));
}

TEST_CASE("the leader's pid is safe to signal exactly while it is not reaped") {
  for (ProcessState s : every_state)
    CHECK_MESSAGE(
        leader_unreaped(s) == (s == loading || s == cancelling || s == running || s == stopping),
        process_state_name(s));
}

TEST_CASE("every state and event has a name") {
  for (ProcessState s : every_state) CHECK(process_state_name(s) != "unknown");
  for (ProcessEvent e : every_event) CHECK(process_event_name(e) != "unknown");
}
