// spawn(): Boost.Process v2's launcher with summon's child setup.
#include "runtime/spawn.hpp"

#include <fcntl.h>
#include <grp.h>
#include <linux/close_range.h>
#include <pwd.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include <boost/process/v2/posix/vfork_launcher.hpp>
#include <boost/process/v2/process.hpp>
#include <fmt/format.h>

namespace summon::runtime {

namespace {

namespace bp = boost::process::v2;
using boost::system::error_code;

// Where the child's descriptors are parked while they are moved into
// place: above every target, so that no dup2 overwrites a source.
constexpr int parking_base = 1024;

struct Credentials {
  uid_t uid;
  gid_t gid;
  std::vector<gid_t> groups;
};

std::string error_text(int error) { return std::strerror(error); }

std::optional<std::string> lookup_user(const std::string& user, Credentials& out) {
  struct passwd entry;
  struct passwd* found = nullptr;
  std::vector<char> buffer(16384);
  if (::getpwnam_r(user.c_str(), &entry, buffer.data(), buffer.size(), &found) != 0 || !found)
    return fmt::format("user {}: no such user", user);
  out.uid = found->pw_uid;
  out.gid = found->pw_gid;
  if (out.uid == ::geteuid()) return std::nullopt;
  if (::geteuid() != 0)
    return fmt::format("user {}: summon must run as root to run a service as another user",
                       user);
  int count = 64;
  out.groups.resize(count);
  if (::getgrouplist(user.c_str(), out.gid, out.groups.data(), &count) < 0) {
    out.groups.resize(count);
    ::getgrouplist(user.c_str(), out.gid, out.groups.data(), &count);
  }
  out.groups.resize(count);
  return std::nullopt;
}

std::string find_in_path(const std::string& name, const config::EnvList& environment) {
  std::string path = "/usr/local/bin:/usr/bin:/bin";
  for (const auto& [key, value] : environment)
    if (key == "PATH") path = value;
  std::size_t begin = 0;
  while (begin <= path.size()) {
    std::size_t end = path.find(':', begin);
    if (end == std::string::npos) end = path.size();
    std::string folder = path.substr(begin, end - begin);
    if (folder.empty()) folder = ".";
    std::string candidate = folder + "/" + name;
    struct stat info;
    if (::stat(candidate.c_str(), &info) == 0 && S_ISREG(info.st_mode) &&
        ::eaccess(candidate.c_str(), X_OK) == 0)
      return candidate;
    begin = end + 1;
  }
  return {};
}

// The child is made with vfork: it borrows summon's memory until it execs,
// so starting a process costs the same with a thousand services running as
// with none (fork would copy the page tables each time). The child therefore
// runs async-signal-safe calls only, allocates nothing and writes only its own
// stack; a failing step sets errno, which the launcher hands back. Signals are
// blocked around the vfork, so that none of summon's handlers can run in the
// child before it has reset them.
struct ChildSetup {
  const SpawnRequest& request;
  std::vector<std::pair<int, int>> moves;  // {target, source}, all of them
  const char* cwd;
  const Credentials* credentials;
  int cgroup_procs;  // the cgroup's cgroup.procs, open for writing; -1: none
  sigset_t parent_mask{};
  bool blocked = false;

  template <typename Launcher>
  error_code on_setup(Launcher& launcher, const bp::filesystem::path&, const char* const*) {
    // Keep the targets through Boost's own closing of descriptors.
    for (const auto& [target, source] : moves) launcher.fd_whitelist.push_back(target);
    sigset_t all;
    ::sigfillset(&all);
    blocked = ::pthread_sigmask(SIG_BLOCK, &all, &parent_mask) == 0;
    return {};
  }

  // Back in summon, after the child has exec'd or failed to.
  template <typename Launcher>
  void on_success(Launcher&, const bp::filesystem::path&, const char* const*) {
    unblock();
  }
  // Variadic: Boost 1.81 looks for on_error and on_exec_error with one more
  // argument than it passes, so a hook with the exact signature is never called.
  template <typename... Arguments>
  void on_error(Arguments&&...) {
    unblock();
  }
  void unblock() {
    if (blocked) ::pthread_sigmask(SIG_SETMASK, &parent_mask, nullptr);
    blocked = false;
  }

  template <typename Launcher>
  error_code on_exec_setup(Launcher& launcher, const bp::filesystem::path&, const char* const*) {
    // Signals as a fresh process has them: exec keeps SIG_IGN and the mask,
    // and a service that inherits an ignored SIGPIPE or SIGINT misbehaves.
    struct sigaction default_action {};
    default_action.sa_handler = SIG_DFL;
    for (int signal = 1; signal < NSIG; ++signal) ::sigaction(signal, &default_action, nullptr);
    sigset_t empty;
    ::sigemptyset(&empty);
    ::sigprocmask(SIG_SETMASK, &empty, nullptr);

    if (request.own_session && ::setsid() < 0) return failed();
    if (cgroup_procs >= 0 && ::write(cgroup_procs, "0", 1) < 0) return failed();

    // Park every source above the targets, then move each into place.
    int parked[64];
    const std::size_t count = std::min<std::size_t>(moves.size(), 64);
    for (std::size_t i = 0; i < count; ++i) {
      parked[i] = ::fcntl(moves[i].second, F_DUPFD_CLOEXEC, parking_base);
      if (parked[i] < 0) return failed();
    }
    for (std::size_t i = 0; i < count; ++i)
      if (::dup2(parked[i], moves[i].first) < 0) return failed();

    // Close everything else but the launcher's error pipe (Boost's own
    // closing leaves gaps between kept descriptors open).
    int keep[80];
    std::size_t kept = 0;
    for (int fd : launcher.fd_whitelist)
      if (kept < 80) keep[kept++] = fd;
    std::sort(keep, keep + kept);
    unsigned int from = 0;
    for (std::size_t i = 0; i < kept; ++i) {
      const unsigned int fd = static_cast<unsigned int>(keep[i]);
      if (fd > from) ::syscall(SYS_close_range, from, fd - 1, 0);
      from = fd + 1;
    }
    ::syscall(SYS_close_range, from, ~0U, 0);

    if (cwd && ::chdir(cwd) < 0) return failed();
    if (credentials) {
      if (::setgroups(credentials->groups.size(), credentials->groups.data()) < 0 ||
          ::setgid(credentials->gid) < 0 || ::setuid(credentials->uid) < 0)
        return failed();
    }
    return {};
  }

  // The launcher has left the error where summon will read it; leave without
  // running atexit handlers or flushing stdio, which are summon's own (the
  // launcher's own exit() would run them).
  template <typename... Arguments>
  void on_exec_error(Arguments&&...) {
    ::_exit(127);
  }

  static error_code failed() { return error_code(errno, boost::system::system_category()); }
};

class FileDescriptor {
 public:
  explicit FileDescriptor(int fd) : fd_(fd) {}
  ~FileDescriptor() {
    if (fd_ >= 0) ::close(fd_);
  }
  FileDescriptor(const FileDescriptor&) = delete;
  FileDescriptor& operator=(const FileDescriptor&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

}  // namespace

std::variant<pid_t, std::string> spawn(const SpawnRequest& request) {
  if (request.argv.empty() || request.argv.front().empty()) return std::string("empty command");
  const std::string& program = request.argv.front();

  if (!request.cwd.empty()) {
    struct stat info;
    if (::stat(request.cwd.c_str(), &info) != 0)
      return fmt::format("cwd {}: {}", request.cwd, error_text(errno));
    if (!S_ISDIR(info.st_mode)) return fmt::format("cwd {}: not a folder", request.cwd);
  }

  Credentials credentials{};
  if (request.user)
    if (auto error = lookup_user(*request.user, credentials)) return *error;
  const bool switch_user = request.user && credentials.uid != ::geteuid();

  std::string executable = program;
  if (program.find('/') == std::string::npos) {
    // Search as the user who will run it: a PATH entry under /root is no
    // use to `user: nobody`. One thread, so the borrowed identity is safe.
    if (switch_user) {
      ::setegid(credentials.gid);
      ::seteuid(credentials.uid);
    }
    executable = find_in_path(program, request.environment);
    if (switch_user) {
      ::seteuid(0);
      ::setegid(0);
    }
    if (executable.empty()) return fmt::format("{}: command not found in PATH", program);
  } else if (program.front() != '/' && !request.cwd.empty()) {
    executable = request.cwd + "/" + program;
  }


  FileDescriptor null_fd(::open("/dev/null", O_RDWR | O_CLOEXEC));
  if (null_fd.get() < 0) return fmt::format("/dev/null: {}", error_text(errno));

  std::vector<std::pair<int, int>> moves = {
      {STDIN_FILENO, request.stdin_fd < 0 ? null_fd.get() : request.stdin_fd},
      {STDOUT_FILENO, request.stdout_fd < 0 ? null_fd.get() : request.stdout_fd},
      {STDERR_FILENO, request.stderr_fd < 0 ? null_fd.get() : request.stderr_fd},
  };
  for (const auto& extra : request.extra_fds) moves.push_back(extra);
  if (moves.size() > 64) return std::string("too many descriptors to hand over");

  std::vector<std::string> env_strings;
  env_strings.reserve(request.environment.size());
  for (const auto& [key, value] : request.environment) env_strings.push_back(key + "=" + value);
  std::vector<const char*> env;
  for (const auto& entry : env_strings) env.push_back(entry.c_str());
  env.push_back(nullptr);
  std::vector<const char*> argv;
  for (const auto& arg : request.argv) argv.push_back(arg.c_str());
  argv.push_back(nullptr);

  const std::string procs = request.cgroup.empty() ? "" : request.cgroup + "/cgroup.procs";
  FileDescriptor cgroup_procs(procs.empty() ? -1 : ::open(procs.c_str(), O_WRONLY | O_CLOEXEC));
  if (!procs.empty() && cgroup_procs.get() < 0)
    return fmt::format("{}: {}", procs, error_text(errno));

  ChildSetup setup{request, moves, request.cwd.empty() ? nullptr : request.cwd.c_str(),
                   switch_user ? &credentials : nullptr, cgroup_procs.get()};

  // The launcher tells the executor's context about the fork, and the child
  // would remake that context's reactor: in summon's own memory, since it is
  // a vfork. So it is a fresh context that has no reactor yet, never the
  // main loop's nor one kept from an earlier spawn.
  boost::asio::io_context fork_context;
  bp::posix::vfork_launcher launcher;
  launcher.env = env.data();
  error_code error;
  auto process = launcher(fork_context.get_executor(), error, executable, argv.data(), setup);
  if (error) return fmt::format("{}: {}", program, error.message());
  // The reaper, not the process object, waits for it.
  const pid_t pid = process.id();
  process.detach();
  return pid;
}

}  // namespace summon::runtime
