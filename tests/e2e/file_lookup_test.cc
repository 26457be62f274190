// Which services file a command reads (SPEC 2): positional FILE, -f, $SUMMON_FILE, then ./.
#include <string>

#include <doctest/doctest.h>

#include "run_summon.hpp"
#include "unit/load_helpers.hpp"

namespace summon::testing {

namespace {

RunResult check_in(const std::string& cwd, std::vector<std::string> args, EnvChanges env = {}) {
  args.insert(args.begin(), "check");
  return run_summon(args, in_folder(cwd, std::move(env)));
}

std::string fixtures() {
  return tests_dir("fixtures");
}

}  // namespace

TEST_CASE("a positional FILE is read") {
  auto run = check_in(fixtures(), {"small/services.yaml"});
  CHECK(run.exit_code == 0);
  CHECK(run.out == "small/services.yaml: ok (3 services, 3 layers)\n");
}

TEST_CASE("a positional folder means its services.yaml") {
  auto run = check_in(fixtures(), {"small"});
  CHECK(run.exit_code == 0);
  CHECK(run.out == "small/services.yaml: ok (3 services, 3 layers)\n");
}

TEST_CASE("a positional folder without services.yaml means its summon.yaml") {
  auto run = check_in(fixtures(), {"named"});
  CHECK(run.exit_code == 0);
  CHECK(run.out == "named/summon.yaml: ok (1 service, 1 layer)\n");
}

TEST_CASE("a folder with neither file is an error") {
  auto run = check_in(fixtures(), {"errors"});
  CHECK(run.exit_code == 2);
  CHECK(run.err == "errors: error: no services.yaml, summon.yaml or Procfile in this folder\n");
}

TEST_CASE("a missing FILE ending in .yaml or .yml cannot be read") {
  for (const char* name : {"missing.yaml", "missing.yml"}) {
    CAPTURE(name);
    auto run = check_in(fixtures(), {name});
    CHECK(run.exit_code == 2);
    CHECK(run.err == std::string(name) +
                         ": error: cannot read the file: No such file or directory\n1 error\n");
  }
}

TEST_CASE("-f FILE is read") {
  auto run = check_in(fixtures(), {"-f", "small/services.yaml"});
  CHECK(run.exit_code == 0);
  CHECK(run.out == "small/services.yaml: ok (3 services, 3 layers)\n");
}

TEST_CASE("the file cannot be given both as FILE and with -f") {
  auto run = check_in(fixtures(), {"small", "-f", "shop/services.yaml"});
  CHECK(run.exit_code == 2);
  CHECK(run.err.find("given twice") != std::string::npos);
}

TEST_CASE("$SUMMON_FILE is read when no file is named") {
  auto run = check_in(fixtures(), {}, {{"SUMMON_FILE", "small/services.yaml"}});
  CHECK(run.exit_code == 0);
  CHECK(run.out == "small/services.yaml: ok (3 services, 3 layers)\n");
}

TEST_CASE("-f wins over $SUMMON_FILE") {
  auto run = check_in(fixtures(), {"-f", "named"}, {{"SUMMON_FILE", "small/services.yaml"}});
  CHECK(run.exit_code == 0);
  CHECK(run.out == "named/summon.yaml: ok (1 service, 1 layer)\n");
}

TEST_CASE("services.yaml in the current folder is the default") {
  auto run = check_in(tests_dir("fixtures/small"), {});
  CHECK(run.exit_code == 0);
  CHECK(run.out == "services.yaml: ok (3 services, 3 layers)\n");
}

TEST_CASE("summon.yaml in the current folder is the next default") {
  auto run = check_in(tests_dir("fixtures/named"), {});
  CHECK(run.exit_code == 0);
  CHECK(run.out == "summon.yaml: ok (1 service, 1 layer)\n");
}

TEST_CASE("a first positional that is not a file is a service name") {
  auto run = check_in(tests_dir("fixtures/small"), {"migrate"});
  CHECK(run.exit_code == 0);
  CHECK(run.out == "services.yaml: ok (2 services, 2 layers)\n");
}

TEST_CASE("with no file anywhere, the error says how to name one") {
  TempDir empty;
  auto run = check_in(empty.path().string(), {});
  CHECK(run.exit_code == 2);
  CHECK(run.out == "");
  CHECK(run.err.find("no services.yaml, summon.yaml or Procfile here") != std::string::npos);
  CHECK(run.err.find("-f FILE") != std::string::npos);
  CHECK(run.err.find("$SUMMON_FILE") != std::string::npos);
}

}  // namespace summon::testing
