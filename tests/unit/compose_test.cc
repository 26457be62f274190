// Several files, one project (SPEC 1.6): -f merging with !reset, the
// override file, include, extends and profiles, each on files written to a
// temporary folder and loaded as the command line loads them.
#include <doctest/doctest.h>

#include <csignal>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "config/compose.hpp"
#include "config/environment.hpp"
#include "config/extends.hpp"
#include "config/profiles.hpp"
#include "load_helpers.hpp"

using namespace summon;
using namespace summon::testing;

namespace {

using Strings = std::vector<std::string>;

}  // namespace

namespace doctest {
template <>
struct StringMaker<std::vector<std::string>> {
  static String convert(const std::vector<std::string>& lines) {
    std::string out = "{";
    for (const auto& line : lines) out += "\n  " + line;
    return (out + "\n}").c_str();
  }
};
}  // namespace doctest

namespace {

Strings formatted(const config::Diagnostics& diagnostics) {
  Strings out;
  for (const auto& d : diagnostics.sorted()) out.push_back(d.format());
  return out;
}

// The files compiled as `-f` files in this order, with nothing from the
// real environment.
graph::CompiledProject compile_files(const Strings& files,
                                     const config::LoadOptions& options = with_env({})) {
  return graph::compile_project_files(files, options);
}

Strings errors_of_files(const Strings& files, const config::LoadOptions& options = with_env({})) {
  return formatted(compile_files(files, options).diagnostics);
}

config::ProjectSpec project_or_fail(const Strings& files,
                                    const config::LoadOptions& options = with_env({})) {
  auto compiled = compile_files(files, options);
  for (const auto& error : formatted(compiled.diagnostics)) FAIL_CHECK(error);
  REQUIRE(compiled.ok());
  return *compiled.project;
}

Strings names_of(const config::ProjectSpec& project) {
  Strings out;
  for (const auto& service : project.services) out.push_back(service.name);
  return out;
}

const config::ServiceSpec& service_of(const config::ProjectSpec& project, const std::string& name) {
  for (const auto& service : project.services)
    if (service.name == name) return service;
  FAIL("no service " << name);
  throw;  // not reached: FAIL ends the test
}

// The value `name` has in `env` (the last entry wins, as when run).
std::string value_in(const config::EnvList& env, const std::string& name) {
  for (auto it = env.rbegin(); it != env.rend(); ++it)
    if (it->first == name) return it->second;
  return "(unset)";
}

// The environment the service would run with, nothing inherited.
std::string env_of(const config::ProjectSpec& project, const std::string& service,
                   const std::string& name) {
  return value_in(config::service_environment(project, service_of(project, service), {}, {}), name);
}

// `service`'s dependencies as "name:condition".
Strings dependencies_of(const config::ProjectSpec& project, const std::string& service) {
  static const char* const conditions[] = {"started", "ready", "completed"};
  Strings out;
  for (const auto& d : service_of(project, service).depends_on)
    out.push_back(d.service + ":" + conditions[static_cast<int>(d.condition)]);
  return out;
}

config::LoadOptions with_profiles(Strings profiles, Strings named = {}) {
  auto options = with_env({});
  options.profiles = std::move(profiles);
  options.named = std::move(named);
  return options;
}

}  // namespace

// ---- -f merging ------------------------------------------------------------

TEST_CASE("-f: maps merge key by key; scalars and lists are replaced") {
  TempDir dir;
  auto a = dir.write("a.yaml", R"y(
services:
  api:
    command: [server, --old]
    env: {A: a, B: a}
    stop: {signal: INT, timeout: 5s}
    ready: {log: {pattern: up, count: 2}}
)y");
  auto b = dir.write("b.yaml", R"y(
services:
  api:
    command: [server]
    env: {B: b, C: b}
    stop: {timeout: 1s}
    ready: {log: {pattern: listening}}
  worker: {command: work}
)y");
  auto project = project_or_fail({a, b});
  CHECK(names_of(project) == Strings{"api", "worker"});
  const auto& api = service_of(project, "api");
  CHECK(api.command.argv == Strings{"server"});
  CHECK(value_in(api.env, "A") == "a");
  CHECK(value_in(api.env, "B") == "b");
  CHECK(value_in(api.env, "C") == "b");
  CHECK(api.stop.signal == SIGINT);
  CHECK(api.stop.timeout == std::chrono::seconds(1));
  REQUIRE(api.ready);
  const auto& log = std::get<config::LogProbe>(api.ready->kind);
  CHECK(log.pattern == "listening");
  CHECK(log.count == 2);  // a map: merged, so the earlier count stays
}

TEST_CASE("-f: a string command replaces a list one, and a list replaces a list whole") {
  TempDir dir;
  auto a = dir.write("a.yaml", "services: {api: {command: [a, b, c]}, db: {command: run db}}\n");
  auto b = dir.write("b.yaml", "services: {api: {command: ./api}, db: {command: [pg, -x]}}\n");
  auto project = project_or_fail({a, b});
  CHECK(service_of(project, "api").command.argv == Strings{"/bin/sh", "-c", "./api"});
  CHECK(service_of(project, "db").command.argv == Strings{"pg", "-x"});
}

TEST_CASE("-f: env_file lists are appended, at the top level and in a service") {
  TempDir dir;
  dir.write("one.env", "ONE=1\nSHARED=one\n");
  dir.write("two.env", "TWO=2\nSHARED=two\n");
  dir.write("three.env", "THREE=3\n");
  auto a = dir.write("a.yaml", R"y(
env_file: one.env
services:
  api: {command: x, env_file: [one.env]}
)y");
  auto b = dir.write("b.yaml", R"y(
env_file: [two.env]
services:
  api: {env_file: two.env}
)y");
  auto c = dir.write("c.yaml", "services: {api: {env_file: three.env}}\n");
  auto project = project_or_fail({a, b, c});
  CHECK(value_in(project.env_file_env, "ONE") == "1");
  CHECK(value_in(project.env_file_env, "TWO") == "2");
  CHECK(value_in(project.env_file_env, "SHARED") == "two");
  const auto& api = service_of(project, "api");
  CHECK(value_in(api.env_file_env, "ONE") == "1");
  CHECK(value_in(api.env_file_env, "TWO") == "2");
  CHECK(value_in(api.env_file_env, "THREE") == "3");
  CHECK(value_in(api.env_file_env, "SHARED") == "two");
}

TEST_CASE("-f: top-level ports are united, each name once, in the order first given") {
  TempDir dir;
  auto a = dir.write("a.yaml", "ports: [web, db]\nservices: {api: {command: x}}\n");
  auto b = dir.write("b.yaml", "ports: [db, cache]\n");
  CHECK(project_or_fail({a, b}).ports == Strings{"web", "db", "cache"});
}

TEST_CASE("-f: depends_on merges by name, the list and the map forms mixed") {
  TempDir dir;
  auto a = dir.write("a.yaml", R"y(
services:
  db: {command: x}
  cache: {command: x}
  queue: {command: x}
  api: {command: x, depends_on: [db, cache]}
  worker: {command: x, depends_on: {db: started}}
)y");
  auto b = dir.write("b.yaml", R"y(
services:
  api:
    depends_on: {cache: started, queue: completed}
  worker:
    depends_on: [queue]
)y");
  auto project = project_or_fail({a, b});
  CHECK(dependencies_of(project, "api") == Strings{"db:ready", "cache:started", "queue:completed"});
  CHECK(dependencies_of(project, "worker") == Strings{"db:started", "queue:ready"});
}

TEST_CASE("-f: depends_on given first in a later file is read as a map too") {
  TempDir dir;
  auto a = dir.write("a.yaml", "services: {db: {command: x}, api: {command: x}}\n");
  auto b = dir.write("b.yaml", "services: {api: {depends_on: [db]}}\n");
  auto c = dir.write("c.yaml", "services: {api: {depends_on: {db: started}}}\n");
  CHECK(dependencies_of(project_or_fail({a, b, c}), "api") == Strings{"db:started"});
}

TEST_CASE("-f: !reset removes a scalar, a list, a map and a whole service") {
  TempDir dir;
  dir.write("sub/.keep", "");
  auto a = dir.write("a.yaml", R"y(
services:
  db: {command: x}
  api:
    command: x
    cwd: sub
    depends_on: [db]
    env: {A: a}
    ready: {tcp: 8080}
  legacy: {command: x}
)y");
  auto b = dir.write("b.yaml", R"y(
services:
  api:
    cwd: !reset null
    depends_on: !reset []
    env: !reset {}
    ready: !reset
  legacy: !reset
)y");
  auto project = project_or_fail({a, b});
  CHECK(names_of(project) == Strings{"db", "api"});
  const auto& api = service_of(project, "api");
  CHECK(api.cwd == project.dir);
  CHECK(api.depends_on.empty());
  CHECK(api.env.empty());
  CHECK_FALSE(api.ready);
}

TEST_CASE("-f: !reset of something never set, and !reset in the first file, remove nothing else") {
  TempDir dir;
  auto a = dir.write("a.yaml", "services: {api: {command: x, user: !reset nobody}}\n");
  auto b = dir.write("b.yaml", "services: {api: {cwd: !reset}, ghost: !reset}\n");
  auto project = project_or_fail({a, b});
  CHECK(names_of(project) == Strings{"api"});
  CHECK_FALSE(service_of(project, "api").user);
}

TEST_CASE("-f: a !reset value replaced in a later file is set again") {
  TempDir dir;
  auto a = dir.write("a.yaml", "services: {api: {command: x, env: {A: a}}}\n");
  auto b = dir.write("b.yaml", "services: {api: {env: !reset {}}}\n");
  auto c = dir.write("c.yaml", "services: {api: {env: {B: c}}}\n");
  auto project = project_or_fail({a, b, c});
  const auto& api = service_of(project, "api");
  CHECK(value_in(api.env, "A") == "(unset)");
  CHECK(value_in(api.env, "B") == "c");
}

TEST_CASE("-f: the later file wins, the first names the project") {
  TempDir dir;
  auto a = dir.write("first/a.yaml", "services: {api: {command: x, env: {V: a}}}\n");
  auto b = dir.write("b.yaml", "name: named\nservices: {api: {env: {V: b}}}\n");
  auto c = dir.write("c.yaml", "services: {api: {env: {V: c}}}\n");
  auto project = project_or_fail({a, b, c});
  CHECK(value_in(service_of(project, "api").env, "V") == "c");
  CHECK(project.name == "named");
  CHECK(project.file == a);
  CHECK(project.dir == (dir.path() / "first").string());
  CHECK(project.sources == Strings{a, b, c});
  CHECK(value_in(service_of(project_or_fail({a, c, b}), "api").env, "V") == "b");
}

TEST_CASE("-f: relative paths of every -f file resolve against the first file's folder") {
  TempDir dir;
  dir.write("first/data/.keep", "");
  dir.write("first/x.env", "X=first\n");
  auto a = dir.write("first/a.yaml", "services: {api: {command: x}}\n");
  auto b = dir.write("other/b.yaml", "services: {api: {cwd: data, env_file: x.env}}\n");
  auto project = project_or_fail({a, b});
  const auto& api = service_of(project, "api");
  CHECK(api.cwd == (dir.path() / "first" / "data").string());
  CHECK(value_in(api.env_file_env, "X") == "first");
}

TEST_CASE("-f: the same file given twice merges nothing new") {
  TempDir dir;
  auto a = dir.write("a.yaml", "env_file: x.env\nservices: {api: {command: x}}\n");
  dir.write("x.env", "X=1\n");
  auto project = project_or_fail({a, a});
  CHECK(project.env_file_env == config::EnvList{{"X", "1"}});
  CHECK(project.sources == Strings{a});
}

// ---- the override file -----------------------------------------------------

TEST_CASE("the override file's name beside the first file") {
  CHECK(config::override_file_for("services.yaml") == "services.override.yaml");
  CHECK(config::override_file_for("summon.yml") == "summon.override.yml");
  CHECK(config::override_file_for("dev/x.yaml") == "dev/x.override.yaml");
  CHECK(config::override_file_for("/abs/dev/x.yaml") == "/abs/dev/x.override.yaml");
}

TEST_CASE("the override file is merged last when it exists, after every -f file") {
  TempDir dir;
  auto a = dir.write("services.yaml", "services: {api: {command: x, env: {V: a, A: a}}}\n");
  auto b = dir.write("more.yaml", "services: {api: {env: {V: b, B: b}}}\n");
  auto over = dir.write("services.override.yaml", "services: {api: {env: {V: over}}}\n");
  auto project = project_or_fail({a, b});
  const auto& api = service_of(project, "api");
  CHECK(value_in(api.env, "V") == "over");
  CHECK(value_in(api.env, "A") == "a");
  CHECK(value_in(api.env, "B") == "b");
  CHECK(project.sources == Strings{a, b, over});

  auto alone = config::load_project(a, with_env({}));
  REQUIRE(alone.ok());
  CHECK(value_in(service_of(*alone.project, "api").env, "V") == "over");
}

TEST_CASE("the override file is left out with no_override") {
  TempDir dir;
  auto a = dir.write("services.yaml", "services: {api: {command: x, env: {V: a}}}\n");
  dir.write("services.override.yaml", "services: {api: {env: {V: over}}}\n");
  auto options = with_env({});
  options.no_override = true;
  auto project = project_or_fail({a}, options);
  CHECK(value_in(service_of(project, "api").env, "V") == "a");
  CHECK(project.sources == Strings{a});
}

TEST_CASE("the override of a .yml file and of a file in a folder") {
  TempDir dir;
  auto yml = dir.write("summon.yml", "services: {api: {command: x, env: {V: a}}}\n");
  dir.write("summon.override.yml", "services: {api: {env: {V: yml}}}\n");
  CHECK(value_in(service_of(project_or_fail({yml}), "api").env, "V") == "yml");

  auto nested = dir.write("dev/x.yaml", "services: {api: {command: x, env: {V: a}}}\n");
  dir.write("dev/x.override.yaml", "services: {api: {env: {V: dev}}}\n");
  dir.write("x.override.yaml", "services: {api: {env: {V: wrong folder}}}\n");
  CHECK(value_in(service_of(project_or_fail({nested}), "api").env, "V") == "dev");
}

TEST_CASE("only the first file's override is merged") {
  TempDir dir;
  auto a = dir.write("a.yaml", "services: {api: {command: x, env: {V: a}}}\n");
  auto b = dir.write("b.yaml", "services: {api: {env: {V: b}}}\n");
  dir.write("b.override.yaml", "services: {api: {env: {V: b-override}}}\n");
  CHECK(value_in(service_of(project_or_fail({a, b}), "api").env, "V") == "b");
}

TEST_CASE("the override's errors are at its own lines") {
  TempDir dir;
  auto a = dir.write("services.yaml", "services: {api: {command: x}}\n");
  auto over = dir.write("services.override.yaml", "services:\n  api:\n    restart: sometimes\n");
  auto errors = errors_of_files({a});
  REQUIRE(errors.size() == 1);
  CHECK(errors[0].starts_with(over + ":3:14: error: "));
}

// ---- include ---------------------------------------------------------------

TEST_CASE("include: an included file keeps its own folder for cwd and env_file") {
  TempDir dir;
  dir.write("db/data/.keep", "");
  dir.write("db/db.env", "WHERE=db folder\n");
  dir.write("db.env", "WHERE=project folder\n");
  auto main = dir.write("services.yaml", "include: db/db.yaml\nservices: {api: {command: x}}\n");
  auto db = dir.write("db/db.yaml", "services: {db: {command: x, cwd: data, env_file: db.env}}\n");
  auto project = project_or_fail({main});
  const auto& service = service_of(project, "db");
  CHECK(service.cwd == (dir.path() / "db" / "data").string());
  CHECK(value_in(service.env_file_env, "WHERE") == "db folder");
  CHECK(service_of(project, "api").cwd == dir.path().string());
  CHECK(project.sources == Strings{main, db});
}

TEST_CASE("include: a service without cwd runs in its own file's folder") {
  TempDir dir;
  auto main =
      dir.write("services.yaml", "include: [lib/more.yaml]\nservices: {api: {command: x}}\n");
  dir.write("lib/more.yaml", "services: {worker: {command: x, ready: {file: done}}}\n");
  auto project = project_or_fail({main});
  const auto& worker = service_of(project, "worker");
  CHECK(worker.cwd == (dir.path() / "lib").string());
  CHECK(std::get<config::FileProbe>(worker.ready->kind).path == (dir.path() / "lib/done").string());
}

TEST_CASE("include: an included file interpolates with its own .env") {
  TempDir dir;
  dir.write(".env", "WHO=main\n");
  dir.write("lib/.env", "WHO=lib\n");
  auto main = dir.write("services.yaml", R"y(
include: lib/lib.yaml
services:
  api: {command: "echo ${WHO}"}
)y");
  dir.write("lib/lib.yaml", "services: {worker: {command: \"echo ${WHO}\"}}\n");
  auto project = project_or_fail({main});
  CHECK(service_of(project, "api").command.argv.back() == "echo main");
  CHECK(service_of(project, "worker").command.argv.back() == "echo lib");
}

TEST_CASE("include: a variable missing from the included file's .env is its own error") {
  TempDir dir;
  dir.write(".env", "ONLY_MAIN=1\n");
  auto main = dir.write("services.yaml", "include: lib/lib.yaml\nservices: {api: {command: x}}\n");
  auto lib = dir.write("lib/lib.yaml", "services:\n  worker: {command: \"echo ${ONLY_MAIN}\"}\n");
  auto errors = errors_of_files({main});
  REQUIRE(errors.size() == 1);
  CHECK(errors[0].starts_with(lib + ":2:21: error: "));
  CHECK(errors[0].find("ONLY_MAIN") != std::string::npos);
}

TEST_CASE("include: nested includes are relative to the file that names them") {
  TempDir dir;
  auto main = dir.write("services.yaml", "include: a/a.yaml\nservices: {top: {command: x}}\n");
  auto a = dir.write("a/a.yaml", "include: b/b.yaml\nservices: {one: {command: x}}\n");
  auto b = dir.write("a/b/b.yaml", "include: [../../c.yaml]\nservices: {two: {command: x}}\n");
  auto c = dir.write("c.yaml", "services: {three: {command: x}}\n");
  auto project = project_or_fail({main});
  CHECK(names_of(project) == Strings{"top", "one", "two", "three"});
  CHECK(service_of(project, "two").cwd == (dir.path() / "a" / "b").string());
  CHECK(project.sources == Strings{main, a, b, c});
}

TEST_CASE("include: a file included by two others (a diamond) is read once") {
  TempDir dir;
  auto main = dir.write("services.yaml",
                        "include: [left.yaml, right.yaml]\nservices: {api: {command: x}}\n");
  auto left = dir.write("left.yaml", "include: shared/db.yaml\nservices: {l: {command: x}}\n");
  auto right =
      dir.write("right.yaml", "include: ./shared/../shared/db.yaml\nservices: {r: {command: x}}\n");
  auto db = dir.write("shared/db.yaml", "services: {db: {command: x}}\n");
  auto project = project_or_fail({main});
  CHECK(names_of(project) == Strings{"api", "l", "db", "r"});
  CHECK(project.sources == Strings{main, left, db, right});
}

TEST_CASE("include: a cycle is reported as its path, at the include that closes it") {
  TempDir dir;
  auto main = dir.write("services.yaml", "include: a.yaml\nservices: {api: {command: x}}\n");
  auto a = dir.write("a.yaml", "include: b.yaml\nservices: {one: {command: x}}\n");
  auto b = dir.write("b.yaml", "services: {two: {command: x}}\ninclude: [a.yaml]\n");
  auto errors = errors_of_files({main});
  CHECK(errors == Strings{b + ":2:11: error: include cycle: " + a + " -> " + b + " -> " + a});
}

TEST_CASE("include: a file including itself or the first file is a cycle") {
  TempDir dir;
  auto main = dir.write("services.yaml", "include: a.yaml\nservices: {api: {command: x}}\n");
  auto a = dir.write("a.yaml", "include: services.yaml\nservices: {one: {command: x}}\n");
  CHECK(errors_of_files({main}) ==
        Strings{a + ":1:10: error: include cycle: " + main + " -> " + a + " -> " + main});

  auto self = dir.write("self.yaml", "include: self.yaml\nservices: {api: {command: x}}\n");
  CHECK(errors_of_files({self}) ==
        Strings{self + ":1:10: error: include cycle: " + self + " -> " + self});
}

TEST_CASE("include: a service defined twice names both places") {
  TempDir dir;
  auto main =
      dir.write("services.yaml", "include: [a.yaml, b.yaml]\nservices:\n  db: {command: x}\n");
  auto a = dir.write("a.yaml", "services:\n  cache: {command: x}\n  db: {command: y}\n");
  auto b = dir.write("b.yaml", "services:\n\n  cache: {command: z}\n");
  CHECK(errors_of_files({main}) ==
        Strings{a + ":3:3: error: service 'db' is defined twice: here and at " + main + ":3:3",
                b + ":3:3: error: service 'cache' is defined twice: here and at " + a + ":2:3"});
}

TEST_CASE("include: services depend on each other across files by name") {
  TempDir dir;
  auto main = dir.write("services.yaml", R"y(
include: db.yaml
services:
  api: {command: x, depends_on: [db]}
  cache: {command: x}
)y");
  dir.write("db.yaml", "services: {db: {command: x, depends_on: {cache: started}}}\n");
  auto compiled = compile_files({main});
  for (const auto& error : formatted(compiled.diagnostics)) FAIL_CHECK(error);
  REQUIRE(compiled.ok());
  const auto& graph = *compiled.graph;
  auto index = [&](const std::string& name) { return graph.index(name).value(); };
  CHECK(graph.layer(index("cache")) == 1);
  CHECK(graph.layer(index("db")) == 2);
  CHECK(graph.layer(index("api")) == 3);
}

TEST_CASE("include: an unknown dependency in an included file is reported there") {
  TempDir dir;
  auto main = dir.write("services.yaml", "include: db.yaml\nservices: {api: {command: x}}\n");
  auto db = dir.write("db.yaml", "services:\n  db: {command: x, depends_on: [apj]}\n");
  CHECK(errors_of_files({main}) ==
        Strings{db + ":2:33: error: service 'db' depends on unknown service 'apj'; did you mean "
                     "'api'?"});
}

TEST_CASE("include: an included file's top-level env is the base of its own services' env") {
  TempDir dir;
  dir.write("lib/lib.env", "FROM_FILE=lib\nLEVEL=lib file\n");
  auto main = dir.write("services.yaml", R"y(
include: lib/lib.yaml
env: {LEVEL: main, MAIN: main}
services:
  api: {command: x}
)y");
  dir.write("lib/lib.yaml", R"y(
env_file: lib.env
env: {LEVEL: lib, LIB: lib}
services:
  worker: {command: x}
  own: {command: x, env: {LEVEL: own}}
)y");
  auto project = project_or_fail({main});
  CHECK(env_of(project, "worker", "LEVEL") == "lib");
  CHECK(env_of(project, "worker", "LIB") == "lib");
  CHECK(env_of(project, "worker", "FROM_FILE") == "lib");
  CHECK(env_of(project, "worker", "MAIN") == "main");
  CHECK(env_of(project, "own", "LEVEL") == "own");
  CHECK(env_of(project, "api", "LEVEL") == "main");
  CHECK(env_of(project, "api", "LIB") == "(unset)");
  CHECK(env_of(project, "api", "FROM_FILE") == "(unset)");
}

TEST_CASE("include: an included file's ports join the project's") {
  TempDir dir;
  auto main = dir.write("services.yaml", R"y(
include: db.yaml
ports: [web]
services:
  api: {command: "serve ${ports.db}"}
)y");
  dir.write("db.yaml", "ports: [db, web]\nservices: {db: {command: \"pg ${ports.web}\"}}\n");
  CHECK(project_or_fail({main}).ports == Strings{"web", "db"});
}

TEST_CASE("include: a missing included file is an error at the include") {
  TempDir dir;
  dir.write("folder/.keep", "");
  auto main = dir.write("services.yaml",
                        "include:\n  - nowhere.yaml\n  - folder\nservices: {api: {command: x}}\n");
  CHECK(errors_of_files({main}) ==
        Strings{main + ":2:5: error: cannot read '" + dir.file("nowhere.yaml") +
                    "': No such file or directory",
                main + ":3:5: error: cannot read '" + dir.file("folder") +
                    "': it is a folder; name a services file in it"});
}

// ---- extends ---------------------------------------------------------------

TEST_CASE("extends: a service of the same file, its own keys merged on top") {
  TempDir dir;
  auto main = dir.write("services.yaml", R"y(
services:
  base:
    command: [server]
    env: {A: base, B: base}
    stop: {signal: INT}
  api:
    extends: base
    env: {B: api}
)y");
  auto project = project_or_fail({main});
  CHECK(names_of(project) == Strings{"base", "api"});
  const auto& api = service_of(project, "api");
  CHECK(api.command.argv == Strings{"server"});
  CHECK(value_in(api.env, "A") == "base");
  CHECK(value_in(api.env, "B") == "api");
  CHECK(api.stop.signal == SIGINT);
  CHECK(api.mark.line == 7);
}

TEST_CASE("extends: a service of another file, relative to the file extends is written in") {
  TempDir dir;
  auto main = dir.write("services.yaml", R"y(
include: svc/api.yaml
services:
  web:
    extends: {service: common, file: lib/common.yaml}
)y");
  auto api = dir.write("svc/api.yaml", R"y(
services:
  api:
    extends: {service: common, file: ../lib/common.yaml}
    env: {WHO: api}
)y");
  auto common =
      dir.write("lib/common.yaml", "services:\n  common: {command: run, env: {WHO: common}}\n");
  auto project = project_or_fail({main});
  CHECK(names_of(project) == Strings{"web", "api"});
  CHECK(service_of(project, "web").command.argv.back() == "run");
  CHECK(value_in(service_of(project, "web").env, "WHO") == "common");
  CHECK(value_in(service_of(project, "api").env, "WHO") == "api");
  CHECK(project.sources == Strings{main, common, api});
}

TEST_CASE("extends: a chain is followed to its end, nearer bases winning") {
  TempDir dir;
  auto main = dir.write("services.yaml", R"y(
services:
  api: {extends: middle, env: {C: api}}
  middle: {extends: root, env: {B: middle, C: middle}}
  root: {command: x, env: {A: root, B: root, C: root}}
)y");
  auto project = project_or_fail({main});
  const auto& api = service_of(project, "api");
  CHECK(value_in(api.env, "A") == "root");
  CHECK(value_in(api.env, "B") == "middle");
  CHECK(value_in(api.env, "C") == "api");
}

TEST_CASE("extends: x- templates are never run but serve as bases") {
  TempDir dir;
  auto main = dir.write("services.yaml", R"y(
services:
  x-python:
    command: [python3, app.py]
    restart: on-failure
  api:
    extends: x-python
  worker:
    extends: {service: x-python}
    restart: always
)y");
  auto project = project_or_fail({main});
  CHECK(names_of(project) == Strings{"api", "worker"});
  CHECK(service_of(project, "api").command.argv == Strings{"python3", "app.py"});
  CHECK(service_of(project, "api").restart == config::RestartPolicy::on_failure);
  CHECK(service_of(project, "worker").restart == config::RestartPolicy::always);
}

TEST_CASE("extends: a cycle is reported as its path") {
  TempDir dir;
  auto main = dir.write("services.yaml", R"y(
services:
  a: {extends: b}
  b: {extends: c}
  c: {extends: a}
  self: {extends: self, command: x}
)y");
  CHECK(errors_of_files({main}) == Strings{main + ":5:16: error: extends cycle: a -> b -> c -> a",
                                           main + ":6:19: error: extends cycle: self -> self"});
}

TEST_CASE("extends: a cycle through another file names that file") {
  TempDir dir;
  auto main = dir.write("services.yaml", R"y(
services:
  a: {extends: {service: b, file: other.yaml}}
)y");
  auto other = dir.write("other.yaml", R"y(
services:
  b: {extends: {service: a, file: services.yaml}}
)y");
  CHECK(errors_of_files({main}) ==
        Strings{other + ":3:26: error: extends cycle: a -> b (" + other + ") -> a"});
}

TEST_CASE("extends: a chain longer than 64 services is an error") {
  TempDir dir;
  std::string text = "services:\n";
  for (int k = 0; k < 70; ++k) text += fmt::format("  s{}: {{extends: s{}}}\n", k, k + 1);
  text += "  s70: {command: x}\n";
  auto main = dir.write("services.yaml", text);
  auto errors = errors_of_files({main});
  REQUIRE_FALSE(errors.empty());
  // s0 reaches the limit 64 services down: at s63's extends.
  CHECK(errors[0] == main +
                         ":65:18: error: extends chain is longer than 64 services (from s0); "
                         "summon follows no more");

  std::string just = "services:\n";
  for (int k = 0; k < 63; ++k) just += fmt::format("  s{}: {{extends: s{}}}\n", k, k + 1);
  just += "  s63: {command: x}\n";
  auto fits = dir.write("fits.yaml", just);
  CHECK(errors_of_files({fits}).empty());
}

TEST_CASE("extends: an unknown base is an error with did-you-mean") {
  TempDir dir;
  auto main = dir.write("services.yaml", R"y(
services:
  base: {command: x}
  api: {extends: bsae}
  web: {extends: {service: comon, file: lib.yaml}}
)y");
  dir.write("lib.yaml", "services: {common: {command: x}}\n");
  CHECK(errors_of_files({main}) ==
        Strings{main + ":4:18: error: extends unknown service 'bsae'; did you mean 'base'?",
                main + ":5:28: error: extends unknown service 'comon'; did you mean 'common'?"});
}

TEST_CASE("extends: a malformed extends is one error, not a missing command too") {
  TempDir dir;
  auto main = dir.write("services.yaml",
                        "services:\n  api: {extends: {servce: base}}\n  base: {command: x}\n");
  auto errors = errors_of_files({main});
  REQUIRE_FALSE(errors.empty());
  CHECK(errors[0].starts_with(main + ":2:18: error: "));
  for (const auto& error : errors) CHECK(error.find("command") == std::string::npos);
}

TEST_CASE("extends: env is merged, env_file appended, and !reset removes an inherited value") {
  TempDir dir;
  dir.write("base.env", "BASE_FILE=1\nBOTH=base\n");
  dir.write("api.env", "API_FILE=1\nBOTH=api\n");
  auto main = dir.write("services.yaml", R"y(
services:
  db: {command: x}
  x-base:
    command: x
    env: {A: base, B: base}
    env_file: base.env
    depends_on: [db]
    ready: {tcp: 8080}
    user: !reset nobody
  api:
    extends: x-base
    env: {B: api}
    env_file: [api.env]
    ready: !reset
    depends_on: {db: started}
)y");
  auto project = project_or_fail({main});
  const auto& api = service_of(project, "api");
  CHECK(value_in(api.env, "A") == "base");
  CHECK(value_in(api.env, "B") == "api");
  CHECK(value_in(api.env_file_env, "BASE_FILE") == "1");
  CHECK(value_in(api.env_file_env, "API_FILE") == "1");
  CHECK(value_in(api.env_file_env, "BOTH") == "api");
  CHECK_FALSE(api.ready);
  CHECK_FALSE(api.user);
  REQUIRE(api.depends_on.size() == 1);
  CHECK(api.depends_on[0].condition == config::Condition::started);
}

TEST_CASE("extends: a later -f file's !reset removes what a base gave") {
  TempDir dir;
  auto a = dir.write("a.yaml", R"y(
services:
  base: {command: x, ready: {tcp: 8080}}
  api: {extends: base}
)y");
  auto b = dir.write("b.yaml", "services: {api: {ready: !reset}}\n");
  auto project = project_or_fail({a, b});
  CHECK_FALSE(service_of(project, "api").ready);
  CHECK(service_of(project, "base").ready);
}

TEST_CASE("extends: command is required unless extends gives it") {
  TempDir dir;
  auto main =
      dir.write("services.yaml", "services:\n  api: {extends: base}\n  base: {env: {A: a}}\n");
  auto errors = errors_of_files({main});
  REQUIRE_FALSE(errors.empty());
  for (const auto& error : errors) CHECK(error.find("command") != std::string::npos);
}

// ---- profiles --------------------------------------------------------------

TEST_CASE("profiles: a service whose profiles are inactive is left out") {
  TempDir dir;
  auto main = dir.write("services.yaml", R"y(
services:
  api: {command: x}
  debug: {command: x, profiles: [debug]}
  tools: {command: x, profiles: [tools, debug]}
)y");
  CHECK(names_of(project_or_fail({main})) == Strings{"api"});
  CHECK(names_of(project_or_fail({main}, with_profiles({"debug"}))) ==
        Strings{"api", "debug", "tools"});
  CHECK(names_of(project_or_fail({main}, with_profiles({"tools"}))) == Strings{"api", "tools"});
  CHECK(names_of(project_or_fail({main}, with_profiles({"nothing"}))) == Strings{"api"});
}

TEST_CASE("profiles: a named service activates itself and its dependencies") {
  TempDir dir;
  auto main = dir.write("services.yaml", R"y(
services:
  api: {command: x}
  seed: {command: x, profiles: [tools], depends_on: [db]}
  db: {command: x, profiles: [db]}
  other: {command: x, profiles: [tools]}
)y");
  auto project = project_or_fail({main}, with_profiles({}, {"seed"}));
  CHECK(names_of(project) == Strings{"api", "seed", "db"});
}

TEST_CASE("profiles: a dependency on a left-out service names the profile to activate") {
  TempDir dir;
  auto main = dir.write("services.yaml", R"y(
services:
  api:
    command: x
    depends_on: [debug]
  worker:
    command: x
    depends_on: {tools: started}
  debug: {command: x, profiles: [debug]}
  tools: {command: x, profiles: [a, b]}
)y");
  CHECK(errors_of_files({main}) ==
        Strings{main + ":5:18: error: service 'api' depends on 'debug', which is only in profile "
                       "debug; activate it with --profile debug",
                main + ":8:18: error: service 'worker' depends on 'tools', which is only in "
                       "profiles a, b; activate one with --profile a"});
  CHECK(errors_of_files({main}, with_profiles({"debug", "b"})).empty());
}

TEST_CASE("profiles: a left-out service's own dependencies are not checked") {
  TempDir dir;
  auto main = dir.write("services.yaml", R"y(
services:
  api: {command: x}
  debug: {command: x, profiles: [debug], depends_on: [tools]}
  tools: {command: x, profiles: [tools]}
)y");
  CHECK(names_of(project_or_fail({main})) == Strings{"api"});
}

TEST_CASE("profiles: from a list as SUMMON_PROFILES gives them") {
  CHECK(config::profiles_from_list("") == Strings{});
  CHECK(config::profiles_from_list("debug") == Strings{"debug"});
  CHECK(config::profiles_from_list("a,b") == Strings{"a", "b"});
  CHECK(config::profiles_from_list(" a , b\t,, ,c ") == Strings{"a", "b", "c"});
  CHECK(config::profiles_from_list(",") == Strings{});
}

TEST_CASE("profiles: a profile given in an included file and activated") {
  TempDir dir;
  auto main = dir.write("services.yaml", "include: tools.yaml\nservices: {api: {command: x}}\n");
  dir.write("tools.yaml", "services: {lint: {command: x, profiles: [tools]}}\n");
  CHECK(names_of(project_or_fail({main})) == Strings{"api"});
  CHECK(names_of(project_or_fail({main}, with_profiles({"tools"}))) == Strings{"api", "lint"});
}

// ---- diagnostics across files ----------------------------------------------

TEST_CASE("diagnostics: an error in each of two -f files, both at their own place") {
  TempDir dir;
  auto a = dir.write("a.yaml", "services:\n  api:\n    command: x\n    restrat: always\n");
  auto b = dir.write("b.yaml", "services:\n  api:\n    stop: {signal: NOPE}\n");
  auto errors = errors_of_files({a, b});
  REQUIRE(errors.size() == 2);
  CHECK(errors[0].starts_with(a + ":4:5: error: "));
  CHECK(errors[0].find("did you mean 'restart'?") != std::string::npos);
  CHECK(errors[1].starts_with(b + ":3:20: error: "));
}

TEST_CASE("diagnostics: a merged value is reported where it was written, not where its key is") {
  TempDir dir;
  auto a = dir.write(
      "a.yaml", "services:\n  db: {command: x}\n  api:\n    command: x\n    depends_on: [db]\n");
  auto b = dir.write("b.yaml", "services:\n  api:\n    depends_on: [nope]\n");
  CHECK(errors_of_files({a, b}) ==
        Strings{b + ":3:18: error: service 'api' depends on unknown service 'nope'"});
}

TEST_CASE("diagnostics: errors in the main file, an included file and an extended file at once") {
  TempDir dir;
  auto main = dir.write("services.yaml", R"y(
include: inc.yaml
services:
  api: {command: x, restart: sometimes}
  web: {extends: {service: base, file: base.yaml}}
)y");
  auto inc = dir.write("inc.yaml", "services:\n  worker: {command: x, backoff: forever}\n");
  auto base = dir.write("base.yaml", "services:\n  base: {command: x, stop: {timeout: -1}}\n");
  auto errors = errors_of_files({main});
  REQUIRE(errors.size() == 3);
  CHECK(errors[0].starts_with(base + ":2:38: error: "));
  CHECK(errors[1].starts_with(inc + ":2:33: error: "));
  CHECK(errors[2].starts_with(main + ":4:30: error: "));
}

TEST_CASE("diagnostics: a YAML error in a second -f file and a schema error in the first") {
  TempDir dir;
  auto a = dir.write("a.yaml", "services:\n  api: {command: x, restart: 7}\n");
  auto b = dir.write("b.yaml", "services:\n  api: [unclosed\n");
  auto errors = errors_of_files({a, b});
  REQUIRE(errors.size() == 2);
  CHECK(errors[0].starts_with(a + ":2:30: error: "));
  CHECK(errors[1].starts_with(b + ":"));
}

TEST_CASE("a Procfile cannot be merged with other files") {
  TempDir dir;
  auto procfile = dir.write("Procfile", "web: ./web\n");
  auto more = dir.write("more.yaml", "services: {api: {command: x}}\n");
  CHECK(errors_of_files({procfile, more}) ==
        Strings{procfile + ": error: a Procfile cannot be merged with other files; `summon config "
                           "Procfile` prints it as a services file to merge instead"});
}
