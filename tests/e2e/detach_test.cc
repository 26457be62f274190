// `summon up -d` (SPEC 2.2) on the real binary: it returns once everything
// is ready, the supervisor goes on in a session of its own without a
// terminal, and `down`, a failure or its death leave nothing behind.
#include <signal.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include "processes.hpp"
#include "sandbox.hpp"

namespace summon::testing {

namespace {

using namespace std::chrono_literals;

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// The supervisor's pid, from "... runs in the background (pid N): ...".
pid_t supervisor_of(const RunResult& up) {
  const auto at = up.out.find("runs in the background (pid ");
  if (at == std::string::npos) return -1;
  return std::stoi(up.out.substr(at + std::string("runs in the background (pid ").size()));
}

// Field 7 of /proc/PID/stat: the controlling terminal, 0 for none.
long terminal_of(pid_t pid) {
  std::ifstream file("/proc/" + std::to_string(pid) + "/stat");
  std::string stat((std::istreambuf_iterator<char>(file)), {});
  std::istringstream fields(stat.substr(stat.rfind(')') + 2));
  std::string field;
  for (int k = 3; k <= 7; ++k) fields >> field;
  return std::stol(field);
}

}  // namespace

TEST_CASE("up -d returns once ready; the supervisor runs on alone until down") {
  Sandbox sandbox;
  const auto fixture = runtime_fixture("control.yaml");
  auto up = run_summon({"up", "-d", fixture}, sandbox.options());
  INFO(describe(up));
  REQUIRE(up.exit_code == 0);
  CHECK(contains(up.out, "[summon] ready: 2 services in "));
  CHECK_FALSE(up.output_left_open);
  const pid_t supervisor = supervisor_of(up);
  REQUIRE(supervisor > 0);
  CHECK(alive(supervisor));
  CHECK(::getsid(supervisor) == supervisor);
  CHECK(terminal_of(supervisor) == 0);
  auto record = sandbox.record();
  REQUIRE(starts(record, "db").size() == 1);
  REQUIRE(starts(record, "api").size() == 1);
  CHECK(alive(starts(record, "api")[0]));

  auto ps = run_summon({"ps", "--json", fixture}, sandbox.options());
  REQUIRE(ps.exit_code == 0);
  auto listed = nlohmann::json::parse(ps.out);
  CHECK(listed["services"][1]["state"] == "ready");
  // Output went on being kept after the terminal was left.
  auto logs = run_summon({"logs", fixture, "api"}, sandbox.options());
  CHECK(contains(logs.out, "api | api says hello"));

  // up -d again starts what is not running, and nothing else.
  REQUIRE(run_summon({"stop", fixture, "api"}, sandbox.options()).exit_code == 0);
  auto again = run_summon({"up", "-d", fixture}, sandbox.options());
  INFO(describe(again));
  CHECK(again.exit_code == 0);
  record = sandbox.record();
  CHECK(starts(record, "api").size() == 2);
  CHECK(starts(record, "db").size() == 1);

  auto down = run_summon({"down", fixture}, sandbox.options());
  INFO(describe(down));
  CHECK(down.exit_code == 0);
  CHECK(wait_gone(supervisor, 10s));
  CHECK(survivors(sandbox.record()) == std::vector<std::string>{});
}

TEST_CASE("attach follows summon's own lines and the output; Ctrl-C leaves the project running") {
  Sandbox sandbox;
  const auto fixture = runtime_fixture("control.yaml");
  auto up = run_summon({"up", "-d", fixture}, sandbox.options());
  INFO(describe(up));
  REQUIRE(up.exit_code == 0);
  const pid_t supervisor = supervisor_of(up);
  Background attach(summon_bin(), {"attach", fixture}, sandbox.options());
  REQUIRE(attach.wait_for_line("[summon] attached to ctl (2 of 2 ready): Ctrl-C detaches"));
  REQUIRE(run_summon({"restart", fixture, "api"}, sandbox.options()).exit_code == 0);
  CHECK(attach.wait_for_line("[summon] api stopped in "));
  CHECK(attach.wait_for_line("api | api says hello"));
  CHECK(attach.wait_for_line("[summon] api ready in "));
  attach.send(SIGINT);
  CHECK(attach.finish().exit_code == 0);
  CHECK(alive(supervisor));
  CHECK(run_summon({"ps", fixture}, sandbox.options()).exit_code == 0);
  CHECK(run_summon({"down", fixture}, sandbox.options()).exit_code == 0);
  CHECK(wait_gone(supervisor, 10s));
}

TEST_CASE("up -d of a project that fails says why, exits 1 and leaves nothing running") {
  Sandbox sandbox;
  auto up = run_summon({"up", "-d", runtime_fixture("exit_early.yaml")}, sandbox.options());
  INFO(describe(up));
  CHECK(up.exit_code == 1);
  CHECK(contains(up.err, "summon: error: "));
  CHECK_FALSE(contains(up.out, "runs in the background"));
  CHECK(all_gone(sandbox.record()));
  auto ls = run_summon({"ls", "--json"}, sandbox.options());
  CHECK(nlohmann::json::parse(ls.out).empty());
}

TEST_CASE("a detached supervisor killed with SIGKILL leaves no service behind") {
  Sandbox sandbox;
  const auto fixture = runtime_fixture("control.yaml");
  auto up = run_summon({"up", "-d", fixture}, sandbox.options());
  INFO(describe(up));
  REQUIRE(up.exit_code == 0);
  const pid_t supervisor = supervisor_of(up);
  REQUIRE(supervisor > 0);
  ::kill(supervisor, SIGKILL);
  CHECK(wait_gone(supervisor, 10s));
  CHECK(all_gone(sandbox.record()));
  auto ps = run_summon({"ps", fixture}, sandbox.options());
  CHECK(ps.exit_code == 3);
}

TEST_CASE("a Procfile runs in the background, found again by its path, until down") {
  Sandbox sandbox;
  const auto procfile = sandbox.dir().string() + "/Procfile";
  std::ofstream(procfile)
      << "web: \"$SUMMON_TEST_SERVICE\" --name web --record \"$RECORD\" --print \"web on $PORT\"\n"
         "worker: \"$SUMMON_TEST_SERVICE\" --name worker --record \"$RECORD\"\n";
  auto up = run_summon({"up", "-d", "Procfile"}, sandbox.options({{"PORT", "6000"}}));
  INFO(describe(up));
  REQUIRE(up.exit_code == 0);
  const pid_t supervisor = supervisor_of(up);
  REQUIRE(supervisor > 0);

  auto ps = run_summon({"ps", "--json", procfile}, sandbox.options());
  REQUIRE(ps.exit_code == 0);
  auto listed = nlohmann::json::parse(ps.out);
  REQUIRE(listed["services"].size() == 2);
  CHECK(listed["services"][0]["name"] == "web");
  CHECK(listed["services"][1]["name"] == "worker");
  auto logs = run_summon({"logs", "Procfile", "web"}, sandbox.options());
  CHECK(contains(logs.out, "web | web on 6000"));

  auto down = run_summon({"down", "."}, sandbox.options());
  INFO(describe(down));
  CHECK(down.exit_code == 0);
  CHECK(wait_gone(supervisor, 10s));
  CHECK(survivors(sandbox.record()) == std::vector<std::string>{});
}

}  // namespace summon::testing
