// Teardown (SPEC 3.3): on Ctrl-C, SIGTERM or SIGHUP every service is stopped in
// reverse order, stubborn ones are killed, and no process summon started outlives it.
#include <signal.h>

#include <algorithm>
#include <string>

#include <doctest/doctest.h>

#include "processes.hpp"
#include "sandbox.hpp"

namespace summon::testing {

namespace {

using namespace std::chrono_literals;

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

}  // namespace

TEST_CASE("SIGINT, SIGTERM and SIGHUP each tear everything down, children too, and exit 0") {
  for (int signal : {SIGINT, SIGTERM, SIGHUP}) {
    CAPTURE(signal);
    Sandbox sandbox;
    auto up = sandbox.up("simple.yaml");
    bool ready = stop_when_ready(up, signal);
    const auto& run = up.finish();
    INFO(describe(run));
    auto record = sandbox.record();
    INFO("record:\n" << record.text());
    REQUIRE(ready);
    CHECK(run.exit_code == 0);
    CHECK(contains(run.out, "[summon] stopping"));
    CHECK(contains(run.out, "[summon] web stopped in "));
    CHECK(contains(run.out, "[summon] worker stopped in "));
    CHECK(contains(run.out, "[summon] stopped\n"));
    CHECK(record.has("web", "child"));
    CHECK(record.has("worker", "child"));
    CHECK(record.before("worker", "exit", "web", "term"));
    CHECK_FALSE(run.output_left_open);
    CHECK(survivors(record) == std::vector<std::string>{});
  }
}

TEST_CASE("a service that ignores its stop signal is killed after stop.timeout, with its child") {
  Sandbox sandbox;
  auto up = sandbox.up("stubborn.yaml");
  bool ready = stop_when_ready(up, SIGINT);
  const auto& run = up.finish();
  INFO(describe(run));
  auto record = sandbox.record();
  INFO("record:\n" << record.text());
  REQUIRE(ready);
  CHECK(run.exit_code == 0);
  auto killed = up.find_line("[summon] stubborn killed after ");
  REQUIRE(killed);
  auto after = duration_after(killed->text, "killed after ");
  REQUIRE(after);
  CHECK(*after >= 200);
  CHECK(record.has("stubborn", "term"));
  CHECK_FALSE(record.has("stubborn", "exit"));
  CHECK(survivors(record) == std::vector<std::string>{});
}

TEST_CASE("a child left behind by a service that exited is killed after stop.timeout") {
  Sandbox sandbox;
  auto up = sandbox.up("lingering.yaml");
  bool ready = stop_when_ready(up, SIGINT);
  const auto& run = up.finish();
  INFO(describe(run));
  auto record = sandbox.record();
  INFO("record:\n" << record.text());
  REQUIRE(ready);
  CHECK(run.exit_code == 0);
  REQUIRE(record.has("lingering", "exit"));
  CHECK(record.find("lingering", "exit")->args == std::vector<std::string>{"0"});
  auto killed = up.find_line("[summon] lingering killed after ");
  REQUIRE(killed);
  auto after = duration_after(killed->text, "killed after ");
  REQUIRE(after);
  CHECK(*after >= 300);
  CHECK(survivors(record) == std::vector<std::string>{});
}

TEST_CASE("Ctrl-C during bring-up stops what started and starts nothing more") {
  Sandbox sandbox;
  auto up = sandbox.up("diamond.yaml");
  // The slow branch is still a second from ready, and has set up its handlers.
  REQUIRE(up.wait_for_line("[summon] fast_dep ready in "));
  REQUIRE(sandbox.wait_for_record("slow", "start", std::chrono::seconds(5)));
  up.send(SIGINT);
  const auto& run = up.finish();
  INFO(describe(run));
  auto record = sandbox.record();
  INFO("record:\n" << record.text());
  MESSAGE("exit code after a Ctrl-C during bring-up: " << run.exit_code);
  CHECK_FALSE(run.timed_out);
  CHECK_FALSE(record.has("slow", "ready"));
  CHECK_FALSE(record.has("top", "start"));
  CHECK(record.has("slow", "term"));
  CHECK(record.before("fast_dep", "exit", "fast", "term"));
  CHECK(survivors(record) == std::vector<std::string>{});
}

TEST_CASE("a second Ctrl-C kills everything at once") {
  Sandbox sandbox;
  auto up = sandbox.up("stuck.yaml");
  REQUIRE(stop_when_ready(up, SIGINT));
  REQUIRE(up.wait_for_line("[summon] stopping"));
  up.send(SIGINT);
  // Far less than the 30s each service would be given.
  const auto& run = up.finish(5s);
  INFO(describe(run));
  auto record = sandbox.record();
  INFO("record:\n" << record.text());
  CHECK_FALSE(run.timed_out);
  MESSAGE("exit code after a double Ctrl-C: " << run.exit_code);
  CHECK_FALSE(record.has("stuck", "exit"));
  CHECK_FALSE(record.has("also_stuck", "exit"));
  CHECK(survivors(record) == std::vector<std::string>{});
}

TEST_CASE("stop.signal is the signal sent; an exit it causes is a clean stop") {
  Sandbox sandbox;
  auto up = sandbox.up("stop_signal.yaml");
  bool ready = stop_when_ready(up, SIGTERM);
  const auto& run = up.finish();
  INFO(describe(run));
  auto record = sandbox.record();
  INFO("record:\n" << record.text());
  REQUIRE(ready);
  CHECK(run.exit_code == 0);
  REQUIRE(record.has("gentle", "term"));
  CHECK(record.find("gentle", "term")->args == std::vector<std::string>{"INT"});
  CHECK(record.has("gentle", "exit"));
  CHECK(contains(run.out, "[summon] gentle stopped in "));
  CHECK_FALSE(contains(run.out, "killed"));
}

TEST_CASE("a shell command's background processes are stopped with the service") {
  Sandbox sandbox;
  auto up = sandbox.up("shell.yaml");
  bool ready = stop_when_ready(up, SIGINT);
  const auto& run = up.finish();
  INFO(describe(run));
  auto record = sandbox.record();
  INFO("record:\n" << record.text());
  REQUIRE(ready);
  CHECK(run.exit_code == 0);
  CHECK(record.has("inner", "child"));
  CHECK(survivors(record) == std::vector<std::string>{});
}

TEST_CASE("a descendant that left its service's group with setsid gets the stop signal too") {
  Sandbox sandbox;
  auto up = sandbox.up("daemonizes.yaml");
  bool ready = stop_when_ready(up, SIGINT);
  const auto& run = up.finish();
  INFO(describe(run));
  auto record = sandbox.record();
  INFO("record:\n" << record.text());
  REQUIRE(ready);
  CHECK(run.exit_code == 0);
  auto escaped = record.find("escaped", "start");
  REQUIRE(escaped);
  REQUIRE(escaped->args.size() >= 2);
  CHECK(escaped->args[0] == escaped->args[1]);  // it leads a group of its own
  CHECK(record.has("escaped", "term"));
  CHECK(contains(run.out, "[summon] daemon stopped in "));
  CHECK(survivors(record) == std::vector<std::string>{});
}

TEST_CASE("no service outlives summon killed with SIGKILL") {
  Sandbox sandbox;
  auto up = sandbox.up("simple.yaml");
  bool ready = stop_when_ready(up, SIGKILL);
  up.finish();
  REQUIRE(ready);
  auto record = sandbox.record();
  INFO("record:\n" << record.text());
  // The kernel tells the services in its own time: one deadline for all of them.
  auto deadline = std::chrono::steady_clock::now() + 5s;
  for (const auto& event : record.events()) {
    if (event.what != "start" && event.what != "child") continue;
    pid_t pid = std::stoi(event.args[0]);
    CAPTURE(event.service);
    CAPTURE(pid);
    auto left =
        std::chrono::ceil<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    CHECK(wait_gone(pid, std::max(left, 0ms)));
  }
  CHECK(survivors(record) == std::vector<std::string>{});
}

}  // namespace summon::testing
