// Helpers for the library's tests: the test service, a temp folder, processes
// seen through /proc, waits with a deadline, and stderr captured to a file.
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

namespace summon::testing {

using namespace std::chrono_literals;

/// The test service program: $SUMMON_TEST_SERVICE, which meson sets.
inline std::string test_service_bin() {
  const char* path = std::getenv("SUMMON_TEST_SERVICE");
  REQUIRE_MESSAGE((path && *path), "SUMMON_TEST_SERVICE is not set");
  return path;
}

/// A fresh folder under the system temp dir, removed with the object.
class TempDir {
 public:
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "summon-lib-XXXXXX").string();
    REQUIRE(::mkdtemp(pattern.data()) != nullptr);
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::filesystem::path& path() const { return path_; }
  /// The path of `name` in this folder.
  std::string file(const std::string& name) const { return (path_ / name).string(); }
  /// Writes `text` to the file `name` in this folder and returns its path.
  std::string write(const std::string& name, const std::string& text) const {
    std::ofstream(path_ / name, std::ios::binary) << text;
    return file(name);
  }

 private:
  std::filesystem::path path_;
};

/// The whole of a file, or "" when it cannot be read.
inline std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

/// The pid in a pidfile, or 0 when there is none.
inline pid_t read_pidfile(const std::string& path) {
  std::ifstream in(path);
  long pid = 0;
  in >> pid;
  return static_cast<pid_t>(pid);
}

/// State and process group of `pid` from /proc/PID/stat; false when it is gone.
inline bool read_stat(pid_t pid, char& state, pid_t& pgid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!std::getline(in, line)) return false;
  auto close = line.rfind(')');  // the command name may hold spaces and parentheses
  if (close == std::string::npos) return false;
  std::istringstream fields(line.substr(close + 1));
  pid_t parent = 0;
  return static_cast<bool>(fields >> state >> parent >> pgid);
}

/// This process's children that have ended and wait to be reaped.
inline std::vector<pid_t> zombie_children() {
  std::vector<pid_t> found;
  for (const auto& entry : std::filesystem::directory_iterator("/proc")) {
    const std::string name = entry.path().filename();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::ifstream in(entry.path() / "stat");
    std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    const auto close = stat.rfind(')');
    if (close == std::string::npos) continue;
    std::istringstream fields(stat.substr(close + 2));
    char state = 0;
    pid_t parent = 0;
    fields >> state >> parent;
    if (state == 'Z' && parent == ::getpid()) found.push_back(std::stoi(name));
  }
  return found;
}

/// True when `pid` is a live process. A zombie is dead: it only waits to be reaped.
inline bool alive(pid_t pid) {
  char state = '?';
  pid_t pgid = 0;
  return pid > 0 && read_stat(pid, state, pgid) && state != 'Z' && state != 'X';
}

/// The live processes whose process group is `pgid`.
inline std::vector<pid_t> group_members(pid_t pgid) {
  std::vector<pid_t> members;
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator("/proc", error)) {
    auto name = entry.path().filename().string();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    auto pid = static_cast<pid_t>(std::stol(name));
    char state = '?';
    pid_t group = 0;
    if (read_stat(pid, state, group) && group == pgid && state != 'Z' && state != 'X')
      members.push_back(pid);
  }
  return members;
}

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
