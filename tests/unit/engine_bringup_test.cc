// Bring-up: each service starts the moment its own conditions hold.
#include <doctest/doctest.h>

#include <chrono>
#include <string>

#include "engine_harness.hpp"

using namespace std::chrono_literals;
using summon::engine::Phase;
using summon::engine::State;
using summon::testing::Calls;
using summon::testing::EngineHarness;

TEST_CASE("services without dependencies start together at bring-up") {
  EngineHarness h(R"(services:
  db: {command: x}
  cache: {command: x}
  api: {command: x, depends_on: [db]}
)");
  h.engine().bring_up();
  CHECK(h.calls() == Calls{"start db", "start cache"});
  CHECK(h.state("db") == State::starting);
  CHECK(h.state("api") == State::pending);
  CHECK(h.engine().phase() == Phase::bringing_up);
}

TEST_CASE("a chain starts each service once the one below it is ready") {
  EngineHarness h(R"(services:
  db: {command: x, ready: {tcp: 5432}}
  api: {command: x, depends_on: [db], ready: {tcp: 8080}}
  web: {command: x, depends_on: [api]}
)");
  h.engine().bring_up();
  CHECK(h.calls() == Calls{"start db"});
  h.started("db");
  CHECK(h.calls().empty());
  h.ready("db");
  CHECK(h.calls() == Calls{"start api"});
  h.up("api");
  CHECK(h.calls() == Calls{"start web"});
}

TEST_CASE("a diamond starts its top once both sides are ready") {
  EngineHarness h(R"(services:
  db: {command: x}
  left: {command: x, depends_on: [db], ready: {tcp: 1}}
  right: {command: x, depends_on: [db], ready: {tcp: 2}}
  top: {command: x, depends_on: [left, right]}
)");
  h.engine().bring_up();
  h.started("db");
  CHECK(h.calls() == Calls{"start db", "start left", "start right"});
  h.up("right");
  CHECK(h.calls().empty());
  h.up("left");
  CHECK(h.calls() == Calls{"start top"});
}

TEST_CASE("a wide fan of 50 services all start the moment their root is ready") {
  std::string yaml = "services:\n  root: {command: x, ready: {tcp: 1}}\n";
  Calls expected;
  for (int i = 0; i < 50; ++i) {
    yaml += "  leaf" + std::to_string(i) + ": {command: x, depends_on: [root]}\n";
    expected.push_back("start leaf" + std::to_string(i));
  }
  EngineHarness h(yaml);
  h.engine().bring_up();
  h.started("root");
  CHECK(h.calls() == Calls{"start root"});
  h.ready("root");
  CHECK(h.calls() == expected);
  for (int i = 0; i < 50; ++i) h.started("leaf" + std::to_string(i));
  CHECK(h.engine().phase() == Phase::up);
}

TEST_CASE("condition `started` lets a dependent start once the dependency is spawned") {
  EngineHarness h(R"(services:
  db: {command: x, ready: {tcp: 5432}}
  api:
    command: x
    depends_on: {db: started}
)");
  h.engine().bring_up();
  h.calls();
  h.started("db");
  CHECK(h.state("db") == State::started);
  CHECK(h.calls() == Calls{"start api"});
}

TEST_CASE("condition `ready` waits for the dependency's probe to hold") {
  EngineHarness h(R"(services:
  db: {command: x, ready: {tcp: 5432}}
  api:
    command: x
    depends_on: {db: ready}
)");
  h.engine().bring_up();
  h.calls();
  h.started("db");
  CHECK(h.calls().empty());
  h.ready("db");
  CHECK(h.calls() == Calls{"start api"});
}

TEST_CASE("condition `completed` waits for the dependency to exit with code 0") {
  EngineHarness h(R"(services:
  migrate: {command: x}
  api:
    command: x
    depends_on: {migrate: completed}
)");
  h.engine().bring_up();
  h.calls();
  h.started("migrate");
  CHECK(h.state("migrate") == State::ready);
  CHECK(h.calls().empty());
  h.exited("migrate", 0);
  CHECK(h.state("migrate") == State::completed);
  CHECK(h.calls() == Calls{"start api"});
}

TEST_CASE("a service with several conditions starts when the last of them holds") {
  EngineHarness h(R"(services:
  db: {command: x, ready: {tcp: 5432}}
  migrate: {command: x, depends_on: [db]}
  api:
    command: x
    depends_on: {migrate: completed, db: started}
)");
  h.engine().bring_up();
  h.started("db");
  CHECK(h.calls() == Calls{"start db"});
  h.ready("db");
  h.started("migrate");
  CHECK(h.calls() == Calls{"start migrate"});
  h.exited("migrate", 0);
  CHECK(h.calls() == Calls{"start api"});
}

TEST_CASE("a dependency that completes before its probe holds meets `ready`") {
  EngineHarness h(R"(services:
  seed: {command: x, ready: {log: done}}
  api: {command: x, depends_on: [seed]}
)");
  h.engine().bring_up();
  h.calls();
  h.started("seed");
  h.exited("seed", 0);
  CHECK(h.state("seed") == State::completed);
  CHECK(h.calls() == Calls{"start api"});
  CHECK_FALSE(h.engine().failure());
}

TEST_CASE("a service never waits for an unrelated service of its layer") {
  EngineHarness h(R"(services:
  db: {command: x, ready: {tcp: 5432}}
  search: {command: x, ready: {http: "http://127.0.0.1:9200/"}}
  api: {command: x, depends_on: [db]}
  indexer: {command: x, depends_on: [search]}
)");
  h.engine().bring_up();
  h.started("db");
  h.started("search");
  h.calls();
  h.ready("db");
  CHECK(h.calls() == Calls{"start api"});
  CHECK(h.state("search") == State::started);
  CHECK(h.state("indexer") == State::pending);
}

TEST_CASE("a service without a probe is ready as soon as it is started") {
  EngineHarness h(R"(services:
  worker: {command: x}
)");
  h.engine().bring_up();
  h.started("worker");
  CHECK(h.state("worker") == State::ready);
  CHECK(h.observer.take_lines() ==
        std::vector<std::string>{"worker starting", "worker started", "worker ready"});
}

TEST_CASE("bring-up is over when every service is ready or completed") {
  EngineHarness h(R"(services:
  db: {command: x, ready: {tcp: 5432}}
  migrate: {command: x, depends_on: [db]}
  api:
    command: x
    depends_on: {migrate: completed}
)");
  h.engine().bring_up();
  h.clock.advance(1s);
  h.up("db");
  h.started("migrate");
  h.exited("migrate", 0);
  h.clock.advance(40ms);
  CHECK(h.engine().phase() == Phase::bringing_up);
  CHECK_FALSE(h.observer.all_ready);
  h.started("api");
  CHECK(h.engine().phase() == Phase::up);
  REQUIRE(h.observer.all_ready);
  CHECK(h.observer.all_ready->first == 3);
  CHECK(h.observer.all_ready->second == 1040ms);
}

TEST_CASE("ready is reported with the time since the service started and since bring-up") {
  EngineHarness h(R"(services:
  db: {command: x, ready: {notify: true}}
  api: {command: x, depends_on: [db], ready: {tcp: 8080}}
)");
  h.engine().bring_up();
  h.clock.advance(1210ms);
  h.up("db");
  h.started("api");
  h.clock.advance(500ms);
  h.ready("api");
  const auto& api_ready = h.observer.changes.back();
  CHECK(api_ready.to == State::ready);
  CHECK(api_ready.since_start == 500ms);
  CHECK(api_ready.since_bring_up == 1710ms);
  const auto& db_ready = h.observer.changes[2];
  CHECK(db_ready.to == State::ready);
  CHECK(db_ready.since_start == 1210ms);
}

TEST_CASE("naming services runs them and what they depend on, nothing else") {
  EngineHarness h(R"(services:
  db: {command: x}
  api: {command: x, depends_on: [db]}
  docs: {command: x}
)",
                  {}, {"api"});
  CHECK_FALSE(h.engine().in_run(h.index("docs")));
  h.engine().bring_up();
  CHECK(h.calls() == Calls{"start db"});
  h.started("db");
  h.started("api");
  CHECK(h.engine().phase() == Phase::up);
  CHECK(h.observer.all_ready->first == 2);
}

TEST_CASE("a runner may report from inside start(); the report is handled right after") {
  EngineHarness h(R"(services:
  db: {command: x}
  api: {command: x, depends_on: [db]}
  web: {command: x, depends_on: [api]}
)");
  h.runner.on_start = [&](summon::graph::ServiceIndex i) { h.engine().on_started(i); };
  h.engine().bring_up();
  CHECK(h.calls() == Calls{"start db", "start api", "start web"});
  CHECK(h.engine().phase() == Phase::up);
}

TEST_CASE("reports for services outside the run, or out of turn, are ignored") {
  EngineHarness h(R"(services:
  db: {command: x, ready: {tcp: 5432}}
  docs: {command: x}
)",
                  {}, {"db"});
  h.engine().bring_up();
  h.started("docs");
  h.ready("db");  // before it was even spawned
  CHECK(h.state("docs") == State::pending);
  CHECK(h.state("db") == State::starting);
}
