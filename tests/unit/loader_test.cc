// The config compiler end to end in memory: every key of SPEC 1, and the
// semantic checks that come after the schema.
#include <doctest/doctest.h>

#include <csignal>
#include <filesystem>
#include <variant>

#include "config/environment.hpp"
#include "load_helpers.hpp"

using namespace summon;
using namespace summon::testing;
using namespace std::chrono_literals;

TEST_CASE("a minimal file has one service with a shell command and defaults") {
  auto project = load_or_fail(R"y(
services:
  web:
    command: ./server --port 80
)y");
  REQUIRE(project.services.size() == 1);
  const auto& web = project.services[0];
  CHECK(web.name == "web");
  CHECK(web.command.shell);
  CHECK(web.command.argv == std::vector<std::string>{"/bin/sh", "-c", "./server --port 80"});
  CHECK(web.cwd == project.dir);
  CHECK_FALSE(web.ready);
  CHECK(web.stop.signal == SIGTERM);
  CHECK(web.stop.timeout == 10s);
  CHECK(web.mark.line == 3);
}

TEST_CASE("the project name defaults to the config file's folder") {
  TempDir dir;
  auto path = dir.write("shop/services.yaml", "services: {a: {command: x}}\n");
  auto loaded = config::load_project(path);
  REQUIRE(loaded.ok());
  CHECK(loaded.project->name == "shop");
  CHECK(load_or_fail("name: other\nservices: {a: {command: x}}\n").name == "other");
}

TEST_CASE("a list command is run directly, numbers included, and nothing in it is interpreted") {
  auto project = load_or_fail(R"y(
services:
  db:
    command: [postgres, -p, 5432, "$(rm -rf /)", "a b"]
)y");
  const auto& command = project.services[0].command;
  CHECK_FALSE(command.shell);
  CHECK(command.argv == std::vector<std::string>{"postgres", "-p", "5432", "$(rm -rf /)", "a b"});
}

TEST_CASE("cwd is relative to the config file's folder") {
  TempDir dir;
  auto path = dir.write("services.yaml", "services: {api: {command: x, cwd: ./api/../api}}\n");
  auto loaded = config::load_project(path);
  REQUIRE(loaded.ok());
  CHECK(loaded.project->services[0].cwd == (dir.path() / "api").string());
}

TEST_CASE("depends_on as a list waits for ready; as a map each name has its condition") {
  auto project = load_or_fail(R"y(
services:
  db: {command: x}
  migrate: {command: x, depends_on: [db]}
  api:
    command: x
    depends_on:
      migrate: completed
      db: started
      cache: ready
  cache: {command: x}
)y");
  const auto& migrate = project.services[1];
  REQUIRE(migrate.depends_on.size() == 1);
  CHECK(migrate.depends_on[0].service == "db");
  CHECK(migrate.depends_on[0].condition == config::Condition::ready);
  const auto& api = project.services[2];
  REQUIRE(api.depends_on.size() == 3);
  CHECK(api.depends_on[0].condition == config::Condition::completed);
  CHECK(api.depends_on[1].condition == config::Condition::started);
  CHECK(api.depends_on[2].condition == config::Condition::ready);
}

TEST_CASE("stop takes a signal by name, with or without SIG, or by number, and a timeout") {
  auto project = load_or_fail(R"y(
services:
  a: {command: x, stop: {signal: INT, timeout: 20s}}
  b: {command: x, stop: {signal: SIGQUIT}}
  c: {command: x, stop: {signal: 9, timeout: 250ms}}
)y");
  CHECK(project.services[0].stop.signal == SIGINT);
  CHECK(project.services[0].stop.timeout == 20s);
  CHECK(project.services[1].stop.signal == SIGQUIT);
  CHECK(project.services[2].stop.signal == SIGKILL);
  CHECK(project.services[2].stop.timeout == 250ms);
}

TEST_CASE("tcp probes: a port, host:port, [v6]:port or a map; localhost by default") {
  auto project = load_or_fail(R"y(
services:
  a: {command: x, ready: {tcp: 5432}}
  b: {command: x, ready: {tcp: "db.local:6379"}}
  c: {command: x, ready: {tcp: "[::1]:8080"}}
  d: {command: x, ready: {tcp: {host: 127.0.0.1, port: 9000}, timeout: 5s, interval: 50ms}}
)y");
  auto tcp = [&](int i) { return std::get<config::TcpProbe>(project.services[i].ready->kind); };
  CHECK(tcp(0).host == "localhost");
  CHECK(tcp(0).port.number == 5432);
  CHECK(tcp(1).host == "db.local");
  CHECK(tcp(1).port.number == 6379);
  CHECK(tcp(2).host == "::1");
  CHECK(tcp(3).host == "127.0.0.1");
  CHECK(tcp(3).port.number == 9000);
  CHECK(project.services[3].ready->timeout == 5s);
  CHECK(project.services[3].ready->interval == 50ms);
  CHECK(project.services[0].ready->timeout == 60s);
  CHECK(project.services[0].ready->interval == 100ms);
}

TEST_CASE("http probes: a URL or a map with method, status, headers and body") {
  auto project = load_or_fail(R"y(
services:
  a: {command: x, ready: {http: "http://127.0.0.1:8080/health"}}
  b:
    command: x
    ready:
      http:
        url: http://localhost:9000/
        method: HEAD
        status: [200, "3xx"]
        headers: {Authorization: Bearer t, x-request-id: "1"}
        body: '"ok":\s*true'
)y");
  auto a = std::get<config::HttpProbe>(project.services[0].ready->kind);
  CHECK(a.url == "http://127.0.0.1:8080/health");
  CHECK(a.method == "GET");
  CHECK(a.status.empty());
  auto b = std::get<config::HttpProbe>(project.services[1].ready->kind);
  CHECK(b.method == "HEAD");
  REQUIRE(b.status.size() == 2);
  CHECK(b.status[0].low == 200);
  CHECK(b.status[0].high == 200);
  CHECK(b.status[1].low == 300);
  CHECK(b.status[1].high == 399);
  CHECK(b.headers == config::EnvList{{"Authorization", "Bearer t"}, {"x-request-id", "1"}});
  CHECK(b.body == R"y("ok":\s*true)y");
}

TEST_CASE("log, exec, file, unix, notify, fd and all probes") {
  TempDir dir;
  auto path = dir.write("services.yaml", R"y(
services:
  a: {command: x, ready: {log: "ready to accept"}}
  b: {command: x, ready: {log: {pattern: "listening on (\\d+)", stream: stderr, count: 2}}}
  c: {command: x, ready: {exec: [pg_isready, -q]}}
  d: {command: x, cwd: sub, ready: {file: run/ready}}
  e: {command: x, ready: {unix: /tmp/e.sock}}
  f: {command: x, ready: {notify: true}}
  g: {command: x, ready: {fd: 3}}
  h: {command: x, ready: {all: [{tcp: 80}, {log: up}]}}
)y");
  auto loaded = config::load_project(path);
  for (const auto& d : loaded.diagnostics.items()) FAIL_CHECK(d.format());
  REQUIRE(loaded.ok());
  const auto& s = loaded.project->services;
  CHECK(std::get<config::LogProbe>(s[0].ready->kind).stream == config::LogStream::both);
  auto log = std::get<config::LogProbe>(s[1].ready->kind);
  CHECK(log.pattern == "listening on (\\d+)");
  CHECK(log.stream == config::LogStream::stderr_stream);
  CHECK(log.count == 2);
  CHECK(std::get<config::ExecProbe>(s[2].ready->kind).command.argv ==
        std::vector<std::string>{"pg_isready", "-q"});
  CHECK(std::get<config::FileProbe>(s[3].ready->kind).path ==
        (dir.path() / "sub/run/ready").string());
  CHECK(std::get<config::UnixProbe>(s[4].ready->kind).path == "/tmp/e.sock");
  CHECK(std::holds_alternative<config::NotifyProbe>(s[5].ready->kind));
  CHECK(std::get<config::FdProbe>(s[6].ready->kind).fd == 3);
  auto all = std::get<config::AllProbe>(s[7].ready->kind);
  REQUIRE(all.probes.size() == 2);
  CHECK(config::probe_kind_name(all.probes[0]) == "tcp");
  CHECK(config::probe_kind_name(all.probes[1]) == "log");
}

TEST_CASE("strings are interpolated from the environment, with defaults") {
  auto project = load_or_fail(R"y(
env: {URL: "postgres://${DB_HOST}:${DB_PORT:-5432}/shop"}
services:
  api: {command: "./api --name ${NAME-api} --cost $$5", env: {HOME_DIR: $HOME}}
)y",
                              with_env({{"DB_HOST", "db.local"}}));
  CHECK(project.env == config::EnvList{{"URL", "postgres://db.local:5432/shop"}});
  CHECK(project.services[0].command.argv[2] == "./api --name api --cost $5");
  CHECK(project.services[0].env == config::EnvList{{"HOME_DIR", "$HOME"}});
}

TEST_CASE("the .env beside the file feeds interpolation, after the environment") {
  TempDir dir;
  dir.write(".env", "PORT=8080\nHOST=from-dotenv\n");
  auto path = dir.write("services.yaml", "services: {a: {command: \"serve ${HOST}:${PORT}\"}}\n");
  auto loaded = config::load_project(path, with_env({{"HOST", "from-env"}}));
  REQUIRE(loaded.ok());
  CHECK(loaded.project->services[0].command.argv[2] == "serve from-env:8080");
  CHECK(loaded.project->services[0].env.empty());  // .env is for interpolation only
}

TEST_CASE("${project.dir} and ${service.cwd} are absolute, from a file named by a relative path") {
  auto project = load_or_fail(R"y(
env: {DATA: "${project.dir}/data"}
services:
  api:
    command: [./api, --root, "${project.dir}", --data, "${service.cwd}/data"]
    cwd: ./api/../api
    env: {STATE: "${service.cwd}/state"}
    ready: {file: "${service.cwd}/ready"}
  web: {command: "serve ${service.cwd}"}
)y");
  std::string dir = std::filesystem::current_path().lexically_normal().string();
  CHECK(project.dir == dir);
  CHECK(project.env == config::EnvList{{"DATA", dir + "/data"}});
  const auto& api = project.services[0];
  CHECK(api.cwd == dir + "/api");
  CHECK(api.command.argv ==
        std::vector<std::string>{"./api", "--root", dir, "--data", dir + "/api/data"});
  CHECK(api.env == config::EnvList{{"STATE", dir + "/api/state"}});
  REQUIRE(api.ready);
  CHECK(std::get<config::FileProbe>(api.ready->kind).path == dir + "/api/ready");
  CHECK(project.services[1].command.argv[2] == "serve " + dir);  // the default cwd
}

TEST_CASE("a cwd may use ${project.dir}") {
  auto project = load_or_fail("services: {a: {command: x, cwd: \"${project.dir}/../srv\"}}\n");
  CHECK(project.services[0].cwd ==
        (std::filesystem::current_path().parent_path() / "srv").lexically_normal().string());
}

TEST_CASE("${service.cwd} at the top level is an error at its place that says so") {
  CHECK(errors_of(R"y(
env:
  DATA: "${service.cwd}/data"
services:
  a: {command: x}
)y") == std::vector<std::string>{
             "services.yaml:3:9: error: '${service.cwd}' is valid only inside a service; at the "
             "top level, use ${project.dir}"});
}

TEST_CASE("${service.cwd} in the service's own cwd is an error") {
  CHECK(errors_of("services:\n  a: {command: x, cwd: \"${service.cwd}/x\"}\n") ==
        std::vector<std::string>{
            "services.yaml:2:24: error: '${service.cwd}' cannot be used in the service's own "
            "'cwd'; use ${project.dir}"});
}

TEST_CASE("ports stay as written until picked, then become numbers") {
  const char* yaml = R"y(
ports: [pg, api]
services:
  db: {command: [postgres, -p, "${ports.pg}"], ready: {tcp: "${ports.pg}"}}
  api: {command: x, ready: {http: "http://127.0.0.1:${ports.api}/health"}}
)y";
  auto unpicked = load_or_fail(yaml);
  CHECK(unpicked.ports == std::vector<std::string>{"pg", "api"});
  CHECK(unpicked.services[0].command.argv[2] == "${ports.pg}");
  CHECK(std::get<config::TcpProbe>(unpicked.services[0].ready->kind).port.port_name == "pg");

  config::PortMap ports{{"pg", 41000}, {"api", 41001}};
  auto options = with_env({});
  options.ports = &ports;
  auto picked = load_or_fail(yaml, options);
  CHECK(picked.services[0].command.argv[2] == "41000");
  CHECK(std::get<config::TcpProbe>(picked.services[0].ready->kind).port.number == 41000);
  CHECK(std::get<config::HttpProbe>(picked.services[1].ready->kind).url ==
        "http://127.0.0.1:41001/health");
}

TEST_CASE("x- keys are ignored, so anchors and merge keys can live there") {
  auto project = load_or_fail(R"y(
x-common: &common
  env: {LOG: debug}
  stop: {signal: INT}
services:
  x-template: {whatever: 1}
  a:
    <<: *common
    command: x
  b:
    <<: *common
    command: y
    env: {LOG: info}
    x-note: free text
)y");
  REQUIRE(project.services.size() == 2);
  CHECK(project.services[0].env == config::EnvList{{"LOG", "debug"}});
  CHECK(project.services[0].stop.signal == SIGINT);
  CHECK(project.services[1].env == config::EnvList{{"LOG", "info"}});
}

TEST_CASE("env_file entries load in order, relative to the config file") {
  TempDir dir;
  dir.write("shared.env", "A=1\nB=shared\n");
  dir.write("api/.env.local", "export B='local'\nC=\"x\\ny\"\n");
  auto path = dir.write("services.yaml", R"y(
env_file: shared.env
services:
  api: {command: x, env_file: [api/.env.local]}
)y");
  auto loaded = config::load_project(path);
  for (const auto& d : loaded.diagnostics.items()) FAIL_CHECK(d.format());
  REQUIRE(loaded.ok());
  CHECK(loaded.project->env_file_env == config::EnvList{{"A", "1"}, {"B", "shared"}});
  CHECK(loaded.project->services[0].env_file_env == config::EnvList{{"B", "local"}, {"C", "x\ny"}});
}

TEST_CASE("a service's environment follows the SPEC's order, later entries winning") {
  TempDir dir;
  dir.write("top.env", "V=top-file\nT1=top-file\n");
  dir.write("svc.env", "V=svc-file\nS1=svc-file\n");
  auto path = dir.write("services.yaml", R"y(
name: shop
env_file: top.env
env: {V: top-env, T2: top-env}
ports: [web-ui]
services:
  api:
    command: x
    env_file: svc.env
    env: {V: svc-env, SUMMON_SERVICE: mine}
)y");
  auto loaded = config::load_project(path);
  REQUIRE(loaded.ok());
  const auto& project = *loaded.project;
  config::EnvList base{{"V", "process"}, {"PATH", "/bin"}};
  auto env = config::service_environment(project, project.services[0], base, {{"web-ui", 4000}});
  auto get = [&](const std::string& name) {
    for (const auto& [k, v] : env)
      if (k == name) return v;
    return std::string("<unset>");
  };
  CHECK(get("PATH") == "/bin");
  CHECK(get("T1") == "top-file");
  CHECK(get("T2") == "top-env");
  CHECK(get("S1") == "svc-file");
  CHECK(get("V") == "svc-env");
  CHECK(get("SUMMON_PROJECT") == "shop");
  CHECK(get("SUMMON_PROJECT_DIR") == dir.path().string());
  CHECK(get("SUMMON_SERVICE") == "api");  // summon's own variables come last
  CHECK(get("SUMMON_PORT_WEB_UI") == "4000");

  auto run = config::run_environment(project, base, {{"web-ui", 4000}});
  CHECK(std::find(run.begin(), run.end(), std::pair<std::string, std::string>{"V", "top-env"}) !=
        run.end());
  CHECK(std::find_if(run.begin(), run.end(), [](auto& e) { return e.first == "S1"; }) == run.end());
  CHECK(std::find(run.begin(), run.end(),
                  std::pair<std::string, std::string>{"SUMMON_PROJECT_DIR",
                                                      dir.path().string()}) != run.end());
}

TEST_CASE("an unknown dependency is an error with a suggestion") {
  CHECK(errors_of(R"y(
services:
  db: {command: x}
  api: {command: x, depends_on: [dbb]}
)y") == std::vector<std::string>{
             "services.yaml:4:34: error: service 'api' depends on unknown service 'dbb'; did you "
             "mean 'db'?"});
}

TEST_CASE("a service that depends on itself is an error") {
  CHECK(errors_of("services:\n  api: {command: x, depends_on: {api: started}}\n") ==
        std::vector<std::string>{"services.yaml:2:34: error: service 'api' depends on itself"});
}

TEST_CASE("a cycle is reported as its path") {
  auto errors = errors_of(R"y(
services:
  api: {command: x, depends_on: [worker]}
  worker: {command: x, depends_on: [api]}
)y");
  REQUIRE(errors.size() == 1);
  CHECK(errors[0].find("dependency cycle: api -> worker -> api") != std::string::npos);
}

TEST_CASE("port problems: out of range, undeclared, declared twice") {
  auto errors = errors_of(R"y(
ports: [pg, pg]
services:
  a: {command: x, ready: {tcp: "localhost:70000"}}
  b: {command: "run ${ports.api}"}
)y");
  REQUIRE(errors.size() == 3);
  CHECK(errors[0] == "services.yaml:2:13: error: port name 'pg' is declared twice (first at line 2)");
  CHECK(errors[1] == "services.yaml:4:32: error: port 70000 is out of range (1-65535)");
  CHECK(errors[2].starts_with("services.yaml:5:16: error: "));
  CHECK(errors[2].find("'api'") != std::string::npos);
}

TEST_CASE("port names that would share one SUMMON_PORT_ variable are an error") {
  auto errors = errors_of(R"y(
ports: [a-b, a_b, api, API, a.b]
services:
  a: {command: x}
)y");
  REQUIRE(errors.size() == 3);
  CHECK(errors[0] ==
        "services.yaml:2:14: error: port names 'a_b' and 'a-b' (line 2) both give SUMMON_PORT_A_B; "
        "rename one");
  CHECK(errors[1].starts_with("services.yaml:2:24: error: port names 'API' and 'api'"));
  CHECK(errors[2].starts_with("services.yaml:2:29: error: port names 'a.b' and 'a-b'"));
}

TEST_CASE("an http probe needs an http:// URL, also once interpolated") {
  CHECK(errors_of("services:\n  a: {command: x, ready: {http: \"${URL}\"}}\n",
                  with_env({{"URL", "https://x/"}})) ==
        std::vector<std::string>{
            "services.yaml:2:33: error: 'http' needs a URL starting with http:// (such as "
            "http://127.0.0.1:8080/health), not 'https://x/'"});
}

TEST_CASE("regexes are checked before anything runs") {
  auto errors = errors_of("services:\n  a: {command: x, ready: {log: \"(unclosed\"}}\n");
  REQUIRE(errors.size() == 1);
  CHECK(errors[0].starts_with("services.yaml:2:32: error: 'log' is not a valid regular expression: "));
}

TEST_CASE("an unset variable names itself and where it is used") {
  auto errors = errors_of("services:\n  a: {command: \"run ${TOKEN}\"}\n");
  REQUIRE(errors.size() == 1);
  CHECK(errors[0].starts_with("services.yaml:2:16: error: "));
  CHECK(errors[0].find("'TOKEN'") != std::string::npos);
}

TEST_CASE("a missing env_file is an error at the line that names it") {
  TempDir dir;
  auto path = dir.write("services.yaml", "services:\n  a: {command: x, env_file: nope.env}\n");
  auto loaded = config::load_project(path);
  REQUIRE(loaded.diagnostics.size() == 1);
  CHECK(loaded.diagnostics.items()[0].mark.line == 2);
  CHECK(loaded.diagnostics.items()[0].message.find("nope.env") != std::string::npos);
}

TEST_CASE("every error of a file is reported in one run") {
  auto errors = errors_of(R"y(
services:
  db: {command: x, stop: {signal: TREM}}
  api: {command: x, depends_on: [dbb], ready: {fd: 3, interval: 0}}
  web: {command: "${UNSET}"}
)y");
  CHECK(errors.size() == 4);
}

TEST_CASE("an unknown user is an error") {
  auto errors = errors_of("services:\n  a: {command: x, user: no-such-user-here}\n");
  REQUIRE(errors.size() == 1);
  CHECK(errors[0] ==
        "services.yaml:2:25: error: unknown user 'no-such-user-here' (not in the password database)");
}
