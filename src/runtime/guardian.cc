// Guardian: a forked child reading "+g PGID", "+p PID", "--ID", "+c PATH" and
// "+d PATH" lines until "q" or the end of the socket.
#include "runtime/guardian.hpp"

#include "runtime/cgroups.hpp"

#include <signal.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace summon::runtime {

namespace {

// The guardian's whole life. It runs in a fork of summon without exec, so it
// uses plain calls only: no Asio, no stdio, nothing shared with the parent.
[[noreturn]] void guard(int from_summon) {
  ::setsid();
  for (int signal : {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGPIPE, SIGTSTP, SIGTTIN, SIGTTOU})
    ::signal(signal, SIG_IGN);
  // Keep only its end of the socket: holding anything else (summon's
  // stdout, say) open would keep its reader waiting after summon is gone.
  if (from_summon != 3) {
    ::dup2(from_summon, 3);
    ::close(from_summon);
  }
  ::syscall(SYS_close_range, 0u, 2u, 0);
  ::syscall(SYS_close_range, 4u, ~0U, 0);

  std::map<pid_t, bool> tracked;  // id → is a process group
  std::vector<std::string> cgroups;
  std::vector<std::string> folders;
  std::string pending;
  char buffer[4096];
  bool told_to_end = false;
  while (!told_to_end) {
    const ssize_t got = ::read(3, buffer, sizeof buffer);
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) break;
    pending.append(buffer, static_cast<std::size_t>(got));
    std::size_t end;
    while ((end = pending.find('\n')) != std::string::npos) {
      const std::string line = pending.substr(0, end);
      pending.erase(0, end + 1);
      if (line == "q") told_to_end = true;
      if (line.size() < 3) continue;
      if (line[0] == '+' && (line[1] == 'c' || line[1] == 'd')) {
        (line[1] == 'c' ? cgroups : folders).push_back(line.substr(2));
        continue;
      }
      const pid_t id = static_cast<pid_t>(std::atol(line.c_str() + 2));
      if (id <= 1) continue;
      if (line[0] == '+') tracked[id] = line[1] == 'g';
      if (line[0] == '-') tracked.erase(id);
    }
  }
  for (const auto& [id, group] : tracked) ::kill(group ? -id : id, SIGKILL);
  for (const auto& path : cgroups) kill_and_remove(path);
  std::error_code ignored;
  for (const auto& path : folders) std::filesystem::remove_all(path, ignored);
  ::_exit(0);
}

}  // namespace

Guardian::Guardian() {
  // A socket pair, not a pipe: send() can then say MSG_NOSIGNAL, so that a
  // guardian that died never raises SIGPIPE in a host program that (unlike
  // the summon program) does not ignore it.
  int fds[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0) return;
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::close(fds[1]);
    guard(fds[0]);
  }
  ::close(fds[0]);
  if (pid < 0) {
    ::close(fds[1]);
    return;
  }
  pid_ = pid;
  channel_ = fds[1];
}

Guardian::~Guardian() {
  // Told in so many words, not only by the socket's end: a host program's
  // child forked without exec holds a copy of the socket, and the end of
  // file would not come while it lives.
  write_line("q\n");
  if (channel_ >= 0) ::close(channel_);
  if (pid_ > 0) {
    // The guardian ends as soon as it reads that; this also reaps it.
    while (::waitpid(pid_, nullptr, 0) < 0 && errno == EINTR) {
    }
  }
}

void Guardian::send(char kind, pid_t id) {
  char line[32];
  const int length = std::snprintf(line, sizeof line, "%c%c%d\n", kind == '-' ? '-' : '+', kind,
                                   static_cast<int>(id));
  write_line({line, static_cast<std::size_t>(length)});
}

void Guardian::send_path(char kind, const std::string& path) {
  write_line(std::string("+") + kind + path + "\n");
}

void Guardian::write_line(std::string_view line) {
  if (channel_ < 0) return;
  // Short lines to a guardian that keeps draining them: they do not block.
  // A line sent in pieces is joined again at its '\n'.
  while (!line.empty()) {
    const ssize_t sent = ::send(channel_, line.data(), line.size(), MSG_NOSIGNAL);
    if (sent < 0 && errno == EINTR) continue;
    if (sent <= 0) return;  // the guardian is gone: nothing more to tell it
    line.remove_prefix(static_cast<std::size_t>(sent));
  }
}

void Guardian::track_group(pid_t pgid) {
  send('g', pgid);
}
void Guardian::track_process(pid_t pid) {
  send('p', pid);
}
void Guardian::track_cgroup(const std::string& path) {
  send_path('c', path);
}
void Guardian::track_folder(const std::string& path) {
  send_path('d', path);
}
void Guardian::untrack(pid_t id) {
  send('-', id);
}

}  // namespace summon::runtime
