// The program hosting a Session keeps its own children, signal dispositions and mask.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstring>
#include <memory>
#include <string>

#include <doctest/doctest.h>

#include <summon/summon.hpp>

#include "library_helpers.hpp"

using namespace summon::testing;

namespace {

// A one-shot task the other service waits for, so that the session reaps an
// exit while it runs, and a service that runs until stopped.
summon::Project reaping_project() {
  summon::Project project;
  project.add(summon::service("task", summon::shell("exit 0")))
      .add(summon::service("web", {test_service_bin(), "--ready", "log:web up", "--child"})
               .ready(summon::log("web up"))
               .depends_on("task", summon::Condition::completed));
  return project;
}

constexpr std::array<int, 4> watched_signals = {SIGCHLD, SIGINT, SIGTERM, SIGPIPE};

struct Dispositions {
  std::array<struct sigaction, watched_signals.size()> actions{};

  static Dispositions now() {
    Dispositions out;
    for (std::size_t i = 0; i < watched_signals.size(); ++i)
      REQUIRE(::sigaction(watched_signals[i], nullptr, &out.actions[i]) == 0);
    return out;
  }
};

// The same handler and flags for every watched signal. Not SIG_DFL itself:
// doctest installs its own SIGINT and SIGTERM handlers while a test runs.
void check_unchanged(const Dispositions& before, const char* when) {
  const auto after = Dispositions::now();
  for (std::size_t i = 0; i < watched_signals.size(); ++i) {
    INFO(when, ": signal ", watched_signals[i]);
    CHECK((after.actions[i].sa_handler == before.actions[i].sa_handler));
    CHECK(after.actions[i].sa_flags == before.actions[i].sa_flags);
  }
}

}  // namespace

TEST_CASE("the library does not reap the host program's own children") {
  const pid_t child = ::fork();
  REQUIRE(child >= 0);
  if (child == 0) ::_exit(42);
  // Exited but not reaped (WNOWAIT): a zombie a careless waitpid(-1) would take.
  siginfo_t info{};
  REQUIRE(::waitid(P_PID, static_cast<id_t>(child), &info, WEXITED | WNOWAIT) == 0);

  {
    summon::Session session(reaping_project());
    CHECK(session.state("task") == summon::State::completed);
  }

  int status = 0;
  CHECK(::waitpid(child, &status, 0) == child);
  CHECK(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 42);
}

TEST_CASE("the library installs no signal handler") {
  const auto before = Dispositions::now();
  {
    summon::Session session(reaping_project());
    check_unchanged(before, "while a session is up");
  }
  check_unchanged(before, "after the session is gone");
}

TEST_CASE("the library leaves the calling thread's signal mask alone") {
  sigset_t before;
  REQUIRE(::pthread_sigmask(SIG_BLOCK, nullptr, &before) == 0);
  auto same_mask = [&] {
    sigset_t now;
    REQUIRE(::pthread_sigmask(SIG_BLOCK, nullptr, &now) == 0);
    for (int signal = 1; signal < NSIG; ++signal)
      if (::sigismember(&now, signal) != ::sigismember(&before, signal)) return false;
    return true;
  };
  {
    summon::Session session(reaping_project());
    CHECK(same_mask());
  }
  CHECK(same_mask());
}

TEST_CASE("a host program killed with a session up leaves no service behind") {
  // The host is a child of this test, so that it can be SIGKILLed: it brings
  // a session up, says its service's pid, and waits to be killed.
  int pipe_fds[2];
  REQUIRE(::pipe(pipe_fds) == 0);
  const pid_t host = ::fork();
  REQUIRE(host >= 0);
  if (host == 0) {
    ::close(pipe_fds[0]);
    summon::Project project;
    project.add(summon::service("web", {test_service_bin(), "--ready", "log:web up", "--child"})
                    .ready(summon::log("web up")));
    summon::Session session(project);
    const pid_t pid = session.pid("web").value_or(0);
    (void)!::write(pipe_fds[1], &pid, sizeof pid);
    ::pause();
    ::_exit(0);
  }
  ::close(pipe_fds[1]);
  pid_t service = 0;
  const bool told = ::read(pipe_fds[0], &service, sizeof service) == sizeof service;
  ::close(pipe_fds[0]);
  REQUIRE(told);
  REQUIRE(service > 0);
  const auto members = group_members(service);  // the service and its child
  CHECK(members.size() == 2);

  ::kill(host, SIGKILL);
  int status = 0;
  REQUIRE(::waitpid(host, &status, 0) == host);
  // The guardian the session forked sees its host's end and kills the group.
  CHECK(eventually([&] { return group_members(service).empty(); }, 10s));
}

TEST_CASE("a host child forked without exec does not hold up a session's end") {
  summon::Project project;
  project.add(summon::service("web", {test_service_bin(), "--ready", "log:web up"})
                  .ready(summon::log("web up")));
  auto session = std::make_unique<summon::Session>(project);
  // The child holds a copy of every descriptor, the session's guardian
  // socket among them, until it is told to go.
  int hold[2];
  REQUIRE(::pipe(hold) == 0);
  const pid_t child = ::fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    ::close(hold[1]);
    char byte;
    (void)!::read(hold[0], &byte, 1);
    ::_exit(0);
  }
  ::close(hold[0]);
  session.reset();  // returns: the guardian is told to end, not left to see EOF
  ::close(hold[1]);
  int status = 0;
  CHECK(::waitpid(child, &status, 0) == child);
}

TEST_CASE("a host that ignores SIGCHLD is told why a session cannot run") {
  summon::Project project;
  project.add(summon::service("web", {test_service_bin(), "--ready", "log:web up"})
                  .ready(summon::log("web up")));
  // Restored however the test ends: the next tests need their children.
  struct IgnoredSigchld {
    struct sigaction saved {};
    IgnoredSigchld() {
      struct sigaction ignore {};
      ignore.sa_handler = SIG_IGN;
      ::sigaction(SIGCHLD, &ignore, &saved);
    }
    ~IgnoredSigchld() { ::sigaction(SIGCHLD, &saved, nullptr); }
  };
  std::string what;
  {
    IgnoredSigchld ignored;
    try {
      summon::Session session(project);
    } catch (const summon::Error& error) {
      what = error.what();
    }
  }
  CHECK(what.find("ignores SIGCHLD") != std::string::npos);
}

TEST_CASE("a failed bring-up leaves the host no zombie, even of a probe killed at the end") {
  // The service fails while its exec probe's attempt still runs: the attempt
  // is killed on the way out, and must be reaped before the session is gone.
  // Whether the killed attempt has died before the session's end is a race:
  // run enough sessions that it is lost at least once without the reaping.
  TempDir dir;
  for (int n = 0; n < 40; ++n) {
    const std::string attempt_ran = dir.file("attempt" + std::to_string(n));
    summon::Project project;
    project.add(
        summon::service(
            "db", summon::shell("until [ -e '" + attempt_ran + "' ]; do sleep 0.01; done; exit 1"))
            .ready(summon::exec(summon::shell("touch '" + attempt_ran + "'; exec sleep 5"))));
    CHECK_THROWS_AS(summon::Session{project}, summon::StartError);
  }
  CHECK(zombie_children().empty());
}
