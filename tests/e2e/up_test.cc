// `summon up` on real services: start order, depends_on conditions, and services
// that exit after they were ready. Order is read from the services' own records.
#include <signal.h>

#include <string>

#include <doctest/doctest.h>

#include "processes.hpp"
#include "sandbox.hpp"

namespace summon::testing {

namespace {

constexpr std::int64_t ms = 1'000'000;  // in ns

}  // namespace

TEST_CASE("a chain starts in dependency order and stops in reverse order") {
  Sandbox sandbox;
  auto up = sandbox.up("chain.yaml");
  bool ready = stop_when_ready(up, SIGINT);
  const auto& run = up.finish();
  INFO(describe(run));
  auto record = sandbox.record();
  INFO("record:\n" << record.text());
  REQUIRE(ready);
  CHECK(run.exit_code == 0);

  CHECK(record.before("a", "ready", "b", "start"));
  CHECK(record.before("b", "ready", "c", "start"));
  CHECK(record.before("c", "exit", "b", "term"));
  CHECK(record.before("b", "exit", "a", "term"));
  CHECK(up.find_line("[summon] ready: 3 services in "));
  REQUIRE(record.has("a", "start"));
  CHECK(up.find_line("[summon] a started (pid " + record.find("a", "start")->args[0] + ")"));
  for (const char* service : {"a", "b", "c"}) {
    CAPTURE(service);
    CHECK(up.find_line(std::string("[summon] ") + service + " stopped in "));
  }
  CHECK(survivors(record) == std::vector<std::string>{});
}

TEST_CASE("naming a service brings up only it and what it depends on") {
  Sandbox sandbox;
  auto up = sandbox.up("chain.yaml", {"b"});
  bool ready = stop_when_ready(up, SIGINT);
  const auto& run = up.finish();
  INFO(describe(run));
  auto record = sandbox.record();
  REQUIRE(ready);
  CHECK(run.exit_code == 0);
  CHECK(record.has("a", "start"));
  CHECK(record.has("b", "start"));
  CHECK_FALSE(record.has("c", "start"));
  CHECK(up.find_line("[summon] ready: 2 services in "));
}

TEST_CASE("in a diamond the fast branch does not wait for the slow one") {
  Sandbox sandbox;
  auto up = sandbox.up("diamond.yaml");
  bool ready = stop_when_ready(up, SIGINT);
  const auto& run = up.finish();
  INFO(describe(run));
  auto record = sandbox.record();
  INFO("record:\n" << record.text());
  REQUIRE(ready);
  CHECK(run.exit_code == 0);

  CHECK(record.before("base", "ready", "slow", "start"));
  CHECK(record.before("base", "ready", "fast", "start"));
  CHECK(record.before("fast", "ready", "fast_dep", "start"));
  CHECK(record.before("fast_dep", "start", "slow", "ready"));
  CHECK(record.before("slow", "ready", "top", "start"));
  CHECK(record.before("fast_dep", "ready", "top", "start"));
  // Teardown: each service only after everything that depends on it.
  CHECK(record.before("top", "exit", "slow", "term"));
  CHECK(record.before("top", "exit", "fast_dep", "term"));
  CHECK(record.before("fast_dep", "exit", "fast", "term"));
  CHECK(record.before("slow", "exit", "base", "term"));
  CHECK(record.before("fast", "exit", "base", "term"));
  CHECK(survivors(record) == std::vector<std::string>{});
}

TEST_CASE("depends_on started waits for the spawn only; completed for an exit 0") {
  Sandbox sandbox;
  auto up = sandbox.up("conditions.yaml");
  bool ready = stop_when_ready(up, SIGINT);
  const auto& run = up.finish();
  INFO(describe(run));
  auto record = sandbox.record();
  INFO("record:\n" << record.text());
  REQUIRE(ready);
  CHECK(run.exit_code == 0);

  // `started` means exec'd, not that the program has reached its own first
  // line: the order of starts is summon's, in its output.
  const auto slow_started = run.out.find("[summon] slow started");
  const auto early_started = run.out.find("[summon] early started");
  REQUIRE(slow_started != std::string::npos);
  CHECK(slow_started < early_started);
  CHECK(record.before("early", "start", "slow", "ready"));
  REQUIRE(record.has("migrate", "exit"));
  CHECK(record.find("migrate", "exit")->args == std::vector<std::string>{"0"});
  CHECK(record.before("migrate", "exit", "api", "start"));
  CHECK(up.find_line("[summon] migrate completed in "));
  // A completed one-shot is not stopped again.
  CHECK_FALSE(record.has("migrate", "term"));
  CHECK(survivors(record) == std::vector<std::string>{});
}

TEST_CASE("a service that exits after it was ready is reported and the rest keep running") {
  Sandbox sandbox;
  auto up = sandbox.up("exits.yaml");
  REQUIRE(up.wait_for_line("[summon] ready:"));
  auto exited = up.wait_for_line("[summon] quitter exited with code 1");
  auto record = sandbox.record();
  const Event* stayer = record.find("stayer", "start");
  REQUIRE(stayer);
  CHECK(alive(std::stoi(stayer->args[0])));
  CHECK_FALSE(up.find_line("[summon] stopping"));
  up.send(SIGINT);
  const auto& run = up.finish();
  INFO(describe(run));
  CHECK(exited);
  CHECK(run.exit_code == 0);
  record = sandbox.record();
  INFO("record:\n" << record.text());
  CHECK(record.before("quitter", "exit", "stayer", "term"));
  CHECK(survivors(record) == std::vector<std::string>{});
}

TEST_CASE("--abort-on-exit: a service that exits after ready tears everything down, exit 1") {
  Sandbox sandbox;
  auto up = sandbox.up("exits.yaml", {"--abort-on-exit"});
  const auto& run = up.finish();
  INFO(describe(run));
  auto record = sandbox.record();
  INFO("record:\n" << record.text());
  CHECK(run.exit_code == 1);
  CHECK(up.find_line("[summon] ready:"));
  CHECK(run.err.find("quitter") != std::string::npos);
  CHECK(record.before("quitter", "exit", "stayer", "term"));
  CHECK(survivors(record) == std::vector<std::string>{});
}

TEST_CASE("a one-shot that exits 0 is not a failure: summon runs on until stopped") {
  Sandbox sandbox;
  auto up = sandbox.up("conditions.yaml", {"migrate"});
  auto reported = up.wait_for_line_if([](std::string_view line) {
    return line.starts_with("[summon] migrate completed in ") ||
           line.starts_with("[summon] migrate exited with code 0");
  });
  bool still_up = !up.find_line("[summon] stopping");
  up.send(SIGINT);
  const auto& run = up.finish();
  INFO(describe(run));
  CHECK(reported);
  CHECK(still_up);
  CHECK(run.exit_code == 0);
  auto record = sandbox.record();
  REQUIRE(record.has("migrate", "exit"));
  CHECK(record.find("migrate", "exit")->ns - record.find("migrate", "start")->ns >= 200 * ms);
}

TEST_CASE("up on an invalid file or an unknown service exits 2 and starts nothing") {
  Sandbox sandbox;
  auto cycle = sandbox.up("../errors/cycle.yaml");
  const auto& run = cycle.finish();
  INFO(describe(run));
  CHECK(run.exit_code == 2);
  CHECK(run.err.find("dependency cycle: api -> worker -> api") != std::string::npos);

  auto unknown = sandbox.up("chain.yaml", {"nosuch"});
  const auto& unknown_run = unknown.finish();
  INFO(describe(unknown_run));
  CHECK(unknown_run.exit_code == 2);
  CHECK(unknown_run.err.find("nosuch") != std::string::npos);
  CHECK(sandbox.record().events().empty());
}

}  // namespace summon::testing
