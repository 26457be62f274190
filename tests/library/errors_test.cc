// StartError and StopError: what a failed bring-up or a troubled stop tells the caller.
#include <sys/stat.h>

#include <regex>
#include <string>

#include <doctest/doctest.h>

#include <summon/summon.hpp>

#include "library_helpers.hpp"

using namespace summon::testing;

TEST_CASE("a service that exits before it is ready gives a StartError and leaves nothing") {
  TempDir dir;
  const auto bin = test_service_bin();
  summon::Project project;
  project
      .add(summon::service("cache", {bin, "--ready", "log:cache up", "--child", "--pidfile",
                                     dir.file("cache.pid")})
               .ready(summon::log("cache up")))
      .add(summon::service("db", {bin, "--print", "starting", "--print", "FATAL: no data directory",
                                  "--exit-after", "0", "--exit-code", "1"})
               .ready(summon::log("accepting connections"))
               .depends_on("cache"));

  try {
    summon::Session session(project);
    FAIL("the session came up");
  } catch (const summon::StartError& error) {
    const std::string what = error.what();
    CHECK(what.starts_with("summon: error: db: exited with code 1 before it was ready"));
    CHECK_MESSAGE(std::regex_search(what, std::regex("last [0-9]+ lines? of db:")), what);
    CHECK_MESSAGE(what.find("FATAL: no data directory") != std::string::npos, what);
    CHECK(error.service() == "db");
    CHECK(error.reason() == "exited with code 1 before it was ready");
  }
  // cache was ready before db started, so both of its pids are on file.
  const pid_t cache = read_pidfile(dir.file("cache.pid"));
  const pid_t child = read_pidfile(dir.file("cache.pid.child"));
  REQUIRE(cache > 0);
  REQUIRE(child > 0);
  CHECK_FALSE(alive(cache));
  CHECK_FALSE(alive(child));
  CHECK(group_members(cache).empty());
  CHECK_FALSE(our_unreaped_child(cache));
}

TEST_CASE("a probe that does not hold within Options::timeout gives a StartError") {
  TempDir dir;
  summon::Project project;
  project.add(summon::service("slow", {test_service_bin(), "--pidfile", dir.file("slow.pid")})
                  .ready(summon::log("this line never comes")));

  try {
    summon::Options options;
    options.timeout = std::chrono::milliseconds(300);
    summon::Session session(project, options);
    FAIL("the session came up");
  } catch (const summon::StartError& error) {
    const std::string what = error.what();
    CHECK_MESSAGE(what.find("slow: not ready after") != std::string::npos, what);
    CHECK(error.service() == "slow");
    CHECK(error.reason().starts_with("not ready after"));
  }
  const pid_t slow = read_pidfile(dir.file("slow.pid"));
  REQUIRE(slow > 0);
  CHECK_FALSE(alive(slow));
}

TEST_CASE("a program that cannot be started gives a StartError") {
  summon::Project project;
  project.add(summon::service("ghost", {"/nonexistent/summon-ghost", "--flag"}));

  try {
    summon::Session session(project);
    FAIL("the session came up");
  } catch (const summon::StartError& error) {
    CHECK(error.service() == "ghost");
    CHECK_MESSAGE(error.reason().starts_with("cannot start"), error.reason());
    CHECK(std::string(error.what()).starts_with("summon: error: ghost: cannot start"));
  }
}

TEST_CASE("a StartError masks the project's secret values and URL passwords") {
  summon::Project project;
  project.env("API_TOKEN", "tok-lib-4711");
  // Nothing listens on port 1: the probe is refused until its timeout.
  project.add(summon::service("api", {test_service_bin()})
                  .ready(summon::http("http://user:url-pass-9@127.0.0.1:1/?token=tok-lib-4711")));

  try {
    summon::Options options;
    options.timeout = std::chrono::milliseconds(300);
    summon::Session session(project, options);
    FAIL("the session came up");
  } catch (const summon::StartError& error) {
    const std::string what = error.what();
    CHECK_MESSAGE(what.find("http://user:***@127.0.0.1:1/?token=***") != std::string::npos, what);
    CHECK(what.find("tok-lib-4711") == std::string::npos);
    CHECK(what.find("url-pass-9") == std::string::npos);
    CHECK(error.reason().find("tok-lib-4711") == std::string::npos);
    CHECK(error.reason().find("url-pass-9") == std::string::npos);
  }
}

TEST_CASE("a ConfigError masks a secret value its message quotes") {
  summon::Project project;
  project.env("API_TOKEN", "tok-lib-4711");
  project.add(summon::service("api", {test_service_bin()}).ready(summon::http("tok-lib-4711")));
  try {
    project.check();
    FAIL("the project passed its check");
  } catch (const summon::ConfigError& error) {
    const std::string what = error.what();
    CHECK_MESSAGE(what.find("not '***'") != std::string::npos, what);
    CHECK(what.find("tok-lib-4711") == std::string::npos);
    for (const auto& each : error.diagnostics())
      CHECK(each.message.find("tok-lib-4711") == std::string::npos);
  }
}

TEST_CASE("stop() throws StopError when a service exited on its own after it was ready") {
  TempDir dir;
  const auto fifo = dir.file("trigger");
  REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
  summon::Project project;
  project.add(summon::service("once", summon::shell("echo up; read line < '" + fifo + "'; exit 1"))
                  .ready(summon::log("up")));

  summon::Session session(project);
  REQUIRE(session.pid("once"));
  REQUIRE(write_fifo(fifo));
  REQUIRE(eventually([&] { return !session.pid("once"); }));

  try {
    session.stop();
    FAIL("stop() did not throw");
  } catch (const summon::StopError& error) {
    CHECK_MESSAGE(std::string(error.what()).find("once") != std::string::npos, error.what());
  }
  CHECK_NOTHROW(session.stop());
  // The destructor runs next; it must neither throw nor report again.
}

TEST_CASE("stop() after a clean run throws nothing and leaves the services stopped") {
  summon::Project project;
  project.add(summon::service("web", {test_service_bin(), "--ready", "log:web up"})
                  .ready(summon::log("web up")));

  summon::Session session(project);
  const auto pid = session.pid("web");
  REQUIRE(pid);
  CHECK(session.state("web") == summon::State::ready);
  CHECK_NOTHROW(session.stop());
  CHECK_FALSE(alive(*pid));
  CHECK(session.state("web") == summon::State::stopped);
  CHECK_FALSE(session.pid("web"));
}
