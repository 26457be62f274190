// Bring-up failures (SPEC 3.1): the failed service is named with the reason and
// its last lines, what waits on it is skipped and never started, what runs is
// torn down, and summon exits 1.
#include <unistd.h>

#include <regex>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "processes.hpp"
#include "sandbox.hpp"
#include "sockets.hpp"

namespace summon::testing {

namespace {

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// The port a service printed as "NAME | port N", or "" when it printed none.
std::string printed_port(const std::string& out) {
  std::smatch match;
  if (std::regex_search(out, match, std::regex(R"(\| port (\d+))"))) return match[1];
  return "";
}

}  // namespace

TEST_CASE("a service that exits before it is ready fails the run with its last 20 lines") {
  Sandbox sandbox;
  auto up = sandbox.up("exit_early.yaml");
  const auto& run = up.finish();
  INFO(describe(run));
  auto record = sandbox.record();
  INFO("record:\n" << record.text());

  CHECK(run.exit_code == 1);
  CHECK(contains(run.err, "summon: error: db: exited with code 1 before it was ready\n"));
  CHECK(contains(run.err, "last 20 lines of db:\n"));
  CHECK(contains(run.err, "db | line 6\n"));
  CHECK(contains(run.err, "db | line 25\n"));
  CHECK_FALSE(contains(run.err, "db | line 5\n"));
  CHECK(contains(run.out, "[summon] api skipped (db failed)"));
  CHECK(contains(run.out, "[summon] web skipped"));
  CHECK_FALSE(record.has("api", "start"));
  CHECK_FALSE(record.has("web", "start"));
  // The independent service was running and is stopped.
  CHECK(record.before("db", "exit", "other", "term"));
  CHECK(record.has("other", "exit"));
  CHECK(survivors(record) == std::vector<std::string>{});
}

TEST_CASE("a service not ready in time fails with the probe's last error") {
  Sandbox sandbox;
  auto up = sandbox.up("not_ready.yaml");
  const auto& run = up.finish();
  INFO(describe(run));
  auto record = sandbox.record();
  INFO("record:\n" << record.text());

  auto port = printed_port(run.out);
  REQUIRE(port != "");
  CHECK(run.exit_code == 1);
  CHECK(contains(run.err, "summon: error: web: not ready after 300ms: tcp 127.0.0.1:" + port +
                              ": connection refused\n"));
  CHECK(contains(run.err, " of web:\n"));  // "last N lines of web:", N up to 20
  CHECK(contains(run.err, "web | port " + port + "\n"));
  CHECK(contains(run.out, "[summon] api skipped (web failed)"));
  CHECK_FALSE(record.has("api", "start"));
  // Still running when it failed, so it was stopped.
  CHECK(record.has("web", "term"));
  CHECK(survivors(record) == std::vector<std::string>{});
}

TEST_CASE("--timeout overrides every probe's timeout") {
  Sandbox sandbox;
  auto up = sandbox.up("never_ready.yaml", {"--timeout", "300ms"});
  const auto& run = up.finish();
  INFO(describe(run));
  CHECK(run.exit_code == 1);
  CHECK(contains(run.err, "summon: error: web: not ready after 300ms: tcp 127.0.0.1:"));
  CHECK(survivors(sandbox.record()) == std::vector<std::string>{});
}

TEST_CASE("a log probe that reads stdout says a matching line came on stderr, marked so") {
  Sandbox sandbox;
  auto up = sandbox.up("log_wrong_stream.yaml");
  const auto& run = up.finish();
  INFO(describe(run));

  CHECK(run.exit_code == 1);
  CHECK(contains(run.err,
                 "summon: error: db: not ready after 300ms: log: no line matching 'Server is "
                 "ready' yet; a matching line came on stderr; this probe reads stdout\n"));
  CHECK(contains(run.err, "last 2 lines of db:\n"));
  CHECK(contains(run.err, "  db stdout | starting\n"));
  CHECK(contains(run.err, "  db stderr | Server is ready\n"));
  CHECK(survivors(sandbox.record()) == std::vector<std::string>{});
}

TEST_CASE("a log probe's timeout says when the service wrote nothing, with the usual cause") {
  Sandbox sandbox;
  auto up = sandbox.up("log_silent.yaml");
  const auto& run = up.finish();
  INFO(describe(run));

  CHECK(run.exit_code == 1);
  CHECK(contains(run.err,
                 "summon: error: quiet: not ready after 300ms: log: no line matching 'ready' yet; "
                 "it wrote nothing; its output may be buffered, e.g. PYTHONUNBUFFERED=1 for "
                 "Python\n"));
  CHECK_FALSE(contains(run.err, "lines of quiet"));
  CHECK(survivors(sandbox.record()) == std::vector<std::string>{});
}

TEST_CASE("a program that cannot start fails the run, naming it") {
  Sandbox sandbox;
  auto up = sandbox.up("missing_program.yaml");
  const auto& run = up.finish();
  INFO(describe(run));
  auto record = sandbox.record();
  INFO("record:\n" << record.text());

  CHECK(run.exit_code == 1);
  CHECK(contains(
      run.err, "summon: error: ghost: cannot start: ./no-such-program: No such file or directory"));
  CHECK(contains(run.out, "[summon] api skipped (ghost failed)"));
  CHECK_FALSE(record.has("api", "start"));
  CHECK(survivors(record) == std::vector<std::string>{});
}

TEST_CASE("a tcp port already in use fails the service before it starts, naming the owner") {
  Sandbox sandbox;
  TcpListener busy;
  auto port = std::to_string(busy.port());
  auto up = sandbox.up("port_busy.yaml", {}, {{"BUSY_PORT", port}});
  const auto& run = up.finish();
  INFO(describe(run));
  CHECK(run.exit_code == 1);
  CHECK(contains(run.err, "summon: error: db: port " + port + " is already in use by pid " +
                              std::to_string(::getpid())));
  CHECK_FALSE(sandbox.record().has("db", "start"));
}

TEST_CASE("a completed dependency that exits non-zero fails the run; its dependent is skipped") {
  Sandbox sandbox;
  auto up = sandbox.up("migrate_fails.yaml");
  const auto& run = up.finish();
  INFO(describe(run));
  auto record = sandbox.record();
  INFO("record:\n" << record.text());

  CHECK(run.exit_code == 1);
  CHECK(contains(run.err, "summon: error: migrate: "));
  CHECK(contains(run.err, "code 2"));
  CHECK(contains(run.err, "migrate | migrating\n"));
  CHECK(contains(run.out, "[summon] api skipped (migrate failed)"));
  CHECK_FALSE(record.has("api", "start"));
  CHECK(record.has("other", "term"));
  CHECK(survivors(record) == std::vector<std::string>{});
}

TEST_CASE("fd: closing the fd without a newline fails at once, not at the timeout") {
  Sandbox sandbox;
  auto up = sandbox.up("fd_closed.yaml");
  const auto& run = up.finish();
  INFO(describe(run));
  CHECK_FALSE(run.timed_out);
  CHECK(run.exit_code == 1);
  CHECK(contains(run.err, "summon: error: closer: "));
  CHECK(survivors(sandbox.record()) == std::vector<std::string>{});
}

TEST_CASE("the failure summary masks a secret value in the probe's URL") {
  Sandbox sandbox;
  auto up = sandbox.up("secret_probe.yaml", {}, {{"API_TOKEN", "tok-env-4711"}});
  const auto& run = up.finish();
  INFO(describe(run));

  CHECK(run.exit_code == 1);
  CHECK(contains(run.err, "summon: error: api: not ready after 500ms: http 127.0.0.1:"));
  CHECK(contains(run.err, "/health?token=***: status 503\n"));
  CHECK(contains(run.out, "[summon] api failed: not ready after 500ms: http "));
  CHECK(contains(run.out, "/health?token=***: status 503\n"));
  CHECK_FALSE(contains(run.err, "tok-env-4711"));
  CHECK_FALSE(contains(run.out, "tok-env-4711"));
  CHECK(survivors(sandbox.record()) == std::vector<std::string>{});
}

TEST_CASE("the failure summary masks the password of a URL") {
  Sandbox sandbox;
  auto up = sandbox.up("secret_url.yaml");
  const auto& run = up.finish();
  INFO(describe(run));

  CHECK(run.exit_code == 1);
  CHECK(contains(run.err, "summon: error: api: "));
  CHECK(contains(run.err, "http://probe:***@127.0.0.1:1/health"));
  CHECK_FALSE(contains(run.err, "url-pass-9"));
  CHECK_FALSE(contains(run.out, "url-pass-9"));
  CHECK(survivors(sandbox.record()) == std::vector<std::string>{});
}

// A runtime that cannot even start throws (here: the fork of its guardian,
// with the user held to one process, summon itself). main() says so as an
// error like any other rather than leaving it to std::terminate's abort.
TEST_CASE("a runtime that throws ends summon with 'summon: error:' and exit 1, not an abort") {
  Sandbox sandbox;
  // The process limit does not bind root: as root, the run is made as nobody.
  std::vector<std::string> argv = {"/usr/bin/prlimit",
                                   "--nproc=1",
                                   summon_bin(),
                                   "run",
                                   runtime_fixture("simple.yaml"),
                                   "--",
                                   "true"};
  if (::geteuid() == 0)
    argv.insert(argv.begin(),
                {"/usr/bin/setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups"});
  const std::string program = argv.front();
  argv.erase(argv.begin());
  const auto run = run_program(program, argv, sandbox.options());
  INFO(describe(run));

  CHECK(run.signal == 0);
  CHECK(run.exit_code == 1);
  CHECK(run.err ==
        "summon: error: cannot start the guardian: fork: Resource temporarily unavailable\n");
  CHECK(sandbox.record().events().empty());  // nothing started
}

}  // namespace summon::testing
