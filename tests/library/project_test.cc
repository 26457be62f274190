// Project: loading a file or declaring services in code, and the ConfigError of a bad one.
#include <algorithm>
#include <stdexcept>
#include <string>

#include <doctest/doctest.h>

#include <summon/summon.hpp>

#include "library_helpers.hpp"

using namespace summon::testing;

TEST_CASE("Project::load reports every problem of a file at its FILE:LINE:COL") {
  TempDir dir;
  const auto path = dir.write("services.yaml", R"(services:
  web:
    command: ["true"]
    depends_on: [nope]
  api:
    command: ["true"]
    colour: red
)");

  try {
    (void)summon::Project::load(path);
    FAIL("the file loaded");
  } catch (const summon::ConfigError& error) {
    const auto& diagnostics = error.diagnostics();
    REQUIRE(diagnostics.size() == 2);
    CHECK(diagnostics[0].file == path);
    CHECK(diagnostics[0].line == 4);
    CHECK(diagnostics[0].column == 18);
    CHECK(diagnostics[0].message.find("'nope'") != std::string::npos);
    CHECK(diagnostics[1].file == path);
    CHECK(diagnostics[1].line == 7);
    CHECK(diagnostics[1].column == 5);
    CHECK(diagnostics[1].message.find("'colour'") != std::string::npos);
    const std::string what = error.what();
    CHECK_MESSAGE(what.find(path + ":4:18: error: ") != std::string::npos, what);
    CHECK_MESSAGE(what.find(path + ":7:5: error: ") != std::string::npos, what);
  }
}

TEST_CASE("Project::load of a missing file throws ConfigError") {
  TempDir dir;
  CHECK_THROWS_AS((void)summon::Project::load(dir.file("absent.yaml")), summon::ConfigError);
}

TEST_CASE("an unknown dependency in code is reported at the line of its service() call") {
  summon::Project project;
  const int line = __LINE__ + 1;  // the service() call's own line
  project.add(summon::service("web", {"true", "x"}).depends_on("nope"));

  try {
    project.check();
    FAIL("the project checked out");
  } catch (const summon::ConfigError& error) {
    REQUIRE(error.diagnostics().size() == 1);
    const auto& diagnostic = error.diagnostics()[0];
    CHECK(diagnostic.file == __FILE__);
    CHECK(diagnostic.line == line);
    CHECK(diagnostic.message.find("nope") != std::string::npos);
    CHECK_MESSAGE(
        std::string(error.what()).find(std::string(__FILE__) + ":" + std::to_string(line) + ":") !=
            std::string::npos,
        error.what());
  }
}

TEST_CASE("every problem of a service declared in code is reported, each once") {
  summon::Project project;
  project.port("web").port("web");
  const int line = __LINE__ + 1;
  project.add(summon::service("web", {"echo", "${ports.nope}"}).ready(summon::log("(")));

  try {
    project.check();
    FAIL("the project checked out");
  } catch (const summon::ConfigError& error) {
    INFO(error.what());
    std::size_t at_service = 0;
    for (const auto& diagnostic : error.diagnostics())
      if (diagnostic.line == line) ++at_service;
    CHECK(at_service == 2);  // the unknown port and the bad pattern, both
    const std::string text = error.what();
    CHECK(text.find("nope") != std::string::npos);
    CHECK(text.find("declared twice") != std::string::npos);
    // The made-up lines the check works on never show.
    CHECK(text.find("first at line") == std::string::npos);
  }
}

TEST_CASE("a port declared twice in code is reported at the Project, without a made-up line") {
  const int line = __LINE__ + 1;
  summon::Project project;
  project.port("web").port("web");
  project.add(summon::service("web", {"true", "x"}));

  try {
    project.check();
    FAIL("the project checked out");
  } catch (const summon::ConfigError& error) {
    INFO(error.what());
    REQUIRE(error.diagnostics().size() == 1);
    const auto& diagnostic = error.diagnostics()[0];
    CHECK(diagnostic.file == __FILE__);
    CHECK(diagnostic.line == line);
    // The loader says "(first at line N)"; that line was made up, so it goes.
    CHECK(diagnostic.message == "port name 'web' is declared twice");
  }
}

TEST_CASE("a Session of an invalid project throws ConfigError before starting anything") {
  TempDir dir;
  summon::Project project;
  project.add(summon::service("web", summon::shell("touch '" + dir.file("ran") + "'")))
      .add(summon::service("api", {"true", "x"}).depends_on("nope"));

  CHECK_THROWS_AS(summon::Session{project}, summon::ConfigError);
  CHECK_FALSE(std::filesystem::exists(dir.file("ran")));
}

TEST_CASE("Options::services naming an unknown service throws ConfigError") {
  summon::Project project;
  project.add(summon::service("web", {"sleep", "1000"}));

  summon::Options options;
  options.services = {"nope"};
  CHECK_THROWS_AS(summon::Session(project, options), summon::ConfigError);
}

TEST_CASE("a project declared in code is named after its source file") {
  summon::Project unnamed;
  CHECK(unnamed.name() == "project_test");
  summon::Project named("shop");
  CHECK(named.name() == "shop");
}

TEST_CASE("services() lists the services in the order they were written") {
  TempDir dir;
  const auto loaded = summon::Project::load(dir.write("services.yaml", R"(services:
  zeta: {command: "true"}
  alpha: {command: "true"}
  mid: {command: "true"}
)"));
  CHECK(loaded.services() == std::vector<std::string>{"zeta", "alpha", "mid"});

  summon::Project declared;
  declared.add(summon::service("b", summon::shell("true")))
      .add(summon::service("a", summon::shell("true")));
  CHECK(declared.services() == std::vector<std::string>{"b", "a"});
}

TEST_CASE("a loaded project takes no added service") {
  TempDir dir;
  auto loaded =
      summon::Project::load(dir.write("services.yaml", "services:\n  a: {command: \"true\"}\n"));
  CHECK_THROWS_AS(loaded.add(summon::service("b", summon::shell("true"))), std::logic_error);
}

TEST_CASE("a copied project is independent of the original") {
  summon::Project original;
  original.add(summon::service("a", summon::shell("true")));
  summon::Project copy = original;
  copy.add(summon::service("b", summon::shell("true")));
  CHECK(original.services() == std::vector<std::string>{"a"});
  CHECK(copy.services() == std::vector<std::string>{"a", "b"});
}

TEST_CASE("Project::load reads a Procfile: one service per line, in order") {
  TempDir dir;
  const auto loaded = summon::Project::load(dir.write("Procfile",
                                                      "web: python3 -m http.server $PORT\n"
                                                      "# the jobs\n"
                                                      "worker: python3 worker.py\n"));
  CHECK(loaded.services() == std::vector<std::string>{"web", "worker"});
  CHECK(loaded.name() == dir.path().filename().string());
}

TEST_CASE("Project::load reports a Procfile's malformed lines at their FILE:LINE:COL") {
  TempDir dir;
  const auto path = dir.write("Procfile.dev", "web: x\nworker\nweb: y\n");
  try {
    (void)summon::Project::load(path);
    FAIL("the Procfile loaded");
  } catch (const summon::ConfigError& error) {
    const auto& diagnostics = error.diagnostics();
    REQUIRE(diagnostics.size() == 2);
    CHECK(diagnostics[0].file == path);
    CHECK(diagnostics[0].line == 2);
    CHECK(diagnostics[0].column == 1);
    CHECK(diagnostics[1].line == 3);
    CHECK(diagnostics[1].message.find("defined twice") != std::string::npos);
  }
}

TEST_CASE("Project::load of several files merges them, with the override and the profiles given") {
  TempDir dir;
  const auto first = dir.write("services.yaml", R"(services:
  web:
    command: ["sh", "-c", "echo GREETING=$GREETING; exec sleep 60"]
    env: {GREETING: shared}
    ready: {log: "GREETING="}
  tool:
    command: "true"
    profiles: [debug]
)");
  dir.write("services.override.yaml", "services:\n  web:\n    env: {GREETING: mine}\n");
  const auto extra = dir.write("extra.yaml", "services:\n  worker:\n    command: \"true\"\n");

  const auto plain = summon::Project::load({first, extra}, {});
  CHECK(plain.services() == std::vector<std::string>{"web", "worker"});
  const auto debug = summon::Project::load({first, extra}, {.profiles = {"debug"}});
  CHECK(debug.services() == std::vector<std::string>{"web", "tool", "worker"});

  summon::Session session(plain);
  CHECK(session.output("web").find("GREETING=mine") != std::string::npos);
  session.stop();

  summon::Session without(summon::Project::load({first}, {.override_file = false}));
  CHECK(without.output("web").find("GREETING=shared") != std::string::npos);
}

TEST_CASE("Project::load of several files reports each problem at its own file") {
  TempDir dir;
  const auto first = dir.write("services.yaml", "services:\n  web:\n    comand: \"true\"\n");
  const auto second = dir.write("more.yaml", "services:\n  web:\n    restart: sometimes\n");
  try {
    (void)summon::Project::load({first, second}, {});
    FAIL("the files loaded");
  } catch (const summon::ConfigError& error) {
    std::vector<std::string> files;
    for (const auto& d : error.diagnostics()) files.push_back(d.file);
    CHECK(std::find(files.begin(), files.end(), first) != files.end());
    CHECK(std::find(files.begin(), files.end(), second) != files.end());
  }
}
