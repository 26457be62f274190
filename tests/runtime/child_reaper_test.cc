// ChildReaper inside another program (Reaping::own_children), with real
// processes: it reports the children it watches, reaps the ones it forgot,
// and leaves every other child of the process, and its signals, alone.
// (Reaping::every_child is exercised by spawn_test and the end-to-end tests;
// it changes process-wide settings, so it has no place in this binary.)
#include <doctest/doctest.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

#include "runtime/child_reaper.hpp"

using summon::runtime::ChildReaper;
using summon::runtime::Reaping;

namespace {

using Clock = std::chrono::steady_clock;

// A child that exits with `code` at once.
pid_t exiting_child(int code) {
  const pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) ::_exit(code);
  return pid;
}

// A child that runs until `release()` is called (or the test ends).
struct HeldChild {
  HeldChild() {
    int ends[2];
    REQUIRE(::pipe2(ends, O_CLOEXEC) == 0);
    pid = ::fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
      ::close(ends[1]);
      char byte;
      while (::read(ends[0], &byte, 1) < 0 && errno == EINTR) {
      }
      ::_exit(5);
    }
    ::close(ends[0]);
    hold = ends[1];
  }
  ~HeldChild() { release(); }
  HeldChild(const HeldChild&) = delete;
  HeldChild& operator=(const HeldChild&) = delete;
  void release() {
    if (hold >= 0) ::close(hold);
    hold = -1;
  }

  pid_t pid = -1;
  int hold = -1;  // the child ends when this closes
};

// Blocks until child `pid` has ended, without reaping it.
void wait_until_ended(pid_t pid) {
  siginfo_t info{};
  while (::waitid(P_PID, static_cast<id_t>(pid), &info, WEXITED | WNOWAIT) < 0 && errno == EINTR) {
  }
}

// Whether process `pid` is gone for good (reaped: a zombie still exists).
bool gone(pid_t pid) {
  return ::kill(pid, 0) == -1 && errno == ESRCH;
}

struct Loop {
  // Runs the loop until `done()` holds, or 10 s have passed; returns done().
  bool run_until(const std::function<bool()>& done) {
    io.restart();
    const auto deadline = Clock::now() + std::chrono::seconds(10);
    while (!done() && Clock::now() < deadline) io.run_one_until(deadline);
    return done();
  }

  boost::asio::io_context io;
  // So that an idle loop waits for the deadline instead of returning.
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> busy =
      boost::asio::make_work_guard(io);
};

}  // namespace

// First: nothing in this binary may have set them before.
TEST_CASE("inside another program the reaper installs no SIGCHLD handler and adopts nothing") {
  Loop loop;
  ChildReaper reaper(loop.io, Reaping::own_children);
  bool reported = false;
  reaper.watch(exiting_child(0), [&](int) { reported = true; });
  struct sigaction old {};
  REQUIRE(::sigaction(SIGCHLD, nullptr, &old) == 0);
  const bool default_action = old.sa_handler == SIG_DFL && !(old.sa_flags & SA_SIGINFO);
  CHECK(default_action);
  int subreaper = -1;
  REQUIRE(::prctl(PR_GET_CHILD_SUBREAPER, &subreaper) == 0);
  CHECK(subreaper == 0);
  CHECK_FALSE(reaper.adopts());
  CHECK(loop.run_until([&] { return reported; }));
}

TEST_CASE("a watched child's wait status comes back once, from the loop") {
  Loop loop;
  ChildReaper reaper(loop.io, Reaping::own_children);
  int reaped_rounds = 0;
  reaper.set_on_reaped([&] { ++reaped_rounds; });

  const pid_t exited = exiting_child(7);
  std::optional<int> exited_status;
  int calls = 0;
  reaper.watch(exited, [&](int status) {
    exited_status = status;
    ++calls;
  });
  CHECK(reaper.watches(exited));
  HeldChild killed;
  std::optional<int> killed_status;
  reaper.watch(killed.pid, [&](int status) { killed_status = status; });
  CHECK_FALSE(exited_status);  // not from watch() itself
  ::kill(killed.pid, SIGKILL);

  REQUIRE(loop.run_until([&] { return exited_status && killed_status; }));
  CHECK(WIFEXITED(*exited_status));
  CHECK(WEXITSTATUS(*exited_status) == 7);
  CHECK(WIFSIGNALED(*killed_status));
  CHECK(WTERMSIG(*killed_status) == SIGKILL);
  CHECK_FALSE(reaper.watches(exited));
  CHECK(gone(exited));
  CHECK(gone(killed.pid));
  CHECK(reaped_rounds == 2);
  CHECK(calls == 1);
}

TEST_CASE("a child that has ended before it is watched is still reported") {
  Loop loop;
  ChildReaper reaper(loop.io, Reaping::own_children);
  const pid_t pid = exiting_child(3);
  wait_until_ended(pid);
  CHECK(ChildReaper::has_ended(pid));
  std::optional<int> status;
  reaper.watch(pid, [&](int wait_status) { status = wait_status; });
  REQUIRE(loop.run_until([&] { return status.has_value(); }));
  CHECK(WEXITSTATUS(*status) == 3);
}

TEST_CASE("a child the reaper does not watch is never reaped") {
  Loop loop;
  ChildReaper reaper(loop.io, Reaping::own_children);
  const pid_t other = exiting_child(4);  // the host's own
  wait_until_ended(other);
  std::optional<int> status;
  reaper.watch(exiting_child(0), [&](int wait_status) { status = wait_status; });
  REQUIRE(loop.run_until([&] { return status.has_value(); }));
  int other_status = 0;
  CHECK(::waitpid(other, &other_status, WNOHANG) == other);
  CHECK(WEXITSTATUS(other_status) == 4);
}

TEST_CASE("a forgotten child is still reaped, silently") {
  Loop loop;
  ChildReaper reaper(loop.io, Reaping::own_children);
  int reaped_rounds = 0;
  reaper.set_on_reaped([&] { ++reaped_rounds; });
  HeldChild child;
  bool called = false;
  reaper.watch(child.pid, [&](int) { called = true; });
  reaper.forget(child.pid);
  CHECK_FALSE(reaper.watches(child.pid));
  child.release();
  REQUIRE(loop.run_until([&] { return reaped_rounds > 0; }));
  CHECK(gone(child.pid));
  CHECK_FALSE(called);
}

TEST_CASE("a watched child the host reaped first is reported, its status lost") {
  Loop loop;
  ChildReaper reaper(loop.io, Reaping::own_children);
  const pid_t pid = exiting_child(0);
  std::optional<int> status;
  reaper.watch(pid, [&](int wait_status) { status = wait_status; });
  REQUIRE(::waitpid(pid, nullptr, 0) == pid);
  REQUIRE(loop.run_until([&] { return status.has_value(); }));
  CHECK(WIFEXITED(*status));
  CHECK(WEXITSTATUS(*status) == 255);
}

TEST_CASE("a reaper destroyed with children left kills and reaps them, and calls nothing") {
  Loop loop;
  HeldChild running;
  const pid_t ended = exiting_child(0);
  wait_until_ended(ended);
  bool called = false;
  {
    ChildReaper reaper(loop.io, Reaping::own_children);
    reaper.watch(running.pid, [&](int) { called = true; });
    reaper.watch(ended, [&](int) { called = true; });
  }
  // Nothing of summon's is left to the host as a zombie, ended or not.
  CHECK(gone(ended));
  CHECK(gone(running.pid));
  loop.io.restart();
  loop.io.poll();  // the aborted waits complete, and find the reaper gone
  CHECK_FALSE(called);
}
