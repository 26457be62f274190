#include "runtime/run_mark.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/random.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <sstream>
#include <string>

namespace summon::runtime {

namespace {

std::string read_environ(pid_t pid) {
  const std::string path = "/proc/" + std::to_string(pid) + "/environ";
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return {};
  std::string text;
  char buffer[8192];
  ssize_t got;
  while ((got = ::read(fd, buffer, sizeof buffer)) > 0)
    text.append(buffer, static_cast<std::size_t>(got));
  ::close(fd);
  return text;
}

bool has_token(std::string_view list, std::string_view token) {
  while (!list.empty()) {
    const std::size_t comma = std::min(list.find(','), list.size());
    if (list.substr(0, comma) == token) return true;
    list.remove_prefix(std::min(comma + 1, list.size()));
  }
  return false;
}

// The four user ids of /proc/PID/status's Uid: line, and its start time
// (field 22 of /proc/PID/stat).
struct ProcessIds {
  uid_t uids[4];
  unsigned long long started;
};

std::optional<ProcessIds> process_ids(pid_t pid) {
  ProcessIds ids{};
  const std::string base = "/proc/" + std::to_string(pid);
  std::ifstream status(base + "/status");
  std::string line;
  bool found = false;
  while (std::getline(status, line)) {
    if (!line.starts_with("Uid:")) continue;
    std::istringstream fields(line.substr(4));
    found = static_cast<bool>(fields >> ids.uids[0] >> ids.uids[1] >> ids.uids[2] >> ids.uids[3]);
    break;
  }
  if (!found) return std::nullopt;
  std::ifstream stat(base + "/stat");
  std::string text;
  if (!std::getline(stat, text)) return std::nullopt;
  const auto close = text.rfind(')');
  if (close == std::string::npos) return std::nullopt;
  std::istringstream fields(text.substr(close + 1));
  std::string field;
  // After "PID (COMM)", the start time is the 20th field.
  for (int n = 0; n < 19 && fields >> field; ++n) {
  }
  if (!(fields >> ids.started)) return std::nullopt;
  return ids;
}

}  // namespace

RunIdentity RunIdentity::now(const std::set<uid_t>& extra) {
  RunIdentity who;
  who.uids = extra;
  who.uids.insert(::geteuid());
  who.uids.insert(::getuid());
  who.any_user = ::geteuid() == 0;
  timespec since_boot{};
  ::clock_gettime(CLOCK_BOOTTIME, &since_boot);
  const auto ticks = static_cast<unsigned long long>(::sysconf(_SC_CLK_TCK));
  who.started = static_cast<unsigned long long>(since_boot.tv_sec) * ticks +
                static_cast<unsigned long long>(since_boot.tv_nsec) * ticks / 1'000'000'000ULL;
  return who;
}

bool RunIdentity::admits(pid_t pid) const {
  const auto ids = process_ids(pid);
  if (!ids || ids->started < started) return false;
  for (uid_t uid : ids->uids)
    if (uid != ids->uids[0]) return false;
  return any_user || uids.count(ids->uids[0]) > 0;
}

std::string new_run_id() {
  unsigned char bytes[16];
  std::size_t have = 0;
  while (have < sizeof bytes) {
    const ssize_t got = ::getrandom(bytes + have, sizeof bytes - have, 0);
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) std::abort();  // no randomness means no safe run id
    have += static_cast<std::size_t>(got);
  }
  static constexpr char digits[] = "0123456789abcdef";
  std::string id;
  for (unsigned char byte : bytes) {
    id.push_back(digits[byte >> 4]);
    id.push_back(digits[byte & 15]);
  }
  return id;
}

std::string run_mark_value(const std::optional<std::string>& inherited, std::string_view run_id) {
  if (!inherited || inherited->empty()) return std::string(run_id);
  return *inherited + "," + std::string(run_id);
}

void mark_environment(config::EnvList& environment, std::string_view run_id) {
  std::optional<std::string> inherited;
  for (const auto& [key, value] : environment)
    if (key == run_mark_variable) inherited = value;
  std::erase_if(environment, [](const auto& entry) { return entry.first == run_mark_variable; });
  environment.emplace_back(run_mark_variable, run_mark_value(inherited, run_id));
}

bool environ_has_mark(std::string_view environ, std::string_view run_id) {
  const std::string key = std::string(run_mark_variable) + "=";
  while (!environ.empty()) {
    const std::size_t end = std::min(environ.find('\0'), environ.size());
    const std::string_view entry = environ.substr(0, end);
    if (entry.starts_with(key) && has_token(entry.substr(key.size()), run_id)) return true;
    environ.remove_prefix(std::min(end + 1, environ.size()));
  }
  return false;
}

bool marked_process_in_group(std::string_view run_id, const RunIdentity& who, pid_t id) {
  DIR* proc = ::opendir("/proc");
  if (!proc) return false;
  bool found = false;
  while (const dirent* entry = ::readdir(proc)) {
    char* end = nullptr;
    const long number = std::strtol(entry->d_name, &end, 10);
    if (*end != '\0' || number <= 1) continue;
    const pid_t pid = static_cast<pid_t>(number);
    if ((::getpgid(pid) == id || ::getsid(pid) == id) &&
        environ_has_mark(read_environ(pid), run_id) && who.admits(pid)) {
      found = true;
      break;
    }
  }
  ::closedir(proc);
  return found;
}

std::size_t kill_marked_processes(std::string_view run_id, const RunIdentity& who,
                                  std::set<pid_t>& killed) {
  DIR* proc = ::opendir("/proc");
  if (!proc) return 0;
  const pid_t self = ::getpid();
  std::size_t added = 0;
  while (const dirent* entry = ::readdir(proc)) {
    char* end = nullptr;
    const long number = std::strtol(entry->d_name, &end, 10);
    if (*end != '\0' || number <= 1 || number == self) continue;
    const pid_t pid = static_cast<pid_t>(number);
    if (killed.count(pid)) continue;
    // The pidfd first: if the environment read next is of a process that
    // took over a reused pid, the pidfd refers to the one before, and the
    // signal fails instead of reaching the wrong process.
    const int pidfd = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
    if (pidfd < 0) continue;
    if (environ_has_mark(read_environ(pid), run_id) && who.admits(pid) &&
        ::syscall(SYS_pidfd_send_signal, pidfd, SIGKILL, nullptr, 0) == 0) {
      killed.insert(pid);
      ++added;
    }
    ::close(pidfd);
  }
  ::closedir(proc);
  return added;
}

}  // namespace summon::runtime
