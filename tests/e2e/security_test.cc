// What another user, or a reused pid, can do to a run: nothing (SPEC 3.5).
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "processes.hpp"
#include "sandbox.hpp"

namespace summon::testing {

namespace {

using namespace std::chrono_literals;

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

std::string environment_value(pid_t pid, const std::string& key) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/environ", std::ios::binary);
  const std::string environ{std::istreambuf_iterator<char>(in), {}};
  const std::string entry = key + "=";
  std::size_t at = environ.starts_with(entry) ? 0 : environ.find(std::string(1, '\0') + entry);
  if (at == std::string::npos) return {};
  if (at > 0 || !environ.starts_with(entry)) ++at;
  return environ.substr(at + entry.size()).c_str();
}

}  // namespace

TEST_CASE("a notify message from another user's process does not make a service ready") {
  if (::geteuid() != 0) {
    MESSAGE("not root: another user's process cannot be made here; case not covered");
    return;
  }
  Sandbox sandbox;
  auto up = sandbox.up("security_notify.yaml");
  REQUIRE(sandbox.wait_for_record("slow", "start", 5000ms));
  auto record = sandbox.record();
  INFO("record:\n" << record.text());
  const pid_t service = std::stoi(record.find("slow", "start")->args[0]);
  const std::string socket = environment_value(service, "NOTIFY_SOCKET");
  REQUIRE(socket.starts_with("@"));

  // nobody, who can reach any abstract socket, says READY=1 in its name.
  const auto forged = run_program(
      "/usr/bin/setpriv", {"--reuid=nobody", "--regid=nogroup", "--clear-groups", "/usr/bin/python3", "-c",
                  "import socket, sys\n"
                  "s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)\n"
                  "s.sendto(b'READY=1\\nSTATUS=forged', '\\0' + sys.argv[1][1:])\n",
                  socket});
  INFO(describe(forged));
  REQUIRE(forged.exit_code == 0);
  const auto refused = up.wait_for_line("[summon] slow: ignored a notify message from pid ");
  REQUIRE(refused);
  CHECK(contains(refused->text, "(uid 65534): not a process of slow"));
  up.send(SIGINT);
  const auto& run = up.finish();
  INFO(describe(run));
  CHECK_FALSE(contains(run.out, "slow ready"));
  CHECK_FALSE(contains(run.out, "forged"));
  CHECK(survivors(sandbox.record()) == std::vector<std::string>{});
}

TEST_CASE("a service run as another user reaches its notify socket and is ready") {
  if (::geteuid() != 0) {
    MESSAGE("not root: `user:` needs root; case not covered");
    return;
  }
  Sandbox sandbox;
  // A private runtime folder, as a login session has: nothing goes in it
  // but the state root of running projects (SPEC 2.2), empty once it ends.
  const std::string private_dir = sandbox.path("runtime");
  std::filesystem::create_directory(private_dir);
  std::filesystem::permissions(private_dir, std::filesystem::perms::owner_all);
  const auto& run = sandbox.run("security_notify_user.yaml", {"--", "true"},
                                {{"XDG_RUNTIME_DIR", private_dir}});
  INFO(describe(run));
  CHECK(run.exit_code == 0);
  CHECK(contains(run.out, "[summon] dropped ready in "));
  for (const auto& entry : std::filesystem::directory_iterator(private_dir)) {
    CHECK(entry.path().filename() == "summon");
    CHECK(std::filesystem::is_empty(entry.path()));
  }
}

TEST_CASE("no runtime folder is needed: an unusable XDG_RUNTIME_DIR changes nothing") {
  Sandbox sandbox;
  const auto& run = sandbox.run("security_notify_socket.yaml", {"--", "true"},
                                {{"XDG_RUNTIME_DIR", "/nonexistent/runtime"}});
  INFO(describe(run));
  CHECK(run.exit_code == 0);
  CHECK(contains(run.out, "[summon] notified ready in "));
  // Not a fixed name under bare /tmp, as when the runtime folder could not be made.
  CHECK(contains(run.out, "| socket=@summon/"));
}

// The guardian once killed the process groups of services that had already
// ended; a pid is reused sooner or later, and then that group is anyone's.
TEST_CASE("after summon's SIGKILL, a process that took a finished service's pid lives on") {
  if (::geteuid() != 0) {
    MESSAGE("not root: no pid namespace to steer pids in; case not covered");
    return;
  }
  Sandbox sandbox;
  const auto trial = run_program(
      "/usr/bin/unshare", {"--pid", "--fork", "--mount-proc", "bash",
                  tests_dir("e2e/scripts/pid_reuse.sh"), summon_bin(),
                  runtime_fixture("security_oneshot.yaml"), sandbox.record_path(),
                  sandbox.path("out")},
      sandbox.options());
  INFO(describe(trial));
  INFO("record:\n" << sandbox.record().text());
  CHECK(trial.exit_code == 0);
  CHECK(trial.out == "survived\n");
}

// A process's environment is its own memory: anyone who learns a run's id can
// write it into theirs. The guardian must still not kill for them what they
// could not kill themselves (a set-user-ID program they started).
TEST_CASE("after summon's SIGKILL, another user's set-user-ID program with a forged mark lives on") {
  if (::geteuid() != 0) {
    MESSAGE("not root: no other user to be here; case not covered");
    return;
  }
  Sandbox sandbox;
  std::filesystem::permissions(sandbox.dir(), std::filesystem::perms::others_exec,
                               std::filesystem::perm_options::add);
  const auto trial = run_program(
      "/bin/bash",
      {tests_dir("e2e/scripts/forged_mark.sh"), summon_bin(), runtime_fixture("simple.yaml"),
       sandbox.record_path(), sandbox.path("out")},
      sandbox.options());
  INFO(describe(trial));
  CHECK(trial.exit_code == 0);
  CHECK(trial.out == "survived\n");
}

TEST_CASE("a service run as another user gets that user's HOME, USER, LOGNAME and SHELL") {
  if (::geteuid() != 0) {
    MESSAGE("not root: `user:` needs root; case not covered");
    return;
  }
  Sandbox sandbox;
  const auto& run = sandbox.run("security_user.yaml", {"--", "true"}, {{"HOME", "/root"},
                                                                       {"USER", "root"},
                                                                       {"LOGNAME", "root"},
                                                                       {"SHELL", "/bin/bash"}});
  INFO(describe(run));
  CHECK(run.exit_code == 0);
  CHECK(contains(run.out,
                 "| HOME=/nonexistent USER=nobody LOGNAME=nobody SHELL=/usr/sbin/nologin\n"));
  // What the file sets explicitly still wins.
  CHECK(contains(run.out, "| HOME=/srv/app USER=nobody\n"));
}

// summon needs a few descriptors per service; its services get the limit
// their user gave, not summon's raised one.
TEST_CASE("a low soft descriptor limit does not stop summon, and services keep it") {
  Sandbox sandbox;
  std::string file = "services:\n";
  for (int n = 0; n < 40; ++n)
    file += "  s" + std::to_string(n) + ": {command: [\"" + test_service_bin() +
            "\", --ready, \"log:up\"], ready: {log: up}}\n";
  std::ofstream(sandbox.path("services.yaml")) << file;
  const auto run = run_program(
      "/bin/sh",
      {"-c", "ulimit -Sn 64 && exec \"$0\" run services.yaml --quiet -- sh -c 'ulimit -Sn'",
       summon_bin()},
      sandbox.options());
  INFO(describe(run));
  CHECK(run.exit_code == 0);
  CHECK(contains(run.out, "ready: 40 services"));
  CHECK(contains(run.out, "\n64\n"));  // the command's own soft limit
}

}  // namespace summon::testing
