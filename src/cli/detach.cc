// Detacher: fork, a new session, and two pipes back to the terminal.
#include "cli/detach.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <tuple>

#include <fmt/format.h>

#include "runtime/write_all.hpp"

namespace summon::cli {

namespace {

// Copies what `from` has to `to` until it would block or ends; false at its end.
bool relay(int from, int to) {
  char chunk[65536];
  for (;;) {
    const ssize_t got = ::read(from, chunk, sizeof chunk);
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) return errno == EAGAIN;
    if (got == 0) return false;
    runtime::write_all(to, std::string_view(chunk, static_cast<std::size_t>(got)));
  }
}

int exit_code_of(int wait_status) {
  if (WIFSIGNALED(wait_status)) return 128 + WTERMSIG(wait_status);
  return WEXITSTATUS(wait_status);
}

}  // namespace

Detacher::~Detacher() {
  if (ready_fd_ >= 0) ::close(ready_fd_);
}

std::optional<int> Detacher::split_held() {
  int hold[2];
  if (::pipe2(hold, O_CLOEXEC) != 0) {
    fmt::print(stderr, "summon: error: cannot detach: pipe: {}\n", std::strerror(errno));
    return 1;
  }
  auto code = split();
  if (code) {  // the parent: it holds the write end, until it goes
    ::close(hold[0]);
    held_fd_ = hold[1];
  } else {
    ::close(hold[1]);
    held_fd_ = hold[0];
  }
  return code;
}

void Detacher::let_go() {
  if (held_fd_ < 0) return;
  (void)!::write(held_fd_, "d", 1);
  ::close(held_fd_);
  held_fd_ = -1;
}

std::optional<int> Detacher::split() {
  int out[2], err[2], ready[2];
  if (::pipe2(out, O_CLOEXEC) != 0 || ::pipe2(err, O_CLOEXEC) != 0 ||
      ::pipe2(ready, O_CLOEXEC) != 0) {
    fmt::print(stderr, "summon: error: cannot detach: pipe: {}\n", std::strerror(errno));
    return 1;
  }
  std::fflush(stdout);
  std::fflush(stderr);
  const pid_t child = ::fork();
  child_ = child;
  if (child < 0) {
    fmt::print(stderr, "summon: error: cannot detach: fork: {}\n", std::strerror(errno));
    return 1;
  }
  if (child == 0) {
    ::close(out[0]);
    ::close(err[0]);
    ::close(ready[0]);
    ::setsid();
    const int null = ::open("/dev/null", O_RDWR | O_CLOEXEC);
    ::dup2(null, STDIN_FILENO);
    ::dup2(out[1], STDOUT_FILENO);
    ::dup2(err[1], STDERR_FILENO);
    for (int fd : {null, out[1], err[1]}) ::close(fd);
    ready_fd_ = ready[1];
    return std::nullopt;
  }
  for (int fd : {out[1], err[1], ready[1]}) ::close(fd);
  ::fcntl(out[0], F_SETFL, O_NONBLOCK);
  ::fcntl(err[0], F_SETFL, O_NONBLOCK);
  // Until the child says it is ready, or its end of the "ready" pipe closes
  // (it ended: its lines, the failure summary among them, come first).
  bool out_open = true, err_open = true;
  for (;;) {
    pollfd fds[3] = {{ready[0], POLLIN, 0},
                     {out[0], static_cast<short>(out_open ? POLLIN : 0), 0},
                     {err[0], static_cast<short>(err_open ? POLLIN : 0), 0}};
    if (::poll(fds, 3, -1) < 0 && errno != EINTR) break;
    if (out_open && (fds[1].revents & (POLLIN | POLLHUP))) out_open = relay(out[0], STDOUT_FILENO);
    if (err_open && (fds[2].revents & (POLLIN | POLLHUP))) err_open = relay(err[0], STDERR_FILENO);
    if (fds[0].revents & (POLLIN | POLLHUP)) break;
  }
  char said = 0;
  const bool is_ready = ::read(ready[0], &said, 1) == 1;
  ::close(ready[0]);
  int status = 0;
  if (!is_ready)
    while (::waitpid(child, &status, 0) < 0 && errno == EINTR) {
    }
  // Once it is ready, what it has written so far (the rest of its lines go
  // nowhere); once it has ended, everything it wrote.
  for (auto [fd, open, to] :
       {std::tuple{out[0], out_open, STDOUT_FILENO}, std::tuple{err[0], err_open, STDERR_FILENO}}) {
    if (!is_ready) ::fcntl(fd, F_SETFL, 0);
    if (open) relay(fd, to);
    ::close(fd);
  }
  return is_ready ? 0 : exit_code_of(status);
}

void Detacher::ready() {
  if (ready_fd_ < 0) return;
  std::fflush(stdout);
  std::fflush(stderr);
  (void)!::write(ready_fd_, "1", 1);
  ::close(ready_fd_);
  ready_fd_ = -1;
  const int null = ::open("/dev/null", O_WRONLY | O_CLOEXEC);
  ::dup2(null, STDOUT_FILENO);
  ::dup2(null, STDERR_FILENO);
  ::close(null);
}

}  // namespace summon::cli
