// The sd_notify watchdog and the notify probe's other messages, with the
// test service as the service: WATCHDOG_USEC and WATCHDOG_PID in its
// environment, WATCHDOG=1 keeping it healthy, WATCHDOG=trigger,
// EXTEND_TIMEOUT_USEC and ERRNO.
#include <doctest/doctest.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "config/environment.hpp"
#include "loop_helpers.hpp"
#include "runtime/notify_message.hpp"
#include "runtime/probe_kinds.hpp"
#include "runtime/spawn.hpp"
#include "runtime/watchdog.hpp"

namespace config = summon::config;
using summon::runtime::HealthEvents;
using summon::runtime::SpawnRequest;
using summon::runtime::Watchdog;
using summon::test::Clock;
using namespace std::chrono_literals;

namespace {

std::string read_file(const std::string& path) {
  std::ifstream file(path);
  std::stringstream text;
  text << file.rdbuf();
  return text.str();
}

// A loop and the health events a watchdog sent, in order: "unhealthy: WHY" or "healthy".
struct Harness : summon::test::TestLoop {
  HealthEvents health() {
    return {[this](std::string why) { seen.push_back("unhealthy: " + why); },
            [this] { seen.push_back("healthy"); }};
  }
  std::vector<std::string> seen;
};

// The test service with a notify probe, wired as its owner wires it: the
// watchdog made at ready, fed by the probe's WATCHDOG= events.
struct ServiceHarness : Harness {
  ServiceHarness() {
    target.owns = [this](pid_t sender) { return pid && sender == *pid; };
  }
  ~ServiceHarness() {
    probe.reset();
    watchdog.reset();
    if (pid && !exited) {
      ::kill(*pid, SIGKILL);
      run_until([this] { return exited; });
    }
  }

  // Starts the test service with `args`, and `watchdog: period`.
  void start(std::vector<std::string> args, config::Duration period,
             config::EnvList environment = config::process_environment()) {
    summon::runtime::ProbeEvents events;
    events.ready = [this, period] {
      ++ready;
      watchdog = std::make_unique<Watchdog>(io, period, health());
    };
    events.failed = [this](std::string why) { failures.push_back(std::move(why)); };
    events.status = [this](std::string text) { statuses.push_back(std::move(text)); };
    events.watchdog = [this] {
      ++pings;
      last_ping = Clock::now();
      if (watchdog) watchdog->ping();
    };
    events.watchdog_trigger = [this] {
      if (watchdog) watchdog->trigger();
    };
    events.extend = [this](std::chrono::microseconds extra) { extensions.push_back(extra); };
    events.error_number = [this](int error) { errors.push_back(error); };
    probe = summon::runtime::make_notify_probe({}, target, context, std::move(events));

    const char* program = std::getenv("SUMMON_TEST_SERVICE");
    REQUIRE(program != nullptr);
    SpawnRequest request;
    request.argv = {program};
    request.argv.insert(request.argv.end(), args.begin(), args.end());
    request.environment = std::move(environment);
    REQUIRE_FALSE(probe->prepare(request));
    summon::runtime::add_watchdog_environment(request, period);
    const int out = ::open(output().c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    REQUIRE(out >= 0);
    request.stdout_fd = out;
    auto spawned = summon::runtime::spawn(request);
    ::close(out);
    REQUIRE(std::holds_alternative<pid_t>(spawned));
    pid = std::get<pid_t>(spawned);
    reaper.watch(*pid, [this](int) { exited = true; });
    probe->start();
  }

  std::string output() const { return dir / "out"; }

  std::unique_ptr<summon::runtime::Probe> probe;
  std::unique_ptr<Watchdog> watchdog;
  std::optional<pid_t> pid;
  bool exited = false;
  int ready = 0;
  int pings = 0;
  Clock::time_point last_ping;
  std::vector<std::string> failures;
  std::vector<std::string> statuses;
  std::vector<std::chrono::microseconds> extensions;
  std::vector<int> errors;
};

}  // namespace

TEST_CASE("the service gets WATCHDOG_USEC and WATCHDOG_PID, which is its own pid") {
  ServiceHarness h;
  auto environment = config::process_environment();
  environment.emplace_back("WATCHDOG_PID", "1");  // stale ones, from summon's own environment
  environment.emplace_back("WATCHDOG_USEC", "5");
  h.start({"--ready", "notify", "--print-env", "WATCHDOG_USEC", "--print-env", "WATCHDOG_PID"},
          1500ms, environment);
  REQUIRE(h.run_until([&] { return h.ready > 0; }));
  const std::string printed = read_file(h.output());
  CHECK(printed == "WATCHDOG_USEC=1500000\nWATCHDOG_PID=" + std::to_string(*h.pid) + "\n");
}

TEST_CASE("WATCHDOG=1 keeps the service healthy; once it stops coming, unhealthy after D") {
  ServiceHarness h;
  h.start({"--ready", "notify", "--watchdog-every", "20", "--watchdog-until", "400"}, 150ms);
  REQUIRE(h.run_until([&] { return h.ready > 0; }));
  // The notify socket is still read after READY=1.
  REQUIRE(h.run_until([&] { return h.pings >= 5; }));
  CHECK(h.seen.empty());

  REQUIRE(h.run_until([&] { return !h.seen.empty(); }));
  CHECK(h.seen == std::vector<std::string>{"unhealthy: no WATCHDOG=1 for 150ms"});
  CHECK(Clock::now() - h.last_ping >= 150ms);
  CHECK(h.pings >= 10);  // it came after the pings had stopped, not before
  h.run_for(200ms);
  CHECK(h.seen.size() == 1);
}

TEST_CASE("WATCHDOG=trigger makes the service unhealthy at once; WATCHDOG=1 healthy again") {
  ServiceHarness h;
  h.start({"--ready", "notify", "--watchdog-every", "30", "--notify-at", "150:WATCHDOG=trigger"},
          1h);
  REQUIRE(h.run_until([&] { return h.seen.size() >= 2; }));
  CHECK(h.seen == std::vector<std::string>{"unhealthy: sent WATCHDOG=trigger", "healthy"});
}

TEST_CASE("EXTEND_TIMEOUT_USEC before ready is passed on, after ready it means nothing") {
  ServiceHarness h;
  h.start({"--notify-at", "0:EXTEND_TIMEOUT_USEC=5000000", "--ready", "notify", "--ready-after",
           "100", "--notify-at", "200:EXTEND_TIMEOUT_USEC=1\\nSTATUS=later"},
          1h);
  REQUIRE(h.run_until([&] { return h.ready > 0; }));
  CHECK(h.extensions == std::vector<std::chrono::microseconds>{5s});
  REQUIRE(h.run_until([&] { return !h.statuses.empty() && h.statuses.back() == "later"; }));
  CHECK(h.extensions.size() == 1);
}

TEST_CASE("ERRNO= is passed on, and errno_note words it for the exit's note") {
  ServiceHarness h;
  h.start({"--notify-at", "0:ERRNO=98", "--ready", "notify", "--ready-after", "50"}, 1h);
  REQUIRE(h.run_until([&] { return h.ready > 0; }));
  CHECK(h.errors == std::vector<int>{98});
  CHECK(summon::runtime::errno_note(98) == "ERRNO=98: Address already in use");
  CHECK(summon::runtime::errno_note(4000) == "ERRNO=4000: Unknown error 4000");
}

TEST_CASE("a watchdog with no ping is unhealthy after its period, and healthy at the next ping") {
  Harness h;
  const auto made = Clock::now();
  Watchdog watchdog(h.io, 100ms, h.health());
  REQUIRE(h.run_until([&] { return !h.seen.empty(); }));
  CHECK(Clock::now() - made >= 100ms);
  CHECK(h.seen == std::vector<std::string>{"unhealthy: no WATCHDOG=1 for 100ms"});
  CHECK(watchdog.unhealthy());

  watchdog.ping();
  CHECK(h.seen.size() == 1);  // not from inside ping()
  REQUIRE(h.run_until([&] { return h.seen.size() == 2; }));
  CHECK(h.seen[1] == "healthy");
  CHECK_FALSE(watchdog.unhealthy());

  // The period counts again from that ping.
  REQUIRE(h.run_until([&] { return h.seen.size() == 3; }));
  CHECK(h.seen[2] == "unhealthy: no WATCHDOG=1 for 100ms");
}

TEST_CASE("pings cost the loop nothing: the timer wakes once per period") {
  Harness h;
  Watchdog watchdog(h.io, 300ms, h.health());
  for (int i = 0; i < 1000; ++i) watchdog.ping();
  h.io.restart();
  CHECK(h.io.run_one_for(200ms) == 0);
  CHECK(h.seen.empty());
}

TEST_CASE("a trigger is told once; a destroyed watchdog tells nothing") {
  Harness h;
  {
    Watchdog watchdog(h.io, 1h, h.health());
    watchdog.trigger();
    watchdog.trigger();
    CHECK(h.seen.empty());  // not from inside trigger()
    h.run_for(20ms);
    CHECK(h.seen == std::vector<std::string>{"unhealthy: sent WATCHDOG=trigger"});
  }
  h.seen.clear();
  {
    Watchdog watchdog(h.io, 10ms, h.health());
    watchdog.trigger();
  }
  h.run_for(50ms);
  CHECK(h.seen.empty());
}

TEST_CASE(
    "add_watchdog_environment sets WATCHDOG_USEC in place of any, and asks for WATCHDOG_PID") {
  SpawnRequest request;
  request.environment = {{"WATCHDOG_USEC", "1"}, {"PATH", "/bin"}};
  summon::runtime::add_watchdog_environment(request, 2s);
  CHECK(request.environment == config::EnvList{{"PATH", "/bin"}, {"WATCHDOG_USEC", "2000000"}});
  CHECK(request.pid_variable == "WATCHDOG_PID");
}
