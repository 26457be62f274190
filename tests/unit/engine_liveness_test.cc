// Liveness (SPEC 1.5): what the engine does when a ready service's `alive`
// probe or watchdog gives up on it, and when it answers again. Counting the
// failed attempts is the runtime's; the engine hears the verdict.
#include <doctest/doctest.h>

#include <chrono>
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

constexpr const char* why = "http 127.0.0.1:8080/health: status 503 (3 in a row)";

}  // namespace

TEST_CASE("without a restart policy an unhealthy service keeps running, and is ready again") {
  EngineHarness h(R"(services:
  api: {command: x, alive: {http: "http://127.0.0.1:8080/health"}}
  web: {command: x, depends_on: [api]}
)");
  h.bring_up_all({"api", "web"});
  h.unhealthy("api", why);
  CHECK(h.state("api") == State::unhealthy);
  CHECK(h.observer.changes.back().reason == why);
  CHECK(h.calls().empty());
  CHECK(h.state("web") == State::ready);  // an unhealthy dependency still counts as ready
  h.healthy("api");
  CHECK(h.state("api") == State::ready);
  CHECK_FALSE(h.engine().failure());
}

TEST_CASE("with on-failure an unhealthy service is stopped and restarted") {
  EngineHarness h(R"(services:
  api: {command: x, restart: on-failure, backoff: 0s, alive: {tcp: 8080}}
)");
  h.bring_up_all({"api"});
  h.unhealthy("api", why);
  CHECK(h.state("api") == State::stopping);
  CHECK(h.observer.changes.back().reason == std::string("unhealthy: ") + why);
  CHECK(h.observer.changes.back().restart->number == 1);
  CHECK(h.calls() == Calls{"stop api TERM"});
  h.exited("api", 143);  // from our own signal
  h.stopped("api");
  h.clock.advance(0ms);
  CHECK(h.calls() == Calls{"start api"});
}

TEST_CASE("a policy restart of an unhealthy service stops its restart: true dependents first") {
  EngineHarness h(R"(services:
  db: {command: x, restart: on-failure, backoff: 0s, alive: {tcp: 5432}}
  api:
    command: x
    depends_on: {db: {condition: ready, restart: true}}
  stats: {command: x, depends_on: [db]}
)");
  h.bring_up_all({"db", "api", "stats"});
  h.observer.changes.clear();
  h.unhealthy("db", why);
  CHECK(h.state("db") == State::stopping);
  REQUIRE_FALSE(h.observer.changes.empty());
  CHECK(h.observer.changes.front().restart.has_value());  // the restart is told when decided
  CHECK(h.calls() == Calls{"stop api TERM"});
  h.stopped("db");  // no stop was asked of db yet: an answer out of turn means nothing
  CHECK(h.state("db") == State::stopping);
  h.stopped("api");
  CHECK(h.calls() == Calls{"stop db TERM"});
  h.stopped("db");
  h.clock.advance(0ms);
  CHECK(h.calls() == Calls{"start db"});
  h.started("db");
  CHECK(h.calls() == Calls{"start api"});
  CHECK(h.state("stats") == State::ready);  // without restart: true it kept running
}

TEST_CASE("an unhealthy service that will not stop is killed after its stop timeout") {
  EngineHarness h(R"(services:
  api: {command: x, restart: always, stop: {timeout: 3s}, alive: {tcp: 8080}}
)");
  h.bring_up_all({"api"});
  h.unhealthy("api", why);
  h.clock.advance(3s);
  CHECK(h.calls() == Calls{"stop api TERM", "kill api"});
  h.stopped("api");
  CHECK(h.state("api") == State::backoff);
}

TEST_CASE("in run an unhealthy service that is not restarted fails the run") {
  EngineOptions options;
  options.mode = Mode::run;
  EngineHarness h(R"(services:
  api: {command: x, alive: {tcp: 8080}}
)",
                  options);
  h.bring_up_all({"api"});
  h.unhealthy("api", why);
  REQUIRE(h.engine().failure().has_value());
  CHECK(h.engine().failure()->message == std::string("api: unhealthy: ") + why);
  CHECK(h.engine().phase() == Phase::tearing_down);
}

TEST_CASE("an unhealthy failure reads as the others: a reason without the name, named once") {
  EngineOptions options;
  options.mode = Mode::run;
  EngineHarness h(R"(services:
  api: {command: x, alive: {tcp: 8080}}
)",
                  options);
  h.bring_up_all({"api"});
  h.unhealthy("api", why);
  // The printer adds "api unhealthy: " itself (SPEC 1.5): the change carries why alone.
  REQUIRE(h.observer.changes.size() >= 2);
  const auto& change = h.observer.changes[h.observer.changes.size() - 2];  // then it is stopped
  CHECK(change.to == State::unhealthy);
  CHECK(change.reason == why);
  // The summary prints "summon: error: " + message, as for an exit: "api: exited with code 1".
  REQUIRE(h.engine().failure().has_value());
  CHECK(h.engine().failure()->reason == std::string("unhealthy: ") + why);
  CHECK(h.engine().failure()->message == std::string("api: unhealthy: ") + why);
}

TEST_CASE("in run, giving up on an unhealthy service fails the run with one `unhealthy:`") {
  EngineOptions options;
  options.mode = Mode::run;
  EngineHarness h(R"(services:
  api: {command: x, restart: always, max_restarts: 0, alive: {tcp: 8080}}
)",
                  options);
  h.bring_up_all({"api"});
  h.unhealthy("api", why);
  REQUIRE(h.engine().failure().has_value());
  CHECK(h.engine().failure()->message ==
        std::string("api: unhealthy: ") + why + "; gave up after 0 restarts");
}

TEST_CASE("a verdict on a service that is not ready means nothing") {
  EngineHarness h(R"(services:
  api: {command: x, restart: always, ready: {tcp: 8080}, alive: {tcp: 8080}}
)");
  h.engine().bring_up();
  h.started("api");
  h.unhealthy("api", why);
  CHECK(h.state("api") == State::started);
  h.healthy("api");
  CHECK(h.state("api") == State::started);
}

TEST_CASE("giving up on an unhealthy service fails it and stops what is left") {
  EngineHarness h(R"(services:
  api: {command: x, restart: always, max_restarts: 0, alive: {tcp: 8080}}
)");
  h.bring_up_all({"api"});
  h.unhealthy("api", why);
  CHECK(h.state("api") == State::failed);
  CHECK(h.observer.changes.back().reason ==
        std::string("unhealthy: ") + why + "; gave up after 0 restarts");
  CHECK(h.calls() == Calls{"stop api TERM"});
}

TEST_CASE("EXTEND_TIMEOUT_USEC moves the readiness deadline, never closer") {
  EngineHarness h(R"(services:
  db: {command: x, ready: {notify: true, timeout: 2s}}
)");
  h.engine().bring_up();
  h.started("db");
  h.clock.advance(1s);
  h.engine().on_deadline_extended(h.index("db"), 5s);
  h.engine().on_deadline_extended(h.index("db"), 1ms);
  h.clock.advance(5999ms - 1s);
  CHECK_FALSE(h.engine().failure());
  h.clock.advance(1001ms);
  REQUIRE(h.engine().failure().has_value());
  CHECK(h.engine().failure()->message == "db: not ready after 6s");
}
