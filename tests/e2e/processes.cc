// Process state from /proc/PID/stat, and exits waited for with a pidfd.
#include "processes.hpp"

#include <poll.h>
#include <signal.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace summon::testing {

namespace {

struct ProcessState {
  char state = '?';
  pid_t parent = 0;
  pid_t pgid = 0;
};

// The fields after the command name, which may itself hold spaces and parentheses.
bool read_stat(const std::string& pid, ProcessState& out) {
  std::ifstream in("/proc/" + pid + "/stat");
  std::string line;
  if (!std::getline(in, line)) return false;
  auto close = line.rfind(')');
  if (close == std::string::npos) return false;
  std::istringstream fields(line.substr(close + 1));
  return static_cast<bool>(fields >> out.state >> out.parent >> out.pgid);
}

// Where the cgroup v2 hierarchy is mounted, from /proc/self/mountinfo.
std::string cgroup2_mount() {
  std::ifstream mounts("/proc/self/mountinfo");
  std::string line;
  while (std::getline(mounts, line)) {
    auto separator = line.find(" - cgroup2 ");
    if (separator == std::string::npos) continue;
    std::istringstream fields(line.substr(0, separator));
    std::string id, parent, device, root, mount_point;
    fields >> id >> parent >> device >> root >> mount_point;
    return mount_point;
  }
  return {};
}

}  // namespace

std::optional<std::string> summon_cgroup_of(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/cgroup");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("0::", 0) != 0) continue;
    auto tree = line.find("/summon.");
    if (tree == std::string::npos) return std::nullopt;
    auto end = line.find('/', tree + 1);
    return cgroup2_mount() + line.substr(3, (end == std::string::npos ? line.size() : end) - 3);
  }
  return std::nullopt;
}

bool cgroup_tree_expected() {
  const char* opt_out = std::getenv("SUMMON_NO_CGROUP");
  if (opt_out && *opt_out && std::string(opt_out) != "0") return false;
  std::ifstream in("/proc/self/cgroup");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("0::", 0) != 0) continue;
    const std::string own = cgroup2_mount() + (line == "0::/" ? "" : line.substr(3));
    const std::string probe = own + "/summon-test." + std::to_string(::getpid());
    if (::access((own + "/cgroup.procs").c_str(), W_OK) != 0 || ::mkdir(probe.c_str(), 0755) != 0)
      return false;
    ::rmdir(probe.c_str());
    return true;
  }
  return false;
}

bool wait_removed(const std::string& path, std::chrono::milliseconds timeout) {
  namespace fs = std::filesystem;
  int fd = ::inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
  if (fd >= 0) ::inotify_add_watch(fd, fs::path(path).parent_path().c_str(), IN_DELETE);
  auto deadline = std::chrono::steady_clock::now() + timeout;
  bool removed;
  while (!(removed = !fs::exists(path)) && std::chrono::steady_clock::now() < deadline) {
    auto left =
        std::chrono::ceil<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    pollfd watch{fd, POLLIN, 0};
    // Without inotify, look again every 10 ms.
    ::poll(&watch, 1, fd >= 0 ? static_cast<int>(left.count()) : 10);
    char events[4096];
    while (fd >= 0 && ::read(fd, events, sizeof events) > 0) {
    }
  }
  if (fd >= 0) ::close(fd);
  return removed;
}

bool alive(pid_t pid) {
  ProcessState state;
  return pid > 0 && read_stat(std::to_string(pid), state) && state.state != 'Z' &&
         state.state != 'X';
}

std::vector<pid_t> group_members(pid_t pgid) {
  std::vector<pid_t> members;
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator("/proc", error)) {
    auto name = entry.path().filename().string();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    ProcessState state;
    if (read_stat(name, state) && state.pgid == pgid && state.state != 'Z' && state.state != 'X')
      members.push_back(static_cast<pid_t>(std::stol(name)));
  }
  return members;
}

std::vector<pid_t> zombie_children() {
  std::vector<pid_t> found;
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator("/proc", error)) {
    auto name = entry.path().filename().string();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    ProcessState state;
    if (read_stat(name, state) && state.state == 'Z' && state.parent == ::getpid())
      found.push_back(static_cast<pid_t>(std::stol(name)));
  }
  return found;
}

bool wait_gone(pid_t pid, std::chrono::milliseconds timeout) {
  int fd = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
  if (fd < 0) return errno == ESRCH || !alive(pid);
  pollfd polled{fd, POLLIN, 0};
  int ready = 0;
  auto deadline = std::chrono::steady_clock::now() + timeout;
  do {
    auto left =
        std::chrono::ceil<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    ready = ::poll(&polled, 1, static_cast<int>(std::max<long>(left.count(), 0)));
  } while (ready < 0 && errno == EINTR);
  ::close(fd);
  return ready > 0;
}

pid_t read_pidfile(const std::string& path) {
  std::ifstream in(path);
  long pid = 0;
  in >> pid;
  return static_cast<pid_t>(pid);
}

std::vector<pid_t> starts(const Record& record, const std::string& service) {
  std::vector<pid_t> pids;
  for (const Event& event : record.events())
    if (event.service == service && event.what == "start" && !event.args.empty())
      pids.push_back(std::stoi(event.args[0]));
  return pids;
}

bool all_gone(const Record& record) {
  using namespace std::chrono_literals;
  for (int k = 0; k < 200 && !survivors(record).empty(); ++k)
    for (const Event& event : record.events())
      if ((event.what == "start" || event.what == "child") && !event.args.empty())
        wait_gone(std::stoi(event.args[0]), 50ms);
  return survivors(record).empty();
}

std::vector<std::string> survivors(const Record& record) {
  std::vector<std::string> found;
  auto report = [&](const std::string& service, const std::string& what, pid_t pid) {
    if (alive(pid))
      found.push_back(service + ": " + what + " " + std::to_string(pid) + " is alive");
  };
  for (const auto& event : record.events()) {
    if (event.what == "child" && !event.args.empty()) {
      report(event.service, "child pid", static_cast<pid_t>(std::stol(event.args[0])));
    } else if (event.what == "start" && event.args.size() >= 2) {
      report(event.service, "pid", static_cast<pid_t>(std::stol(event.args[0])));
      auto pgid = static_cast<pid_t>(std::stol(event.args[1]));
      if (pgid == ::getpgrp()) continue;
      for (pid_t member : group_members(pgid))
        found.push_back(event.service + ": pid " + std::to_string(member) + " of its group " +
                        std::to_string(pgid) + " is alive");
    }
  }
  return found;
}

void kill_survivors(const Record& record) {
  for (const auto& event : record.events()) {
    if ((event.what != "start" && event.what != "child") || event.args.empty()) continue;
    auto pid = static_cast<pid_t>(std::stol(event.args[0]));
    if (alive(pid)) ::kill(pid, SIGKILL);
    if (event.what != "start" || event.args.size() < 2) continue;
    auto pgid = static_cast<pid_t>(std::stol(event.args[1]));
    if (pgid != ::getpgrp() && !group_members(pgid).empty()) ::kill(-pgid, SIGKILL);
  }
}

}  // namespace summon::testing
