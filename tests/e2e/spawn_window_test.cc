// The spawn window: summon SIGKILLed after it made a service's process but
// before that process could exec. The test holds the new process still
// (ptrace stops it at its first instruction), kills summon, lets it go, and
// sees what it does. It must not run the service: nobody would ever stop it.
#include <signal.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <optional>
#include <string>

#include <doctest/doctest.h>

#include "processes.hpp"
#include "sandbox.hpp"

namespace summon::testing {

namespace {

// `summon up FIXTURE` as this process's traced child, stopped at its exec.
pid_t start_traced_summon(const Sandbox& sandbox, const std::string& fixture) {
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::setenv("RECORD", sandbox.record_path().c_str(), 1);
    ::setenv("TEST_DIR", sandbox.dir().c_str(), 1);
    ::setpgid(0, 0);
    if (::chdir(sandbox.dir().c_str()) != 0) ::_exit(126);
    ::ptrace(PTRACE_TRACEME, 0, nullptr, nullptr);
    const std::string summon = summon_bin();
    const std::string file = runtime_fixture(fixture);
    const char* argv[] = {summon.c_str(), "up", file.c_str(), "--quiet", nullptr};
    ::execv(argv[0], const_cast<char* const*>(argv));
    ::_exit(127);
  }
  return pid;
}

// Waits for `pid`'s next stop (or end); its wait status.
int next_stop(pid_t pid) {
  int status = 0;
  while (::waitpid(pid, &status, __WALL) < 0 && errno == EINTR) {
  }
  return status;
}

int event_of(int status) {
  return status >> 16;
}

}  // namespace

TEST_CASE("a service process made just before summon is SIGKILLed never runs the service") {
  // Orphans come back to this test, so that it can see how they end.
  REQUIRE(::prctl(PR_SET_CHILD_SUBREAPER, 1) == 0);
  Sandbox sandbox;
  const pid_t summon = start_traced_summon(sandbox, "simple.yaml");
  REQUIRE(summon > 0);
  int status = next_stop(summon);
  REQUIRE(WIFSTOPPED(status));  // at its exec
  REQUIRE(::ptrace(PTRACE_SETOPTIONS, summon, nullptr,
                   PTRACE_O_TRACEFORK | PTRACE_O_TRACEVFORK | PTRACE_O_TRACECLONE) == 0);
  REQUIRE(::ptrace(PTRACE_CONT, summon, nullptr, nullptr) == 0);

  // The first process summon makes is its guardian, the second the first
  // service's; threads (if any) are let go.
  std::optional<pid_t> guardian, service;
  while (!service) {
    status = next_stop(summon);
    REQUIRE(WIFSTOPPED(status));
    const int event = event_of(status);
    int signal = 0;
    if (event == PTRACE_EVENT_FORK || event == PTRACE_EVENT_VFORK ||
        event == PTRACE_EVENT_CLONE) {
      unsigned long made = 0;
      REQUIRE(::ptrace(PTRACE_GETEVENTMSG, summon, nullptr, &made) == 0);
      const auto child = static_cast<pid_t>(made);
      next_stop(child);  // its first stop, before any instruction of its own
      if (event != PTRACE_EVENT_CLONE && !guardian) {
        guardian = child;
      } else if (event != PTRACE_EVENT_CLONE) {
        service = child;
        break;  // held: summon and the new process both stopped
      }
      ::ptrace(PTRACE_DETACH, child, nullptr, nullptr);
    } else if (event == 0) {
      signal = WSTOPSIG(status);  // an ordinary signal: passed on
    }
    REQUIRE(::ptrace(PTRACE_CONT, summon, nullptr, reinterpret_cast<void*>(signal)) == 0);
  }

  // summon dies now, with its new process not yet past its first instruction.
  ::kill(summon, SIGKILL);
  status = next_stop(summon);
  CHECK(WIFSIGNALED(status));
  REQUIRE(::ptrace(PTRACE_DETACH, *service, nullptr, nullptr) == 0);

  // It has come back to this test: it ends before any exec.
  const bool ended = wait_gone(*service, std::chrono::milliseconds(5000));
  CHECK_MESSAGE(ended, "pid ", *service, " went on to run the service");
  if (!ended) ::kill(*service, SIGKILL);
  status = 0;
  REQUIRE(::waitpid(*service, &status, 0) == *service);
  // It exits by itself on seeing summon gone (127); with cgroups the
  // guardian's cgroup.kill may reach it first. Either way it never ran the
  // service: the record stays empty.
  const bool exited_itself = WIFEXITED(status) && WEXITSTATUS(status) == 127;
  const bool killed_with_run = WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL;
  const bool ended_before_exec = exited_itself || killed_with_run;
  CHECK_MESSAGE(ended_before_exec, "wait status ", status);
  auto record = sandbox.record();
  INFO("record:\n" << record.text());
  CHECK(record.events().empty());  // no service ever started
  // The guardian ends once it has looked for the run's processes.
  REQUIRE(::waitpid(*guardian, &status, 0) == *guardian);
  CHECK(survivors(record) == std::vector<std::string>{});
}

}  // namespace summon::testing
