// Restart policies (SPEC 1.5): what restarts, after which delay, how the
// delay doubles and resets, and when the engine gives up.
#include <doctest/doctest.h>

#include <chrono>
#include <csignal>
#include <string>

#include "engine_harness.hpp"

using namespace std::chrono_literals;
using summon::engine::EngineOptions;
using summon::engine::Mode;
using summon::engine::Phase;
using summon::engine::State;
using summon::testing::Calls;
using summon::testing::EngineHarness;
using Lines = std::vector<std::string>;

namespace {

std::string failure_of(EngineHarness& h) {
  REQUIRE(h.engine().failure().has_value());
  return h.engine().failure()->message;
}

// The service's crash, then the runner's answer to the stop that clears it.
void crash(EngineHarness& h, const std::string& name, int code = 1) {
  h.exited(name, code);
  h.stopped(name);
}

}  // namespace

TEST_CASE("restart: no reports the exit and starts nothing") {
  EngineHarness h(R"(services:
  api: {command: x}
  db: {command: x}
)");
  h.bring_up_all({"api", "db"});
  h.exited("api", 1);
  CHECK(h.state("api") == State::failed);
  h.stopped("api");
  h.clock.advance(1h);
  CHECK(h.calls() == Calls{"stop api TERM"});
}

TEST_CASE("on-failure restarts a non-zero exit after its backoff, and reports it") {
  EngineHarness h(R"(services:
  api: {command: x, restart: on-failure, backoff: {initial: 100ms, max: 1s}}
)");
  h.bring_up_all({"api"});
  h.exited("api", 1);
  CHECK(h.state("api") == State::stopping);
  const auto& change = h.observer.changes.back();
  REQUIRE(change.restart.has_value());
  CHECK(change.restart->number == 1);
  CHECK(change.restart->delay == 100ms);
  CHECK(change.reason == "exited with code 1");
  CHECK(h.calls() == Calls{"stop api TERM"});  // whatever it left is cleared first
  h.stopped("api");
  CHECK(h.state("api") == State::backoff);
  h.clock.advance(99ms);
  CHECK(h.calls().empty());
  h.clock.advance(1ms);
  CHECK(h.calls() == Calls{"start api"});
  h.started("api");
  CHECK(h.state("api") == State::ready);
  CHECK(h.engine().restarts(h.index("api")) == 1);
}

TEST_CASE("on-failure leaves a clean exit completed; always restarts it too") {
  EngineHarness h(R"(services:
  task: {command: x, restart: on-failure}
  loop: {command: x, restart: always, backoff: 0s}
)");
  h.bring_up_all({"task", "loop"});
  h.exited("task", 0);
  CHECK(h.state("task") == State::completed);
  crash(h, "loop", 0);
  h.clock.advance(0ms);
  CHECK(h.calls() == Calls{"stop loop TERM", "start loop"});
}

TEST_CASE("the delay doubles with each restart in a row, up to max") {
  EngineHarness h(R"(services:
  api: {command: x, restart: always, backoff: {initial: 100ms, max: 500ms}}
)");
  h.bring_up_all({"api"});
  std::vector<std::chrono::milliseconds> delays;
  for (int k = 0; k < 5; ++k) {
    crash(h, "api");
    delays.push_back(std::chrono::duration_cast<std::chrono::milliseconds>(
        h.observer.changes[h.observer.changes.size() - 3].restart->delay));
    h.clock.advance(1s);
    h.started("api");
  }
  CHECK(delays == std::vector<std::chrono::milliseconds>{100ms, 200ms, 400ms, 500ms, 500ms});
}

TEST_CASE("the count and the delay go back to the start once it stayed ready long enough") {
  EngineHarness h(R"(services:
  api: {command: x, restart: always, backoff: {initial: 100ms, max: 2s}}
)");
  h.bring_up_all({"api"});
  crash(h, "api");
  h.clock.advance(100ms);
  h.started("api");
  crash(h, "api");
  CHECK(h.engine().restarts_in_row(h.index("api")) == 2);
  h.clock.advance(200ms);
  h.started("api");
  // Ready for 10 s (the longer of backoff.max and 10 s): steady again.
  h.clock.advance(9999ms);
  CHECK(h.engine().restarts_in_row(h.index("api")) == 2);
  h.clock.advance(1ms);
  CHECK(h.engine().restarts_in_row(h.index("api")) == 0);
  h.observer.changes.clear();
  h.exited("api", 1);
  CHECK(h.observer.changes.back().restart->number == 1);
  CHECK(h.observer.changes.back().restart->delay == 100ms);
  CHECK(h.engine().restarts(h.index("api")) == 3);
}

TEST_CASE("after max_restarts in a row the service has failed, and says so") {
  EngineHarness h(R"(services:
  api: {command: x, restart: always, max_restarts: 2, backoff: 0s}
  db: {command: x}
)");
  h.bring_up_all({"api", "db"});
  for (int k = 0; k < 2; ++k) {
    crash(h, "api");
    h.clock.advance(0ms);
    h.started("api");
  }
  h.calls();
  h.observer.take_lines();
  h.exited("api", 3);
  CHECK(h.state("api") == State::failed);
  CHECK(h.observer.take_lines() == Lines{"api failed: exited with code 3; gave up after 2 restarts"});
  // In `up` after bring-up the others keep running.
  CHECK_FALSE(h.engine().failure());
  CHECK(h.state("db") == State::ready);
}

TEST_CASE("in run, giving up fails the run") {
  EngineOptions options;
  options.mode = Mode::run;
  EngineHarness h(R"(services:
  api: {command: x, restart: on-failure, max_restarts: 0}
)",
                  options);
  h.bring_up_all({"api"});
  h.exited("api", 1);
  CHECK(failure_of(h) == "api: exited with code 1; gave up after 0 restarts");
}

TEST_CASE("during bring-up an exit before ready is restarted, against one deadline from the first spawn") {
  EngineHarness h(R"(services:
  db: {command: x, restart: on-failure, backoff: 1s, ready: {tcp: 5432, timeout: 5s}}
  api: {command: x, depends_on: [db]}
)");
  h.runner.probe_results["db"] = "tcp 127.0.0.1:5432: connection refused";
  h.engine().bring_up();
  h.started("db");
  for (int k = 0; k < 2; ++k) {
    crash(h, "db");
    h.clock.advance(1s);
    h.started("db");
  }
  CHECK_FALSE(h.engine().failure());
  CHECK(h.state("api") == State::pending);
  h.clock.advance(3s);  // 5 s since the first spawn
  CHECK(failure_of(h) ==
        "db: not ready after 5s: tcp 127.0.0.1:5432: connection refused; 2 restarts tried");
  CHECK(h.state("api") == State::skipped);
}

TEST_CASE("during bring-up, giving up before ready says it was before ready") {
  EngineHarness h(R"(services:
  db: {command: x, restart: on-failure, max_restarts: 1, backoff: 0s, ready: {tcp: 5432}}
)");
  h.engine().bring_up();
  h.started("db");
  crash(h, "db");
  h.clock.advance(0ms);
  h.started("db");
  h.exited("db", 1);
  CHECK(failure_of(h) == "db: exited with code 1 before it was ready; gave up after 1 restart");
}

TEST_CASE("a restart is ready again only when its probe holds again") {
  EngineHarness h(R"(services:
  db: {command: x, restart: always, backoff: 0s, ready: {tcp: 5432}}
  api: {command: x, depends_on: [db]}
)");
  h.engine().bring_up();
  h.started("db");
  h.ready("db");
  h.started("api");
  crash(h, "db");
  h.clock.advance(0ms);
  h.started("db");
  CHECK(h.state("db") == State::started);
  h.ready("db");
  CHECK(h.state("db") == State::ready);
  // Without `restart: true`, api kept running throughout.
  CHECK(h.state("api") == State::ready);
}

TEST_CASE("a stop during the backoff means it is simply not started again") {
  EngineHarness h(R"(services:
  api: {command: x, restart: always, backoff: 1s}
)");
  h.bring_up_all({"api"});
  crash(h, "api");
  CHECK(h.state("api") == State::backoff);
  h.engine().shut_down();
  CHECK(h.state("api") == State::stopped);
  CHECK(h.engine().phase() == Phase::done);
  h.clock.advance(1h);
  CHECK(h.calls() == Calls{"stop api TERM"});
  CHECK(h.observer.done == 0);
}

TEST_CASE("Ctrl-C while a restart clears the old process ends in teardown, not a new start") {
  EngineHarness h(R"(services:
  api: {command: x, restart: always, backoff: 0s}
)");
  h.bring_up_all({"api"});
  h.exited("api", 1);
  h.engine().shut_down();
  h.stopped("api");
  h.clock.advance(1s);
  CHECK(h.calls() == Calls{"stop api TERM"});
  CHECK(h.state("api") == State::stopped);
  CHECK(h.observer.done == 0);
}

TEST_CASE("an exit while being stopped is never restarted") {
  EngineHarness h(R"(services:
  api: {command: x, restart: always}
)");
  h.bring_up_all({"api"});
  h.engine().shut_down();
  h.exited("api", 1);
  h.stopped("api");
  CHECK(h.state("api") == State::stopped);
  CHECK(h.calls() == Calls{"stop api TERM"});
}

TEST_CASE("a crash loop of 20 services keeps restarting each, with no process left at the end") {
  std::string yaml = "services:\n";
  for (int k = 0; k < 20; ++k)
    yaml += "  s" + std::to_string(k) + ": {command: x, restart: always, backoff: 50ms}\n";
  EngineHarness h(yaml);
  h.engine().bring_up();
  for (int k = 0; k < 20; ++k) h.started("s" + std::to_string(k));
  for (int round = 0; round < 30; ++round) {
    for (int k = 0; k < 20; ++k) crash(h, "s" + std::to_string(k));
    h.clock.advance(60ms);
    for (int k = 0; k < 20; ++k) h.started("s" + std::to_string(k));
  }
  h.engine().shut_down();
  for (int k = 0; k < 20; ++k) h.stopped("s" + std::to_string(k));
  CHECK(h.engine().phase() == Phase::done);
  CHECK(h.clock.pending() == 0);
}

TEST_CASE("a probe that fails for good is restarted under a policy") {
  EngineHarness h(R"(services:
  api: {command: x, restart: on-failure, backoff: 0s, ready: {fd: 3}}
)");
  h.engine().bring_up();
  h.started("api");
  h.calls();
  h.probe_failed("api", "closed fd 3 without writing a newline");
  CHECK(h.state("api") == State::stopping);
  CHECK(h.observer.changes.back().reason == "closed fd 3 without writing a newline");
  h.stopped("api");
  h.clock.advance(0ms);
  CHECK(h.calls() == Calls{"stop api TERM", "start api"});
}

TEST_CASE("clearing a crashed service that will not go is killed after its stop timeout") {
  EngineHarness h(R"(services:
  api: {command: x, restart: always, stop: {timeout: 2s}}
)");
  h.bring_up_all({"api"});
  h.exited("api", 1);
  h.clock.advance(2s);
  CHECK(h.calls() == Calls{"stop api TERM", "kill api"});
}

TEST_CASE("a probe failure restarts the service only after its restart: true dependents stopped") {
  EngineHarness h(R"(services:
  db: {command: x, restart: on-failure, backoff: 0s, ready: {fd: 3}}
  api:
    command: x
    depends_on: {db: {condition: started, restart: true}}
)");
  h.engine().bring_up();
  h.started("db");
  h.started("api");
  h.calls();
  h.probe_failed("db", "closed fd 3 without writing a newline");
  CHECK(h.state("db") == State::stopping);
  CHECK(h.calls() == Calls{"stop api TERM"});
  h.stopped("api");
  CHECK(h.calls() == Calls{"stop db TERM"});
  h.stopped("db");
  h.clock.advance(0ms);
  CHECK(h.calls() == Calls{"start db"});
  h.started("db");
  CHECK(h.calls() == Calls{"start api"});
}

TEST_CASE("after bring-up, a restart still starting is held to its readiness timeout") {
  EngineHarness h(R"(services:
  db: {command: x, restart: on-failure, backoff: 1s, ready: {tcp: 5432, timeout: 5s}}
)");
  h.engine().bring_up();
  h.up("db");
  REQUIRE(h.engine().phase() == Phase::up);
  crash(h, "db");
  h.clock.advance(1s);
  h.calls();
  h.clock.advance(4999ms);
  CHECK(h.state("db") == State::starting);  // its exec has not even been reported
  h.clock.advance(1ms);
  CHECK(h.state("db") == State::stopping);
  const auto& change = h.observer.changes.back();
  CHECK(change.reason == "not ready after 5s; 1 restart tried");
  REQUIRE(change.restart.has_value());
  CHECK(change.restart->number == 2);
  // Once it is spawned, it is cleared and started again.
  h.started("db");
  CHECK(h.calls() == Calls{"stop db TERM"});
  h.stopped("db");
  h.clock.advance(1s);
  CHECK(h.calls() == Calls{"start db"});
}

TEST_CASE("after bring-up, each restart has its whole readiness timeout from its own spawn") {
  EngineHarness h(R"(services:
  db: {command: x, restart: on-failure, backoff: 1s, ready: {tcp: 5432, timeout: 5s}}
)");
  h.engine().bring_up();
  h.up("db");
  crash(h, "db");
  h.clock.advance(1s);
  h.started("db");
  h.clock.advance(3s);  // not ready yet, and crashes again
  crash(h, "db");
  h.clock.advance(1s);
  h.started("db");
  h.observer.changes.clear();
  h.clock.advance(4999ms);
  CHECK(h.state("db") == State::started);
  CHECK(h.observer.changes.empty());
  h.clock.advance(1ms);
  CHECK(h.state("db") == State::stopping);
  CHECK(h.observer.changes.back().reason == "not ready after 5s; 2 restarts tried");
}

TEST_CASE("during bring-up, the deadline that passes while a crash is cleared fails the service") {
  EngineHarness h(R"(services:
  db: {command: x, restart: on-failure, backoff: 1s, ready: {tcp: 5432, timeout: 5s}}
  api: {command: x, depends_on: [db]}
)");
  h.engine().bring_up();
  h.started("db");
  h.clock.advance(4s);
  h.exited("db", 1);
  CHECK(h.state("db") == State::stopping);  // what it left is slow to go
  h.clock.advance(1s);
  CHECK(failure_of(h) == "db: not ready after 5s; 1 restart tried");
  CHECK(h.state("db") == State::failed);
  CHECK(h.state("api") == State::skipped);
  h.stopped("db");
  CHECK(h.engine().phase() == Phase::done);
  CHECK(h.calls() == Calls{"start db", "stop db TERM"});
}

TEST_CASE("a restart decided while the service still spawns ends it failed if the spawn fails") {
  EngineHarness h(R"(services:
  db: {command: x, restart: on-failure, backoff: 1s, ready: {tcp: 5432, timeout: 5s}}
)");
  h.engine().bring_up();
  h.up("db");
  crash(h, "db");
  h.clock.advance(1s + 5s);  // spawned again, and not even started in time
  REQUIRE(h.state("db") == State::stopping);
  h.start_failed("db", "cannot start: x: No such file or directory");
  CHECK(h.state("db") == State::failed);
  CHECK(h.observer.changes.back().reason == "cannot start: x: No such file or directory");
  CHECK(h.engine().phase() == Phase::up);
  h.engine().shut_down();
  CHECK(h.engine().phase() == Phase::done);
}
