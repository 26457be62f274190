// Cgroup, CgroupTree, kill_and_remove: files under the cgroup v2 mount.
#include "runtime/cgroups.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <vector>

#include "runtime/proc_entry.hpp"

namespace summon::runtime {

namespace {

bool write_file(const std::string& path, const char* text) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) return false;
  const std::size_t length = std::char_traits<char>::length(text);
  const bool wrote = ::write(fd, text, length) == static_cast<ssize_t>(length);
  ::close(fd);
  return wrote;
}

bool events_say_populated(const std::string& events) {
  return events.find("populated 1") != std::string::npos;
}

// summon's own cgroup v2 folder: its path in /proc/self/cgroup ("0::/x"),
// under the mount of type cgroup2 in /proc/self/mountinfo.
std::string own_cgroup_folder() {
  std::string relative;
  {
    std::ifstream cgroups("/proc/self/cgroup");
    std::string line;
    while (std::getline(cgroups, line))
      if (line.rfind("0::", 0) == 0) relative = line.substr(3);
  }
  if (relative.empty()) return {};
  std::ifstream mounts("/proc/self/mountinfo");
  std::string line;
  while (std::getline(mounts, line)) {
    const auto separator = line.find(" - ");
    if (separator == std::string::npos) continue;
    std::istringstream after(line.substr(separator + 3));
    std::string type;
    after >> type;
    if (type != "cgroup2") continue;
    std::istringstream before(line.substr(0, separator));
    std::string id, parent, device, root, mount_point;
    before >> id >> parent >> device >> root >> mount_point;
    // A mount of a subtree (a cgroup namespace's view) shows paths from it.
    if (root != "/" && relative.rfind(root, 0) == 0) relative.erase(0, root.size());
    if (relative == "/") relative.clear();
    return mount_point + relative;
  }
  return {};
}

// Depth first: a nested summon's own tree may sit inside a leaf.
void remove_folders(const std::string& path) {
  if (DIR* folder = ::opendir(path.c_str())) {
    std::vector<std::string> children;
    while (const dirent* entry = ::readdir(folder)) {
      const std::string name = entry->d_name;
      if (entry->d_type == DT_DIR && name != "." && name != "..") children.push_back(name);
    }
    ::closedir(folder);
    for (const auto& child : children) remove_folders(path + "/" + child);
  }
  ::rmdir(path.c_str());
}

// Until cgroup.events says unpopulated: the file signals each change as
// POLLPRI, so this sleeps until the kernel has something to say.
void wait_until_empty(const std::string& path, int timeout_ms) {
  const std::string events_path = path + "/cgroup.events";
  const int fd = ::open(events_path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return;
  for (int waited = 0; waited < timeout_ms; waited += 50) {
    char buffer[256];
    const ssize_t got = ::pread(fd, buffer, sizeof buffer - 1, 0);
    if (got <= 0 || !events_say_populated(std::string(buffer, static_cast<std::size_t>(got))))
      break;
    pollfd watch{fd, POLLPRI, 0};
    ::poll(&watch, 1, 50);
  }
  ::close(fd);
}

}  // namespace

void Cgroup::signal_members(int signal, pid_t signalled_group) const {
  std::istringstream members(read_whole_file(path_ + "/cgroup.procs"));
  pid_t pid;
  while (members >> pid)
    if (::getpgid(pid) != signalled_group) ::kill(pid, signal);
}

void Cgroup::kill() const {
  if (!write_file(path_ + "/cgroup.kill", "1")) signal_members(SIGKILL, 0);  // before Linux 5.14
}

bool Cgroup::contains(pid_t pid) const {
  std::istringstream members(read_whole_file(path_ + "/cgroup.procs"));
  pid_t member;
  while (members >> member)
    if (member == pid) return true;
  return false;
}

bool Cgroup::populated() const {
  return events_say_populated(read_whole_file(path_ + "/cgroup.events"));
}

void Cgroup::remove() const { ::rmdir(path_.c_str()); }

CgroupTree::CgroupTree() {
  const char* opt_out = std::getenv("SUMMON_NO_CGROUP");
  if (opt_out && *opt_out && std::string(opt_out) != "0") return;
  const std::string own = own_cgroup_folder();
  // Moving a child into a leaf takes write access to the common ancestor.
  if (own.empty() || ::access((own + "/cgroup.procs").c_str(), W_OK) != 0) return;
  // summon.PID; a second run in the same process (the library) takes
  // summon.PID.2, and so on.
  const std::string base = own + "/summon." + std::to_string(::getpid());
  for (int n = 1; n <= 1000; ++n) {
    const std::string path = n == 1 ? base : base + "." + std::to_string(n);
    if (::mkdir(path.c_str(), 0755) == 0) {
      path_ = path;
      return;
    }
    if (errno != EEXIST) return;
  }
}

CgroupTree::~CgroupTree() {
  if (enabled()) kill_and_remove(path_);
}

std::optional<Cgroup> CgroupTree::leaf(const std::string& name) const {
  if (!enabled()) return std::nullopt;
  const std::string path = path_ + "/" + name;
  if (::mkdir(path.c_str(), 0755) != 0 && errno != EEXIST) return std::nullopt;
  return Cgroup(path);
}

std::optional<Cgroup> CgroupTree::existing_leaf(const std::string& name) const {
  if (!enabled()) return std::nullopt;
  const std::string path = path_ + "/" + name;
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) return std::nullopt;
  return Cgroup(path);
}

std::string service_leaf_name(const std::string& service) {
  return "svc-" + service;
}

void kill_and_remove(const std::string& path) {
  Cgroup(path).kill();
  wait_until_empty(path, 1000);
  remove_folders(path);
}

}  // namespace summon::runtime
