// examples/pytest: a pytest suite whose session fixture runs `summon up -d`,
// reads the ports from `summon ps --json`, and runs `summon down` at the end.
// The suite runs as a user runs it, with summon found on PATH; afterwards
// nothing of the project may run, and `summon ls` must list nothing.
//
// -s lets summon's own lines through pytest, so the test learns the services'
// pids and the supervisor's from them.
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include "example_folder.hpp"
#include "processes.hpp"
#include "sandbox.hpp"

namespace summon::testing {

namespace {

using namespace std::chrono_literals;

// Debian's python3, for which python3-pytest is installed (scripts/setup); a
// python3 earlier on PATH (pyenv's, a virtualenv's) may have no pytest.
constexpr const char* kPython = "/usr/bin/python3";

// The example's copy, with a folder of its own for XDG_RUNTIME_DIR: this
// test's projects are its own.
struct Pytest {
  ExampleFolder example{"pytest"};
  TempDir runtime;

  Pytest() = default;
  Pytest(const Pytest&) = delete;
  Pytest& operator=(const Pytest&) = delete;
  // A failed test leaves nothing running: what the suite left up is taken
  // down (exit 3 when nothing is).
  ~Pytest() { run_summon({"down", example.path("services.yaml")}, options()); }

  RunOptions options() const {
    RunOptions options = example.options();
    const char* path = std::getenv("PATH");
    options.env.push_back({"PATH", std::filesystem::path(summon_bin()).parent_path().string() +
                                       ":" + (path ? path : "/usr/bin:/bin")});
    options.env.push_back({"SUMMON", std::nullopt});
    options.env.push_back({"XDG_RUNTIME_DIR", runtime.path().string()});
    options.env.push_back({"PYTHONDONTWRITEBYTECODE", "1"});
    options.timeout = 60s;
    return options;
  }

  RunResult run() const {
    return run_program(kPython, {"-m", "pytest", "-q", "-s", example.dir().string()}, options());
  }

  // What `summon ls --json` lists with the suite's XDG_RUNTIME_DIR.
  nlohmann::json projects() const {
    auto ls = run_summon({"ls", "--json"}, options());
    INFO(describe(ls));
    REQUIRE(ls.exit_code == 0);
    return nlohmann::json::parse(ls.out);
  }
};

// The supervisor's pid, from "... runs in the background (pid N): ...".
pid_t supervisor_of(const std::string& out) {
  const std::string marker = "runs in the background (pid ";
  const auto at = out.find(marker);
  return at == std::string::npos ? -1 : std::stoi(out.substr(at + marker.size()));
}

}  // namespace

TEST_CASE("examples/pytest: the suite passes against the stack and leaves nothing, twice over") {
  Pytest suite;
  for (int round = 1; round <= 2; ++round) {
    CAPTURE(round);
    auto run = suite.run();
    INFO(describe(run));
    CHECK(run.exit_code == 0);
    CHECK(contains(run.out, "6 passed in "));
    CHECK(contains(run.out, "[summon] redis ready in "));
    CHECK(contains(run.out, "[summon] web ready in "));
    CHECK(contains(run.out, "[summon] ready: 2 services in "));
    CHECK(contains(run.out, "[summon] pytest is down\n"));
    CHECK(started_pids(run.out).size() == 2);
    const pid_t supervisor = supervisor_of(run.out);
    REQUIRE(supervisor > 0);
    CHECK(wait_gone(supervisor, 10s));
    CHECK(leftovers(run.out, suite.example.dir()) == std::vector<std::string>{});
    CHECK(suite.projects() == nlohmann::json::array());
    CHECK(suite.example.changed_files() == std::vector<std::string>{});
  }
}

TEST_CASE("examples/pytest: a failing test fails the run, and the stack is still taken down") {
  Pytest suite;
  std::ofstream(suite.example.path("test_broken.py"))
      << "def test_a_value_never_put_is_served(stack):\n"
         "    assert stack.http(\"GET\", \"/kv/never-put\") == (200, \"anything\")\n";
  auto run = suite.run();
  INFO(describe(run));
  CHECK(run.exit_code == 1);
  CHECK(contains(run.out, "1 failed, 6 passed in "));
  // The stack held: the failure is the test's, not a service's.
  CHECK(contains(run.out, "[summon] ready: 2 services in "));
  CHECK(contains(run.out, "[summon] pytest is down\n"));
  const pid_t supervisor = supervisor_of(run.out);
  REQUIRE(supervisor > 0);
  CHECK(wait_gone(supervisor, 10s));
  CHECK(leftovers(run.out, suite.example.dir()) == std::vector<std::string>{});
  CHECK(suite.projects() == nlohmann::json::array());
}

}  // namespace summon::testing
