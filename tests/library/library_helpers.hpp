// Helpers for the library's tests, on top of the end-to-end tests' own (the
// test service, temp folders, processes seen through /proc): children left to
// reap, waits with a deadline, FIFOs, and stderr captured to a file.
#pragma once

#include <fcntl.h>
#include <signal.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "e2e/processes.hpp"
#include "e2e/sandbox.hpp"

namespace summon::testing {

using namespace std::chrono_literals;

/// True when `pid` is a child of this process that nobody has reaped yet
/// (running, or a zombie). Reaps it if it was a zombie, so call it only for
/// processes the library should have reaped itself.
inline bool our_unreaped_child(pid_t pid) {
  int status = 0;
  return pid > 0 && ::waitpid(pid, &status, WNOHANG) != -1;
}

/// Checks `condition` every 2 ms until it holds or `timeout` has passed; its
/// last answer. A polling loop with a deadline, never a wait for its own sake.
template <class Condition>
bool eventually(Condition condition, std::chrono::milliseconds timeout = 10s) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!condition()) {
    if (std::chrono::steady_clock::now() >= deadline) return condition();
    timespec pause{0, 2'000'000};
    ::nanosleep(&pause, nullptr);
  }
  return true;
}

/// Opens the FIFO at `path` for writing once a reader has it open (up to
/// `timeout`), writes a line and closes it; false when no reader came.
inline bool write_fifo(const std::string& path, std::chrono::milliseconds timeout = 10s) {
  int fd = -1;
  eventually([&] { return (fd = ::open(path.c_str(), O_WRONLY | O_NONBLOCK | O_CLOEXEC)) >= 0; },
             timeout);
  if (fd < 0) return false;
  bool written = ::write(fd, "go\n", 3) == 3;
  ::close(fd);
  return written;
}

/// While it lives, fd 2 goes to a temporary file; text() restores fd 2 and
/// returns what was written there.
class StderrCapture {
 public:
  explicit StderrCapture(const TempDir& dir) : path_(dir.file("stderr")) {
    std::fflush(stderr);
    saved_ = ::dup(STDERR_FILENO);
    int fd = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    REQUIRE(saved_ >= 0);
    REQUIRE(fd >= 0);
    ::dup2(fd, STDERR_FILENO);
    ::close(fd);
  }
  ~StderrCapture() { restore(); }
  StderrCapture(const StderrCapture&) = delete;
  StderrCapture& operator=(const StderrCapture&) = delete;

  std::string text() {
    restore();
    return read_text(path_);
  }

 private:
  void restore() {
    if (saved_ < 0) return;
    std::fflush(stderr);
    ::dup2(saved_, STDERR_FILENO);
    ::close(saved_);
    saved_ = -1;
  }

  std::string path_;
  int saved_ = -1;
};

}  // namespace summon::testing
