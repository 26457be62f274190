// examples/postgres: three PostgreSQL servers, one per readiness style
// (notify, exec with pg_isready, log), each queried from outside.
//
// The first bring-up is `summon up`; its ports are picked per run and summon
// does not print them, so the test takes each from its server's own line
// `listening on IPv4 address "127.0.0.1", port N`: the port it really serves.
// The second is `summon run -- sh -c ...`, whose command gets SUMMON_PORT_*.
#include <pwd.h>
#include <signal.h>
#include <unistd.h>

#include <string>

#include <doctest/doctest.h>

#include "postgres_examples.hpp"
#include "processes.hpp"
#include "sandbox.hpp"
#include "sockets.hpp"

namespace summon::testing {

namespace {

struct Server {
  std::string service;
  std::string probe;  // as summon names it: "ready in 1.2s (PROBE)"
};

const std::vector<Server> kServers = {{"notify", "notify"}, {"isready", "exec"}, {"log", "log"}};

}  // namespace

TEST_CASE("three servers come up, one per readiness style, leave nothing, and keep their data") {
  ExampleFolder example("postgres");

  auto up = summon_up(example);
  const bool ready = up.wait_for_line("[summon] ready: ", std::chrono::seconds(120)).has_value();
  std::map<std::string, int> ports;
  for (const auto& server : kServers)
    if (int port = postgres_port(up, server.service)) ports[server.service] = port;
  std::map<std::string, std::string> clusters;
  if (ready && ports.size() == 3) {
    CHECK(up.find_line("[summon] ready: 4 services in "));
    for (const auto& server : kServers) {
      CAPTURE(server.service);
      const int port = ports.at(server.service);
      auto line = up.find_line("[summon] " + server.service + " ready in ");
      REQUIRE(line);
      CHECK(line->text.ends_with("(" + server.probe + ")"));
      CHECK(up.find_line("initdb: a new cluster in ./data/" + server.service));
      CHECK(psql(port, "show port") == std::to_string(port));
      // For the second run to find.
      CHECK(psql(port, "create table kept (who text); insert into kept values ('" + server.service +
                           "'); table kept") == server.service);
      clusters[server.service] =
          file_identity(example.path("data/" + server.service + "/PG_VERSION"));
    }
  }
  up.send(SIGINT);
  const auto& first = up.finish(std::chrono::seconds(60));
  INFO(describe(first));
  REQUIRE(ready);
  REQUIRE(ports.size() == 3);
  CHECK(first.exit_code == 0);
  CHECK(up.find_line("[summon] stopped"));
  CHECK(leftovers(first.out, example.dir()) == std::vector<std::string>{});
  for (const auto& [name, port] : ports) {
    CAPTURE(name);
    CHECK_FALSE(can_connect_tcp(port));
  }

  // Each data folder is reused: no initdb, and the row from the first run.
  auto second = summon_run(
      example,
      "for port in $SUMMON_PORT_NOTIFY $SUMMON_PORT_ISREADY $SUMMON_PORT_LOG; do"
      "  psql -X -h 127.0.0.1 -p $port -U postgres -Atc 'table kept' >>checks || exit; done");
  INFO(describe(second));
  CHECK(second.exit_code == 0);
  CHECK(read_text(example.path("checks")) == "notify\nisready\nlog\n");
  CHECK_FALSE(contains(second.out, "initdb"));
  for (const auto& server : kServers) {
    CAPTURE(server.service);
    CHECK(file_identity(example.path("data/" + server.service + "/PG_VERSION")) ==
          clusters[server.service]);
  }
  CHECK(leftovers(second.out, example.dir()) == std::vector<std::string>{});
}

TEST_CASE("as root, a data folder the server's user cannot reach fails at once, saying why") {
  if (::geteuid() != 0) return;  // only root hands the folder to another user
  ExampleFolder example("postgres");
  TempDir closed;  // mode 0700, root's: postgres cannot enter it
  const std::string data = closed.path().string() + "/data";
  auto run = run_program(summon_bin(), {"up", example.dir().string()},
                         postgres_options(example, {{"PG_DATA", data}}));
  INFO(describe(run));
  CHECK(run.exit_code == 1);
  CHECK(contains(run.err, "prepare: user postgres cannot reach " + data +
                              "/notify: a folder above it is closed to postgres. Set PG_DATA"));
  CHECK(contains(run.out, "[summon] notify skipped (prepare failed)"));
}

TEST_CASE("without root, PG_USER naming another user fails at once, saying what to set") {
  const passwd* postgres = ::getpwnam("postgres");
  if (!postgres || ::geteuid() == postgres->pw_uid) return;  // then postgres is no other user
  ExampleFolder example("postgres");
  std::vector<std::string> argv{summon_bin(), "up", example.dir().string()};
  // As root, the same as a user would see: `nobody` left PG_USER at postgres.
  if (::geteuid() == 0)
    argv.insert(argv.begin(),
                {on_path("setpriv"), "--reuid=nobody", "--regid=nogroup", "--clear-groups"});
  auto options = postgres_options(example, {{"PG_USER", "postgres"}});
  auto run = run_program(argv.front(), {argv.begin() + 1, argv.end()}, options);
  INFO(describe(run));
  CHECK(run.exit_code == 1);
  CHECK(contains(run.err, "PostgreSQL must run as"));
  CHECK(contains(run.err, "set PG_USER="));
}

}  // namespace summon::testing
