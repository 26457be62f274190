#include "runtime/run_mark.hpp"

#include <sched.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <doctest/doctest.h>

#include <set>
#include <string>

using namespace summon::runtime;

namespace {

// A `sleep` with exactly `environment`, as a service would have it.
pid_t start_sleep(const std::string& environment) {
  const pid_t pid = ::fork();
  if (pid == 0) {
    const char* argv[] = {"/bin/sleep", "100", nullptr};
    const char* envp[] = {environment.c_str(), nullptr};
    ::execve(argv[0], const_cast<char* const*>(argv), const_cast<char* const*>(envp));
    ::_exit(127);
  }
  return pid;
}

// Waits for a child and says which signal ended it (0 if none did).
int end_signal(pid_t pid) {
  int status = 0;
  ::waitpid(pid, &status, 0);
  return WIFSIGNALED(status) ? WTERMSIG(status) : 0;
}

// Until the child has exec'd: its environment is its own only then.
void wait_for_exec(pid_t pid) {
  const std::string exe = "/proc/" + std::to_string(pid) + "/exe";
  char target[256];
  for (;;) {
    const ssize_t length = ::readlink(exe.c_str(), target, sizeof target);
    if (length > 0 && std::string(target, static_cast<std::size_t>(length)) == "/usr/bin/sleep")
      return;
    ::sched_yield();
  }
}

}  // namespace

TEST_CASE("run ids are 32 hex digits, new each time") {
  const auto a = new_run_id(), b = new_run_id();
  CHECK(a.size() == 32);
  CHECK(a.find_first_not_of("0123456789abcdef") == std::string::npos);
  CHECK(a != b);
}

TEST_CASE("a nested run's mark keeps the marks of the runs around it") {
  CHECK(run_mark_value(std::nullopt, "b") == "b");
  CHECK(run_mark_value(std::string(""), "b") == "b");
  CHECK(run_mark_value(std::string("a"), "b") == "a,b");
}

TEST_CASE("a mark is found as a whole id in SUMMON_RUN, and nowhere else") {
  using namespace std::string_literals;
  CHECK(environ_has_mark("A=1\0SUMMON_RUN=abc\0"s, "abc"));
  CHECK(environ_has_mark("SUMMON_RUN=x,abc,y"s, "abc"));
  CHECK_FALSE(environ_has_mark("SUMMON_RUN=abcd\0"s, "abc"));
  CHECK_FALSE(environ_has_mark("OTHER=abc\0X_SUMMON_RUN=abc\0"s, "abc"));
  CHECK_FALSE(environ_has_mark(""s, "abc"));
}

TEST_CASE("only processes that carry the run's mark are killed") {
  const std::string id = new_run_id();
  const RunIdentity who = RunIdentity::now({});
  const pid_t marked = start_sleep("SUMMON_RUN=outer," + id);
  const pid_t other = start_sleep("SUMMON_RUN=" + new_run_id());
  const pid_t unmarked = start_sleep("PATH=/bin");
  for (pid_t pid : {marked, other, unmarked}) wait_for_exec(pid);

  std::set<pid_t> killed;
  CHECK(kill_marked_processes(id, who, killed) == 1);
  CHECK(killed == std::set<pid_t>{marked});
  CHECK(end_signal(marked) == SIGKILL);
  // Once killed, a process is not counted again.
  CHECK(kill_marked_processes(id, who, killed) == 0);

  CHECK(::kill(other, 0) == 0);
  CHECK(::kill(unmarked, 0) == 0);
  for (pid_t pid : {other, unmarked}) {
    ::kill(pid, SIGKILL);
    end_signal(pid);
  }
}

// Anyone can write a mark into their own environment: a marked process that
// started before the run, or runs as a user the run does not use, is not the
// run's.
TEST_CASE("a marked process older than the run, or of another user, is not killed") {
  const std::string id = new_run_id();
  const pid_t early = start_sleep("SUMMON_RUN=" + id);
  wait_for_exec(early);
  // Until the clock of /proc's start times has moved past the early process's.
  RunIdentity later = RunIdentity::now({});
  while (later.admits(early)) {
    ::sched_yield();
    later = RunIdentity::now({});
  }
  std::set<pid_t> killed;
  CHECK(kill_marked_processes(id, later, killed) == 0);

  RunIdentity other_user = RunIdentity::now({});
  other_user.started = 0;
  other_user.uids = {static_cast<uid_t>(::geteuid() + 12345)};
  other_user.any_user = false;
  CHECK(kill_marked_processes(id, other_user, killed) == 0);
  CHECK(::kill(early, 0) == 0);

  // The same process, admitted, is killed.
  RunIdentity everyone = other_user;
  everyone.uids = {::geteuid()};
  CHECK(kill_marked_processes(id, everyone, killed) == 1);
  CHECK(end_signal(early) == SIGKILL);
}
