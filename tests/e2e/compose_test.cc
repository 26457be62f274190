// A project read from several files (SPEC 1.6), on the real binary and the
// fixture project of tests/fixtures/compose/: -f merging, the override file,
// include with its own .env, extends from another file, profiles; then the
// same project up in the background, found again and taken down.
#include <signal.h>

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

std::string fixture_dir() {
  return tests_dir("fixtures/compose");
}

// Runs summon in the fixture's folder, so that files are named as a user
// there names them. Nothing is started, so the record is never written.
RunResult summon(const std::vector<std::string>& args, const EnvChanges& env = {}) {
  // The test's own changes come last, so that they win.
  EnvChanges all{{"RECORD", "/nonexistent-summon-record"}, {"SUMMON_PROFILES", std::nullopt}};
  all.insert(all.end(), env.begin(), env.end());
  return run_summon(args, in_folder(fixture_dir(), std::move(all)));
}

std::string plan_of(const std::vector<std::string>& args, EnvChanges env = {}) {
  std::vector<std::string> argv{"plan"};
  argv.insert(argv.end(), args.begin(), args.end());
  auto run = summon(argv, std::move(env));
  INFO(describe(run));
  CHECK(run.exit_code == 0);
  return run.out;
}

// The supervisor's pid, from "... runs in the background (pid N): ...".
pid_t supervisor_of(const RunResult& up) {
  const std::string marker = "runs in the background (pid ";
  const auto at = up.out.find(marker);
  return at == std::string::npos ? -1 : std::stoi(up.out.substr(at + marker.size()));
}

// A test that fails half way still leaves nothing running: `summon down` at
// the end of the scope, then SIGKILL for a supervisor that outlived it (the
// sandbox kills what its record names).
struct DownAtEnd {
  const Sandbox& sandbox;
  std::string file;
  pid_t supervisor = -1;
  ~DownAtEnd() {
    run_summon({"down", "-f", file}, sandbox.options());
    if (supervisor > 0 && !wait_gone(supervisor, 10s)) ::kill(supervisor, SIGKILL);
  }
};

}  // namespace

TEST_CASE("check counts the services of every file") {
  auto one = summon({"check", "services.yaml"});
  CHECK(one.err == "");
  CHECK(one.out == "services.yaml: ok (2 services, 2 layers)\n");
  auto two = summon({"check", "-f", "services.yaml", "-f", "extra.yaml"});
  CHECK(two.err == "");
  CHECK(two.out == "services.yaml: ok (3 services, 3 layers)\n");
  auto debug = summon({"check", "--profile", "debug", "-f", "services.yaml", "-f", "extra.yaml"});
  CHECK(debug.out == "services.yaml: ok (4 services, 3 layers)\n");
}

TEST_CASE("a profile's service is in the plan only when its profile is active or it is named") {
  const std::string without = "layer 1: db\nlayer 2: web\n";
  const std::string with = without + "layer 3: debugger\n";
  CHECK(plan_of({"services.yaml"}) == without);
  CHECK(plan_of({"--profile", "debug", "services.yaml"}) == with);
  CHECK(plan_of({"services.yaml"}, {{"SUMMON_PROFILES", "other,debug"}}) == with);
  CHECK(plan_of({"--profile", "other", "services.yaml"}) == without);
  // Named, it activates itself and brings what it depends on.
  CHECK(plan_of({"services.yaml", "debugger"}) == with);
  CHECK(plan_of({"services.yaml", "db"}) == "layer 1: db\n");
}

TEST_CASE("config prints the merged project; --no-override leaves the override out") {
  auto config = summon({"config", "services.yaml"});
  INFO(describe(config));
  REQUIRE(config.exit_code == 0);
  // The override's value wins over the first file's.
  CHECK(contains(config.out, "GREETING: from the override\n"));
  CHECK_FALSE(contains(config.out, "from services.yaml"));
  // env_file is appended: the base's (common.yaml) and the override's both count.
  CHECK(contains(config.out, "FROM_COMMON_ENV: 1\n"));
  CHECK(contains(config.out, "FROM_OVERRIDE_ENV: 1\n"));
  // From the base in common.yaml.
  CHECK(contains(config.out, "TIER: common\n"));
  CHECK(contains(config.out, "stop: {signal: TERM, timeout: 3s}\n"));
  // Interpolated from backend/.env, beside the included file; it runs there.
  CHECK(contains(config.out, "DB_NAME: inventory\n"));
  CHECK(contains(config.out, "cwd: " + fixture_dir() + "/backend\n"));
  CHECK_FALSE(contains(config.out, "debugger"));

  auto bare = summon({"config", "--no-override", "services.yaml"});
  INFO(describe(bare));
  REQUIRE(bare.exit_code == 0);
  CHECK(contains(bare.out, "GREETING: from services.yaml\n"));
  CHECK(contains(bare.out, "FROM_COMMON_ENV: 1\n"));
  CHECK_FALSE(contains(bare.out, "FROM_OVERRIDE_ENV"));
  CHECK_FALSE(contains(bare.out, "from the override"));

  auto both = summon({"config", "--profile", "debug", "-f", "services.yaml", "-f", "extra.yaml"});
  CHECK(contains(both.out, "\n  extra:\n"));
  CHECK(contains(both.out, "\n  debugger:\n"));
}

TEST_CASE("errors in two files are each reported at their own file, line and column") {
  TempDir dir;
  dir.write("services.yaml",
            "services:\n"
            "  api:\n"
            "    command: x\n"
            "    restrat: always\n");
  dir.write("extra.yaml",
            "services:\n"
            "  api:\n"
            "    stop: {timeout: soon}\n"
            "  worker:\n"
            "    command: y\n"
            "    depends_on: [nowhere]\n");
  auto run = run_summon({"check", "-f", "services.yaml", "-f", "extra.yaml"},
                        in_folder(dir.path().string()));
  INFO(describe(run));
  CHECK(run.exit_code == 2);
  CHECK(run.out == "");
  CHECK(run.err ==
        "extra.yaml:3:21: error: 'timeout' must be a duration: a number of seconds, or a number "
        "with a unit such as 250ms, 1.5s, 2m, 1h, not 'soon'\n"
        "extra.yaml:6:18: error: service 'worker' depends on unknown service 'nowhere'\n"
        "services.yaml:4:5: error: unknown key 'restrat' in service 'api'; did you mean "
        "'restart'?\n"
        "3 errors\n");
}

TEST_CASE("up -d of two files; ps finds it by its first file; down leaves nothing") {
  Sandbox sandbox;
  const std::string first = fixture_dir() + "/services.yaml";
  const std::string extra = fixture_dir() + "/extra.yaml";
  DownAtEnd down_at_end{sandbox, first};
  auto up = run_summon({"up", "-d", "-f", first, "-f", extra}, sandbox.options());
  INFO(describe(up));
  REQUIRE(up.exit_code == 0);
  CHECK(contains(up.out, "[summon] ready: 3 services in "));
  const pid_t supervisor = supervisor_of(up);
  down_at_end.supervisor = supervisor;
  REQUIRE(supervisor > 0);

  auto record = sandbox.record();
  std::vector<pid_t> pids;
  for (const std::string name : {"db", "web", "extra"}) {
    CAPTURE(name);
    REQUIRE(starts(record, name).size() == 1);
    pids.push_back(starts(record, name)[0]);
    CHECK(alive(pids.back()));
  }
  CHECK(starts(record, "debugger").empty());

  for (const auto& args : std::vector<std::vector<std::string>>{
           {"ps", "--json", "-f", first}, {"ps", "--json", "-f", first, "-f", extra}}) {
    auto ps = run_summon(args, sandbox.options());
    INFO(describe(ps));
    REQUIRE(ps.exit_code == 0);
    auto listed = nlohmann::json::parse(ps.out);
    CHECK(listed["services"].size() == 3);
    for (const auto& service : listed["services"]) CHECK(service["state"] == "ready");
  }
  // logs' -f is --follow, as in other tools; its file is --file.
  auto logs = run_summon({"logs", "--file", first, "web"}, sandbox.options());
  CHECK(contains(logs.out, "GREETING=from the override"));
  auto db_logs = run_summon({"logs", "--file", first, "db"}, sandbox.options());
  CHECK(contains(db_logs.out, "DB_NAME=inventory"));

  auto down = run_summon({"down", "-f", first}, sandbox.options());
  INFO(describe(down));
  CHECK(down.exit_code == 0);
  CHECK(wait_gone(supervisor, 10s));
  for (pid_t pid : pids) CHECK_FALSE(alive(pid));
  CHECK(survivors(sandbox.record()) == std::vector<std::string>{});
  CHECK(run_summon({"ps", "-f", first}, sandbox.options()).exit_code == 3);
}

}  // namespace summon::testing
