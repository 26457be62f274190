// examples/quickstart, the demo, run whole: Redis, PostgreSQL (initdb on the
// first run), a migration, an API and a web front, each checked from outside.
//
// The first bring-up is `summon up`, as the demo runs it. Its ports are picked
// per run and summon does not print them, so the test reads them where summon
// put them: in the environment of the API (/proc/PID/environ, PID from
// summon's "started" line; redis-server and postgres write their process
// titles over theirs). The second is `summon run -- sh -c ...`, as an integration
// test runs it: the command gets SUMMON_PORT_* and PG* from summon itself.
#include <signal.h>

#include <string>

#include <doctest/doctest.h>

#include "postgres_examples.hpp"
#include "processes.hpp"
#include "sandbox.hpp"
#include "sockets.hpp"

namespace summon::testing {

TEST_CASE("the quickstart comes up, answers from outside, leaves nothing, and keeps its data") {
  ExampleFolder example("quickstart");
  const std::string pg_version = example.path("data/pg/PG_VERSION");

  auto up = summon_up(example);
  const bool ready = up.wait_for_line("[summon] ready: ", std::chrono::seconds(120)).has_value();
  const auto ports = summon_ports(started_pid(up, "api"));
  if (ready && ports.size() == 4) {
    const int pg = ports.at("PG"), redis = ports.at("REDIS");
    const int api = ports.at("API"), web = ports.at("WEB");
    CHECK(up.find_line("[summon] ready: 6 services in "));
    CHECK(up.find_line("initdb: a new cluster in ./data/pg"));
    CHECK(up.find_line("[summon] migrate completed in "));
    CHECK(up.find_line("open http://127.0.0.1:" + std::to_string(web) +
                       "/?api=" + std::to_string(api)));

    // The migration's rows, straight from PostgreSQL.
    CHECK(psql(pg, "select count(*) from items") == "5");
    CHECK(psql(pg, "select name from items where probe = 'tcp'") == "cache: Redis");
    CHECK(redis_cli(redis, {"PING"}) == "PONG");

    auto health = http_get(api, "/health");
    CHECK(health.status == 200);
    CHECK(health.body == R"({"cache": "+PONG"})");
    auto items = http_get(api, "/items");
    CHECK(items.status == 200);
    CHECK(contains(items.body, R"({"id": 2, "name": "db: PostgreSQL", "probe": "log"})"));
    CHECK(contains(items.body, R"("visits": 1)"));
    CHECK(redis_cli(redis, {"GET", "visits"}) == "1");
    auto page = http_get(web, "/");
    CHECK(page.status == 200);
    CHECK(contains(page.body, "<title>summon quickstart</title>"));

    // For the second run to find.
    CHECK(psql(pg, "insert into items values (100, 'added by the test', 'none') returning id") ==
          "100");
  }
  const std::string cluster = file_identity(pg_version);
  up.send(SIGINT);
  const auto& first = up.finish(std::chrono::seconds(60));
  INFO(describe(first));
  REQUIRE(ready);
  REQUIRE(ports.size() == 4);
  CHECK(first.exit_code == 0);
  CHECK(up.find_line("[summon] db stopped in "));
  CHECK(up.find_line("[summon] stopped"));
  CHECK(leftovers(first.out, example.dir()) == std::vector<std::string>{});
  for (const auto& [name, port] : ports) {
    CAPTURE(name);
    CHECK_FALSE(can_connect_tcp(port));
  }
  REQUIRE(cluster != "");

  // The data folder is reused: no initdb; the test's row, and the seed rows
  // not twice.
  auto second =
      summon_run(example, R"(psql -X -Atc "select name from items where id = 100" >checks && )"
                          R"(psql -X -Atc "select count(*) from items" >>checks)");
  INFO(describe(second));
  CHECK(second.exit_code == 0);
  CHECK(read_text(example.path("checks")) == "added by the test\n6\n");
  CHECK_FALSE(contains(second.out, "initdb"));
  CHECK(file_identity(pg_version) == cluster);
  CHECK(leftovers(second.out, example.dir()) == std::vector<std::string>{});
}

}  // namespace summon::testing
