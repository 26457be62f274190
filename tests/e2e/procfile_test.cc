// Procfiles as a user hands them to summon (SPEC 1.6): every command that takes
// a services file takes one, and `summon config` turns one into services.yaml.
#include <filesystem>
#include <string>

#include <doctest/doctest.h>

#include "run_summon.hpp"
#include "unit/load_helpers.hpp"

namespace summon::testing {

namespace {

namespace fs = std::filesystem;

// Runs summon from tests/fixtures/, so that files are named as a user would name them.
RunResult summon(const std::vector<std::string>& args, EnvChanges env = {}) {
  return run_summon(args, in_folder(tests_dir("fixtures"), std::move(env)));
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

}  // namespace

TEST_CASE("check, plan and graph take a Procfile") {
  auto check = summon({"check", "procfile/Procfile"});
  CHECK(check.err == "");
  CHECK(check.exit_code == 0);
  CHECK(check.out == "procfile/Procfile: ok (3 services, 1 layer)\n");

  auto plan = summon({"plan", "procfile/Procfile"});
  CHECK(plan.exit_code == 0);
  CHECK(contains(plan.out, "web, worker, log"));

  auto graph = summon({"graph", "procfile/Procfile"});
  CHECK(graph.exit_code == 0);
  CHECK(contains(graph.out, "worker"));
}

TEST_CASE("a Procfile.NAME is a Procfile, and a service can be named after it") {
  auto run = summon({"check", "procfile/Procfile.dev", "css"});
  CHECK(run.exit_code == 0);
  CHECK(run.out == "procfile/Procfile.dev: ok (1 service, 1 layer)\n");
}

TEST_CASE("a folder with only a Procfile means its Procfile") {
  auto run = summon({"check", "procfile"});
  CHECK(run.exit_code == 0);
  CHECK(run.out == "procfile/Procfile: ok (3 services, 1 layer)\n");
  auto here = run_summon({"check"}, in_folder(tests_dir("fixtures/procfile")));
  CHECK(here.exit_code == 0);
  CHECK(here.out == "Procfile: ok (3 services, 1 layer)\n");
}

TEST_CASE("a services.yaml beside a Procfile is the one a folder means") {
  TempDir dir;
  dir.write("Procfile", "web: x\n");
  dir.write("services.yaml", "services:\n  a: {command: x}\n  b: {command: y}\n");
  auto run = run_summon({"check", "."}, in_folder(dir.path().string()));
  CHECK(run.exit_code == 0);
  CHECK(run.out == "services.yaml: ok (2 services, 1 layer)\n");
}

TEST_CASE("a missing Procfile is named as a file, not taken for a service") {
  TempDir dir;
  auto run = run_summon({"check", "Procfile.test"}, in_folder(dir.path().string()));
  CHECK(run.exit_code == 2);
  CHECK(run.err ==
        "Procfile.test: error: cannot read the file: No such file or directory\n1 error\n");
}

TEST_CASE("a Procfile's bad lines are all reported at FILE:LINE:COL, exit 2") {
  auto run = summon({"check", "procfile/Procfile.broken"});
  CHECK(run.exit_code == 2);
  CHECK(run.out == "");
  CHECK(run.err ==
        "procfile/Procfile.broken:1:1: error: expected NAME: COMMAND (a process name, a colon, "
        "then its command)\n"
        "procfile/Procfile.broken:3:1: error: process 'worker' is defined twice (first at line "
        "2)\n"
        "procfile/Procfile.broken:4:1: error: process name '_tail' must start with a letter or "
        "digit, as a service name does\n"
        "3 errors\n");
}

TEST_CASE("config prints a Procfile as services.yaml: PORT per line, the .env in env") {
  auto run = summon({"config", "procfile"});
  CHECK(run.err == "");
  CHECK(run.exit_code == 0);
  CHECK(contains(run.out, "name: procfile\n"));
  CHECK(contains(run.out, "env:\n  RAILS_ENV: development\n  SECRET_KEY_BASE: \"***\"\n"));
  CHECK(contains(run.out, "  web:\n    command: bundle exec puma -C config/puma.rb -p $PORT\n"));
  CHECK(contains(run.out, "    env:\n      PORT: 5000\n"));
  CHECK(contains(run.out, "    env:\n      PORT: 5100\n"));
  CHECK(contains(run.out, "    env:\n      PORT: 5200\n"));
  CHECK_FALSE(contains(run.out, "ready:"));
  CHECK_FALSE(contains(run.out, "depends_on:"));
}

TEST_CASE("config of a Procfile takes PORT from the environment as the base") {
  auto run = summon({"config", "procfile/Procfile.dev"}, {{"PORT", "3000"}});
  CHECK(run.exit_code == 0);
  CHECK(contains(run.out, "PORT: 3000\n"));
  CHECK(contains(run.out, "PORT: 3100\n"));
}

TEST_CASE("config's output of a Procfile is a services file that checks and prints the same") {
  TempDir dir;
  dir.write(".env", "GREETING=hi ${NAME}\n");
  dir.write("Procfile", "web: echo ${HOME} $$ $PORT\nworker: sh -c 'echo ${GREETING}'\n");
  auto config =
      run_summon({"config", "Procfile", "--show-secrets"}, in_folder(dir.path().string()));
  REQUIRE(config.exit_code == 0);
  CHECK(contains(config.out, "command: echo $${HOME} $$$ $PORT\n"));
  dir.write("services.yaml", config.out);
  auto check = run_summon({"check", "services.yaml"}, in_folder(dir.path().string()));
  CHECK(check.err == "");
  CHECK(check.out == "services.yaml: ok (2 services, 1 layer)\n");
  auto again =
      run_summon({"config", "services.yaml", "--show-secrets"}, in_folder(dir.path().string()));
  CHECK(again.exit_code == 0);
  // The same project, except that a services file's commands are printed as
  // read, once interpolated.
  CHECK(contains(again.out, "command: echo ${HOME} $$ $PORT\n"));
  CHECK(contains(again.out, "GREETING: hi ${NAME}\n"));
  CHECK(contains(again.out, "PORT: 5100\n"));
}

}  // namespace summon::testing
