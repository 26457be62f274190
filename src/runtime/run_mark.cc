#include "runtime/run_mark.hpp"

#include <signal.h>
#include <sys/random.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <ctime>
#include <sstream>
#include <string>

#include "runtime/proc_entry.hpp"

namespace summon::runtime {

namespace {

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
  std::istringstream status(read_proc_file(pid, "status"));
  bool found = false;
  for (std::string line; std::getline(status, line);) {
    if (!line.starts_with("Uid:")) continue;
    std::istringstream fields(line.substr(4));
    found = static_cast<bool>(fields >> ids.uids[0] >> ids.uids[1] >> ids.uids[2] >> ids.uids[3]);
    break;
  }
  const auto stat = stat_fields(pid);
  if (!found || stat.size() <= 19) return std::nullopt;
  ids.started = std::strtoull(stat[19].c_str(), nullptr, 10);
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
  for (pid_t pid : all_processes()) {
    if (pid <= 1 || (::getpgid(pid) != id && ::getsid(pid) != id)) continue;
    if (environ_has_mark(read_proc_file(pid, "environ"), run_id) && who.admits(pid)) return true;
  }
  return false;
}

std::size_t kill_marked_processes(std::string_view run_id, const RunIdentity& who,
                                  std::set<pid_t>& killed) {
  const pid_t self = ::getpid();
  std::size_t added = 0;
  for (pid_t pid : all_processes()) {
    if (pid <= 1 || pid == self || killed.count(pid)) continue;
    // The pidfd first: if the environment read next is of a process that
    // took over a reused pid, the pidfd refers to the one before, and the
    // signal fails instead of reaching the wrong process.
    const int pidfd = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
    if (pidfd < 0) continue;
    if (environ_has_mark(read_proc_file(pid, "environ"), run_id) && who.admits(pid) &&
        ::syscall(SYS_pidfd_send_signal, pidfd, SIGKILL, nullptr, 0) == 0) {
      killed.insert(pid);
      ++added;
    }
    ::close(pidfd);
  }
  return added;
}

void kill_marked_until_none(std::string_view run_id, const RunIdentity& who, int quiet_passes) {
  constexpr int most_passes = 200;
  constexpr timespec between_quiet_passes{0, 5'000'000};
  std::set<pid_t> killed;
  int quiet = 0;
  for (int pass = 0; pass < most_passes && quiet < quiet_passes; ++pass) {
    if (kill_marked_processes(run_id, who, killed) > 0) {
      quiet = 0;
    } else if (++quiet < quiet_passes) {
      ::nanosleep(&between_quiet_passes, nullptr);
    }
  }
}

}  // namespace summon::runtime
