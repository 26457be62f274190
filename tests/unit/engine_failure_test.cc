// Failure during bring-up (SPEC 3.1): its message, what is skipped, what is
// torn down, and the exit code.
#include <doctest/doctest.h>

#include <chrono>
#include <csignal>
#include <string>
#include <vector>

#include "engine_harness.hpp"

using namespace std::chrono_literals;
using summon::engine::Phase;
using summon::engine::State;
using summon::testing::Calls;
using summon::testing::EngineHarness;
using Lines = std::vector<std::string>;

namespace {

summon::engine::EngineOptions timeout(summon::config::Duration override) {
  summon::engine::EngineOptions options;
  options.timeout = override;
  return options;
}

std::string failure_of(EngineHarness& h) {
  const auto& failure = h.engine().failure();
  return failure ? failure->message : "(no failure)";
}

}  // namespace

TEST_CASE("a service that cannot be spawned fails the run") {
  EngineHarness h(R"(services:
  api: {command: ./api}
)");
  h.engine().bring_up();
  h.start_failed("api", "cannot start: ./api: No such file or directory");
  CHECK(failure_of(h) == "api: cannot start: ./api: No such file or directory");
  CHECK(h.state("api") == State::failed);
  CHECK(h.engine().phase() == Phase::done);
  CHECK(h.engine().exit_code() == 1);
}

TEST_CASE("a service that exits before it is ready fails the run") {
  EngineHarness h(R"(services:
  db: {command: x, ready: {tcp: 5432}}
)");
  h.engine().bring_up();
  h.started("db");
  h.exited("db", 1);
  CHECK(failure_of(h) == "db: exited with code 1 before it was ready");
  CHECK(h.observer.failures.size() == 1);
}

TEST_CASE("a service killed by a signal before it is ready fails the run, naming the signal") {
  EngineHarness h(R"(services:
  db: {command: x, ready: {tcp: 5432}}
)");
  h.engine().bring_up();
  h.started("db");
  h.killed_by("db", SIGSEGV);
  CHECK(failure_of(h) == "db: was killed by signal SEGV before it was ready");
}

TEST_CASE("a service not ready by its timeout fails with what its probe saw last") {
  EngineHarness h(R"(services:
  db: {command: x, ready: {tcp: 5432, timeout: 30s}}
)");
  h.runner.probe_results["db"] = "tcp 127.0.0.1:5432: connection refused";
  h.engine().bring_up();
  h.started("db");
  h.clock.advance(29999ms);
  CHECK_FALSE(h.engine().failure());
  h.clock.advance(1ms);
  CHECK(failure_of(h) == "db: not ready after 30s: tcp 127.0.0.1:5432: connection refused");
  // It stays failed while what is left of it is stopped.
  CHECK(h.state("db") == State::failed);
  CHECK(h.calls() == Calls{"start db", "stop db TERM"});
}

TEST_CASE("the readiness deadline runs from the start, even before the spawn is reported") {
  EngineHarness h(R"(services:
  db: {command: x, ready: {tcp: 5432, timeout: 2s}}
)");
  h.engine().bring_up();
  h.clock.advance(2s);
  CHECK(failure_of(h) == "db: not ready after 2s");
  CHECK(h.state("db") == State::failed);
  // The process turns up after all: it is stopped with the rest.
  h.calls();
  h.started("db");
  CHECK(h.calls() == Calls{"stop db TERM"});
}

TEST_CASE("--timeout replaces every probe's timeout") {
  EngineHarness h(R"(services:
  db: {command: x, ready: {tcp: 5432, timeout: 30s}}
  cache: {command: x, ready: {tcp: 6379}}
)",
                  timeout(5s));
  h.engine().bring_up();
  h.started("db");
  h.up("cache");
  h.clock.advance(5s);
  CHECK(failure_of(h) == "db: not ready after 5s");
}

TEST_CASE("the readiness deadline is cancelled once the service is ready") {
  EngineHarness h(R"(services:
  db: {command: x, ready: {tcp: 5432, timeout: 1s}}
)");
  h.engine().bring_up();
  h.up("db");
  CHECK(h.clock.pending() == 0);
  h.clock.advance(10s);
  CHECK_FALSE(h.engine().failure());
}

TEST_CASE("the readiness deadline is cancelled when the service exits") {
  EngineHarness h(R"(services:
  seed: {command: x, ready: {log: done, timeout: 1s}}
)");
  h.engine().bring_up();
  h.started("seed");
  h.exited("seed", 0);
  CHECK(h.clock.pending() == 0);
  h.clock.advance(10s);
  CHECK_FALSE(h.engine().failure());
  CHECK(h.state("seed") == State::completed);
}

TEST_CASE("a probe that fails for good fails the run with its reason") {
  EngineHarness h(R"(services:
  db: {command: x, ready: {fd: 3}}
)");
  h.engine().bring_up();
  h.started("db");
  h.probe_failed("db", "fd 3 was closed without a newline");
  CHECK(failure_of(h) == "db: fd 3 was closed without a newline");
}

TEST_CASE("a `completed` dependency that exits non-zero fails the run, naming who needed it") {
  EngineHarness h(R"(services:
  migrate: {command: x}
  api:
    command: x
    depends_on: {migrate: completed}
)");
  h.engine().bring_up();
  h.started("migrate");
  h.exited("migrate", 3);
  CHECK(failure_of(h) == "migrate: exited with code 3 instead of completing (needed by api)");
  CHECK(h.state("api") == State::skipped);
}

TEST_CASE("a non-zero exit after ready, while others are still coming up, fails the run") {
  EngineHarness h(R"(services:
  db: {command: x}
  api: {command: x, depends_on: [db], ready: {tcp: 8080}}
)");
  h.engine().bring_up();
  h.started("db");
  h.started("api");
  h.exited("db", 1);
  CHECK(failure_of(h) == "db: exited with code 1");
}

TEST_CASE("after a failure every pending service is skipped, naming the failed one") {
  EngineHarness h(R"(services:
  db: {command: x, ready: {tcp: 5432}}
  cache: {command: x, ready: {tcp: 6379}}
  api: {command: x, depends_on: [db]}
  web: {command: x, depends_on: [api]}
  stats: {command: x, depends_on: [cache]}
)");
  h.engine().bring_up();
  h.started("db");
  h.started("cache");
  h.observer.take_lines();
  h.exited("db", 1);
  CHECK(h.observer.take_lines() == Lines{"db failed: exited with code 1 before it was ready",
                                         "api skipped (db failed)", "web skipped (db failed)",
                                         "stats skipped (db failed)", "cache stopping"});
  CHECK(h.calls() == Calls{"start db", "start cache", "stop cache TERM", "stop db TERM"});
}

TEST_CASE("after a failure nothing new starts, and what runs is torn down") {
  EngineHarness h(R"(services:
  db: {command: x, ready: {tcp: 5432}}
  cache: {command: x, ready: {tcp: 6379}}
  api: {command: x, depends_on: [db]}
  stats: {command: x, depends_on: [cache]}
)");
  h.engine().bring_up();
  h.started("db");
  h.started("cache");
  h.calls();
  h.exited("db", 1);
  // db's main process is gone, but what it started may not be: it is stopped too.
  CHECK(h.calls() == Calls{"stop cache TERM", "stop db TERM"});
  h.ready("cache");
  CHECK(h.calls().empty());
  CHECK(h.state("stats") == State::skipped);
  CHECK(h.engine().phase() == Phase::tearing_down);
  h.stopped("db");
  h.stopped("cache");
  CHECK(h.engine().phase() == Phase::done);
  CHECK(h.observer.done == 1);
}

TEST_CASE("a failed service that still runs is stopped with the rest") {
  EngineHarness h(R"(services:
  db: {command: x, ready: {tcp: 5432, timeout: 1s}}
)");
  h.engine().bring_up();
  h.started("db");
  h.calls();
  h.clock.advance(1s);
  CHECK(h.calls() == Calls{"stop db TERM"});
  h.exited("db", 143);
  h.stopped("db");
  CHECK(h.state("db") == State::failed);
  CHECK(h.engine().phase() == Phase::done);
  CHECK(h.engine().exit_code() == 1);
}

TEST_CASE("only the first failure counts") {
  EngineHarness h(R"(services:
  db: {command: x, ready: {tcp: 5432}}
  cache: {command: x, ready: {tcp: 6379}}
  api: {command: x, depends_on: [db, cache]}
)");
  h.engine().bring_up();
  h.started("db");
  h.started("cache");
  h.exited("db", 1);
  h.exited("cache", 2);
  CHECK(failure_of(h) == "db: exited with code 1 before it was ready");
  CHECK(h.observer.failures.size() == 1);
  CHECK(h.state("cache") == State::stopping);
}
