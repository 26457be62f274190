// Supervision (SPEC 1.4, 1.5) on the real binary: restart policies, giving
// up, restart: true cascades, liveness and the watchdog, checked from
// outside: which pids ran, in which order, and that none is left.
#include <signal.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "processes.hpp"
#include "sandbox.hpp"

namespace summon::testing {

namespace {

using namespace std::chrono_literals;

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// The index in `up`'s lines of the first that contains `text`; -1 if none has.
long line_index(const Background& up, const std::string& text) {
  const auto& lines = up.lines();
  for (std::size_t i = 0; i < lines.size(); ++i)
    if (contains(lines[i].text, text)) return static_cast<long>(i);
  return -1;
}

// The time of `service`'s n-th (from 0) `what` event; -1 if there is none.
std::int64_t nth(const Record& record, const std::string& service, const std::string& what, int n) {
  for (const Event& event : record.events())
    if (event.service == service && event.what == what && n-- == 0) return event.ns;
  return -1;
}

// Waits until `service`'s `count`-th start is in the record, after summon has
// said so: its own record of a start follows its exec. Each look is woken by
// a change of the record file.
bool recorded_starts(const Sandbox& sandbox, const std::string& service, std::size_t count) {
  for (int k = 0; k < 100 && starts(sandbox.record(), service).size() < count; ++k)
    sandbox.wait_for_record(service, "no such event", 50ms);
  return starts(sandbox.record(), service).size() >= count;
}

}  // namespace

TEST_CASE(
    "restart: always restarts a crash loop with a doubling delay, and Ctrl-C leaves nothing") {
  Sandbox sandbox;
  auto up = sandbox.up("supervise_crash_loop.yaml");
  REQUIRE(up.wait_for_line("[summon] crasher exited with code 1; restart 1 in 10ms"));
  REQUIRE(up.wait_for_line("[summon] crasher exited with code 1; restart 2 in 20ms"));
  REQUIRE(up.wait_for_line("[summon] crasher exited with code 1; restart 3 in 40ms"));
  REQUIRE(up.wait_for_line("[summon] crasher exited with code 1; restart 4 in 40ms"));
  up.send(SIGINT);
  const auto& run = up.finish();
  INFO(describe(run));
  auto record = sandbox.record();
  INFO("record:\n" << record.text());
  CHECK(run.exit_code == 0);
  auto pids = starts(record, "crasher");
  CHECK(pids.size() >= 4);  // the SIGINT came during the 4th backoff
  CHECK(std::adjacent_find(pids.begin(), pids.end()) == pids.end());
  // Each crash's child was cleared before the next start.
  CHECK(record.count("crasher", "child") == static_cast<int>(pids.size()));
  CHECK(survivors(record) == std::vector<std::string>{});
}

TEST_CASE("a crash-looping service leaves nothing behind when summon is SIGKILLed") {
  Sandbox sandbox;
  auto up = sandbox.up("supervise_crash_loop.yaml");
  REQUIRE(up.wait_for_line("; restart 3 in 40ms"));
  up.send(SIGKILL);
  up.finish();
  auto record = sandbox.record();
  INFO("record:\n" << record.text());
  CHECK(all_gone(record));
  CHECK(survivors(sandbox.record()) == std::vector<std::string>{});
}

TEST_CASE("after max_restarts in a row the service has failed; in up the rest keep running") {
  Sandbox sandbox;
  auto up = sandbox.up("supervise_gives_up.yaml");
  REQUIRE(up.wait_for_line("[summon] crasher exited with code 3; restart 2 in 0s"));
  REQUIRE(up.wait_for_line("[summon] crasher exited with code 3; gave up after 2 restarts"));
  // steady has set up its handlers and written its record before the stop.
  REQUIRE(sandbox.wait_for_record("steady", "start", 5s));
  up.send(SIGINT);
  const auto& run = up.finish();
  INFO(describe(run));
  auto record = sandbox.record();
  CHECK(run.exit_code == 0);
  CHECK(starts(record, "crasher").size() == 3);
  CHECK(starts(record, "steady").size() == 1);
  CHECK(record.has("steady", "term"));
  CHECK(survivors(record) == std::vector<std::string>{});
}

TEST_CASE("in run, a service that gives up fails the run with its reason") {
  Sandbox sandbox;
  auto run = sandbox.run("supervise_gives_up.yaml", {"--", "sleep", "30"});
  INFO(describe(run));
  CHECK(run.exit_code == 1);
  CHECK(contains(run.err, "crasher: exited with code 3; gave up after 2 restarts"));
  CHECK(survivors(sandbox.record()) == std::vector<std::string>{});
}

TEST_CASE("restart: true dependents are stopped with a crashed dependency and started after it") {
  Sandbox sandbox;
  auto up = sandbox.up("supervise_cascade.yaml");
  REQUIRE(up.wait_for_line("[summon] ready: 3 services"));
  // Each has set up its handlers and written its record before the crash.
  REQUIRE(sandbox.wait_for_record("api", "start", 5s));
  REQUIRE(sandbox.wait_for_record("stats", "start", 5s));
  auto record = sandbox.record();
  REQUIRE(starts(record, "db").size() == 1);
  ::kill(starts(record, "db")[0], SIGKILL);
  REQUIRE(up.wait_for_line("[summon] db was killed by signal KILL; restart 1 in 0s"));
  int api_starts = 0;
  REQUIRE(up.wait_for_line_if([&](std::string_view line) {
    return line.starts_with("[summon] api started") && ++api_starts == 2;
  }));
  CHECK(recorded_starts(sandbox, "api", 2));
  up.send(SIGINT);
  const auto& run = up.finish();
  INFO(describe(run));
  record = sandbox.record();
  INFO("record:\n" << record.text());
  CHECK(run.exit_code == 0);
  CHECK(starts(record, "db").size() == 2);
  CHECK(starts(record, "api").size() == 2);
  CHECK(starts(record, "stats").size() == 1);
  CHECK(nth(record, "api", "start", 1) > nth(record, "db", "ready", 1));
  CHECK(nth(record, "api", "term", 0) < nth(record, "db", "start", 1));
  CHECK(survivors(record) == std::vector<std::string>{});
}

TEST_CASE(
    "an alive probe makes a service unhealthy; restarted with a policy, ready again without") {
  Sandbox sandbox;
  auto up = sandbox.up("supervise_alive.yaml");
  REQUIRE(up.wait_for_line("[summon] ready: 3 services"));
  // An http probe's text names its kind once: "http 127.0.0.1:PORT/health".
  auto unserved = up.wait_for_line("[summon] unserved unhealthy: ");
  REQUIRE(unserved);
  CHECK_MESSAGE(unserved->text.starts_with("[summon] unserved unhealthy: http 127.0.0.1:"),
                unserved->text);
  CHECK(unserved->text.ends_with("/health: connection refused (2 in a row)"));
  CHECK_FALSE(contains(unserved->text, "http http"));
  const auto sick = sandbox.path("sick");
  std::ofstream(sick).put('\n');
  auto unhealthy = up.wait_for_line("[summon] mended unhealthy: ");
  REQUIRE(unhealthy);
  CHECK(contains(unhealthy->text, "(2 in a row)"));
  REQUIRE(up.wait_for_line_if([](std::string_view line) {
    return line.starts_with("[summon] restarted unhealthy: ") &&
           line.find("(2 in a row); restart 1 in 0s") != line.npos;
  }));
  std::filesystem::remove(sick);
  REQUIRE(up.wait_for_line("[summon] mended ready again"));
  int restarted_starts = 0;
  REQUIRE(up.wait_for_line_if([&](std::string_view line) {
    return line.starts_with("[summon] restarted started") && ++restarted_starts == 2;
  }));
  CHECK(recorded_starts(sandbox, "restarted", 2));
  up.send(SIGINT);
  const auto& run = up.finish();
  INFO(describe(run));
  auto record = sandbox.record();
  INFO("record:\n" << record.text());
  CHECK(run.exit_code == 0);
  CHECK(starts(record, "mended").size() == 1);
  CHECK(starts(record, "restarted").size() >= 2);
  CHECK(starts(record, "unserved").size() == 1);  // restart: no
  CHECK(survivors(record) == std::vector<std::string>{});
}

TEST_CASE("a service whose WATCHDOG=1 stops is unhealthy after the period and restarted") {
  Sandbox sandbox;
  auto up = sandbox.up("supervise_watchdog.yaml");
  REQUIRE(up.wait_for_line("[summon] ready: 1 service"));
  CHECK(up.wait_for_line("dog | WATCHDOG_USEC=200000"));
  REQUIRE(up.wait_for_line("[summon] dog status: quiet"));
  REQUIRE(up.wait_for_line("[summon] dog unhealthy: no WATCHDOG=1 for 200ms; restart 1 in 0s"));
  int dog_starts = 0;
  REQUIRE(up.wait_for_line_if([&](std::string_view line) {
    return line.starts_with("[summon] dog started") && ++dog_starts == 2;
  }));
  REQUIRE(recorded_starts(sandbox, "dog", 2));
  // While WATCHDOG=1 came it was healthy: nothing was said of it before it
  // fell silent.
  CHECK(line_index(up, "[summon] dog status: quiet") < line_index(up, "[summon] dog unhealthy"));
  up.send(SIGINT);
  const auto& run = up.finish();
  INFO(describe(run));
  auto record = sandbox.record();
  INFO("record:\n" << record.text());
  CHECK(run.exit_code == 0);
  auto pids = starts(record, "dog");
  REQUIRE(pids.size() >= 2);
  CHECK(pids[1] != pids[0]);
  CHECK(up.find_line("dog | WATCHDOG_PID=" + std::to_string(pids[0])));
  // The first process got its stop signal before the second started.
  CHECK(nth(record, "dog", "term", 0) >= 0);
  CHECK(nth(record, "dog", "term", 0) < nth(record, "dog", "start", 1));
  CHECK_FALSE(alive(pids[0]));
  CHECK(survivors(record) == std::vector<std::string>{});
}

TEST_CASE("WATCHDOG=trigger makes a service unhealthy at once, and it is restarted") {
  Sandbox sandbox;
  auto up = sandbox.up("supervise_watchdog_trigger.yaml");
  // Its watchdog is 10s and it keeps sending WATCHDOG=1: only the trigger
  // can end it this soon.
  REQUIRE(up.wait_for_line("[summon] dog unhealthy: sent WATCHDOG=trigger; restart 1 in 0s"));
  int dog_starts = 0;
  REQUIRE(up.wait_for_line_if([&](std::string_view line) {
    return line.starts_with("[summon] dog started") && ++dog_starts == 2;
  }));
  REQUIRE(recorded_starts(sandbox, "dog", 2));
  up.send(SIGINT);
  const auto& run = up.finish();
  INFO(describe(run));
  auto record = sandbox.record();
  INFO("record:\n" << record.text());
  CHECK(run.exit_code == 0);
  CHECK_FALSE(up.find_line("no WATCHDOG=1"));
  auto pids = starts(record, "dog");
  REQUIRE(pids.size() >= 2);
  CHECK(pids[1] != pids[0]);
  CHECK(nth(record, "dog", "term", 0) >= 0);
  CHECK(nth(record, "dog", "term", 0) < nth(record, "dog", "start", 1));
  CHECK(survivors(record) == std::vector<std::string>{});
}

}  // namespace summon::testing
