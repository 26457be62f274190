// Per-service commands (`stop`, `start`, `restart`) and `restart: true`
// cascades (SPEC 1.4, 2): each only sets what a service should be.
#include <doctest/doctest.h>

#include <chrono>
#include <string>
#include <vector>

#include "engine_harness.hpp"

using namespace std::chrono_literals;
using summon::engine::Phase;
using summon::engine::State;
using summon::engine::Want;
using summon::testing::Calls;
using summon::testing::EngineHarness;
using Lines = std::vector<std::string>;

namespace {

constexpr const char* cascade = R"(services:
  db: {command: x, ready: {tcp: 5432}, restart: always, backoff: 0s}
  api:
    command: x
    depends_on: {db: {condition: ready, restart: true}}
  web: {command: x, depends_on: [api]}
  stats: {command: x, depends_on: [db]}
)";

void bring_up_cascade(EngineHarness& h) {
  h.engine().bring_up();
  h.started("db");
  h.ready("db");
  h.started("api");
  h.started("stats");
  h.started("web");
  h.calls();
  h.observer.take_lines();
}

}  // namespace

TEST_CASE("stop stops exactly that service; its dependents keep running") {
  EngineHarness h(R"(services:
  db: {command: x}
  api: {command: x, depends_on: [db]}
)");
  h.bring_up_all({"db", "api"});
  h.engine().stop(h.index("db"));
  CHECK(h.calls() == Calls{"stop db TERM"});
  h.stopped("db");
  CHECK(h.state("db") == State::stopped);
  CHECK(h.engine().want(h.index("db")) == Want::down);
  CHECK(h.state("api") == State::ready);
  CHECK(h.engine().phase() == Phase::up);
}

TEST_CASE("start brings a stopped service back, and what it depends on that is not running") {
  EngineHarness h(R"(services:
  db: {command: x}
  api: {command: x, depends_on: [db]}
)");
  h.bring_up_all({"db", "api"});
  h.engine().stop(h.index("api"));
  h.stopped("api");
  h.engine().stop(h.index("db"));
  h.stopped("db");
  h.calls();
  h.engine().start(h.index("api"));
  CHECK(h.calls() == Calls{"start db"});
  h.started("db");
  CHECK(h.calls() == Calls{"start api"});
}

TEST_CASE("start takes a service outside the selection into the run, with its dependencies") {
  EngineHarness h(R"(services:
  db: {command: x}
  tool: {command: x, depends_on: [db]}
)",
                  {}, {"db"});
  h.bring_up_all({"db"});
  CHECK_FALSE(h.engine().in_run(h.index("tool")));
  h.engine().start(h.index("tool"));
  CHECK(h.calls() == Calls{"start tool"});
  CHECK(h.engine().in_run(h.index("tool")));
}

TEST_CASE("restart stops a service and starts it again at once") {
  EngineHarness h(R"(services:
  api: {command: x, backoff: 5s}
)");
  h.bring_up_all({"api"});
  h.engine().restart(h.index("api"));
  CHECK(h.calls() == Calls{"stop api TERM"});
  h.stopped("api");
  CHECK(h.calls() == Calls{"start api"});
  h.started("api");
  CHECK(h.state("api") == State::ready);
  CHECK(h.engine().restarts(h.index("api")) == 1);
  CHECK(h.engine().restarts_in_row(h.index("api")) == 0);
}

TEST_CASE("in up, a restarted service that exits before it is ready fails alone") {
  EngineHarness h(R"(services:
  db: {command: x, ready: {tcp: 5432}}
  api: {command: x}
)");
  h.engine().bring_up();
  h.started("db");
  h.ready("db");
  h.started("api");
  h.calls();
  h.engine().restart(h.index("db"));
  h.stopped("db");
  h.started("db");
  h.observer.take_lines();
  h.exited("db", 1);
  CHECK(h.observer.take_lines() == Lines{"db failed: exited with code 1 before it was ready"});
  CHECK_FALSE(h.engine().failure());
  CHECK(h.engine().phase() == Phase::up);
  CHECK(h.state("api") == State::ready);
  // And it can be started again.
  h.stopped("db");
  h.calls();
  h.engine().restart(h.index("db"));
  CHECK(h.calls() == Calls{"start db"});
}

TEST_CASE("restart of a failed or completed service starts it anew") {
  EngineHarness h(R"(services:
  task: {command: x}
  api: {command: x}
)");
  h.bring_up_all({"task", "api"});
  h.exited("task", 0);
  h.exited("api", 1);
  h.stopped("api");
  h.calls();
  h.engine().restart(h.index("api"));
  CHECK(h.calls() == Calls{"start api"});
  h.engine().restart(h.index("task"));
  CHECK(h.calls() == Calls{"stop task TERM"});  // what the task left, first
  h.stopped("task");
  CHECK(h.calls() == Calls{"start task"});
}

TEST_CASE("restart: true dependents stop before the dependency and start after it is ready") {
  EngineHarness h(cascade);
  bring_up_cascade(h);
  h.engine().restart(h.index("db"));
  // api holds db with restart: true; stats and web (on api) hold nothing so
  // and keep running while what they depend on restarts.
  CHECK(h.calls() == Calls{"stop api TERM"});
  h.stopped("api");
  CHECK(h.calls() == Calls{"stop db TERM"});
  h.stopped("db");
  CHECK(h.calls() == Calls{"start db"});
  h.started("db");
  CHECK(h.calls().empty());
  h.ready("db");
  CHECK(h.calls() == Calls{"start api"});
  h.started("api");
  CHECK(h.calls().empty());
  CHECK(h.state("stats") == State::ready);
  CHECK(h.state("web") == State::ready);
}

TEST_CASE("when a dependency crashes, its restart: true dependents stop at once") {
  EngineHarness h(cascade);
  bring_up_cascade(h);
  h.exited("db", 1);
  CHECK(h.calls() == Calls{"stop api TERM"});
  h.stopped("api");
  // What the crashed process left is cleared in teardown order, as any stop.
  CHECK(h.calls() == Calls{"stop db TERM"});
  h.stopped("db");
  h.clock.advance(0ms);
  CHECK(h.calls() == Calls{"start db"});
  h.started("db");
  h.ready("db");
  CHECK(h.calls() == Calls{"start api"});
  CHECK(h.state("stats") == State::ready);
}

TEST_CASE("a restart during bring-up restarts a service that was ready while others come up") {
  EngineHarness h(R"(services:
  db: {command: x, restart: always, backoff: 0s}
  api: {command: x, depends_on: [db], ready: {tcp: 8080}}
)");
  h.engine().bring_up();
  h.started("db");
  h.started("api");
  h.exited("db", 1);
  h.stopped("db");
  h.clock.advance(0ms);
  h.started("db");
  CHECK_FALSE(h.engine().failure());
  h.ready("api");
  CHECK(h.engine().phase() == Phase::up);
}

TEST_CASE("teardown during a cascade stops everything in order") {
  EngineHarness h(cascade);
  bring_up_cascade(h);
  h.engine().restart(h.index("db"));
  h.calls();  // api is stopping
  h.engine().shut_down();
  CHECK(h.calls() == Calls{"stop stats TERM", "stop web TERM"});
  h.stopped("stats");
  h.stopped("api");
  // web depends on api, not on db: db waits only for its own dependents.
  CHECK(h.calls() == Calls{"stop db TERM"});
  h.stopped("web");
  h.stopped("db");
  CHECK(h.engine().phase() == Phase::done);
}

TEST_CASE("a chain of restart: true stops from the top down and starts from the bottom up") {
  EngineHarness h(R"(services:
  db: {command: x}
  api: {command: x, depends_on: {db: {condition: ready, restart: true}}}
  web: {command: x, depends_on: {api: {condition: ready, restart: true}}}
)");
  h.bring_up_all({"db", "api", "web"});
  h.engine().restart(h.index("db"));
  CHECK(h.calls() == Calls{"stop web TERM"});
  h.stopped("web");
  CHECK(h.calls() == Calls{"stop api TERM"});
  h.stopped("api");
  CHECK(h.calls() == Calls{"stop db TERM"});
  h.stopped("db");
  CHECK(h.calls() == Calls{"start db"});
  h.started("db");
  CHECK(h.calls() == Calls{"start api"});
  h.started("api");
  CHECK(h.calls() == Calls{"start web"});
}

TEST_CASE("a service that failed while spawning and then exited is still stopped, and teardown ends") {
  EngineHarness h(R"(services:
  db: {command: x, ready: {tcp: 5432, timeout: 1s}}
)");
  h.engine().bring_up();
  h.clock.advance(1s);  // failed before its spawn was reported
  h.calls();
  h.exited("db", 1);
  CHECK(h.calls() == Calls{"stop db TERM"});
  h.stopped("db");
  CHECK(h.engine().phase() == Phase::done);
}

TEST_CASE("start of a failed service waits for what it depends on, then starts") {
  EngineHarness h(R"(services:
  db: {command: x}
  api: {command: x, depends_on: [db]}
)");
  h.bring_up_all({"db", "api"});
  h.exited("api", 1);
  h.stopped("api");
  h.engine().stop(h.index("db"));
  h.stopped("db");
  h.calls();
  h.engine().start(h.index("api"));
  CHECK(h.calls() == Calls{"start db"});
  h.started("db");
  CHECK(h.calls() == Calls{"start api"});
}

TEST_CASE("a service stopped during bring-up no longer holds bring-up open") {
  EngineHarness h(R"(services:
  db: {command: x, ready: {tcp: 5432}}
  cache: {command: x}
)");
  h.engine().bring_up();
  h.started("db");
  h.started("cache");
  h.engine().stop(h.index("db"));
  h.stopped("db");
  CHECK(h.engine().phase() == Phase::up);
  REQUIRE(h.observer.all_ready.has_value());
  CHECK(h.observer.all_ready->first == 1);  // cache; db is not up
}

TEST_CASE("what waits for a service stopped during bring-up does not hold it either") {
  EngineHarness h(R"(services:
  db: {command: x, ready: {tcp: 5432}}
  api: {command: x, depends_on: [db]}
  web: {command: x, depends_on: [api]}
  cache: {command: x}
)");
  h.engine().bring_up();
  h.started("db");
  h.started("cache");
  h.engine().stop(h.index("db"));
  h.stopped("db");
  CHECK(h.engine().phase() == Phase::up);
  CHECK(h.state("api") == State::pending);
  h.calls();
  h.engine().start(h.index("db"));
  CHECK(h.calls() == Calls{"start db"});
  h.up("db");
  CHECK(h.calls() == Calls{"start api"});
  h.started("api");
  CHECK(h.calls() == Calls{"start web"});
}

TEST_CASE("a service started during bring-up from outside the selection is waited for") {
  EngineHarness h(R"(services:
  db: {command: x, ready: {tcp: 5432}}
  tool: {command: x, ready: {tcp: 9000}}
)",
                  {}, {"db"});
  h.engine().bring_up();
  h.engine().start(h.index("tool"));
  CHECK(h.calls() == Calls{"start db", "start tool"});
  h.up("db");
  CHECK(h.engine().phase() == Phase::bringing_up);
  h.started("tool");
  CHECK(h.engine().phase() == Phase::bringing_up);
  h.ready("tool");
  CHECK(h.engine().phase() == Phase::up);
  REQUIRE(h.observer.all_ready.has_value());
  CHECK(h.observer.all_ready->first == 2);
}

TEST_CASE("a service stopped and started again during bring-up is waited for again") {
  EngineHarness h(R"(services:
  db: {command: x, ready: {tcp: 5432}}
  slow: {command: x, ready: {tcp: 9000}}
)");
  h.engine().bring_up();
  h.started("db");
  h.started("slow");
  h.engine().stop(h.index("db"));
  h.stopped("db");
  h.engine().start(h.index("db"));
  h.up("slow");
  CHECK(h.engine().phase() == Phase::bringing_up);
  h.up("db");
  CHECK(h.engine().phase() == Phase::up);
  CHECK(h.observer.all_ready->first == 2);
}

TEST_CASE("restart of a completed task stops its restart: true dependents before it runs again") {
  EngineHarness h(R"(services:
  migrate: {command: x}
  api:
    command: x
    depends_on: {migrate: {condition: completed, restart: true}}
)");
  h.engine().bring_up();
  h.started("migrate");
  h.exited("migrate", 0);
  h.started("api");
  h.calls();
  // The engine cannot know that a task left nothing: it holds it until it is
  // stopped, so the restart goes down in teardown order like any other.
  h.engine().restart(h.index("migrate"));
  CHECK(h.calls() == Calls{"stop api TERM"});
  h.stopped("api");
  CHECK(h.calls() == Calls{"stop migrate TERM"});
  h.stopped("migrate");
  CHECK(h.calls() == Calls{"start migrate"});
  h.started("migrate");
  CHECK(h.calls().empty());  // api waits for it to complete again
  h.exited("migrate", 0);
  CHECK(h.calls() == Calls{"start api"});
}

TEST_CASE("a restart: true dependent that exits while it waits to stop comes back with the rest") {
  EngineHarness h(R"(services:
  db: {command: x}
  api: {command: x, depends_on: {db: {condition: ready, restart: true}}}
  web: {command: x, depends_on: {api: {condition: ready, restart: true}}}
)");
  h.bring_up_all({"db", "api", "web"});
  h.engine().restart(h.index("db"));
  CHECK(h.calls() == Calls{"stop web TERM"});
  // api waits for web to stop; it ends on its own meanwhile: it was going down anyway.
  h.exited("api", 1);
  CHECK(h.state("api") == State::stopping);
  CHECK(h.observer.take_lines() == Lines{"web stopping", "api stopping"});
  CHECK(h.calls().empty());  // what it left goes after web, in order
  h.stopped("web");
  CHECK(h.calls() == Calls{"stop api TERM"});
  h.stopped("api");
  CHECK(h.state("api") == State::stopped);
  CHECK(h.calls() == Calls{"stop db TERM"});
  h.stopped("db");
  CHECK(h.calls() == Calls{"start db"});
  h.started("db");
  CHECK(h.calls() == Calls{"start api"});
  h.started("api");
  CHECK(h.calls() == Calls{"start web"});
  CHECK_FALSE(h.engine().failure());
}

TEST_CASE("during bring-up, such an exit does not fail the run") {
  EngineHarness h(R"(services:
  db: {command: x}
  api: {command: x, depends_on: {db: {condition: ready, restart: true}}}
  web: {command: x, depends_on: {api: {condition: ready, restart: true}}}
  slow: {command: x, ready: {tcp: 9000}}
)");
  h.engine().bring_up();
  for (const char* name : {"db", "api", "web", "slow"}) h.started(name);
  REQUIRE(h.engine().phase() == Phase::bringing_up);
  h.engine().restart(h.index("db"));
  h.exited("api", 1);
  CHECK_FALSE(h.engine().failure());
  CHECK(h.state("api") == State::stopping);
}

TEST_CASE("in run, a service asked to stop that exits while it waits its turn fails nothing") {
  summon::engine::EngineOptions options;
  options.mode = summon::engine::Mode::run;
  EngineHarness h(R"(services:
  db: {command: x}
  api: {command: x, depends_on: {db: {condition: ready, restart: true}}}
)",
                  options);
  h.bring_up_all({"db", "api"});
  h.engine().stop(h.index("db"));
  CHECK(h.calls() == Calls{"stop api TERM"});
  h.exited("db", 1);
  CHECK_FALSE(h.engine().failure());
  h.stopped("api");
  CHECK(h.calls() == Calls{"stop db TERM"});
  h.stopped("db");
  CHECK(h.state("db") == State::stopped);
  CHECK(h.engine().phase() == Phase::up);
}
