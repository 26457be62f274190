// The supervision keys of SPEC 1.4 and 1.5 as the loader reads them: restart,
// max_restarts, backoff, alive, watchdog and `depends_on` with restart: true.
#include <doctest/doctest.h>

#include <string>
#include <variant>
#include <vector>

#include <fmt/format.h>

#include "load_helpers.hpp"

using namespace summon;
using namespace summon::testing;
using namespace std::chrono_literals;

namespace {

std::string at(int line, int column, const std::string& message) {
  return fmt::format("services.yaml:{}:{}: error: {}", line, column, message);
}

using Errors = std::vector<std::string>;

}  // namespace

// ---------------------------------------------------------------------------
// restart

TEST_CASE("without supervision keys a service is not restarted and has the default backoff") {
  auto project = load_or_fail("services:\n  a: {command: x}\n");
  const auto& a = project.services[0];
  CHECK(a.restart == config::RestartPolicy::no);
  CHECK_FALSE(a.max_restarts);
  CHECK(a.backoff.initial == 100ms);
  CHECK(a.backoff.max == 30s);
  CHECK_FALSE(a.alive);
  CHECK_FALSE(a.watchdog);
}

TEST_CASE("restart is no, on-failure or always; false and a quoted no mean no") {
  auto project = load_or_fail(R"y(
services:
  a: {command: x, restart: no}
  b: {command: x, restart: "no"}
  c: {command: x, restart: false}
  d: {command: x, restart: on-failure}
  e: {command: x, restart: always}
)y");
  using config::RestartPolicy;
  CHECK(project.services[0].restart == RestartPolicy::no);
  CHECK(project.services[1].restart == RestartPolicy::no);
  CHECK(project.services[2].restart == RestartPolicy::no);
  CHECK(project.services[3].restart == RestartPolicy::on_failure);
  CHECK(project.services[4].restart == RestartPolicy::always);
  CHECK(project.services[4].restart_mark.line == 7);
  CHECK(project.services[4].restart_mark.column == 19);
}

TEST_CASE("a misspelt restart policy is an error at its value with a suggestion") {
  CHECK(errors_of(R"y(
services:
  a:
    command: x
    restart: on-falure
  b:
    command: x
    restart: sometimes
  c:
    command: x
    restart: true
)y") == Errors{at(5, 14,
                  "'restart' must be one of no, on-failure, always, false, not 'on-falure'; "
                  "did you mean 'on-failure'?"),
               at(8, 14, "'restart' must be one of no, on-failure, always, false, not 'sometimes'"),
               at(11, 14, "'restart' must be one of no, on-failure, always, false, not true")});
}

// ---------------------------------------------------------------------------
// max_restarts

TEST_CASE("max_restarts is a whole number, 0 or more; unset means unlimited") {
  auto project = load_or_fail(R"y(
services:
  a: {command: x, restart: always, max_restarts: 0}
  b: {command: x, restart: on-failure, max_restarts: 5}
  c: {command: x, restart: always, max_restarts: "${MAX}"}
)y",
                              with_env({{"MAX", "7"}}));
  CHECK(project.services[0].max_restarts == 0);
  CHECK(project.services[1].max_restarts == 5);
  CHECK(project.services[2].max_restarts == 7);
}

TEST_CASE("a negative max_restarts is an error at its value, also once interpolated") {
  CHECK(errors_of(R"y(
services:
  a:
    command: x
    max_restarts: -1
  b:
    command: x
    max_restarts: "${MAX}"
  c:
    command: x
    max_restarts: many
)y",
                  with_env({{"MAX", "-2"}})) ==
        Errors{at(5, 19, "'max_restarts' must be 0 or more, not -1"),
               at(8, 19, "'max_restarts' must be between 0 and 1000000, not -2"),
               at(11, 19, "'max_restarts' must be a whole number, 0 or more, not 'many'")});
}

// ---------------------------------------------------------------------------
// backoff

TEST_CASE("backoff: a duration is both the initial and the longest delay") {
  auto project = load_or_fail("services:\n  a: {command: x, restart: always, backoff: 2s}\n");
  CHECK(project.services[0].backoff.initial == 2s);
  CHECK(project.services[0].backoff.max == 2s);
}

TEST_CASE("backoff: a map gives initial and max, each with its default") {
  auto project = load_or_fail(R"y(
services:
  a: {command: x, backoff: {initial: 250ms, max: 1m}}
  b: {command: x, backoff: {initial: 1s}}
  c: {command: x, backoff: {max: 5}}
  d: {command: x, backoff: {initial: 3s, max: 3s}}
)y");
  const auto& s = project.services;
  CHECK(s[0].backoff.initial == 250ms);
  CHECK(s[0].backoff.max == 1min);
  CHECK(s[1].backoff.initial == 1s);
  CHECK(s[1].backoff.max == 30s);
  CHECK(s[2].backoff.initial == 100ms);
  CHECK(s[2].backoff.max == 5s);
  CHECK(s[3].backoff.initial == 3s);
  CHECK(s[3].backoff.max == 3s);
}

TEST_CASE("backoff: initial longer than max is an error at initial, naming a default max") {
  CHECK(errors_of(R"y(
services:
  a:
    command: x
    backoff: {initial: 10s, max: 1s}
  b:
    command: x
    backoff: {initial: 1m}
  c:
    command: x
    backoff: {max: 50ms}
)y") == Errors{at(5, 24, "backoff 'initial' (10s) is longer than 'max' (1s)"),
               at(8, 24, "backoff 'initial' (1m) is longer than 'max' (30s, the default)"),
               at(11, 20, "backoff 'initial' (100ms) is longer than 'max' (50ms)")});
}

TEST_CASE("backoff: a wrong value or key is an error") {
  CHECK(errors_of(R"y(
services:
  a:
    command: x
    backoff: soon
  b:
    command: x
    backoff: {initail: 1s}
)y") == Errors{at(5, 14,
                  "'backoff' must be a duration (a number of seconds, or a number with a unit "
                  "such as 250ms, 1.5s, 2m, 1h), or a map with initial and max, not 'soon'"),
               at(8, 15, "unknown key 'initail' in 'backoff'; did you mean 'initial'?")});
}

// ---------------------------------------------------------------------------
// alive

TEST_CASE("alive: a polled probe with interval 10s, timeout 5s and 3 failures by default") {
  auto project = load_or_fail(R"y(
services:
  a:
    command: x
    ready: {tcp: 5432, timeout: 30s}
    alive: {tcp: 5432}
)y");
  const auto& alive = project.services[0].alive;
  REQUIRE(alive);
  CHECK(std::get<config::TcpProbe>(alive->probe.kind).port.number == 5432);
  CHECK(alive->probe.interval == 10s);
  CHECK(alive->probe.timeout == 5s);
  CHECK(alive->failures == 3);
  CHECK(alive->mark.line == 6);
  // The readiness probe keeps its own timing.
  CHECK(project.services[0].ready->interval == 100ms);
}

TEST_CASE("alive: tcp, http, exec and unix in the forms of ready, with their timing") {
  auto project = load_or_fail(R"y(
services:
  a:
    command: x
    cwd: ./app
    alive:
      http: {url: "http://127.0.0.1:8080/health", status: 200}
      interval: 30s
      timeout: 2s
      failures: 5
  b: {command: x, alive: {exec: [pg_isready, -q], failures: "${FAILURES}"}}
  c: {command: x, cwd: ./app, alive: {unix: run/app.sock}}
  d: {command: x, alive: {tcp: "db.local:6379"}}
)y",
                              with_env({{"FAILURES", "2"}}));
  const auto& s = project.services;
  REQUIRE(s[0].alive);
  CHECK(std::get<config::HttpProbe>(s[0].alive->probe.kind).url == "http://127.0.0.1:8080/health");
  CHECK(s[0].alive->probe.interval == 30s);
  CHECK(s[0].alive->probe.timeout == 2s);
  CHECK(s[0].alive->failures == 5);
  CHECK(std::get<config::ExecProbe>(s[1].alive->probe.kind).command.argv ==
        std::vector<std::string>{"pg_isready", "-q"});
  CHECK(s[1].alive->failures == 2);
  CHECK(std::get<config::UnixProbe>(s[2].alive->probe.kind).path ==
        project.dir + "/app/run/app.sock");
  const auto& tcp = std::get<config::TcpProbe>(s[3].alive->probe.kind);
  CHECK(tcp.host == "db.local");
  CHECK(tcp.port.number == 6379);
}

TEST_CASE("alive: a port of ports: stays as written until picked, then becomes a number") {
  const char* yaml = R"y(
ports: [api]
services:
  api:
    command: x
    ready: {tcp: "${ports.api}"}
    alive: {tcp: "${ports.api}"}
)y";
  auto unpicked = load_or_fail(yaml);
  CHECK(std::get<config::TcpProbe>(unpicked.services[0].alive->probe.kind).port.port_name == "api");

  config::PortMap ports{{"api", 41002}};
  auto options = with_env({});
  options.ports = &ports;
  auto picked = load_or_fail(yaml, options);
  CHECK(std::get<config::TcpProbe>(picked.services[0].alive->probe.kind).port.number == 41002);
}

TEST_CASE("alive: an undeclared port is an error, as in ready") {
  auto errors = errors_of("services:\n  a: {command: x, alive: {tcp: \"${ports.api}\"}}\n");
  REQUIRE(errors.size() == 1);
  CHECK(errors[0].starts_with("services.yaml:2:32: error: "));
  CHECK(errors[0].find("'api'") != std::string::npos);
}

TEST_CASE("alive: a probe that cannot be polled is an error at its kind") {
  CHECK(errors_of(R"y(
services:
  a:
    command: x
    alive: {log: ready}
  b:
    command: x
    alive:
      notify: true
  c:
    command: x
    alive: {fd: 3}
  d:
    command: x
    alive: {file: up.flag, interval: 1s}
  e:
    command: x
    alive: {all: [{tcp: 1}]}
)y") == Errors{at(5, 13,
                  "alive: a log probe cannot be checked for liveness; use tcp, http, exec "
                  "or unix"),
               at(9, 7,
                  "alive: a notify probe cannot be checked for liveness; use tcp, http, "
                  "exec or unix"),
               at(12, 13,
                  "alive: an fd probe cannot be checked for liveness; use tcp, http, exec "
                  "or unix"),
               at(15, 13,
                  "alive: a file probe cannot be checked for liveness; use tcp, http, "
                  "exec or unix"),
               at(18, 13,
                  "alive: an all probe cannot be checked for liveness; use tcp, http, "
                  "exec or unix")});
}

TEST_CASE("alive: needs exactly one polled kind") {
  CHECK(errors_of(R"y(
services:
  a:
    command: x
    alive: {interval: 1s}
  b:
    command: x
    alive: {tcp: 1, http: "http://x/"}
)y") == Errors{at(5, 5, "'alive' needs exactly one probe kind (tcp, http, exec, unix); found none"),
               at(8, 5,
                  "'alive' needs exactly one probe kind (tcp, http, exec, unix); found tcp "
                  "and http")});
}

TEST_CASE("alive: failures is 1 or more, and interval and timeout more than 0") {
  CHECK(errors_of(R"y(
services:
  a:
    command: x
    alive: {tcp: 1, failures: 0}
  b:
    command: x
    alive: {tcp: 1, interval: 0}
  c:
    command: x
    alive: {tcp: 1, timeout: 0ms}
  d:
    command: x
    alive: {tcp: 1, failures: "${N}"}
  e:
    command: x
    alive: {tcp: 1, retries: 2}
)y",
                  with_env({{"N", "0"}})) ==
        Errors{at(5, 31, "'failures' must be 1 or more, not 0"),
               at(8, 31, "'interval' must be more than 0"),
               at(11, 30, "'timeout' must be more than 0"),
               at(14, 31, "'failures' must be between 1 and 1000000, not 0"),
               at(17, 21, "unknown key 'retries' in 'alive'")});
}

// ---------------------------------------------------------------------------
// watchdog

TEST_CASE("watchdog: a duration, with a notify readiness probe, also inside an all") {
  auto project = load_or_fail(R"y(
services:
  a: {command: x, ready: {notify: true}, watchdog: 30s}
  b: {command: x, ready: {all: [{tcp: 1}, {notify: true}]}, watchdog: 500ms}
)y");
  CHECK(project.services[0].watchdog == 30s);
  CHECK(project.services[1].watchdog == 500ms);
}

TEST_CASE("watchdog: without a notify readiness probe it is an error at its key") {
  CHECK(errors_of(R"y(
services:
  a:
    command: x
    watchdog: 10s
  b:
    command: x
    ready: {tcp: 1}
    watchdog: 10s
)y") == Errors{at(5, 5, "'watchdog' needs a notify readiness probe (ready: {notify: true})"),
               at(9, 5, "'watchdog' needs a notify readiness probe (ready: {notify: true})")});
}

TEST_CASE("watchdog: zero or not a duration is an error at its value") {
  CHECK(errors_of(R"y(
services:
  a:
    command: x
    ready: {notify: true}
    watchdog: 0
  b:
    command: x
    ready: {notify: true}
    watchdog: often
)y") == Errors{at(6, 15, "'watchdog' must be more than 0"),
               at(10, 15,
                  "'watchdog' must be a duration: a number of seconds, or a number with a unit "
                  "such as 250ms, 1.5s, 2m, 1h, not 'often'")});
}

TEST_CASE("watchdog: a ready with errors of its own gets no second one") {
  CHECK(errors_of(R"y(
services:
  a:
    command: x
    ready: {notify: "${NOTIFY}"}
    watchdog: 10s
)y",
                  with_env({{"NOTIFY", "yes"}})) ==
        Errors{at(5, 21, "'notify' must be true, not '${NOTIFY}'")});
}

// ---------------------------------------------------------------------------
// depends_on with restart: true

TEST_CASE("depends_on: a condition word, or {condition, restart} with ready and false by default") {
  auto project = load_or_fail(R"y(
services:
  db: {command: x}
  migrate: {command: x}
  cache: {command: x}
  api:
    command: x
    depends_on:
      db: {condition: ready, restart: true}
      migrate: completed
      cache: {restart: true}
  web:
    command: x
    depends_on:
      api: {condition: started}
      db: {restart: false}
)y");
  const auto& api = project.services[3].depends_on;
  REQUIRE(api.size() == 3);
  CHECK(api[0].service == "db");
  CHECK(api[0].condition == config::Condition::ready);
  CHECK(api[0].restart);
  CHECK(api[0].mark.line == 9);
  CHECK(api[0].mark.column == 7);
  CHECK(api[1].condition == config::Condition::completed);
  CHECK_FALSE(api[1].restart);
  CHECK(api[2].condition == config::Condition::ready);
  CHECK(api[2].restart);
  const auto& web = project.services[4].depends_on;
  REQUIRE(web.size() == 2);
  CHECK(web[0].condition == config::Condition::started);
  CHECK_FALSE(web[0].restart);
  CHECK_FALSE(web[1].restart);
}

TEST_CASE("depends_on: a list means ready, without restart") {
  auto project =
      load_or_fail("services:\n  db: {command: x}\n  api: {command: x, depends_on: [db]}\n");
  CHECK_FALSE(project.services[1].depends_on[0].restart);
}

TEST_CASE("depends_on: unknown keys, conditions and restart values in the map form") {
  CHECK(errors_of(R"y(
services:
  db: {command: x}
  api:
    command: x
    depends_on:
      db: {conditon: ready, restrat: true}
  web:
    command: x
    depends_on:
      db: {condition: complete}
  job:
    command: x
    depends_on:
      db: {restart: yes}
  cron:
    command: x
    depends_on:
      db: 5
)y") == Errors{at(7, 12, "unknown key 'conditon' in 'depends_on.db'; did you mean 'condition'?"),
               at(7, 29, "unknown key 'restrat' in 'depends_on.db'; did you mean 'restart'?"),
               at(11, 23,
                  "'condition' must be one of started, ready, completed, not 'complete'; "
                  "did you mean 'completed'?"),
               at(15, 21, "'restart' must be true or false, not 'yes'"),
               at(19, 11,
                  "'depends_on.db' must be a condition (started, ready or completed), or "
                  "a map with condition and restart, not 5")});
}

// ---------------------------------------------------------------------------
// Across services

TEST_CASE("restart: always on a service that a dependent needs completed is an error at restart") {
  CHECK(errors_of(R"y(
services:
  migrate:
    command: ./migrate
    restart: always
  seed:
    command: ./seed
    restart: always
  api:
    command: x
    depends_on: {migrate: completed, seed: completed}
  worker:
    command: x
    depends_on:
      migrate: {condition: completed, restart: true}
)y") == Errors{at(5, 5,
                  "restart: always cannot be used on 'migrate': 'api' and 'worker' need it "
                  "completed; use restart: on-failure"),
               at(8, 5,
                  "restart: always cannot be used on 'seed': 'api' needs it completed; use "
                  "restart: on-failure")});
}

TEST_CASE("restart: on-failure may be completed, and always may be needed started or ready") {
  load_or_fail(R"y(
services:
  migrate: {command: x, restart: on-failure}
  db: {command: x, restart: always}
  api:
    command: x
    depends_on: {migrate: completed, db: ready}
  web:
    command: x
    depends_on: {db: {condition: started, restart: true}}
)y");
}

TEST_CASE("every supervision error of a file is reported in one run") {
  auto errors = errors_of(R"y(
services:
  migrate: {command: x, restart: always, max_restarts: -1}
  api:
    command: x
    depends_on: {migrate: completed}
    backoff: {initial: 2m, max: 1m}
    alive: {log: up}
    watchdog: 5s
)y");
  CHECK(errors.size() == 5);
}
