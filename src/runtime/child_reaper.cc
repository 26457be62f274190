// ChildReaper: SIGCHLD on the loop, waitpid(-1) until nothing is left to reap.
#include "runtime/child_reaper.hpp"

#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>

#include <cerrno>

namespace summon::runtime {

ChildReaper::ChildReaper(boost::asio::io_context& io) : sigchld_(io, SIGCHLD) {
  ::prctl(PR_SET_CHILD_SUBREAPER, 1);
  wait_for_signal();
}

void ChildReaper::watch(pid_t pid, OnExit on_exit) { watched_[pid] = std::move(on_exit); }

void ChildReaper::forget(pid_t pid) { watched_.erase(pid); }

bool ChildReaper::has_ended(pid_t pid) {
  siginfo_t info{};
  return ::waitid(P_PID, static_cast<id_t>(pid), &info, WEXITED | WNOHANG | WNOWAIT) == 0 &&
         info.si_pid == pid;
}

void ChildReaper::wait_for_signal() {
  sigchld_.async_wait([this](const boost::system::error_code& error, int) {
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

}  // namespace summon::runtime
