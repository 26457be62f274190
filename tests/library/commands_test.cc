// Session's commands on one service (stop, start, restart) and wait_for(),
// while the other services keep running.
#include <signal.h>

#include <chrono>
#include <stdexcept>
#include <string>
#include <thread>

#include <doctest/doctest.h>

#include <summon/summon.hpp>

#include "e2e/sockets.hpp"
#include "library_helpers.hpp"

using namespace summon::testing;

namespace {

// A service that listens on its own port `NAME`, ready once it accepts.
summon::Service listener(const std::string& name) {
  return summon::service(name, {test_service_bin(), "--ready", "tcp:${ports." + name + "}"})
      .ready(summon::tcp("${ports." + name + "}"));
}

summon::Project one_listener(const std::string& name) {
  summon::Project project;
  project.port(name).add(listener(name));
  return project;
}

// How often `line` is a whole line of `output`.
std::size_t lines_of(const std::string& output, const std::string& line) {
  std::size_t count = 0;
  const std::string whole = "\n" + output;
  for (auto at = whole.find("\n" + line + "\n"); at != std::string::npos;
       at = whole.find("\n" + line + "\n", at + 1))
    ++count;
  return count;
}

}  // namespace

TEST_CASE("restart() returns once the service is ready again, in a new process") {
  summon::Session session(one_listener("web"));
  const int port = session.port("web");
  REQUIRE(session.pid("web"));
  const pid_t before = *session.pid("web");
  CHECK(session.restarts("web") == 0);

  session.restart("web");
  CHECK(session.state("web") == summon::State::ready);
  REQUIRE(session.pid("web"));
  CHECK(*session.pid("web") != before);
  CHECK_FALSE(alive(before));
  CHECK(group_members(before).empty());
  CHECK(can_connect_tcp(port));  // on the same port: the session's ports stay
  CHECK(session.restarts("web") == 1);
  CHECK_NOTHROW(session.stop());
}

TEST_CASE("restart() of a service waits for its own probe to hold anew") {
  summon::Project project;
  project.add(
      summon::service("web", {test_service_bin(), "--ready-after", "200", "--ready", "log:web up"})
          .ready(summon::log("web up")));
  summon::Session session(project);
  REQUIRE(lines_of(session.output("web"), "web up") == 1);

  session.restart("web");
  // The log probe held only once the new process printed its line, 200 ms in.
  CHECK(lines_of(session.output("web"), "web up") == 2);
  CHECK(session.state("web") == summon::State::ready);
}

TEST_CASE("stop() of one service stops it and nothing else; start() brings it back") {
  summon::Project project;
  project.port("web").port("other").add(listener("web")).add(listener("other"));
  summon::Session session(project);
  const int port = session.port("web");
  const pid_t web = session.pid("web").value_or(0);
  const pid_t other = session.pid("other").value_or(0);
  REQUIRE(web > 0);
  REQUIRE(other > 0);

  session.stop("web");
  CHECK(session.state("web") == summon::State::stopped);
  CHECK_FALSE(session.pid("web"));
  CHECK_FALSE(alive(web));
  CHECK(group_members(web).empty());
  CHECK_FALSE(our_unreaped_child(web));
  CHECK_FALSE(can_connect_tcp(port));
  CHECK(session.state("other") == summon::State::ready);
  CHECK(session.pid("other") == other);
  session.stop("web");  // stopped already: returns at once

  session.start("web");
  CHECK(session.state("web") == summon::State::ready);
  REQUIRE(session.pid("web"));
  const pid_t again = *session.pid("web");
  CHECK(again != web);
  CHECK(can_connect_tcp(port));
  CHECK(session.restarts("web") == 0);  // a start is not a restart

  session.start("web");  // ready already: left as it is
  CHECK(session.pid("web") == again);
  CHECK(session.pid("other") == other);
  CHECK_NOTHROW(session.stop());
  CHECK_FALSE(alive(again));
}

TEST_CASE("restart() of a dependency leaves a dependent without `restart: true` running") {
  summon::Project project;
  project.port("db")
      .add(listener("db"))
      .add(summon::service("api", {test_service_bin(), "--ready", "log:api up"})
               .ready(summon::log("api up"))
               .depends_on("db"));
  summon::Session session(project);
  const pid_t db = session.pid("db").value_or(0);
  const pid_t api = session.pid("api").value_or(0);
  REQUIRE(db > 0);
  REQUIRE(api > 0);

  session.restart("db");
  REQUIRE(session.pid("db"));
  CHECK(*session.pid("db") != db);
  CHECK(session.pid("api") == api);
  CHECK(alive(api));
  CHECK(session.state("api") == summon::State::ready);
  CHECK(session.restarts("api") == 0);
  CHECK(lines_of(session.output("api"), "api up") == 1);
}

TEST_CASE("start() of a running service brings back what it depends on, and waits for it") {
  summon::Project project;
  project.port("db")
      .add(listener("db"))
      .add(summon::service("api", {test_service_bin(), "--ready", "log:api up"})
               .ready(summon::log("api up"))
               .depends_on("db"));
  summon::Session session(project);
  const pid_t api = session.pid("api").value_or(0);
  REQUIRE(api > 0);

  session.stop("db");
  CHECK(session.state("db") == summon::State::stopped);
  CHECK(session.pid("api") == api);  // its dependent keeps running without it

  session.start("api");
  CHECK(session.state("db") == summon::State::ready);
  CHECK(can_connect_tcp(session.port("db")));
  CHECK(session.pid("api") == api);
}

TEST_CASE("wait_for() with a deadline that passes returns false, after that deadline") {
  summon::Session session(one_listener("web"));
  const auto began = std::chrono::steady_clock::now();
  CHECK_FALSE(session.wait_for("web", summon::State::stopped, 150ms));
  CHECK(std::chrono::steady_clock::now() - began >= 150ms);
  CHECK(session.state("web") == summon::State::ready);
  // In that state now: true at once, whatever the deadline.
  CHECK(session.wait_for("web", summon::State::ready, 0ms));
  CHECK_THROWS_AS((void)session.wait_for("nope", summon::State::ready, 0ms), std::out_of_range);
}

TEST_CASE("wait_for() sees a change made by a command on another thread") {
  summon::Project project;
  project.port("web").port("other").add(listener("web")).add(listener("other"));
  summon::Session session(project);
  const pid_t web = session.pid("web").value_or(0);
  const pid_t other = session.pid("other").value_or(0);

  std::string problems;
  std::thread commands([&] {
    try {
      session.stop("web");
      session.restart("other");
    } catch (const std::exception& error) {
      problems = error.what();
    }
  });
  CHECK(session.wait_for("web", summon::State::stopped, 10s));
  CHECK(session.wait_for("other", summon::State::ready, 10s));
  commands.join();
  CHECK(problems == "");
  CHECK_FALSE(alive(web));
  REQUIRE(session.pid("other"));
  CHECK(*session.pid("other") != other);
}

TEST_CASE("restarts of two services from two threads at once") {
  summon::Project project;
  project.port("a").port("b").add(listener("a")).add(listener("b"));
  summon::Session session(project);
  const pid_t a = session.pid("a").value_or(0);
  const pid_t b = session.pid("b").value_or(0);

  std::string problems[2];
  std::thread first([&] {
    try {
      for (int n = 0; n < 3; ++n) session.restart("a");
    } catch (const std::exception& error) {
      problems[0] = error.what();
    }
  });
  std::thread second([&] {
    try {
      for (int n = 0; n < 3; ++n) session.restart("b");
    } catch (const std::exception& error) {
      problems[1] = error.what();
    }
  });
  first.join();
  second.join();
  CHECK(problems[0] == "");
  CHECK(problems[1] == "");
  CHECK(session.restarts("a") == 3);
  CHECK(session.restarts("b") == 3);
  CHECK(session.state("a") == summon::State::ready);
  CHECK(session.state("b") == summon::State::ready);
  CHECK(session.pid("a") != a);
  CHECK(session.pid("b") != b);
}

TEST_CASE("a restart that is not ready in time throws StartError; the others keep running") {
  TempDir dir;
  // Ready at its first start only: the second never prints its line.
  summon::Project project;
  project.port("web")
      .add(listener("web"))
      .add(summon::service("slow",
                           summon::shell("if [ -e '" + dir.file("started") +
                                         "' ]; then echo second start; exec sleep 1000; "
                                         "fi; touch '" +
                                         dir.file("started") + "'; echo slow up; exec sleep 1000"))
               .ready(summon::log("slow up").timeout(300ms)));
  summon::Session session(project);
  const pid_t web = session.pid("web").value_or(0);

  try {
    session.restart("slow");
    FAIL("restart() returned");
  } catch (const summon::StartError& error) {
    CHECK(error.service() == "slow");
    CHECK_MESSAGE(error.reason().starts_with("not ready after 300ms"), error.reason());
    const std::string what = error.what();
    CHECK_MESSAGE(what.find("slow | second start") != std::string::npos, what);
  }
  CHECK(session.state("slow") == summon::State::failed);
  CHECK(session.state("web") == summon::State::ready);
  CHECK(session.pid("web") == web);
  session.restart("web");  // the session goes on
  CHECK(session.state("web") == summon::State::ready);
  // The failure was told by restart(); stop() does not tell it again.
  CHECK_NOTHROW(session.stop());
}

TEST_CASE("a restart that exits before it is ready throws StartError; the others keep running") {
  TempDir dir;
  summon::Project project;
  project.port("web")
      .add(listener("web"))
      .add(summon::service("flaky",
                           summon::shell("if [ -e '" + dir.file("started") +
                                         "' ]; then echo no second start >&2; "
                                         "exit 3; fi; touch '" +
                                         dir.file("started") + "'; echo flaky up; exec sleep 1000"))
               .ready(summon::log("flaky up")));
  summon::Session session(project);

  try {
    session.restart("flaky");
    FAIL("restart() returned");
  } catch (const summon::StartError& error) {
    CHECK(error.service() == "flaky");
    CHECK(error.reason() == "exited with code 3 before it was ready");
    const std::string what = error.what();
    CHECK_MESSAGE(
        what.starts_with("summon: error: flaky: exited with code 3 before it was ready\n"), what);
    CHECK_MESSAGE(what.find("flaky | no second start") != std::string::npos, what);
  }
  CHECK(session.state("flaky") == summon::State::failed);
  CHECK_FALSE(session.pid("flaky"));
  // The others keep running, and the session goes on.
  CHECK(session.state("web") == summon::State::ready);
  CHECK_NOTHROW(session.restart("web"));
  CHECK_NOTHROW(session.stop());
}

TEST_CASE("restart() gives up after the stop and ready timeouts of what it waits on") {
  // api comes back only once db does, and db stays stopped: past db's and
  // api's stop and ready timeouts (4 x 100 ms), restart() gives up.
  summon::Project project;
  project.port("db")
      .add(listener("db").stop(SIGTERM, 100ms))
      .add(summon::service("api", {test_service_bin(), "--ready", "log:api up"})
               .ready(summon::log("api up").timeout(100ms))
               .stop(SIGTERM, 100ms)
               .depends_on("db"));
  summon::Options options;
  options.timeout = 100ms;
  summon::Session session(project, options);
  session.stop("db");

  const auto began = std::chrono::steady_clock::now();
  try {
    session.restart("api");
    FAIL("restart() returned");
  } catch (const summon::StartError& error) {
    CHECK(error.service() == "api");
    CHECK(error.reason() == "not started after 400ms: waits for db (stopped)");
  }
  CHECK(std::chrono::steady_clock::now() - began >= 400ms);
  // It comes back with db, as the engine still wants it.
  session.start("api");
  CHECK(session.state("api") == summon::State::ready);
  CHECK(session.state("db") == summon::State::ready);
}

TEST_CASE("after stop(), commands say so and wait_for() answers at once") {
  summon::Session session(one_listener("web"));
  session.stop();
  CHECK_THROWS_AS(session.restart("web"), summon::Error);
  CHECK_THROWS_AS(session.start("web"), summon::Error);
  session.stop("web");  // nothing runs: returns at once
  const auto began = std::chrono::steady_clock::now();
  CHECK(session.wait_for("web", summon::State::stopped, 10s));
  CHECK_FALSE(session.wait_for("web", summon::State::ready, 10s));
  CHECK(std::chrono::steady_clock::now() - began < 5s);
  CHECK_THROWS_AS(session.restart("nope"), std::out_of_range);
}
