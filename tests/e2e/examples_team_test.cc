// examples/team: a team's shared services.yaml (an included cache component,
// an x- template that the api extends), one developer's services.override.yaml
// (another greeting; VISITS_TTL removed with !reset), and a `debug` profile
// that adds a `redis-cli monitor` to the cache.
//
// `summon run -- CMD` checks it from outside: CMD asks the api for its answer
// and the cache for its clients, so the override's values and the monitor's
// presence are seen where a developer would see them.
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "example_folder.hpp"
#include "sandbox.hpp"

namespace summon::testing {

namespace {

// GET / of the api, then the cache's clients: a monitor shows as cmd=monitor.
// CMD writes to summon's output beside the services' lines, which may fall
// between its answer and its newline: the checks look for the answer alone.
const std::string probe_from_outside =
    "python3 -c 'import os, urllib.request; print(urllib.request.urlopen("
    "\"http://127.0.0.1:%s/\" % os.environ[\"SUMMON_PORT_API\"]).read().decode())' && "
    "redis-cli -p \"$SUMMON_PORT_CACHE\" CLIENT LIST";

RunResult run_example(const ExampleFolder& example, std::vector<std::string> options) {
  std::vector<std::string> args{"run"};
  args.insert(args.end(), options.begin(), options.end());
  for (const char* word : {"--", "sh", "-c"}) args.emplace_back(word);
  args.push_back(probe_from_outside);
  return example.summon(args);
}

void check_clean_end(const ExampleFolder& example, const RunResult& run) {
  CHECK(run.exit_code == 0);
  CHECK(contains(run.out, "[summon] command exited with code 0\n"));
  CHECK(contains(run.out, "[summon] stopped\n"));
  CHECK(leftovers(run.out, example.dir()) == std::vector<std::string>{});
  CHECK(example.changed_files() == std::vector<std::string>{});
}

}  // namespace

TEST_CASE("examples/team: the files read as one project, with the debug profile on demand") {
  ExampleFolder example("team");
  auto check = example.summon({"check"});
  INFO(describe(check));
  CHECK(check.exit_code == 0);
  CHECK(check.out == "services.yaml: ok (2 services, 2 layers)\n");

  // The profile's name, then the file: each --profile takes one name.
  auto plan = example.summon({"plan", "--profile", "debug", "services.yaml"});
  INFO(describe(plan));
  CHECK(plan.exit_code == 0);
  CHECK(plan.out == "layer 1: cache\nlayer 2: api, monitor\n");

  auto mine = example.summon({"config"});
  CHECK(contains(mine.out, "GREETING: hello from my machine\n"));
  CHECK_FALSE(contains(mine.out, "VISITS_TTL"));
  auto team = example.summon({"config", "--no-override"});
  CHECK(contains(team.out, "GREETING: hello from the team\n"));
  CHECK(contains(team.out, "VISITS_TTL: 3600\n"));
}

TEST_CASE("examples/team: the api answers with the override's values; no monitor without debug") {
  ExampleFolder example("team");
  auto run = run_example(example, {});
  INFO(describe(run));
  CHECK(contains(run.out,
                 "{\"greeting\": \"hello from my machine\", \"visits\": 1, \"visits_ttl\": null}"));
  CHECK(contains(run.out, "[summon] ready: 2 services in "));
  CHECK(contains(run.out, " cmd=client|list "));
  CHECK_FALSE(contains(run.out, "cmd=monitor"));
  CHECK_FALSE(contains(run.out, "[summon] monitor "));
  CHECK(started_pids(run.out).size() == 2);
  check_clean_end(example, run);
}

TEST_CASE("examples/team: --profile debug adds the monitor, attached before the command runs") {
  ExampleFolder example("team");
  auto run = run_example(example, {"--profile", "debug"});
  INFO(describe(run));
  CHECK(contains(run.out,
                 "{\"greeting\": \"hello from my machine\", \"visits\": 1, \"visits_ttl\": null}"));
  CHECK(contains(run.out, "[summon] monitor ready in "));
  CHECK(contains(run.out, "[summon] ready: 3 services in "));
  CHECK(contains(run.out, " cmd=monitor "));
  CHECK(started_pids(run.out).size() == 3);
  check_clean_end(example, run);
}

TEST_CASE("examples/team: --no-override runs the team's file alone") {
  ExampleFolder example("team");
  auto run = run_example(example, {"--no-override"});
  INFO(describe(run));
  CHECK(contains(run.out,
                 "{\"greeting\": \"hello from the team\", \"visits\": 1, \"visits_ttl\": 3600}"));
  CHECK_FALSE(contains(run.out, "cmd=monitor"));
  check_clean_end(example, run);
}

}  // namespace summon::testing
