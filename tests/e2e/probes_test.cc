// Every readiness probe kind (SPEC 1.3) brings a real service up with `summon up`:
// summon reports it ready no sooner than the service became ready, then tears it down.
#include <signal.h>

#include <algorithm>
#include <cstdint>
#include <fstream>
#include <string>

#include <doctest/doctest.h>

#include "processes.hpp"
#include "sandbox.hpp"
#include "sockets.hpp"

namespace summon::testing {

namespace {

// Brings `service` of `fixture` up, checks what summon said and what the service
// recorded, stops it with SIGINT and checks that nothing is left.
void check_brings_up(const std::string& fixture, const std::string& service,
                     const std::string& kind, const Sandbox& sandbox = {}) {
  CAPTURE(service);
  auto up = sandbox.up(fixture, {service});
  auto ready = up.wait_for_line("[summon] ready:");
  auto reported = up.find_line("[summon] " + service + " ready in ");
  up.send(SIGINT);
  const auto& run = up.finish();
  INFO("stdout:\n" << run.out << "stderr:\n" << run.err);
  auto record = sandbox.record();
  INFO("record:\n" << record.text());

  REQUIRE(ready);
  CHECK(ready->text.find("ready: 1 service") != std::string::npos);
  REQUIRE(reported);
  CHECK(reported->text.find("(" + kind + ")") != std::string::npos);
  const Event* became_ready = record.find(service, "ready");
  REQUIRE(became_ready);
  CHECK(became_ready->ns <= monotonic_ns(reported->at));

  CHECK(run.exit_code == 0);
  CHECK(run.err == "");
  CHECK(run.out.find("[summon] stopped") != std::string::npos);
  REQUIRE(record.has(service, "term"));
  CHECK(record.find(service, "term")->args == std::vector<std::string>{"TERM"});
  CHECK(survivors(record) == std::vector<std::string>{});
}

}  // namespace

TEST_CASE("tcp: ready when a connect succeeds") {
  check_brings_up("probes.yaml", "tcp", "tcp");
}

TEST_CASE("tcp on localhost also tries ::1, and [::1] is taken literally") {
  if (!has_ipv6()) {
    MESSAGE("skipped: no IPv6 loopback here");
    return;
  }
  check_brings_up("tcp6.yaml", "localhost", "tcp");
  check_brings_up("tcp6.yaml", "literal", "tcp");
}

TEST_CASE("http: a 503 is not ready; any 2xx is") {
  check_brings_up("probes.yaml", "http", "http");
}

TEST_CASE("http with a body regex: a 200 whose body does not match is not ready") {
  check_brings_up("probes.yaml", "http_body", "http");
}

TEST_CASE("exec: ready when the command exits 0") {
  check_brings_up("probes.yaml", "exec", "exec");
}

TEST_CASE("log: ready at the count-th matching line of the stream it watches") {
  // `line 1` at start is the first match of two.
  check_brings_up("probes.yaml", "log", "log");
}

TEST_CASE("log on stderr: the same text on stdout does not count") {
  check_brings_up("probes.yaml", "log_stderr", "log");
}

TEST_CASE("file: a file older than the service does not count") {
  Sandbox sandbox;
  std::ofstream(sandbox.path("file.flag")) << "stale\n";
  check_brings_up("probes.yaml", "file", "file", sandbox);
}

TEST_CASE("unix: ready when a stream connect to the socket succeeds") {
  check_brings_up("probes.yaml", "unix", "unix");
}

TEST_CASE("notify: ready on READY=1, and STATUS= lines are shown") {
  Sandbox sandbox;
  check_brings_up("probes.yaml", "notify", "notify", sandbox);
  auto up = sandbox.up("probes.yaml", {"notify"});
  CHECK(up.wait_for_line("[summon] notify status: starting"));
  up.send(SIGINT);
  CHECK(up.finish().exit_code == 0);
}

// Servers say STOPPING=1 as they begin to stop, and log an error when the
// socket is already gone (Redis: "sd_notify: -2").
TEST_CASE("notify: the socket stays while the service stops, and STOPPING=1 is shown") {
  Sandbox sandbox;
  auto up = sandbox.up("probes.yaml", {"notify"});
  REQUIRE(up.wait_for_line("[summon] ready: "));
  up.send(SIGINT);
  CHECK(up.wait_for_line("[summon] notify status: stopping"));
  const auto& run = up.finish();
  INFO(describe(run));
  CHECK(run.exit_code == 0);
  CHECK((run.out + run.err).find("cannot notify") == std::string::npos);
}

TEST_CASE("fd: ready when the service writes a newline to its fd 3") {
  check_brings_up("probes.yaml", "fd", "fd");
}

TEST_CASE("all: ready only when every listed probe holds") {
  check_brings_up("probes.yaml", "all", "all");
}

TEST_CASE("every probe kind at once: all ready together, names padded to one width") {
  Sandbox sandbox;
  auto up = sandbox.up("probes.yaml");
  auto ready = up.wait_for_line("[summon] ready:");
  up.send(SIGINT);
  const auto& run = up.finish();
  INFO("stdout:\n" << run.out << "stderr:\n" << run.err);
  REQUIRE(ready);
  CHECK(ready->text.find("ready: 11 services in ") != std::string::npos);
  // The longest name is log_stderr: 10 characters.
  CHECK(up.find_line("log        | line 1"));
  CHECK(up.find_line("log_stderr | listening"));
  CHECK(run.exit_code == 0);
  auto record = sandbox.record();
  INFO("record:\n" << record.text());
  // Independent services start together: summon starts every one before it
  // hears of the first being ready (its own order, not the machine's timing).
  const auto& lines = up.lines();
  std::size_t last_started = 0, first_ready = lines.size();
  for (std::size_t n = 0; n < lines.size(); ++n) {
    if (lines[n].text.find(" started (pid ") != std::string::npos) last_started = n;
    if (lines[n].text.find(" ready in ") != std::string::npos)
      first_ready = std::min(first_ready, n);
  }
  CHECK(last_started < first_ready);
  for (const char* service : {"tcp", "http", "http_body", "exec", "log", "log_stderr", "file",
                              "unix", "notify", "fd", "all"}) {
    CAPTURE(service);
    REQUIRE(record.has(service, "start"));
    REQUIRE(record.has(service, "ready"));
    CHECK(record.before(service, "ready", service, "term"));
    CHECK(record.before(service, "term", service, "exit"));
  }
  // No colour when stdout is not a terminal.
  CHECK(run.out.find("\x1b[") == std::string::npos);
  CHECK(survivors(record) == std::vector<std::string>{});
}

}  // namespace summon::testing
