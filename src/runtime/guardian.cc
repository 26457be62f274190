// Guardian: a forked child reading "+c PATH" (a cgroup) and "+s PATH" (a
// state folder) lines until "q" (a clean end: nothing to do) or the end of
// the socket (summon is gone: kill the run, then remove its state folder).
#include "runtime/guardian.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <string>
#include <vector>

#include "control/state_folder.hpp"
#include "runtime/cgroups.hpp"

namespace summon::runtime {

namespace {

// Two quiet passes: a process caught in the middle of an exec has no
// environment to read for a moment.
void kill_the_run(const std::string& run_id, const RunIdentity& who,
                  const std::vector<std::string>& cgroups) {
  for (const auto& path : cgroups) kill_and_remove(path);
  kill_marked_until_none(run_id, who, 2);
}

// summon's end of the socket is closed as it exits, a moment before the
// rest of its descriptors may be, the one holding its state folder's lock
// among them; its pidfd says when it is wholly gone. Bounded: a kernel
// without pidfds, or one that never says, only costs the wait.
void wait_until_gone(int summon_pidfd) {
  if (summon_pidfd < 0) return;
  pollfd polled{summon_pidfd, POLLIN, 0};
  while (::poll(&polled, 1, 5000) < 0 && errno == EINTR) {
  }
}

// The guardian's whole life, in a fork of summon without exec: no Asio, no
// stdio, nothing shared with the parent.
[[noreturn]] void guard(int from_summon, int summon_pidfd, const std::string& run_id,
                        const RunIdentity& who) {
  ::setsid();
  for (int signal : {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGPIPE, SIGTSTP, SIGTTIN, SIGTTOU})
    ::signal(signal, SIG_IGN);
  // Keep only its end of the socket (as 3) and summon's pidfd (as 4):
  // holding anything else (summon's stdout, say) open would keep its reader
  // waiting after summon is gone. Moved out of the way first, so that
  // neither lands on the other.
  const int channel = ::fcntl(from_summon, F_DUPFD, 10);
  const int pidfd = summon_pidfd >= 0 ? ::fcntl(summon_pidfd, F_DUPFD, 10) : -1;
  ::dup2(channel, 3);
  if (pidfd >= 0) ::dup2(pidfd, 4);
  ::syscall(SYS_close_range, 0u, 2u, 0);
  ::syscall(SYS_close_range, pidfd >= 0 ? 5u : 4u, ~0U, 0);
  const int summon_gone = pidfd >= 0 ? 4 : -1;

  std::vector<std::string> cgroups;
  std::vector<std::string> state_folders;
  std::string pending;
  char buffer[4096];
  for (;;) {
    const ssize_t got = ::read(3, buffer, sizeof buffer);
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) break;
    pending.append(buffer, static_cast<std::size_t>(got));
    std::size_t end;
    while ((end = pending.find('\n')) != std::string::npos) {
      const std::string line = pending.substr(0, end);
      pending.erase(0, end + 1);
      if (line == "q") ::_exit(0);  // summon stopped everything itself
      if (line.starts_with("+c")) cgroups.push_back(line.substr(2));
      if (line.starts_with("+s")) state_folders.push_back(line.substr(2));
    }
  }
  kill_the_run(run_id, who, cgroups);
  if (!state_folders.empty()) wait_until_gone(summon_gone);
  for (const auto& path : state_folders) control::remove_stale(path);
  ::_exit(0);
}

}  // namespace

Guardian::Guardian(std::string run_id, RunIdentity identity) {
  // A socket pair, not a pipe: send() can then say MSG_NOSIGNAL, so that a
  // guardian that died never raises SIGPIPE in a host program that (unlike
  // the summon program) does not ignore it.
  int fds[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0)
    throw std::runtime_error(std::string("cannot start the guardian: socketpair: ") +
                             std::strerror(errno));
  // Opened here, of summon itself: in the guardian it could already name
  // another process, were summon gone and its pid reused.
  const int summon_pidfd = static_cast<int>(::syscall(SYS_pidfd_open, ::getpid(), 0));
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::close(fds[1]);
    guard(fds[0], summon_pidfd, run_id, identity);
  }
  const int fork_error = errno;
  ::close(fds[0]);
  if (summon_pidfd >= 0) ::close(summon_pidfd);
  if (pid < 0) {
    ::close(fds[1]);
    throw std::runtime_error(std::string("cannot start the guardian: fork: ") +
                             std::strerror(fork_error));
  }
  pid_ = pid;
  channel_ = fds[1];
}

Guardian::~Guardian() {
  // Told in so many words, not only by the socket's end: a host program's
  // child forked without exec holds a copy of the socket, and the end of
  // file would not come while it lives.
  write_line("q\n");
  ::close(channel_);
  // The guardian ends as soon as it reads that; this also reaps it.
  while (::waitpid(pid_, nullptr, 0) < 0 && errno == EINTR) {
  }
}

void Guardian::track_cgroup(const std::string& path) {
  write_line("+c" + path + "\n");
}

void Guardian::track_state_folder(const std::string& path) {
  // A line each: a path that would be two lines (XDG_RUNTIME_DIR may hold
  // a newline) is not told at all, rather than told as two other paths.
  if (path.find('\n') != std::string::npos) return;
  write_line("+s" + path + "\n");
}

void Guardian::write_line(std::string_view line) {
  // Short lines to a guardian that keeps draining them: they do not block.
  // A line sent in pieces is joined again at its '\n'.
  while (!line.empty()) {
    const ssize_t sent = ::send(channel_, line.data(), line.size(), MSG_NOSIGNAL);
    if (sent < 0 && errno == EINTR) continue;
    if (sent <= 0) return;  // the guardian is gone: summon hears of it on its loop
    line.remove_prefix(static_cast<std::size_t>(sent));
  }
}

}  // namespace summon::runtime
