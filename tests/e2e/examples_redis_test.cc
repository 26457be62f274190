// examples/redis: two Redis servers, one ready by a tcp probe, one by READY=1 on
// $NOTIFY_SOCKET; each answers PING on its own port, and nothing is left after.
//
// `summon run -- CMD` checks them: CMD gets the ports as SUMMON_PORT_*, talks to
// the servers from outside with redis-cli, and summon returns its exit code
// once everything is torn down, so the test needs no port file and no waits.
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "example_folder.hpp"
#include "sandbox.hpp"

namespace summon::testing {

namespace {

std::size_t count_lines(const std::string& text, const std::string& line) {
  std::size_t count = 0;
  for (auto at = text.find("\n" + line + "\n"); at != std::string::npos;
       at = text.find("\n" + line + "\n", at + 1))
    ++count;
  return count;
}

}  // namespace

TEST_CASE("examples/redis: both servers answer PING on their ports, twice over") {
  ExampleFolder example("redis");
  for (int round = 1; round <= 2; ++round) {
    CAPTURE(round);
    auto run = example.summon({"run", "--", "sh", "-c",
                               "redis-cli -p \"$SUMMON_PORT_TCP\" PING && "
                               "redis-cli -p \"$SUMMON_PORT_NOTIFY\" PING"});
    INFO(describe(run));
    CHECK(run.exit_code == 0);
    CHECK(count_lines(run.out, "PONG") == 2);
    CHECK(contains(run.out, "[summon] by-tcp ready in "));
    CHECK(contains(run.out, "ms (tcp)\n"));
    CHECK(contains(run.out, "[summon] by-notify status: Ready to accept connections\n"));
    CHECK(contains(run.out, "ms (notify)\n"));
    CHECK(contains(run.out, "[summon] stopped\n"));
    CHECK(started_pids(run.out).size() == 2);
    CHECK(leftovers(run.out, example.dir()) == std::vector<std::string>{});
    CHECK(example.changed_files() == std::vector<std::string>{});
  }
}

}  // namespace summon::testing
