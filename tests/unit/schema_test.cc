#include "config/schema.hpp"

#include <functional>
#include <string>
#include <string_view>

#include <doctest/doctest.h>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

using namespace summon::config;

namespace {

// The schema's verdict on a fixture, as `summon check` prints it: one line per
// problem, in file order; empty when the document is valid. The newline that
// opens a fixture is not part of it, so the fixture's first line is line 1.
std::string check(std::string_view text) {
  if (!text.empty() && text.front() == '\n') text.remove_prefix(1);
  Diagnostics diagnostics;
  auto root = parse_yaml(std::string(text), "summon.yaml", diagnostics);
  REQUIRE(root);
  bool valid = check_schema(*root, "summon.yaml", diagnostics);
  std::string out;
  for (const auto& diagnostic : diagnostics.sorted()) out += diagnostic.format() + "\n";
  CHECK(valid == out.empty());
  return out;
}

std::string error(int line, int column, std::string_view message) {
  return fmt::format("summon.yaml:{}:{}: error: {}\n", line, column, message);
}

const std::string kinds = "(tcp, http, exec, log, file, unix, notify, fd, all)";

nlohmann::json schema_json() {
  return nlohmann::json::parse(schema_text());
}

}  // namespace

// ---------------------------------------------------------------------------
// The schema itself.

TEST_CASE("the schema is valid JSON and declares draft-07") {
  auto schema = schema_json();
  CHECK(schema.at("$schema") == "http://json-schema.org/draft-07/schema#");
  CHECK(schema.at("type") == "object");
}

TEST_CASE("every property in the schema has a title and a description, for editors") {
  auto schema = schema_json();
  auto resolve = [&](const nlohmann::json& s, std::string_view key) -> nlohmann::json {
    if (s.contains(key)) return s.at(key);
    if (s.contains("$ref"))
      return schema.at(nlohmann::json::json_pointer(s.at("$ref").get<std::string>().substr(1)))
          .value(std::string(key), nlohmann::json());
    return nullptr;
  };
  int properties = 0;
  std::function<void(const nlohmann::json&)> visit = [&](const nlohmann::json& node) {
    if (!node.is_object()) return;
    if (auto it = node.find("properties"); it != node.end() && it->is_object())
      for (const auto& [name, property] : it->items()) {
        ++properties;
        CAPTURE(name);
        CHECK(resolve(property, "title").is_string());
        CHECK(resolve(property, "description").is_string());
      }
    for (const auto& [key, child] : node.items()) visit(child);
  };
  visit(schema);
  CHECK(properties > 40);
}

TEST_CASE("every pattern in the schema says in words what it wants") {
  std::function<void(const nlohmann::json&)> visit = [&](const nlohmann::json& node) {
    if (!node.is_object()) return;
    if (node.contains("pattern") && node.at("pattern").is_string() && node.at("pattern") != "^x-") {
      CAPTURE(node.at("pattern"));
      CHECK(node.value("errorMessage", "").starts_with("must be "));
    }
    for (const auto& [key, child] : node.items()) visit(child);
  };
  visit(schema_json());
}

TEST_CASE("the schema's only oneOf is the choice of exactly one probe kind") {
  // The messages word a failed oneOf as "needs exactly one probe kind".
  int choices = 0;
  std::function<void(const nlohmann::json&)> visit = [&](const nlohmann::json& node) {
    if (!node.is_object()) return;
    CHECK_FALSE(node.contains("anyOf"));
    if (auto it = node.find("oneOf"); it != node.end()) {
      ++choices;
      CHECK((it->size() == 9 || it->size() == 4));  // every kind, or the polled ones
      for (const auto& branch : *it) CHECK(branch.at("required").size() == 1);
    }
    for (const auto& [key, child] : node.items()) visit(child);
  };
  visit(schema_json());
  CHECK(choices == 3);  // `ready`, each probe of an `all`, and `alive`
}

TEST_CASE("the schema's conditionals test only the value's type, or whether a service extends") {
  // The messages follow the branch that applies by the value's type alone, or
  // (a service's `command`) by whether `extends` stands in for it.
  const nlohmann::json by_type{{"type", "string"}};
  const nlohmann::json unless_extends = nlohmann::json::parse(R"({"not": {"required": ["extends"]}})");
  int by_types = 0, unless_extended = 0;
  std::function<void(const nlohmann::json&)> visit = [&](const nlohmann::json& node) {
    if (!node.is_object()) return;
    if (auto it = node.find("if"); it != node.end()) {
      CHECK(node.contains("then"));
      if (*it == by_type) {
        ++by_types;
        CHECK(node.contains("else"));
      } else {
        CHECK(*it == unless_extends);
        CHECK(node.at("then") == nlohmann::json::parse(R"({"required": ["command"]})"));
        ++unless_extended;
      }
    }
    for (const auto& [key, child] : node.items()) visit(child);
  };
  visit(schema_json());
  CHECK(by_types == 1);         // a dependency: a condition word, or {condition, restart}
  CHECK(unless_extended == 1);  // a service: a command, unless it extends another
}

TEST_CASE("the schema gives the defaults of SPEC 1.5 to editors") {
  auto schema = schema_json();
  const auto& definitions = schema.at("definitions");
  const auto& service = definitions.at("service").at("properties");
  CHECK(service.at("restart").at("default") == "no");
  CHECK(service.at("restart").at("enum") == nlohmann::json{"no", "on-failure", "always", false});
  CHECK(definitions.at("backoff").at("default") ==
        nlohmann::json{{"initial", "100ms"}, {"max", "30s"}});
  const auto& alive = definitions.at("alive").at("properties");
  CHECK(alive.at("interval").at("default") == "10s");
  CHECK(alive.at("timeout").at("default") == "5s");
  CHECK(alive.at("failures").at("default") == 3);
  CHECK(definitions.at("condition").at("default") == "ready");
  CHECK(definitions.at("dependency").at("else").at("properties").at("restart").at("default") ==
        false);
}

// ---------------------------------------------------------------------------
// Valid files.

TEST_CASE("the SPEC's example file is valid") {
  CHECK(check(R"(
# yaml-language-server: $schema=../schemas/summon.schema.json
name: shop                      # optional; default: the config file's folder name
env:                            # optional; for every service, probe and `run` command
  LOG_LEVEL: debug
env_file: .env.shared           # optional; string or list, relative to this file
ports: [pg, api]                # optional; free loopback TCP ports picked per run

services:
  db:
    command: [postgres, -D, ./data, -p, "${ports.pg}"]   # list: exec'd directly
    ready:
      notify: true              # the server says READY=1 itself (sd_notify)
      timeout: 30s
    stop: {signal: INT, timeout: 20s}

  migrate:
    command: ./migrate.sh       # string: run by /bin/sh -c
    depends_on: [db]            # list form: wait for `ready`

  api:
    command: ./api --port ${ports.api}
    cwd: ./api
    env: {DATABASE_URL: "postgres://localhost:${ports.pg}/shop"}
    depends_on:
      migrate: completed        # map form: started | ready | completed
      db: ready
    ready:
      http: http://127.0.0.1:${ports.api}/health
)") == "");
}

TEST_CASE("a service needs nothing but a command") {
  CHECK(check("services: {db: {command: postgres}}") == "");
}

TEST_CASE("top-level name, env, env_file as a string or a list, and ports") {
  CHECK(check(R"(
name: shop
env: {LOG_LEVEL: debug, WORKERS: 4, RATIO: 0.5, VERBOSE: true, EMPTY: ""}
env_file: [.env.shared, .env.local]
ports: [pg, api-v2, cache.1, web_ui]
services: {db: {command: postgres}}
)") == "");
  CHECK(check("env_file: .env\nservices: {db: {command: x}}") == "");
}

TEST_CASE("command is a string, or a list of strings, numbers and booleans taken as written") {
  CHECK(check(R"(
services:
  shell: {command: "sleep 1 && echo done"}
  list: {command: [sleep, 5]}
  mixed: {command: [redis-server, --port, 6390, --save, "", --appendonly, true]}
)") == "");
}

TEST_CASE("cwd, user, env and env_file of a service") {
  CHECK(check(R"(
services:
  api:
    command: ./api
    cwd: ./api
    user: nobody
    env: {PORT: 8080, DEBUG: false}
    env_file: api.env
)") == "");
}

TEST_CASE("depends_on is a list of names, or a map of names to conditions") {
  CHECK(check(R"(
services:
  db: {command: postgres}
  migrate: {command: ./migrate, depends_on: [db]}
  api:
    command: ./api
    depends_on: {db: started, migrate: completed, cache: ready}
  cache: {command: redis-server}
)") == "");
}

TEST_CASE("stop takes a signal name, with or without SIG, or a number, and a timeout") {
  CHECK(check(R"(
services:
  a: {command: x, stop: {signal: TERM, timeout: 10s}}
  b: {command: x, stop: {signal: SIGINT}}
  c: {command: x, stop: {signal: 9}}
  d: {command: x, stop: {signal: QUIT, timeout: 1.5}}
  e: {command: x, stop: {timeout: 2m}}
  f: {command: x, stop: {signal: USR2}}
)") == "");
}

TEST_CASE("restart, max_restarts, backoff, alive and watchdog in every form") {
  CHECK(check(R"(
ports: [api]
services:
  a: {command: x, restart: no}
  b: {command: x, restart: false, max_restarts: 0}
  c: {command: x, restart: on-failure, max_restarts: 5, backoff: 2s}
  d: {command: x, restart: always, backoff: {initial: 250ms, max: 1m}, max_restarts: "${MAX}"}
  e: {command: x, backoff: {initial: 1}, alive: {tcp: "${ports.api}"}}
  f:
    command: x
    alive:
      http: {url: "http://127.0.0.1:8080/health", status: 200}
      interval: 30s
      timeout: 2s
      failures: 5
  g: {command: x, alive: {exec: [pg_isready, -q], failures: "${FAILURES}"}}
  h: {command: x, alive: {unix: run/app.sock, x-note: socket}}
  i: {command: x, ready: {notify: true}, watchdog: 30s}
  j: {command: x, backoff: {max: 5s, x-why: slow}}
)") == "");
}

TEST_CASE("depends_on maps a name to a condition or to {condition, restart}") {
  CHECK(check(R"(
services:
  db: {command: x}
  api:
    command: x
    depends_on:
      db: {condition: ready, restart: true}
      migrate: completed
      cache: {restart: false}
      queue: {condition: started}
      search: {x-note: later}
)") == "");
}

TEST_CASE("durations are seconds, or a number with a unit ms, s, m or h") {
  for (const char* duration : {"0", "30", "0.5", "250ms", "1.5s", "2m", "1h", "'30'", "86400"}) {
    CAPTURE(duration);
    CHECK(check(fmt::format("services: {{a: {{command: x, ready: {{tcp: 1, timeout: {}}}}}}}",
                            duration)) == "");
  }
}

TEST_CASE("where a number goes, a string with ${...} may stand for it") {
  CHECK(check(R"(
ports: [pg]
services:
  a:
    command: x
    ready: {tcp: {port: "${ports.pg}"}, timeout: "${TIMEOUT}", interval: "${INTERVAL:-1s}"}
    stop: {signal: "${STOP_SIGNAL}", timeout: "${STOP_TIMEOUT}"}
  b: {command: x, ready: {tcp: "${ports.pg}"}}
  c: {command: x, ready: {fd: "${READY_FD}"}}
  d: {command: x, ready: {log: {pattern: up, count: "${COUNT}"}}}
  e: {command: x, ready: {http: {url: "${BASE_URL}/health", status: "${STATUS}"}}}
)") == "");
}

TEST_CASE("a tcp probe is a port, \"host:port\", or {host, port}") {
  CHECK(check(R"(
services:
  a: {command: x, ready: {tcp: 5432}}
  b: {command: x, ready: {tcp: "localhost:5432"}}
  c: {command: x, ready: {tcp: "127.0.0.1:${ports.pg}"}}
  d: {command: x, ready: {tcp: "[::1]:5432"}}
  e: {command: x, ready: {tcp: {host: db.local, port: 5432}}}
  f: {command: x, ready: {tcp: {port: 5432}}}
  g: {command: x, ready: {tcp: "5432"}}
)") == "");
}

TEST_CASE("an http probe is a URL, or {url, method, status, headers, body}") {
  CHECK(check(R"(
services:
  a: {command: x, ready: {http: "http://127.0.0.1:8080/health"}}
  b:
    command: x
    ready:
      http:
        url: http://127.0.0.1:8080/health
        method: HEAD
        status: 200
        headers: {Authorization: Bearer abc, X-Retries: 3}
        body: '"status":\s*"ok"'
  c: {command: x, ready: {http: {url: "http://localhost/", status: "2xx"}}}
  d: {command: x, ready: {http: {url: "http://localhost/", status: [200, "3xx", 404]}}}
)") == "");
}

TEST_CASE("exec, log, file, unix, notify and fd probes") {
  CHECK(check(R"(
services:
  a: {command: x, ready: {exec: pg_isready -q}}
  b: {command: x, ready: {exec: [pg_isready, -h, localhost]}}
  c: {command: x, ready: {log: "listening on .*:8080"}}
  d: {command: x, ready: {log: {pattern: ready, stream: stderr, count: 2}}}
  e: {command: x, ready: {log: {pattern: ready, stream: both}}}
  f: {command: x, ready: {file: run/ready.flag}}
  g: {command: x, ready: {unix: /tmp/app.sock}}
  h: {command: x, ready: {notify: true}}
  i: {command: x, ready: {fd: 3}}
)") == "");
}

TEST_CASE("all lists probes, each with one kind, and may nest") {
  CHECK(check(R"(
services:
  a:
    command: x
    ready:
      all:
        - tcp: 5432
        - log: {pattern: ready}
        - all: [{file: a.flag}, {unix: a.sock}]
      timeout: 30s
      interval: 250ms
)") == "");
}

TEST_CASE("keys starting with x- are ignored everywhere and free for anchors") {
  CHECK(check(R"(
x-defaults: &defaults
  env: {LOG_LEVEL: debug}
  stop: {signal: INT}
x-anything: [1, 2, {deep: true}]
services:
  x-template: {not: a service}
  db:
    <<: *defaults
    command: postgres
    x-owner: data team
    ready:
      x-note: notify would be nicer
      tcp: {host: localhost, port: 5432, x-why: ipv4 only}
    stop: {signal: TERM, x-reason: graceful}
    depends_on: {x-later: true}
  api:
    command: ./api
    ready:
      all:
        - {http: {url: "http://localhost/", x-todo: auth}, x-comment: first}
        - {log: {pattern: up, x-see: docs}}
)") == "");
}

// ---------------------------------------------------------------------------
// Unknown keys.

TEST_CASE("an unknown key in a service names the service and suggests the closest key") {
  CHECK(check(R"(
services:
  db:
    comand: postgres
)") == error(3, 5, "unknown key 'comand' in service 'db'; did you mean 'command'?"));
}

TEST_CASE("an unknown key with nothing close gets no suggestion") {
  CHECK(check(R"(
services:
  db:
    command: postgres
    healthcheck: pg_isready
)") == error(4, 5, "unknown key 'healthcheck' in service 'db'"));
}

TEST_CASE("every unknown key of a map is reported, each at its key") {
  CHECK(check(R"(
services:
  db:
    command: postgres
    redy: {tcp: 5432}
    dependson: [cache]
)") == error(4, 5, "unknown key 'redy' in service 'db'; did you mean 'ready'?") +
            error(5, 5, "unknown key 'dependson' in service 'db'; did you mean 'depends_on'?"));
}

TEST_CASE("an unknown top-level key is called top-level, and hides the missing key it misspells") {
  CHECK(check(R"(
servics:
  db: {command: postgres}
)") == error(1, 1, "unknown top-level key 'servics'; did you mean 'services'?"));
}

TEST_CASE("a misspelt command is reported once, not also as a missing command") {
  CHECK(check(R"(
services:
  db:
    commmand: postgres
)") == error(3, 5, "unknown key 'commmand' in service 'db'; did you mean 'command'?"));
}

TEST_CASE("an unknown key in a probe names the probe, and hides the missing kind it misspells") {
  CHECK(check(R"(
services:
  db:
    command: postgres
    ready:
      tpc: 5432
)") == error(5, 7, "unknown key 'tpc' in 'ready'; did you mean 'tcp'?"));
}

TEST_CASE("unknown keys in tcp, http, log and stop maps") {
  CHECK(check(R"(
services:
  a: {command: x, ready: {tcp: {host: localhost, prot: 5432}}}
  b: {command: x, ready: {http: {url: "http://x/", header: {A: b}}}}
  c: {command: x, ready: {log: {pattern: up, streams: stdout}}}
  d: {command: x, stop: {sginal: INT}}
)") == error(2, 50, "unknown key 'prot' in 'tcp'; did you mean 'port'?") +
            error(3, 52, "unknown key 'header' in 'http'; did you mean 'headers'?") +
            error(4, 46, "unknown key 'streams' in 'log'; did you mean 'stream'?") +
            error(5, 26, "unknown key 'sginal' in 'stop'; did you mean 'signal'?"));
}

TEST_CASE("timing keys belong to 'ready', not to the probes of an 'all'") {
  CHECK(check(R"(
services:
  a:
    command: x
    ready:
      all:
        - {tcp: 5432, timeout: 5s}
)") == error(6, 23, "unknown key 'timeout' in 'all[0]'"));
}

// ---------------------------------------------------------------------------
// Probe kinds.

TEST_CASE("ready with two probe kinds names both") {
  CHECK(check(R"(
services:
  db:
    command: postgres
    ready:
      tcp: 5432
      http: http://localhost:8080/
)") == error(4, 5, "'ready' needs exactly one probe kind " + kinds + "; found tcp and http"));
}

TEST_CASE("ready with no probe kind says so") {
  CHECK(check(R"(
services:
  db:
    command: postgres
    ready:
      timeout: 30s
)") == error(4, 5, "'ready' needs exactly one probe kind " + kinds + "; found none"));
}

TEST_CASE("each probe of an all needs exactly one kind too") {
  CHECK(check(R"(
services:
  db:
    command: postgres
    ready:
      all:
        - tcp: 5432
        - {}
)") == error(7, 11, "'all[1]' needs exactly one probe kind " + kinds + "; found none"));
}

TEST_CASE("an empty or scalar ready is not a probe") {
  CHECK(check(R"(
services:
  a:
    command: x
    ready:
  b:
    command: x
    ready: tcp
)") == error(4, 5, "'ready' must be a map with one probe kind, not empty") +
            error(7, 12, "'ready' must be a map with one probe kind, not 'tcp'"));
}

// ---------------------------------------------------------------------------
// Wrong types.

TEST_CASE("a command of the wrong type says what it must be") {
  CHECK(check(R"(
services:
  a:
    command: {run: postgres}
  b:
    command: 5
  c:
    command:
  d:
    command: [postgres, {port: 5432}]
)") == error(3, 14, "'command' must be a string or a list of strings, not a map") +
            error(5, 14, "'command' must be a string or a list of strings, not 5") +
            error(7, 5, "'command' must be a string or a list of strings, not empty") +
            error(9, 25, "'command[1]' must be a string, not a map"));
}

TEST_CASE("an empty command, all or name is reported as empty") {
  CHECK(check(R"(
name: ""
services:
  a: {command: []}
  b: {command: ""}
  c: {command: x, ready: {all: []}}
)") == error(1, 7, "'name' must not be empty") + error(3, 16, "'command' must not be empty") +
            error(4, 16, "'command' must not be empty") + error(5, 32, "'all' must not be empty"));
}

TEST_CASE("env values are strings, numbers or booleans") {
  CHECK(check(R"(
env:
  PATH: [/bin, /usr/bin]
  HOME:
services: {a: {command: x}}
)") == error(2, 9, "'env.PATH' must be a string, a number or a boolean, not a list") +
            error(3, 3, "'env.HOME' must be a string, a number or a boolean, not empty"));
}

TEST_CASE("a service that is not a map, and a file that is not a map") {
  CHECK(check(R"(
services:
  db: postgres -D ./data
)") == error(2, 7,
             "service 'db' must be a map with at least a 'command', not "
             "'postgres -D ./data'"));
  CHECK(check("- services") ==
        error(1, 1, "the file must be a map with a 'services' key, not a list"));
  CHECK(check("services: [db, api]") ==
        error(1, 11, "'services' must be a map of service names to services, not a list"));
}

TEST_CASE("long strings are cut short in messages") {
  std::string long_value(100, 'a');
  CHECK(check("services: {db: {command: x, ready: {tcp: " + long_value + "}}}") ==
        error(1, 42,
              "'tcp' must be a port number, \"host:port\", or a map with host and port, not '" +
                  std::string(40, 'a') + "...'"));
}

// ---------------------------------------------------------------------------
// Values out of their set or range.

TEST_CASE("a wrong enum value lists the allowed ones") {
  CHECK(
      check(R"(
services:
  db:
    command: x
    ready: {log: {pattern: ready, stream: stdin}}
  api:
    command: x
    depends_on: {db: healthy}
    ready: {http: {url: "http://x/", method: get}}
)") == error(4, 43, "'stream' must be one of stdout, stderr, both, not 'stdin'") +
           error(7, 22, "'depends_on.db' must be one of started, ready, completed, not 'healthy'") +
           error(8, 46,
                 "'method' must be one of GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS, not "
                 "'get'"));
}

TEST_CASE("notify takes only true") {
  CHECK(check("services: {db: {command: x, ready: {notify: false}}}") ==
        error(1, 45, "'notify' must be true, not false"));
}

TEST_CASE("numbers out of range say the bound") {
  CHECK(check(R"(
services:
  a: {command: x, ready: {fd: 2}}
  b: {command: x, ready: {tcp: 70000}}
  c: {command: x, ready: {tcp: {port: 0}}}
  d: {command: x, ready: {log: {pattern: up, count: 0}}}
  e: {command: x, ready: {http: {url: "http://x/", status: 600}}}
  f: {command: x, stop: {timeout: -1}}
  g: {command: x, stop: {timeout: 100000}}
  h: {command: x, stop: {signal: 0}}
)") == error(2, 31, "'fd' must be 3 or more, not 2") +
            error(3, 32, "'tcp' must be 65535 or less, not 70000") +
            error(4, 39, "'port' must be 1 or more, not 0") +
            error(5, 53, "'count' must be 1 or more, not 0") +
            error(6, 60, "'status' must be 599 or less, not 600") +
            error(7, 35, "'timeout' must be 0 or more, not -1") +
            error(8, 35, "'timeout' must be 86400 or less, not 100000") +
            error(9, 34, "'signal' must be 1 or more, not 0"));
}

TEST_CASE("integers in hex or octal are numbers, and a huge one is out of range") {
  CHECK(check(R"(
services:
  a: {command: x, ready: {fd: 0x10}}
  b: {command: x, ready: {fd: 0o2}}
  c: {command: x, ready: {fd: 123456789012345678901234567890}}
)") == error(3, 31, "'fd' must be 3 or more, not 0o2") +
            error(4, 31, "'fd' must be 1023 or less, not 123456789012345678901234567890"));
}

TEST_CASE(".inf is out of range and .nan is not a number") {
  CHECK(check(R"(
services:
  a: {command: x, ready: {tcp: 1, timeout: .inf}}
  b: {command: x, ready: {tcp: 1, timeout: .nan}}
)") == error(2, 44, "'timeout' must be 86400 or less, not .inf") +
            error(3, 44,
                  "'timeout' must be a duration: a number of seconds, or a number with a unit "
                  "such as 250ms, 1.5s, 2m, 1h, not .nan"));
}

TEST_CASE("strings of the wrong form say what form they need") {
  CHECK(check(R"(
services:
  a: {command: x, ready: {tcp: 1, timeout: soon}}
  b: {command: x, ready: {tcp: localhost}}
  c: {command: x, ready: {http: "localhost:8080/health"}}
  d: {command: x, stop: {signal: TREM}}
  e: {command: x, ready: {http: {url: "http://x/", status: [200, "2xy"]}}}
)") == error(2, 44,
             "'timeout' must be a duration: a number of seconds, or a number with a unit such as "
             "250ms, 1.5s, 2m, 1h, not 'soon'") +
            error(3, 32,
                  "'tcp' must be a port number, \"host:port\", or a map with host and port, not "
                  "'localhost'") +
            error(4, 33,
                  "'http' must be an http:// URL, or a map with url, method, status, headers, "
                  "body, not 'localhost:8080/health'") +
            error(5, 34,
                  "'signal' must be a signal name such as TERM, INT, QUIT, HUP, KILL, USR1, "
                  "USR2, or a number, not 'TREM'") +
            error(6, 66,
                  "'status[1]' must be a status code such as 200 or a class such as \"2xx\", "
                  "not '2xy'"));
}

// ---------------------------------------------------------------------------
// Names.

TEST_CASE("a service name that breaks the rule says the rule") {
  CHECK(check(R"(
services:
  my db: {command: postgres}
  -db: {command: postgres}
)") == error(2, 3,
             "'my db' in 'services' must be a service name: a letter or digit, then up to 62 "
             "letters, digits, '_', '.' or '-'") +
            error(3, 3,
                  "'-db' in 'services' must be a service name: a letter or digit, then up to 62 "
                  "letters, digits, '_', '.' or '-'"));
}

TEST_CASE("a name of 64 characters is one too many") {
  std::string name = "a" + std::string(63, 'b');
  CHECK(check("services: {" + name.substr(1) + ": {command: x}}") == "");
  CHECK(check("services: {" + name + ": {command: x}}") ==
        error(1, 12,
              fmt::format("'{}' in 'services' must be a service name: a letter or digit, then up "
                          "to 62 letters, digits, '_', '.' or '-'",
                          name)));
}

TEST_CASE("depends_on and ports hold names") {
  CHECK(check(R"(
ports: [pg, "api port"]
services:
  a: {command: x, depends_on: ["my db"]}
  b: {command: x, depends_on: {"my db": ready}}
)") == error(1, 13,
             "'ports[1]' must be a port name: a letter or digit, then up to 62 letters, digits, "
             "'_', '.' or '-', not 'api port'") +
            error(3, 32,
                  "'depends_on[0]' must be a service name: a letter or digit, then up to 62 "
                  "letters, digits, '_', '.' or '-', not 'my db'") +
            error(4, 32,
                  "'my db' in 'depends_on' must be a service name: a letter or digit, then up "
                  "to 62 letters, digits, '_', '.' or '-'"));
}

// ---------------------------------------------------------------------------
// Required keys.

TEST_CASE("services is required") {
  CHECK(check("name: shop") == error(1, 1, "'services' is required"));
}

TEST_CASE("services needs at least one service, and x- keys are not services") {
  const std::string message =
      "'services' needs at least one service (keys starting with x- do not count)";
  CHECK(check("services: {}") == error(1, 11, message));
  CHECK(check("services:\n  x-base: {command: x}\n") == error(2, 3, message));
}

TEST_CASE("a service without a command says which service") {
  CHECK(check(R"(
services:
  db:
    cwd: ./data
)") == error(2, 3, "service 'db' has no 'command'"));
}

TEST_CASE("a map form missing its main key names it") {
  CHECK(check(R"(
services:
  a: {command: x, ready: {http: {method: GET}}}
  b: {command: x, ready: {tcp: {host: localhost}}}
  c: {command: x, ready: {log: {stream: stderr}}}
)") == error(2, 27, "'http' has no 'url'") + error(3, 27, "'tcp' has no 'port'") +
            error(4, 27, "'log' has no 'pattern'"));
}

// ---------------------------------------------------------------------------
// Supervision (SPEC 1.4, 1.5).

TEST_CASE("a wrong restart policy lists the allowed ones and suggests the closest") {
  CHECK(check(R"(
services:
  a: {command: x, restart: on-falure}
  b: {command: x, restart: true}
  c: {command: x, restart: [always]}
)") == error(2, 28,
             "'restart' must be one of no, on-failure, always, false, not 'on-falure'; did you "
             "mean 'on-failure'?") +
            error(3, 28, "'restart' must be one of no, on-failure, always, false, not true") +
            error(4, 28, "'restart' must be one of no, on-failure, always, false, not a list"));
}

TEST_CASE("max_restarts and failures are whole numbers in range") {
  CHECK(check(R"(
services:
  a: {command: x, max_restarts: -1}
  b: {command: x, max_restarts: 2.5}
  c: {command: x, alive: {tcp: 1, failures: 0}}
  d: {command: x, alive: {tcp: 1, failures: often}}
)") == error(2, 33, "'max_restarts' must be 0 or more, not -1") +
            error(3, 33, "'max_restarts' must be a whole number, 0 or more, not 2.5") +
            error(4, 45, "'failures' must be 1 or more, not 0") +
            error(5, 45, "'failures' must be a whole number, 1 or more, not 'often'"));
}

TEST_CASE("backoff is a duration or {initial, max}") {
  CHECK(check(R"(
services:
  a: {command: x, backoff: soon}
  b: {command: x, backoff: [1s, 2s]}
  c: {command: x, backoff: {initial: 1s, maxx: 2s}}
  d: {command: x, backoff: {initial: later}}
  e: {command: x, backoff: -1}
)") == error(2, 28,
             "'backoff' must be a duration (a number of seconds, or a number with a unit such as "
             "250ms, 1.5s, 2m, 1h), or a map with initial and max, not 'soon'") +
            error(3, 28,
                  "'backoff' must be a duration (a number of seconds, or a number with a unit "
                  "such as 250ms, 1.5s, 2m, 1h), or a map with initial and max, not a list") +
            error(4, 42, "unknown key 'maxx' in 'backoff'; did you mean 'max'?") +
            error(5, 38,
                  "'initial' must be a duration: a number of seconds, or a number with a unit "
                  "such as 250ms, 1.5s, 2m, 1h, not 'later'") +
            error(6, 28, "'backoff' must be 0 or more, not -1"));
}

TEST_CASE("alive takes a polled probe; another kind is an error at its key, said once") {
  CHECK(check(R"(
services:
  a: {command: x, alive: {log: ready}}
  b: {command: x, alive: {notify: true, tcp: 1}}
  c: {command: x, alive: {fd: 3, all: [{tcp: 1}]}}
  d: {command: x, alive: {file: up.flag}}
)") == error(2, 27,
             "alive: a log probe cannot be checked for liveness; use tcp, http, exec or unix") +
            error(3, 27,
                  "alive: a notify probe cannot be checked for liveness; use tcp, http, exec or "
                  "unix") +
            error(4, 27,
                  "alive: an fd probe cannot be checked for liveness; use tcp, http, exec or "
                  "unix") +
            error(4, 34,
                  "alive: an all probe cannot be checked for liveness; use tcp, http, exec or "
                  "unix") +
            error(5, 27,
                  "alive: a file probe cannot be checked for liveness; use tcp, http, exec or "
                  "unix"));
}

TEST_CASE("alive needs exactly one of its kinds, and its keys are checked") {
  const std::string polled = "(tcp, http, exec, unix)";
  CHECK(
      check(R"(
services:
  a: {command: x, alive: {interval: 5s}}
  b: {command: x, alive: {tcp: 1, exec: "true"}}
  c: {command: x, alive: {tpc: 1}}
  d: {command: x, alive: {tcp: 1, intervall: 5s}}
  e: {command: x, alive: {http: "localhost:8080/health"}}
  f: {command: x, alive: tcp}
)") == error(2, 19, "'alive' needs exactly one probe kind " + polled + "; found none") +
           error(3, 19, "'alive' needs exactly one probe kind " + polled + "; found tcp and exec") +
           error(4, 27, "unknown key 'tpc' in 'alive'; did you mean 'tcp'?") +
           error(5, 35, "unknown key 'intervall' in 'alive'; did you mean 'interval'?") +
           error(6, 33,
                 "'http' must be an http:// URL, or a map with url, method, status, headers, "
                 "body, not 'localhost:8080/health'") +
           error(7, 26, "'alive' must be a map with one probe kind, not 'tcp'"));
}

TEST_CASE("watchdog is a duration") {
  CHECK(check("services: {a: {command: x, ready: {notify: true}, watchdog: soon}}") ==
        error(1, 61,
              "'watchdog' must be a duration: a number of seconds, or a number with a unit such "
              "as 250ms, 1.5s, 2m, 1h, not 'soon'"));
}

TEST_CASE("a dependency's map form has condition and restart, each checked") {
  CHECK(check(R"(
services:
  api:
    command: x
    depends_on:
      db: {conditon: ready}
      cache: {condition: healthy, restart: yes}
      queue: {restart: true, retry: 3}
      search: 5
      mail:
)") == error(5, 12, "unknown key 'conditon' in 'depends_on.db'; did you mean 'condition'?") +
            error(6, 26, "'condition' must be one of started, ready, completed, not 'healthy'") +
            error(6, 44, "'restart' must be true or false, not 'yes'") +
            error(7, 30, "unknown key 'retry' in 'depends_on.queue'") +
            error(8, 15,
                  "'depends_on.search' must be a condition (started, ready or completed), or a "
                  "map with condition and restart, not 5") +
            error(9, 7,
                  "'depends_on.mail' must be a condition (started, ready or completed), or a map "
                  "with condition and restart, not empty"));
}

TEST_CASE("a misspelt condition word is suggested its closest") {
  CHECK(check("services: {api: {command: x, depends_on: {db: complete}}}") ==
        error(1, 47,
              "'depends_on.db' must be one of started, ready, completed, not 'complete'; did you "
              "mean 'completed'?"));
}

// ---------------------------------------------------------------------------
// Many problems.

TEST_CASE("problems in several services are all reported, in file order") {
  CHECK(
      check(R"(
services:
  db:
    comand: postgres
  cache:
    command: redis-server
    ready: {tcp: 70000}
  api:
    command: ./api
    depends_on: {db: healthy}
)") == error(3, 5, "unknown key 'comand' in service 'db'; did you mean 'command'?") +
           error(6, 18, "'tcp' must be 65535 or less, not 70000") +
           error(9, 22, "'depends_on.db' must be one of started, ready, completed, not 'healthy'"));
}

TEST_CASE("after 100 problems the rest are counted, not kept") {
  std::string text = "services:\n";
  for (int i = 0; i < 150; ++i) text += fmt::format("  s{}: {{cwd: .}}\n", i);
  Diagnostics diagnostics;
  auto root = parse_yaml(text, "summon.yaml", diagnostics);
  REQUIRE(root);
  CHECK_FALSE(check_schema(*root, "summon.yaml", diagnostics));
  CHECK(diagnostics.size() == 100);
  CHECK(diagnostics.dropped() > 0);
}
