// Teardown (SPEC 3.3): dependents first, on the reverse edges; independent
// services together; SIGKILL after the stop timeout; kill_all at once.
#include <doctest/doctest.h>

#include <chrono>
#include <string>
#include <vector>

#include "engine_harness.hpp"

using namespace std::chrono_literals;
using summon::engine::Phase;
using summon::engine::State;
using summon::testing::Calls;
using summon::testing::EngineHarness;

namespace {

// Starts every service of `h` (none has a probe) in file order.
void bring_up(EngineHarness& h, const std::vector<std::string>& names) {
  h.engine().bring_up();
  for (const auto& name : names) h.started(name);
  REQUIRE(h.engine().phase() == Phase::up);
  h.calls();
}

}  // namespace

TEST_CASE("teardown of a chain stops each service after the one that depends on it") {
  EngineHarness h(R"(services:
  db: {command: x}
  api: {command: x, depends_on: [db]}
  web: {command: x, depends_on: [api]}
)");
  bring_up(h, {"db", "api", "web"});
  h.engine().shut_down();
  CHECK(h.calls() == Calls{"stop web TERM"});
  h.stopped("web");
  CHECK(h.calls() == Calls{"stop api TERM"});
  h.stopped("api");
  CHECK(h.calls() == Calls{"stop db TERM"});
  h.stopped("db");
  CHECK(h.engine().phase() == Phase::done);
}

TEST_CASE("teardown of a diamond stops the top, then both sides together, then the bottom") {
  EngineHarness h(R"(services:
  db: {command: x}
  left: {command: x, depends_on: [db]}
  right: {command: x, depends_on: [db]}
  top: {command: x, depends_on: [left, right]}
)");
  bring_up(h, {"db", "left", "right", "top"});
  h.engine().shut_down();
  CHECK(h.calls() == Calls{"stop top TERM"});
  h.stopped("top");
  CHECK(h.calls() == Calls{"stop left TERM", "stop right TERM"});
  h.stopped("left");
  CHECK(h.calls().empty());
  h.stopped("right");
  CHECK(h.calls() == Calls{"stop db TERM"});
}

TEST_CASE("independent services stop together") {
  EngineHarness h(R"(services:
  db: {command: x}
  cache: {command: x}
  api: {command: x, depends_on: [db]}
)");
  bring_up(h, {"db", "cache", "api"});
  h.engine().shut_down();
  CHECK(h.calls() == Calls{"stop api TERM", "stop cache TERM"});
}

TEST_CASE("a service counts as stopped only once its process group is reported empty") {
  EngineHarness h(R"(services:
  db: {command: x}
  api: {command: x, depends_on: [db]}
)");
  bring_up(h, {"db", "api"});
  h.engine().shut_down();
  h.calls();
  h.exited("api", 0);
  CHECK(h.state("api") == State::stopping);
  CHECK(h.calls().empty());
  h.stopped("api");
  CHECK(h.state("api") == State::stopped);
  CHECK(h.calls() == Calls{"stop db TERM"});
}

TEST_CASE("each service gets its own stop signal") {
  EngineHarness h(R"(services:
  db: {command: x, stop: {signal: INT, timeout: 20s}}
)");
  bring_up(h, {"db"});
  h.engine().shut_down();
  CHECK(h.calls() == Calls{"stop db INT"});
}

TEST_CASE("a service still running after its stop timeout is killed, and reported as killed") {
  EngineHarness h(R"(services:
  db: {command: x, stop: {signal: INT, timeout: 20s}}
  api: {command: x, depends_on: [db]}
)");
  bring_up(h, {"db", "api"});
  h.engine().shut_down();
  h.stopped("api");
  CHECK(h.calls() == Calls{"stop api TERM", "stop db INT"});
  h.clock.advance(19999ms);
  CHECK(h.calls().empty());
  h.clock.advance(1ms);
  CHECK(h.calls() == Calls{"kill db"});
  h.clock.advance(1s);
  h.stopped("db");
  CHECK(h.observer.lines.back() == "db killed");
  CHECK(h.observer.changes.back().since_stop == 21s);
}

TEST_CASE("a service that stops in time is not killed") {
  EngineHarness h(R"(services:
  db: {command: x}
)");
  bring_up(h, {"db"});
  h.engine().shut_down();
  h.stopped("db");
  h.clock.advance(1h);
  CHECK(h.calls() == Calls{"stop db TERM"});
  CHECK(h.observer.lines.back() == "db stopped");
}

TEST_CASE("a completed service is still stopped, in case it left processes behind") {
  EngineHarness h(R"(services:
  migrate: {command: x}
  api:
    command: x
    depends_on: {migrate: completed}
)");
  h.engine().bring_up();
  h.started("migrate");
  h.exited("migrate", 0);
  h.started("api");
  h.calls();
  h.engine().shut_down();
  h.stopped("api");
  CHECK(h.calls() == Calls{"stop api TERM", "stop migrate TERM"});
}

TEST_CASE("teardown during bring-up stops what runs and skips what waits") {
  EngineHarness h(R"(services:
  db: {command: x, ready: {tcp: 5432}}
  api: {command: x, depends_on: [db]}
)");
  h.engine().bring_up();
  h.started("db");
  h.calls();
  h.engine().shut_down();
  CHECK(h.calls() == Calls{"stop db TERM"});
  CHECK(h.state("api") == State::skipped);
  h.stopped("db");
  CHECK(h.engine().phase() == Phase::done);
  CHECK(h.engine().exit_code() == 0);
}

TEST_CASE("services that never started are not stopped") {
  EngineHarness h(R"(services:
  db: {command: x}
  cache: {command: x, ready: {tcp: 6379}}
  api: {command: x, depends_on: [db, cache]}
  web: {command: x, depends_on: [api]}
)");
  h.engine().bring_up();
  h.started("db");
  h.started("cache");
  h.calls();
  h.engine().shut_down();
  CHECK(h.calls() == Calls{"stop cache TERM", "stop db TERM"});
  h.stopped("cache");
  h.stopped("db");
  CHECK(h.calls().empty());
  CHECK(h.engine().phase() == summon::engine::Phase::done);
}

TEST_CASE("a service still starting at teardown is stopped once it reports started") {
  EngineHarness h(R"(services:
  db: {command: x}
  api: {command: x, depends_on: [db]}
)");
  h.engine().bring_up();
  h.started("db");
  CHECK(h.calls() == Calls{"start db", "start api"});
  h.engine().shut_down();
  CHECK(h.calls().empty());  // db waits for api, which is still spawning
  h.started("api");
  CHECK(h.calls() == Calls{"stop api TERM"});
  h.stopped("api");
  CHECK(h.calls() == Calls{"stop db TERM"});
  h.stopped("db");
  CHECK(h.engine().phase() == Phase::done);
}

TEST_CASE("a service still starting at teardown that cannot be spawned needs no stop") {
  EngineHarness h(R"(services:
  db: {command: x}
  api: {command: x, depends_on: [db]}
)");
  h.engine().bring_up();
  h.started("db");
  h.engine().shut_down();
  h.calls();
  h.start_failed("api", "cannot start: ./api: No such file or directory");
  CHECK(h.calls() == Calls{"stop db TERM"});
  CHECK(h.state("api") == State::failed);
  h.stopped("db");
  CHECK(h.engine().phase() == Phase::done);
  CHECK(h.engine().exit_code() == 0);
}

TEST_CASE("a late probe success during teardown is not reported as ready") {
  EngineHarness h(R"(services:
  db: {command: x, ready: {tcp: 5432}}
)");
  h.engine().bring_up();
  h.started("db");
  h.engine().shut_down();
  h.ready("db");
  CHECK(h.state("db") == State::stopping);
}

TEST_CASE("kill_all kills every service not yet stopped, at once") {
  EngineHarness h(R"(services:
  db: {command: x}
  cache: {command: x}
  api: {command: x, depends_on: [db, cache]}
  web: {command: x, depends_on: [api]}
)");
  bring_up(h, {"db", "cache", "api", "web"});
  h.engine().shut_down();
  CHECK(h.calls() == Calls{"stop web TERM"});
  h.engine().kill_all();
  CHECK(h.calls() == Calls{"kill web", "kill api", "kill cache", "kill db"});
  for (const char* name : {"web", "api", "cache", "db"}) h.stopped(name);
  CHECK(h.engine().phase() == Phase::done);
  CHECK(h.observer.lines.back() == "db killed");
}

TEST_CASE("kill_all without an ordered teardown first kills everything that runs") {
  EngineHarness h(R"(services:
  db: {command: x}
  api: {command: x, depends_on: [db]}
  web: {command: x, depends_on: [api]}
)");
  h.engine().bring_up();
  h.started("db");
  h.calls();
  h.engine().kill_all();
  CHECK(h.calls() == Calls{"kill db"});
  CHECK(h.state("web") == State::skipped);
}

TEST_CASE("a service still starting when kill_all is asked is killed as soon as it reports") {
  EngineHarness h(R"(services:
  db: {command: x}
)");
  h.engine().bring_up();
  h.calls();
  h.engine().kill_all();
  CHECK(h.calls().empty());
  h.started("db");
  CHECK(h.calls() == Calls{"kill db"});
  h.stopped("db");
  CHECK(h.engine().phase() == Phase::done);
}

TEST_CASE("kill_all after a stop timeout's kill does not kill twice") {
  EngineHarness h(R"(services:
  db: {command: x, stop: {timeout: 1s}}
)");
  bring_up(h, {"db"});
  h.engine().shut_down();
  h.clock.advance(1s);
  h.engine().kill_all();
  CHECK(h.calls() == Calls{"stop db TERM", "kill db"});
}

TEST_CASE("shutting down before bring-up ends at once") {
  EngineHarness h(R"(services:
  db: {command: x}
)");
  h.engine().shut_down();
  CHECK(h.engine().phase() == Phase::done);
  CHECK(h.calls().empty());
  h.engine().bring_up();
  CHECK(h.calls().empty());
}
