// Session: up in the constructor, queries while it runs, down in the destructor.
#include <algorithm>
#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>

#include <doctest/doctest.h>

#include <summon/summon.hpp>

#include "library_helpers.hpp"

using namespace summon::testing;

namespace {

// One service, `web`, listening on the port `web` picked for each session.
constexpr const char* web_on_a_port = R"(ports: [web]
services:
  web:
    command: ["${SUMMON_TEST_SERVICE}", --ready, "tcp:${ports.web}"]
    ready: {tcp: "${ports.web}"}
)";

}  // namespace

TEST_CASE("the destructor leaves no process of any service, grandchildren included") {
  TempDir dir;
  summon::Project project;
  project
      .add(summon::service("web", {test_service_bin(), "--ready", "log:web up", "--child",
                                   "--pidfile", dir.file("web.pid")})
               .ready(summon::log("web up")))
      .add(summon::service("worker",
                           summon::shell("sleep 1000 & echo $! > '" + dir.file("sleep.pid") +
                                         "'; echo worker up; wait"))
               .ready(summon::log("worker up")));

  std::vector<pid_t> pids;
  {
    summon::Session session(project);
    REQUIRE(session.pid("web"));
    REQUIRE(session.pid("worker"));
    pids = {*session.pid("web"), *session.pid("worker"), read_pidfile(dir.file("web.pid.child")),
            read_pidfile(dir.file("sleep.pid"))};
    for (pid_t pid : pids) {
      REQUIRE(pid > 0);
      CHECK(alive(pid));
    }
  }
  for (pid_t pid : pids) CHECK_MESSAGE(!alive(pid), "pid ", pid, " outlived the session");
  for (pid_t leader : {pids[0], pids[1]}) {
    CHECK(group_members(leader).empty());
    CHECK_MESSAGE(!our_unreaped_child(leader), "pid ", leader, " was left for us to reap");
  }
}

TEST_CASE("two sessions of the same file run at once on different ports") {
  (void)test_service_bin();  // the file names it as ${SUMMON_TEST_SERVICE}
  TempDir dir;
  const auto project = summon::Project::load(dir.write("services.yaml", web_on_a_port));

  std::vector<pid_t> pids;
  {
    summon::Session first(project);
    summon::Session second(project);
    CHECK(first.port("web") != second.port("web"));
    CHECK(first.state("web") == summon::State::ready);
    CHECK(second.state("web") == summon::State::ready);
    REQUIRE(first.pid("web"));
    REQUIRE(second.pid("web"));
    CHECK(*first.pid("web") != *second.pid("web"));
    pids = {*first.pid("web"), *second.pid("web")};
  }
  for (pid_t pid : pids) CHECK_FALSE(alive(pid));
}

TEST_CASE("sessions made, asked and ended on several threads at once stay apart") {
  (void)test_service_bin();
  TempDir dir;
  const auto project = summon::Project::load(dir.write("services.yaml", web_on_a_port));

  constexpr int threads = 4;
  std::vector<std::thread> running;
  std::vector<pid_t> pids(threads);
  std::vector<int> ports(threads);
  std::vector<std::string> problems(threads);
  for (int t = 0; t < threads; ++t)
    running.emplace_back([&, t] {
      try {
        summon::Session session(project);
        ports[t] = session.port("web");
        // Queried from this thread while the session's loop runs on its own.
        for (int n = 0; n < 100; ++n) (void)session.output("web");
        pids[t] = session.pid("web").value_or(0);
        if (session.state("web") != summon::State::ready) problems[t] = "not ready";
      } catch (const std::exception& error) {
        problems[t] = error.what();
      }
    });
  for (auto& thread : running) thread.join();
  for (int t = 0; t < threads; ++t) {
    CAPTURE(t);
    CHECK(problems[t] == "");
    REQUIRE(pids[t] > 0);
    CHECK_FALSE(alive(pids[t]));
  }
  std::sort(ports.begin(), ports.end());
  CHECK(std::adjacent_find(ports.begin(), ports.end()) == ports.end());
}

TEST_CASE("Options::services brings up a subset and its dependencies, nothing else") {
  TempDir dir;
  const auto bin = test_service_bin();
  summon::Project project;
  project.add(summon::service("db", {bin, "--ready", "log:db up"}).ready(summon::log("db up")))
      .add(summon::service("api", {bin, "--ready", "log:api up"})
               .ready(summon::log("api up"))
               .depends_on("db"))
      .add(summon::service("docs", summon::shell("touch '" + dir.file("docs.ran") +
                                                 "'; echo docs up; exec sleep 1000"))
               .ready(summon::log("docs up")));

  summon::Options options;
  options.services = {"api"};
  summon::Session session(project, options);
  CHECK(session.state("db") == summon::State::ready);
  CHECK(session.state("api") == summon::State::ready);
  // Had docs been started, the constructor would have waited for its probe,
  // which comes after the file is made.
  CHECK_FALSE(std::filesystem::exists(dir.file("docs.ran")));
  // A service left out is not in this session: asking for it is a mistake.
  CHECK_THROWS_AS(session.state("docs"), std::out_of_range);
  CHECK_THROWS_AS(session.pid("docs"), std::out_of_range);
}

TEST_CASE("output(), environment() and port() tell where the services are") {
  summon::Project project;
  project.port("web")
      .env("GREETING", "hello there")
      .add(summon::service("web", {test_service_bin(), "--print", "first line", "--print",
                                   "port ${ports.web}", "--ready", "log:web up"})
               .ready(summon::log("web up")));

  summon::Session session(project);
  const int port = session.port("web");
  CHECK(port > 0);
  CHECK(port < 65536);
  CHECK_THROWS_AS((void)session.port("nope"), std::out_of_range);
  CHECK_THROWS_AS((void)session.state("nope"), std::out_of_range);

  // The probe read "web up", so the lines printed before it are in.
  const auto output = session.output("web");
  CHECK_MESSAGE(
      output.find("first line\nport " + std::to_string(port) + "\nweb up\n") != std::string::npos,
      output);

  const auto environment = session.environment();
  REQUIRE(environment.count("SUMMON_PORT_WEB") == 1);
  CHECK(environment.at("SUMMON_PORT_WEB") == std::to_string(port));
  REQUIRE(environment.count("GREETING") == 1);
  CHECK(environment.at("GREETING") == "hello there");
  CHECK(environment.count("PATH") == 1);  // the program's own environment comes first
}

TEST_CASE("Options::echo false writes nothing to stderr") {
  TempDir dir;
  summon::Project project;
  project.add(summon::service("web", {test_service_bin(), "--print", "to stdout", "--print-stderr",
                                      "to stderr", "--ready", "log:web up"})
                  .ready(summon::log("web up")));

  summon::Options options;
  options.echo = false;
  StderrCapture capture(dir);
  {
    summon::Session session(project, options);
    // stderr is another pipe: its line may be read after the probe's.
    CHECK(eventually([&] { return session.output("web").find("to stderr") != std::string::npos; }));
  }
  const auto written = capture.text();
  CHECK_MESSAGE(written.empty(), written);
}

TEST_CASE("Options::echo true copies each line to stderr as NAME | line") {
  TempDir dir;
  summon::Project project;
  project.add(
      summon::service("web", {test_service_bin(), "--print", "to stdout", "--ready", "log:web up"})
          .ready(summon::log("web up")));

  summon::Options options;
  options.echo = true;
  StderrCapture capture(dir);
  { summon::Session session(project, options); }
  const auto written = capture.text();
  CHECK_MESSAGE(written.find("web | to stdout") != std::string::npos, written);
}

TEST_CASE("Options::log_dir gets each service's output in NAME.log") {
  TempDir dir;
  summon::Project project;
  project.add(summon::service(
                  "web", {test_service_bin(), "--print", "logged line", "--ready", "log:web up"})
                  .ready(summon::log("web up")));

  const auto logs = dir.file("logs/here");
  summon::Options options;
  options.log_dir = logs;
  { summon::Session session(project, options); }
  const auto text = read_text(logs + "/web.log");
  CHECK_MESSAGE(text.find("logged line\n") != std::string::npos, text);
}

TEST_CASE("Options::log_dir: a folder other users can write is refused before anything starts") {
  TempDir dir;
  const auto logs = dir.file("logs");
  std::filesystem::create_directory(logs);
  std::filesystem::permissions(logs, std::filesystem::perms::all);
  summon::Project project;
  project.add(summon::service("web", {test_service_bin(), "--pidfile", dir.file("web.pid"),
                                      "--ready", "log:web up"})
                  .ready(summon::log("web up")));

  summon::Options options;
  options.log_dir = logs;
  try {
    summon::Session session(project, options);
    FAIL("the session started");
  } catch (const summon::Error& error) {
    CHECK(std::string(error.what()) ==
          "summon: log_dir " + logs +
              ": can be written by other users (mode 0777) and is not sticky");
  }
  CHECK_FALSE(std::filesystem::exists(dir.file("web.pid")));
  CHECK(std::filesystem::is_empty(logs));
}

TEST_CASE("Options::log_dir: a log file that cannot be used is said on stderr and by stop()") {
  TempDir dir;
  const auto logs = dir.file("logs");
  std::filesystem::create_directory(logs);
  std::filesystem::create_directory(logs + "/web.log");  // not a file
  summon::Project project;
  project.add(summon::service("web", {test_service_bin(), "--ready", "log:web up"})
                  .ready(summon::log("web up")));

  summon::Options options;
  options.log_dir = logs;
  const std::string said =
      "web: log file " + logs + "/web.log: is not a regular file; its output is not written";
  StderrCapture capture(dir);
  summon::Session session(project, options);
  try {
    session.stop();
    FAIL("stop() did not throw");
  } catch (const summon::StopError& error) {
    CHECK(std::string(error.what()) == said);
  }
  CHECK(capture.text() == "[summon] " + said + "\n");
}

TEST_CASE("a service with a completed dependency starts after it exits 0") {
  summon::Project project;
  project.add(summon::service("migrate", summon::shell("echo migrated")))
      .add(summon::service("web", {test_service_bin(), "--ready", "log:web up"})
               .ready(summon::log("web up"))
               .depends_on("migrate", summon::Condition::completed));

  summon::Session session(project);
  CHECK(session.state("migrate") == summon::State::completed);
  CHECK_FALSE(session.pid("migrate"));
  CHECK(session.state("web") == summon::State::ready);
  // Its exit and the end of its output are separate events.
  CHECK(eventually(
      [&] { return session.output("migrate").find("migrated\n") != std::string::npos; }));
  CHECK(summon::state_name(summon::State::completed) == "completed");
}

// Inside a host program nothing comes back to summon: what a service left in
// its group after its main process ended is found by the run's mark.
TEST_CASE("what a completed service left running ends with the session") {
  TempDir dir;
  summon::Project project;
  project
      .add(summon::service("setup", summon::shell("sleep 1000 & echo $! > '" +
                                                  dir.file("left.pid") + "'; exit 0")))
      .add(summon::service("web", {test_service_bin(), "--ready", "log:web up"})
               .ready(summon::log("web up"))
               .depends_on("setup", summon::Condition::completed));
  pid_t left = 0;
  {
    summon::Session session(project);
    CHECK(session.state("setup") == summon::State::completed);
    left = read_pidfile(dir.file("left.pid"));
    REQUIRE(left > 0);
    CHECK(alive(left));
  }
  CHECK_MESSAGE(!alive(left), "pid ", left, " outlived the session");
}
