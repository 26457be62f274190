// Process hygiene under faults (SPEC 3.1, 3.3): whatever happens to summon or to a
// service, no process is left behind, and the stop timeout and the order hold.
#include <poll.h>
#include <signal.h>
#include <sys/inotify.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <optional>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "processes.hpp"
#include "sandbox.hpp"

namespace summon::testing {

namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

template <class Duration>
double ms(Duration d) {
  return std::chrono::duration<double, std::milli>(d).count();
}

// Milliseconds from a record's time to a time the test saw, both on CLOCK_MONOTONIC.
double ms_since(std::int64_t record_ns, Clock::time_point at) {
  return static_cast<double>(monotonic_ns(at) - record_ns) / 1e6;
}

// Every pid the record names: services and their children.
std::vector<pid_t> recorded_pids(const Record& record) {
  std::vector<pid_t> pids;
  for (const auto& event : record.events())
    if ((event.what == "start" || event.what == "child") && !event.args.empty())
      pids.push_back(static_cast<pid_t>(std::stol(event.args[0])));
  return pids;
}

// The live processes whose command line holds `marker`.
std::vector<pid_t> processes_with(const std::string& marker) {
  std::vector<pid_t> found;
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator("/proc", error)) {
    auto name = entry.path().filename().string();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::ifstream in(entry.path() / "cmdline", std::ios::binary);
    std::string cmdline{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
    auto pid = static_cast<pid_t>(std::stol(name));
    if (contains(cmdline, marker) && alive(pid)) found.push_back(pid);
  }
  return found;
}

// The guardian is summon's child that runs summon's own program.
std::optional<pid_t> guardian_of(pid_t summon) {
  std::error_code error;
  const auto program = std::filesystem::read_symlink("/proc/" + std::to_string(summon) + "/exe");
  for (const auto& task :
       std::filesystem::directory_iterator("/proc/" + std::to_string(summon) + "/task", error)) {
    std::ifstream children(task.path() / "children");
    pid_t pid;
    while (children >> pid) {
      std::error_code ignored;
      if (std::filesystem::read_symlink("/proc/" + std::to_string(pid) + "/exe", ignored) ==
          program)
        return pid;
    }
  }
  return std::nullopt;
}

// The recorded processes still alive, as "pid N"; empty when all are gone.
std::vector<std::string> alive_of(const std::vector<pid_t>& pids) {
  std::vector<std::string> found;
  for (pid_t pid : pids)
    if (alive(pid)) found.push_back("pid " + std::to_string(pid));
  return found;
}

}  // namespace

TEST_CASE(
    "summon killed with SIGKILL during bring-up leaves nothing running once its guardian ends") {
  Sandbox sandbox;
  auto up = sandbox.up("hygiene_starting.yaml");
  // slow prints this once its child exists; it is a minute from ready.
  REQUIRE(up.wait_for_line("[summon] base ready in "));
  REQUIRE(up.wait_for_line("slow has a child"));
  auto record = sandbox.record();
  INFO("record:\n" << record.text());
  REQUIRE(record.has("base", "child"));
  REQUIRE(record.has("slow", "child"));
  REQUIRE_FALSE(record.has("slow", "ready"));
  auto pids = recorded_pids(record);
  REQUIRE(pids.size() == 4);
  const auto guardian = guardian_of(up.pid());
  REQUIRE(guardian);

  up.send(SIGKILL);
  // The guardian is the last of summon: it ends once it has killed the run.
  // Its deadline only keeps a broken guardian from hanging the test.
  REQUIRE(wait_gone(*guardian, 10s));
  for (pid_t pid : pids) {
    CAPTURE(pid);
    // Killed by then; the kernel may still be tearing a process down.
    CHECK(wait_gone(pid, 5s));
  }
  up.finish();
  CHECK(survivors(record) == std::vector<std::string>{});
}

// That the kill comes at the stop timeout, not sooner or later, is the
// engine's to show on its fake clock (engine_teardown_test); here, the order.
TEST_CASE("a service that ignores SIGTERM gets it first, then is killed with its child") {
  Sandbox sandbox;
  auto up = sandbox.up("hygiene_ignores_term.yaml");
  REQUIRE(up.wait_for_line("[summon] ready:"));
  auto before = sandbox.record();
  INFO("record before the stop:\n" << before.text());
  auto pids = recorded_pids(before);
  REQUIRE(pids.size() == 2);  // the service and its stubborn child

  up.send(SIGINT);
  auto killed = up.wait_for_line("[summon] deaf killed after ");
  // Both gone before summon says so.
  const auto alive_at_line = alive_of(pids);
  const auto& run = up.finish();
  INFO(describe(run));
  auto record = sandbox.record();
  INFO("record:\n" << record.text());
  REQUIRE(killed);
  CHECK(alive_at_line == std::vector<std::string>{});
  // SIGTERM came first and was heard; the service never ended by itself.
  CHECK(record.count("deaf", "term") == 1);
  CHECK_FALSE(record.has("deaf", "exit"));
  CHECK_FALSE(up.find_line("[summon] deaf stopped"));
  CHECK(run.exit_code == 0);
  CHECK(survivors(record) == std::vector<std::string>{});
}

TEST_CASE(
    "a leader that exits leaves its service stopping until the member that ignores "
    "SIGTERM is killed") {
  Sandbox sandbox;
  auto up = sandbox.up("hygiene_leader_exits.yaml");
  REQUIRE(up.wait_for_line("[summon] ready:"));
  pid_t member = read_pidfile(sandbox.path("leader.pid.child"));
  REQUIRE(member > 0);

  up.send(SIGINT);
  auto line = up.wait_for_line_if([](std::string_view text) {
    return text.starts_with("[summon] leader stopped") ||
           text.starts_with("[summon] leader killed");
  });
  // The member was gone before summon said the service had stopped.
  bool member_alive_at_line = alive(member);
  const auto& run = up.finish();
  INFO(describe(run));
  auto record = sandbox.record();
  INFO("record:\n" << record.text());
  REQUIRE(line);
  CHECK_FALSE(member_alive_at_line);
  // The leader heard SIGTERM and ended by itself; the member, deaf to it,
  // had to be killed.
  CHECK(record.before("leader", "term", "leader", "exit"));
  const Event* exit = record.find("leader", "exit");
  REQUIRE(exit);
  CHECK(exit->args == std::vector<std::string>{"0"});
  CHECK(run.exit_code == 0);
  CHECK(survivors(record) == std::vector<std::string>{});
}

TEST_CASE("Ctrl-C sent to summon's whole group stops each service once, in reverse order") {
  Sandbox sandbox;
  auto up = sandbox.up("hygiene_chain.yaml");
  REQUIRE(up.wait_for_line("[summon] ready:"));
  // As a terminal does: the foreground group, summon's own.
  ::kill(-up.pid(), SIGINT);
  const auto& run = up.finish();
  INFO(describe(run));
  auto record = sandbox.record();
  INFO("record:\n" << record.text());
  CHECK(run.exit_code == 0);
  for (const char* service : {"a", "b", "c"}) {
    CAPTURE(service);
    CHECK(record.count(service, "term") == 1);
    CHECK(record.has(service, "exit"));
  }
  CHECK(record.before("c", "exit", "b", "term"));
  CHECK(record.before("b", "exit", "a", "term"));
  CHECK(survivors(record) == std::vector<std::string>{});
}

TEST_CASE("a second Ctrl-C to the group during a slow stop kills everything at once") {
  Sandbox sandbox;
  auto up = sandbox.up("hygiene_slow_stop.yaml");
  REQUIRE(up.wait_for_line("[summon] ready:"));
  ::kill(-up.pid(), SIGINT);
  // c now ignores its stop signal, with 30s to go before its stop timeout.
  REQUIRE(sandbox.wait_for_record("c", "term", 10s));
  ::kill(-up.pid(), SIGINT);
  const auto& run = up.finish();
  INFO(describe(run));
  auto record = sandbox.record();
  INFO("record:\n" << record.text());
  CHECK_FALSE(run.timed_out);
  CHECK(record.count("c", "term") == 1);
  CHECK_FALSE(record.has("c", "exit"));  // killed: it never ends by itself
  // Killed before the ordered stop reached them: no stop signal, no exit.
  for (const char* service : {"a", "b"}) {
    CAPTURE(service);
    CHECK_FALSE(record.has(service, "term"));
    CHECK_FALSE(record.has(service, "exit"));
  }
  CHECK(survivors(record) == std::vector<std::string>{});
}

TEST_CASE(
    "a service that exits with code 3 after ready, while its dependent still waits, fails "
    "the run") {
  Sandbox sandbox;
  auto up = sandbox.up("hygiene_dies_after_ready.yaml");
  const auto& run = up.finish(8s);
  INFO(describe(run));
  auto record = sandbox.record();
  INFO("record:\n" << record.text());
  REQUIRE(record.has("flaky", "ready"));
  REQUIRE(record.has("flaky", "exit"));
  CHECK(record.find("flaky", "exit")->args == std::vector<std::string>{"3"});
  CHECK_FALSE(run.timed_out);
  CHECK(run.exit_code == 1);
  CHECK(contains(run.err, "summon: error: flaky: exited with code 3\n"));
  // Never started, or stopped.
  CHECK((!record.has("dependent", "start") || record.has("dependent", "exit")));
  CHECK(record.has("slow", "term"));
  CHECK(survivors(record) == std::vector<std::string>{});
}

TEST_CASE("an exec probe that hangs with a child of its own leaves no process behind") {
  Sandbox sandbox;
  auto marker = sandbox.path("probe-marker");
  auto up = sandbox.up("hygiene_exec_probe_hangs.yaml");
  const auto& run = up.finish();
  auto left = processes_with(marker);
  INFO(describe(run));
  auto record = sandbox.record();
  INFO("record:\n" << record.text());
  // Both processes of the attempt ran.
  REQUIRE(record.has("probe_bg", "start"));
  REQUIRE(record.has("probe_fg", "start"));
  CHECK(run.exit_code == 1);
  CHECK(contains(run.err, "summon: error: waiter: not ready after 1s"));
  MESSAGE(left.size() << " process(es) of the probe left when summon exited after "
                      << ms(run.elapsed) << " ms");
  CHECK(left == std::vector<pid_t>{});
  CHECK(survivors(record) == std::vector<std::string>{});
}

TEST_CASE("a service's exit is reported while a grandchild still holds its output, and reaped") {
  Sandbox sandbox;
  auto up = sandbox.up("hygiene_grandchild_holds_output.yaml");
  auto reported = up.wait_for_line_if([](std::string_view line) {
    return line.rfind("[summon] holder ", 0) == 0 && contains(std::string(line), "code 3");
  });
  auto record = sandbox.record();
  INFO("record:\n" << record.text());
  REQUIRE(reported);
  auto start = record.find("holder", "start");
  auto child = record.find("holder", "child");
  auto exit = record.find("holder", "exit");
  REQUIRE(start);
  REQUIRE(child);
  REQUIRE(exit);
  const pid_t holder = std::stoi(start->args[0]);
  const pid_t grandchild = std::stoi(child->args[0]);
  // The pipe is still open: the grandchild lives (it ignores SIGTERM), yet
  // the exit is known, and the process is gone from /proc (reaped, no zombie).
  CHECK(alive(grandchild));
  CHECK_FALSE(std::filesystem::exists("/proc/" + std::to_string(holder)));
  MESSAGE("exit reported " << ms_since(exit->ns, reported->at)
                           << " ms after the service exited, its grandchild still running");
  up.send(SIGINT);
  const auto& run = up.finish();
  INFO(describe(run));
  CHECK(survivors(record) == std::vector<std::string>{});
}

// A descendant that left its group (setsid, double fork) is gone with the rest
// when summon is SIGKILLed: by the cgroup tree where there is one, else by the
// run's mark that the guardian finds in its environment.
TEST_CASE("summon killed with SIGKILL takes escaped descendants along") {
  Sandbox sandbox;
  auto up = sandbox.up("daemonizes.yaml");
  REQUIRE(up.wait_for_line("[summon] ready: "));
  // Ready comes from the escaped one; the daemon may record its start later.
  REQUIRE(sandbox.wait_for_record("daemon", "start", 5000ms));
  auto record = sandbox.record();
  INFO("record:\n" << record.text());
  auto escaped = record.find("escaped", "start");
  auto daemon = record.find("daemon", "start");
  REQUIRE(escaped);
  REQUIRE(daemon);
  const auto tree = summon_cgroup_of(std::stoi(daemon->args[0]));
  REQUIRE(tree.has_value() == cgroup_tree_expected());
  const auto guardian = guardian_of(up.pid());
  REQUIRE(guardian);
  up.send(SIGKILL);
  // The guardian ends once it has killed the run and removed its tree. Its
  // deadline only keeps a broken guardian from hanging the test.
  REQUIRE(wait_gone(*guardian, 10s));
  MESSAGE((tree ? "with cgroups" : "without cgroups"));
  if (tree) CHECK_FALSE(std::filesystem::exists(*tree));
  up.finish();
  for (pid_t pid : recorded_pids(record)) {
    CAPTURE(pid);
    // Killed by then; the kernel may still be tearing a process down.
    CHECK(wait_gone(pid, 5s));
  }
}

TEST_CASE("each service runs in a cgroup of its own, removed after teardown, given cgroups") {
  Sandbox sandbox;
  auto up = sandbox.up("simple.yaml");
  REQUIRE(up.wait_for_line("[summon] ready: "));
  auto record = sandbox.record();
  INFO("record:\n" << record.text());
  auto start = record.find("web", "start");
  REQUIRE(start);
  const auto tree = summon_cgroup_of(std::stoi(start->args[0]));
  up.send(SIGINT);
  const auto& run = up.finish();
  INFO(describe(run));
  CHECK(run.exit_code == 0);
  REQUIRE(tree.has_value() == cgroup_tree_expected());
  if (!tree) {
    MESSAGE("no cgroup tree here (SUMMON_NO_CGROUP, or none writable): case not covered");
    return;
  }
  CHECK(contains(*tree, "/summon." + std::to_string(up.pid())));
  CHECK_FALSE(std::filesystem::exists(*tree));
}

// The job's parent shell has ended, so it is summon's (the subreaper's) child.
TEST_CASE("what a `run` command leaves in the background ends with summon") {
  Sandbox sandbox;
  const auto& run = sandbox.run("simple.yaml",
                                {"--", "sh", "-c",
                                 // Ends once the job has said "up", so the job has started by then.
                                 "(\"$SUMMON_TEST_SERVICE\" --name left --record \"$RECORD\" "
                                 "--ready log:up &) | head -n 1"});
  INFO(describe(run));
  auto record = sandbox.record();
  INFO("record:\n" << record.text());
  CHECK(run.exit_code == 0);
  auto left = record.find("left", "start");
  REQUIRE(left);
  CHECK(wait_gone(std::stoi(left->args[0]), 1000ms));
}

// The notify socket is abstract: there is no file to leave behind, to
// follow, or to be kept from by a folder's mode.
TEST_CASE("a service's notify socket is an abstract name, not a file") {
  Sandbox sandbox;
  auto up = sandbox.up("hygiene_notify.yaml");
  REQUIRE(up.wait_for_line("[summon] ready: "));
  auto record = sandbox.record();
  INFO("record:\n" << record.text());
  auto start = record.find("notified", "start");
  REQUIRE(start);
  std::ifstream in("/proc/" + start->args[0] + "/environ", std::ios::binary);
  const std::string environ{std::istreambuf_iterator<char>(in), {}};
  const std::string key = "NOTIFY_SOCKET=";
  const auto at = environ.find(key);
  REQUIRE(at != std::string::npos);
  const std::string socket = environ.substr(at + key.size()).c_str();
  CHECK(socket.starts_with("@summon/"));
  CHECK(contains(socket, "/notified"));
  up.send(SIGINT);
  CHECK(up.finish().exit_code == 0);
}

TEST_CASE("a killed guardian makes summon stop everything, say why, and exit 1") {
  Sandbox sandbox;
  auto up = sandbox.up("hygiene_chain.yaml");
  REQUIRE(up.wait_for_line("[summon] ready: "));
  auto record = sandbox.record();
  INFO("record:\n" << record.text());
  const auto guardian = guardian_of(up.pid());
  REQUIRE(guardian);
  ::kill(*guardian, SIGKILL);
  CHECK(up.wait_for_line("[summon] the guardian (pid " + std::to_string(*guardian) + ") died"));
  const auto& run = up.finish();
  INFO(describe(run));
  CHECK(run.exit_code == 1);
  CHECK(survivors(sandbox.record()) == std::vector<std::string>{});
}

}  // namespace summon::testing
