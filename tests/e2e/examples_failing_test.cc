// examples/failing: the two failures users meet most, as README shows them: a
// tcp port something else already holds, and a probe that never holds. Each
// exits 1, says why, skips what waits, and leaves nothing running.
#include <regex>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "example_folder.hpp"
#include "sandbox.hpp"

namespace summon::testing {

namespace {

// The port of python3's "Serving HTTP on 127.0.0.1 port N", "" when none.
std::string served_port(const std::string& out) {
  std::smatch match;
  if (std::regex_search(out, match, std::regex(R"(Serving HTTP on 127\.0\.0\.1 port (\d+))")))
    return match[1];
  return "";
}

}  // namespace

TEST_CASE("examples/failing/port-taken.yaml: app's port is squatter's; exit 1, naming squatter") {
  ExampleFolder example("failing");
  for (int round = 1; round <= 2; ++round) {
    CAPTURE(round);
    auto run = example.summon({"up", "port-taken.yaml"});
    INFO(describe(run));
    const auto port = served_port(run.out);
    const auto pids = started_pids(run.out);
    REQUIRE(port != "");
    REQUIRE(pids.size() == 1);  // squatter's: app never starts
    const auto taken =
        "port " + port + " is already in use by pid " + std::to_string(pids[0]) + " (python3)";
    CHECK(run.exit_code == 1);
    CHECK(contains(run.out, "[summon] squatter ready in "));
    CHECK(contains(run.out, "[summon] app failed: " + taken + "\n"));
    CHECK(contains(run.out, "[summon] squatter stopped in "));
    CHECK(contains(run.out, "[summon] stopped\n"));
    CHECK(run.err == "summon: error: app: " + taken + "\n");
    CHECK(leftovers(run.out, example.dir()) == std::vector<std::string>{});
    CHECK(example.changed_files() == std::vector<std::string>{});
  }
}

TEST_CASE("examples/failing/never-ready.yaml: web not ready after 2s, api skipped; exit 1") {
  ExampleFolder example("failing");
  for (int round = 1; round <= 2; ++round) {
    CAPTURE(round);
    auto run = example.summon({"up", "never-ready.yaml"});
    INFO(describe(run));
    const auto port = served_port(run.out);
    REQUIRE(port != "");
    CHECK(run.exit_code == 1);
    CHECK(run.elapsed.count() >= 2.0);
    CHECK(contains(run.out, "[summon] web failed: not ready after 2s: tcp 127.0.0.1:"));
    CHECK(contains(run.out, "[summon] api skipped (web failed)\n"));
    CHECK(contains(run.out, "[summon] stopped\n"));
    CHECK(contains(run.err, "summon: error: web: not ready after 2s: tcp 127.0.0.1:"));
    CHECK(contains(run.err, ": connection refused\n"));
    CHECK(contains(run.err, "last 1 line of web:\n"));
    CHECK(contains(run.err, "  web | Serving HTTP on 127.0.0.1 port " + port + " "));
    CHECK(started_pids(run.out).size() == 1);  // web's: api never starts
    CHECK(leftovers(run.out, example.dir()) == std::vector<std::string>{});
    CHECK(example.changed_files() == std::vector<std::string>{});
  }
}

}  // namespace summon::testing
