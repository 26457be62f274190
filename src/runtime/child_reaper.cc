// ChildReaper: for the summon program, SIGCHLD on the loop and waitpid(-1)
// until nothing is left to reap; inside another program, one pidfd per child
// and waitpid(pid) for that child alone.
#include "runtime/child_reaper.hpp"

#include <signal.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>

#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>

namespace summon::runtime {

namespace {

// A kernel without pidfd_open (before 5.3) gets its children polled this often.
constexpr auto poll_interval = std::chrono::milliseconds(20);

// What watch() reports for a child the host reaped behind summon's back.
constexpr int lost_status = 255 << 8;  // exited with code 255

}  // namespace

// One child summon started, not reaped yet.
struct ChildReaper::OwnChild {
  explicit OwnChild(boost::asio::io_context& io) : pidfd(io), poll(io) {}

  boost::asio::posix::stream_descriptor pidfd;  // readable once it has ended
  boost::asio::steady_timer poll;               // instead, when pidfd is not open
};

ChildReaper::ChildReaper(boost::asio::io_context& io, Reaping how) : io_(io), how_(how) {
  // Inside another program, neither may be touched: the subreaper flag would
  // bring the host the orphans of its own children, and a SIGCHLD handler
  // would replace the host's.
  if (how_ != Reaping::every_child) return;
  ::prctl(PR_SET_CHILD_SUBREAPER, 1);
  sigchld_.emplace(io, SIGCHLD);
  wait_for_signal();
}

ChildReaper::~ChildReaper() {
  // Closing the pidfds (with own_) aborts their waits, which then find
  // alive_ gone. A child still here has outlived the run (an exec probe's
  // attempt killed a moment ago, say): it is killed and reaped now, for the
  // host keeps running and a zombie would stay as long as it does. Not yet
  // reaped, its pid cannot have been reused.
  for (const auto& entry : own_) {
    ::kill(entry.first, SIGKILL);
    while (::waitpid(entry.first, nullptr, 0) < 0 && errno == EINTR) {
    }
  }
}

void ChildReaper::watch(pid_t pid, OnExit on_exit) {
  watched_[pid] = std::move(on_exit);
  if (how_ != Reaping::own_children || own_.count(pid)) return;
  auto child = std::make_unique<OwnChild>(io_);
  // A pidfd opens on a zombie too, so a child that has already ended is
  // still seen. Without one (an old kernel, or out of descriptors), poll.
  const int pidfd = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
  if (pidfd >= 0) {
    boost::system::error_code error;
    child->pidfd.assign(pidfd, error);
    if (error) ::close(pidfd);
  }
  OwnChild& waiting = *child;
  own_.emplace(pid, std::move(child));
  wait_for_end(pid, waiting);
}

void ChildReaper::forget(pid_t pid) {
  watched_.erase(pid);
}

bool ChildReaper::has_ended(pid_t pid) {
  siginfo_t info{};
  return ::waitid(P_PID, static_cast<id_t>(pid), &info, WEXITED | WNOHANG | WNOWAIT) == 0 &&
         info.si_pid == pid;
}

void ChildReaper::wait_for_signal() {
  sigchld_->async_wait([this](const boost::system::error_code& error, int) {
    if (error) return;  // the reaper is gone
    reap();
    wait_for_signal();
  });
}

// Signals coalesce, so one SIGCHLD may stand for many ends: reap them all.
void ChildReaper::reap() {
  bool any = false;
  for (;;) {
    int status = 0;
    const pid_t pid = ::waitpid(-1, &status, WNOHANG);
    if (pid <= 0) break;
    any = true;
    auto found = watched_.find(pid);
    if (found == watched_.end()) continue;  // an orphan that came back to us, or forgotten
    OnExit on_exit = std::move(found->second);
    watched_.erase(found);
    on_exit(status);
  }
  if (any && on_reaped_) on_reaped_();
}

void ChildReaper::wait_for_end(pid_t pid, OwnChild& child) {
  // The handler may run after the reaper is gone (completed, not yet run).
  auto on_ready = [this, pid,
                   alive = std::weak_ptr<bool>(alive_)](const boost::system::error_code& error) {
    if (alive.expired() || error == boost::asio::error::operation_aborted) return;
    reap_own(pid);
  };
  if (child.pidfd.is_open()) {
    child.pidfd.async_wait(boost::asio::posix::stream_descriptor::wait_read, on_ready);
    return;
  }
  child.poll.expires_after(poll_interval);
  child.poll.async_wait(on_ready);
}

void ChildReaper::reap_own(pid_t pid) {
  auto own = own_.find(pid);
  if (own == own_.end()) return;
  int status = 0;
  pid_t got;
  do got = ::waitpid(pid, &status, WNOHANG);
  while (got < 0 && errno == EINTR);
  if (got == 0) {
    // Not ended after all (or polled too early). The pidfd's readiness is
    // edge-triggered on the loop and would not come again: poll from now on.
    boost::system::error_code ignored;
    own->second->pidfd.close(ignored);
    wait_for_end(pid, *own->second);
    return;
  }
  if (got < 0) status = lost_status;  // ECHILD: the host reaped it itself
  own_.erase(own);
  auto found = watched_.find(pid);
  if (found != watched_.end()) {
    OnExit on_exit = std::move(found->second);
    watched_.erase(found);
    on_exit(status);
  }
  if (on_reaped_) on_reaped_();
}

}  // namespace summon::runtime
