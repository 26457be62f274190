// examples/integration-test: what a CI job does with `summon run -- TESTS`:
// Redis and an API come up, the project's own tests run against them over
// HTTP, and summon exits with the tests' exit code after tearing down.
#include <fstream>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "example_folder.hpp"
#include "sandbox.hpp"

namespace summon::testing {

TEST_CASE("examples/integration-test: the tests pass against the stack; exit 0, twice over") {
  ExampleFolder example("integration-test");
  for (int round = 1; round <= 2; ++round) {
    CAPTURE(round);
    auto run = example.summon({"run", "--", "./tests.py"});
    INFO(describe(run));
    CHECK(run.exit_code == 0);
    CHECK(contains(run.out, "[summon] api ready in "));
    CHECK(contains(run.err, "test_each_post_adds_one_visit"));
    CHECK(contains(run.err, "Ran 2 tests in "));
    CHECK(contains(run.err, "\nOK\n"));
    CHECK(leftovers(run.out, example.dir()) == std::vector<std::string>{});
    CHECK(example.changed_files() == std::vector<std::string>{});
  }
}

TEST_CASE("examples/integration-test: when the API is broken, summon exits with the tests' 1") {
  ExampleFolder example("integration-test");
  // The bug: each visit counts twice.
  auto api = read_text(example.path("api.py"));
  const std::string incr = "redis(\"INCR\", \"visits\")";
  REQUIRE(contains(api, incr));
  api.replace(api.find(incr), incr.size(), "redis(\"INCRBY\", \"visits\", 2)");
  std::ofstream(example.path("api.py"), std::ios::binary | std::ios::trunc) << api;

  auto run = example.summon({"run", "--", "./tests.py"});
  INFO(describe(run));
  CHECK(run.exit_code == 1);
  // The stack held: the 1 is the tests', not a service failure.
  CHECK(contains(run.out, "[summon] ready: 2 services in "));
  CHECK_FALSE(contains(run.err, "summon: error"));
  CHECK(contains(run.err, "FAILED (failures=1)"));
  CHECK(leftovers(run.out, example.dir()) == std::vector<std::string>{});
}

}  // namespace summon::testing
