// The exec probe with real processes: attempts until one exits 0, what it
// says when none does, and that no process of an attempt outlives it.
#include <doctest/doctest.h>
#include <signal.h>
#include <sys/types.h>

#include <cerrno>
#include <chrono>
#include <fstream>
#include <memory>
#include <optional>
#include <string>

#include "config/environment.hpp"
#include "loop_helpers.hpp"
#include "runtime/probe_kinds.hpp"

namespace config = summon::config;
using summon::runtime::make_exec_probe;
using summon::runtime::Probe;
using namespace std::chrono_literals;

namespace {

// A probe's loop whose target runs in the temporary folder, with this
// process's environment.
struct Harness : summon::test::Harness {
  Harness() {
    target.environment = config::process_environment();
    target.cwd = dir.path;
  }

  std::unique_ptr<Probe> shell_probe(const std::string& script) {
    config::ExecProbe spec{{{"/bin/sh", "-c", script}, true}};
    return make_exec_probe(spec, 20ms, target, context, events());
  }
};

bool group_is_gone(pid_t group) {
  return ::kill(-group, 0) != 0 && errno == ESRCH;
}

// The pid the script wrote to `path`, once it has written all of it.
std::optional<pid_t> read_pid(const std::string& path) {
  std::ifstream file(path);
  std::string text;
  if (!std::getline(file, text) || file.eof()) return std::nullopt;
  return static_cast<pid_t>(std::stol(text));
}

}  // namespace

TEST_CASE("an exec probe whose command exits 0 is ready") {
  Harness h;
  auto probe = make_exec_probe({{{"true"}, false}}, 100ms, h.target, h.context, h.events());
  probe->start();
  CHECK(h.ready == 0);  // not from inside start()
  REQUIRE(h.run_until_reported());
  CHECK(h.ready == 1);
  CHECK(h.failures.empty());
}

TEST_CASE("an exec probe tries again until its command succeeds") {
  Harness h;
  // Relative: the command runs in the service's folder.
  auto probe = h.shell_probe("test -e ready");
  probe->start();
  REQUIRE(h.run_until_tried(*probe));
  CHECK(probe->last_result() == "exec test -e ready: exited with code 1");
  CHECK(h.ready == 0);
  h.after(50ms, [&] { std::ofstream(h.dir / "ready") << "up\n"; });
  REQUIRE(h.run_until_reported());
  CHECK(h.ready == 1);
}

TEST_CASE("an exec probe's failed attempt shows the last line of its output") {
  Harness h;
  auto probe = h.shell_probe("echo starting; printf 'no connection\\n\\n' >&2; exit 2");
  probe->start();
  REQUIRE(h.run_until_tried(*probe));
  CHECK(probe->last_result() ==
        "exec echo starting; printf 'no connection\\n\\n' >&2; exit 2: exited with code 2: no "
        "connection");
}

TEST_CASE("an exec probe keeps a last line that has no final newline") {
  Harness h;
  auto probe = h.shell_probe("printf 'first\\nnot listening'; exit 3");
  probe->start();
  REQUIRE(h.run_until_tried(*probe));
  CHECK(probe->last_result() ==
        "exec printf 'first\\nnot listening'; exit 3: exited with code 3: not listening");
}

TEST_CASE("an exec probe whose program does not exist fails for good") {
  Harness h;
  auto probe =
      make_exec_probe({{{"summon-no-such-program"}, false}}, 20ms, h.target, h.context, h.events());
  probe->start();
  CHECK(h.failures.empty());  // not from inside start()
  REQUIRE(h.run_until_reported());
  REQUIRE(h.failures.size() == 1);
  CHECK(h.failures[0].starts_with("exec probe cannot start: summon-no-such-program"));
  CHECK(h.ready == 0);
}

TEST_CASE("destroying an exec probe kills its running attempt with its whole group") {
  Harness h;
  auto probe = h.shell_probe("echo $$ > pid; sleep 100 & sleep 100");
  probe->start();
  std::optional<pid_t> group;
  REQUIRE(h.run_until([&] { return (group = read_pid(h.dir / "pid")).has_value(); }));
  CHECK_FALSE(group_is_gone(*group));
  probe.reset();
  // Killed at once; gone once the reaper has collected them.
  CHECK(h.run_until([&] { return group_is_gone(*group); }, 2s));
  CHECK(h.ready == 0);
  CHECK(h.failures.empty());
}

TEST_CASE("an exec attempt running past 5 s is killed with its group and tried again") {
  Harness h;
  auto probe = h.shell_probe("echo $$ >> pids; sleep 100 & sleep 100");
  probe->start();
  REQUIRE(h.run_until_tried(*probe, 8s));
  CHECK(probe->last_result() == "exec echo $$ >> pids; sleep 100 & sleep 100: timed out after 5s");
  const std::optional<pid_t> first = read_pid(h.dir / "pids");
  REQUIRE(first);
  CHECK(h.run_until([&] { return group_is_gone(*first); }, 2s));
  CHECK(h.ready == 0);
  CHECK(h.failures.empty());
}
