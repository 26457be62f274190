// What a service's exit means once it was ready (SPEC 2.1, 3.2), and the
// engine's exit code.
#include <doctest/doctest.h>

#include <csignal>
#include <string>

#include "engine_harness.hpp"

using summon::engine::EngineOptions;
using summon::engine::ExitStatus;
using summon::engine::Mode;
using summon::engine::Phase;
using summon::engine::State;
using summon::testing::Calls;
using summon::testing::EngineHarness;

namespace {

constexpr const char* two_services = R"(services:
  db: {command: x}
  api: {command: x, depends_on: [db]}
)";

EngineOptions run_mode() {
  EngineOptions options;
  options.mode = Mode::run;
  return options;
}

EngineOptions abort_on_exit() {
  EngineOptions options;
  options.abort_on_exit = true;
  return options;
}

// An end that summon's own stop signal caused.
ExitStatus by_our_stop(int code, int signal) {
  ExitStatus status;
  status.code = code;
  status.signal = signal;
  status.by_stop_signal = true;
  return status;
}

// Brings both services of `two_services` up and forgets the calls so far.
void bring_up(EngineHarness& h) {
  h.engine().bring_up();
  h.started("db");
  h.started("api");
  REQUIRE(h.engine().phase() == Phase::up);
  h.calls();
}

}  // namespace

TEST_CASE("exit code 0 is never a failure: the service is completed") {
  EngineHarness h(two_services, run_mode());
  bring_up(h);
  h.exited("api", 0);
  CHECK(h.state("api") == State::completed);
  CHECK_FALSE(h.engine().failure());
  CHECK(h.engine().phase() == Phase::up);
}

TEST_CASE("in up, a service that exits once everything is up is reported; the rest keep running") {
  EngineHarness h(two_services);
  bring_up(h);
  h.exited("db", 1);
  CHECK(h.state("db") == State::failed);
  CHECK(h.observer.lines.back() == "db failed: exited with code 1");
  REQUIRE(h.observer.changes.back().exit.has_value());
  CHECK(h.observer.changes.back().exit->code == 1);
  CHECK_FALSE(h.engine().failure());
  CHECK(h.engine().phase() == Phase::up);
  CHECK(h.calls().empty());
}

TEST_CASE("in up with abort_on_exit, such an exit tears everything down with exit code 1") {
  EngineHarness h(two_services, abort_on_exit());
  bring_up(h);
  h.exited("db", 1);
  REQUIRE(h.engine().failure());
  CHECK(h.engine().failure()->message == "db: exited with code 1");
  CHECK(h.calls() == Calls{"stop api TERM"});
  h.stopped("api");
  h.stopped("db");
  CHECK(h.engine().phase() == Phase::done);
  CHECK(h.engine().exit_code() == 1);
}

TEST_CASE("abort_on_exit leaves a service that completes with code 0 alone") {
  EngineHarness h(two_services, abort_on_exit());
  bring_up(h);
  h.exited("api", 0);
  CHECK_FALSE(h.engine().failure());
  CHECK(h.engine().phase() == Phase::up);
}

TEST_CASE("in run, a non-zero exit once everything is up fails the run") {
  EngineHarness h(two_services, run_mode());
  bring_up(h);
  h.killed_by("api", SIGABRT);
  REQUIRE(h.engine().failure());
  CHECK(h.engine().failure()->message == "api: was killed by signal ABRT");
  CHECK(h.engine().phase() == Phase::tearing_down);
  CHECK(h.calls() == Calls{"stop api TERM"});
}

TEST_CASE("an exit caused by our own stop signal is a clean stop") {
  EngineHarness h(two_services, run_mode());
  bring_up(h);
  h.engine().shut_down();
  h.engine().on_exited(h.index("api"), by_our_stop(0, SIGTERM));
  h.stopped("api");
  h.engine().on_exited(h.index("db"), by_our_stop(143, 0));
  h.stopped("db");
  CHECK_FALSE(h.engine().failure());
  CHECK(h.engine().exit_code() == 0);
  CHECK(h.observer.done == 0);
}

TEST_CASE("an exit while the service is being stopped is clean, whatever its code") {
  EngineHarness h(two_services, run_mode());
  bring_up(h);
  h.engine().shut_down();
  h.exited("api", 1);
  CHECK(h.state("api") == State::stopping);
  CHECK_FALSE(h.engine().failure());
}

TEST_CASE("a shutdown with no failure exits 0") {
  EngineHarness h(two_services);
  bring_up(h);
  h.engine().shut_down();
  h.stopped("api");
  h.stopped("db");
  CHECK(h.engine().phase() == Phase::done);
  CHECK(h.engine().exit_code() == 0);
  CHECK(h.observer.done == 0);
}

TEST_CASE("a failed run exits 1") {
  EngineHarness h(two_services);
  h.engine().bring_up();
  h.start_failed("db", "cannot start: x: No such file or directory");
  CHECK(h.engine().phase() == Phase::done);
  CHECK(h.engine().exit_code() == 1);
  CHECK(h.observer.done == 1);
}
