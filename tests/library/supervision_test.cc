// Supervision declared in code (SPEC 1.5): Service's restart, max_restarts,
// backoff, alive and watchdog, read as the same keys of a file would be.
#include <sys/stat.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>

#include <doctest/doctest.h>

#include <summon/summon.hpp>

#include "library_helpers.hpp"

using namespace summon::testing;

namespace {

// The one diagnostic of `project`'s check, or "" when there is not exactly one.
std::string only_problem(const summon::Project& project) {
  try {
    project.check();
  } catch (const summon::ConfigError& error) {
    if (error.diagnostics().size() == 1) return error.diagnostics()[0].message;
    return "";
  }
  return "";
}

// How often `text` occurs in `output`.
std::size_t count_of(const std::string& output, const std::string& text) {
  std::size_t count = 0;
  for (auto at = output.find(text); at != std::string::npos; at = output.find(text, at + 1))
    ++count;
  return count;
}

}  // namespace

TEST_CASE("a service with Restart::always that crashes once is restarted in a new process") {
  TempDir dir;
  const auto fifo = dir.file("crash");
  REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
  summon::Project project;
  // Each process prints `up`, then waits for a line on the FIFO and exits 1.
  project.add(summon::service("db", summon::shell("echo up; read line < '" + fifo + "'; exit 1"))
                  .ready(summon::log("up"))
                  .restart(summon::Restart::always)
                  .backoff(10ms, 10ms));

  summon::Session session(project);
  REQUIRE(session.pid("db"));
  const pid_t before = *session.pid("db");
  CHECK(session.restarts("db") == 0);

  REQUIRE(write_fifo(fifo));  // the first process's crash
  REQUIRE(eventually(
      [&] { return session.restarts("db") == 1 && session.state("db") == summon::State::ready; }));
  REQUIRE(session.pid("db"));
  CHECK(*session.pid("db") != before);
  CHECK_FALSE(alive(before));
  CHECK(count_of(session.output("db"), "up\n") == 2);
  // The new process waits on the FIFO like the first: it stays up.
  CHECK(session.restarts("db") == 1);
  // Restarted by its policy, the crash is not a failure that stop() tells.
  CHECK_NOTHROW(session.stop());
}

TEST_CASE("an alive probe makes a service without a restart policy unhealthy, then ready again") {
  TempDir dir;
  const auto sick = dir.file("sick");
  summon::Project project;
  project.add(
      summon::service("web", {test_service_bin(), "--ready", "log:web up"})
          .ready(summon::log("web up"))
          .alive(summon::exec(summon::shell("test ! -e '" + sick + "'")).interval(20ms), 2));

  summon::Session session(project);
  const auto pid = session.pid("web");
  REQUIRE(pid);
  std::ofstream(sick).put('\n');
  CHECK(session.wait_for("web", summon::State::unhealthy, 10s));
  std::filesystem::remove(sick);
  CHECK(session.wait_for("web", summon::State::ready, 10s));
  // Restart::no: the same process all along.
  CHECK(session.pid("web") == pid);
  CHECK(session.restarts("web") == 0);
}

TEST_CASE("an alive probe with Restart::on_failure restarts a service it finds dead") {
  TempDir dir;
  const auto sick = dir.file("sick");
  const auto started = dir.file("started");
  std::ofstream(sick).put('\n');
  summon::Project project;
  // Sick from the start; every process after the first mends it.
  project.add(summon::service("web", summon::shell("test -e '" + started + "' && rm -f '" + sick +
                                                   "'; touch '" + started + "'; exec " +
                                                   test_service_bin() + " --ready log:web-up"))
                  .ready(summon::log("web-up"))
                  .alive(summon::exec(summon::shell("test ! -e '" + sick + "'")).interval(20ms), 1)
                  .restart(summon::Restart::on_failure)
                  .backoff(0ms, 0ms));

  summon::Session session(project);
  REQUIRE(session.pid("web"));
  const pid_t before = *session.pid("web");
  REQUIRE(eventually([&] {
    return session.restarts("web") == 1 && session.state("web") == summon::State::ready;
  }));
  REQUIRE(session.pid("web"));
  CHECK(*session.pid("web") != before);
  CHECK_FALSE(std::filesystem::exists(sick));
}

TEST_CASE("a watchdog that stops hearing WATCHDOG=1 restarts the service under its policy") {
  summon::Project project;
  // WATCHDOG=1 every 50 ms until 300 ms after each start, then silence.
  project.add(summon::service("dog", {test_service_bin(), "--ready", "notify", "--watchdog-every",
                                      "50", "--watchdog-until", "300"})
                  .ready(summon::notify())
                  .watchdog(200ms)
                  .restart(summon::Restart::always)
                  .backoff(0ms, 0ms));

  summon::Session session(project);
  REQUIRE(session.pid("dog"));
  const pid_t before = *session.pid("dog");
  REQUIRE(eventually([&] {
    return session.restarts("dog") >= 1 && session.state("dog") == summon::State::ready;
  }));
  REQUIRE(session.pid("dog"));
  CHECK(*session.pid("dog") != before);
}

TEST_CASE("max_restarts: a service that never gets ready gives up after that many restarts") {
  summon::Project project;
  project.add(summon::service("crasher", summon::shell("exit 3"))
                  .ready(summon::log("never"))
                  .restart(summon::Restart::on_failure)
                  .max_restarts(2)
                  .backoff(0ms, 0ms));
  try {
    summon::Session session(project);
    FAIL("the session came up");
  } catch (const summon::StartError& error) {
    CHECK_MESSAGE(std::string(error.what()).find("gave up after 2 restarts") != std::string::npos,
                  error.what());
  }
}

TEST_CASE("supervision set in code is checked as the file's keys are, at the service() line") {
  SUBCASE("backoff longer at first than at most") {
    summon::Project project;
    project.add(summon::service("web", {"true"}).backoff(500ms, 100ms));
    CHECK(only_problem(project) == "backoff 'initial' (500ms) is longer than 'max' (100ms)");
  }
  SUBCASE("an alive probe of a kind that cannot be polled") {
    summon::Project project;
    project.add(summon::service("web", {"true"}).alive(summon::log("up")));
    CHECK(only_problem(project) ==
          "alive: a log probe cannot be checked for liveness; use tcp, http, exec or unix");
  }
  SUBCASE("a watchdog without a notify ready probe") {
    summon::Project project;
    project.add(summon::service("web", {"true"}).ready(summon::log("up")).watchdog(1s));
    CHECK(only_problem(project) ==
          "'watchdog' needs a notify readiness probe (ready: {notify: true})");
  }
  SUBCASE("Restart::always on a service that a dependent needs completed") {
    summon::Project project;
    project.add(summon::service("migrate", {"true"}).restart(summon::Restart::always))
        .add(summon::service("web", {"true"}).depends_on("migrate", summon::Condition::completed));
    CHECK(only_problem(project).starts_with("restart: always cannot be used on 'migrate'"));
  }
  SUBCASE("a negative max_restarts") {
    summon::Project project;
    const int line = __LINE__ + 1;
    project.add(summon::service("web", {"true"}).max_restarts(-1));
    try {
      project.check();
      FAIL("the project checked out");
    } catch (const summon::ConfigError& error) {
      REQUIRE(error.diagnostics().size() == 1);
      CHECK(error.diagnostics()[0].line == line);
      CHECK(error.diagnostics()[0].message.find("max_restarts") != std::string::npos);
    }
  }
  SUBCASE("all of them, valid") {
    summon::Project project;
    project.add(summon::service("web", {"true"})
                    .ready(summon::notify())
                    .restart(summon::Restart::on_failure)
                    .max_restarts(5)
                    .backoff(50ms, 2s)
                    .alive(summon::tcp(8080).interval(1s).timeout(250ms), 4)
                    .watchdog(3s));
    CHECK_NOTHROW(project.check());
  }
}
