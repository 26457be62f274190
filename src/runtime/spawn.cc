// spawn(): clone3 (sharing summon's memory until exec) or fork, summon's
// child setup, exec, and an error pipe.
#include "runtime/spawn.hpp"

#include <fcntl.h>
#include <grp.h>
#include <linux/close_range.h>
#include <linux/sched.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdint>
#include <cstring>
#include <string_view>

#include <fmt/format.h>

#include "runtime/descriptor_limit.hpp"
#include "runtime/user_entry.hpp"

namespace summon::runtime {

namespace {

// Where a bare program name is looked for when the environment has no PATH.
constexpr const char* default_path = "/usr/local/bin:/usr/bin:/bin";

struct Credentials {
  uid_t uid;
  gid_t gid;
  std::vector<gid_t> groups;
};

std::string error_text(int error) {
  return std::strerror(error);
}

std::optional<std::string> lookup_user(const std::string& user, Credentials& out) {
  const auto found = find_user(user);
  if (!found) return fmt::format("user {}: no such user", user);
  out.uid = found->uid;
  out.gid = found->gid;
  if (out.uid == ::geteuid()) return std::nullopt;
  if (::geteuid() != 0)
    return fmt::format("user {}: summon must run as root to run a service as another user", user);
  int count = 64;
  out.groups.resize(count);
  if (::getgrouplist(user.c_str(), out.gid, out.groups.data(), &count) < 0) {
    out.groups.resize(count);
    ::getgrouplist(user.c_str(), out.gid, out.groups.data(), &count);
  }
  out.groups.resize(count);
  return std::nullopt;
}

// What the child does between its creation and exec: async-signal-safe
// calls only, no allocation, raw system calls for its credentials (glibc's
// would try to change every thread of summon's, which the child does not
// have). Any failure goes back to summon as an errno on `error_fd`.
struct ChildPlan {
  const char* executable;  // a path, or a bare name to look for in `path`
  const char* path;        // the PATH to search; nullptr: `executable` is a path
  const char* const* argv;
  const char* const* envp;
  const std::vector<std::pair<int, int>>& moves;  // {target, source}, all of them
  bool own_session;
  const char* cwd;                 // nullptr: summon's own
  const Credentials* credentials;  // nullptr: summon's own
  int cgroup_procs;                // cgroup.procs to join by writing, or -1 (set by create_child)
  pid_t parent;                    // summon, as the child was made
  const rlimit* descriptor_limit;  // to restore before exec, or nullptr
  char* pid_digits;                // room for the child's pid in an envp entry, or nullptr
};

// Room for any pid_t in decimal, and its terminator.
constexpr std::size_t pid_room = 21;

// Writes `pid` in decimal, NUL-terminated, into `out` (pid_room bytes); no
// allocation, no locale: the child may call it.
void write_pid(char* out, pid_t pid) {
  char reversed[pid_room];
  std::size_t length = 0;
  auto value = static_cast<unsigned long>(pid);
  do {
    reversed[length++] = static_cast<char>('0' + value % 10);
    value /= 10;
  } while (value != 0 && length < pid_room - 1);
  for (std::size_t i = 0; i < length; ++i) out[i] = reversed[length - 1 - i];
  out[length] = '\0';
}

// Tells summon why (errno) and ends the child.
[[noreturn]] void child_failed(int error_fd) {
  const int error = errno;
  (void)!::write(error_fd, &error, sizeof error);
  ::_exit(127);
}

// execvp's search, done by the child: as the user it runs as (a folder
// only root may enter is skipped for `user: nobody`) and from its own
// folder (an empty entry means "."). The parent cannot search for it
// without borrowing that identity, which glibc would give every thread of a
// host program. No allocation: each candidate is built on the stack.
[[noreturn]] void exec_from_path(const ChildPlan& plan, int error_fd) {
  const std::size_t name_length = std::strlen(plan.executable);
  char candidate[PATH_MAX];
  bool denied = false;
  const char* entry = plan.path;
  for (;;) {
    const char* end = std::strchr(entry, ':');
    if (!end) end = entry + std::strlen(entry);
    const char* folder = end > entry ? entry : ".";
    const std::size_t length = end > entry ? static_cast<std::size_t>(end - entry) : 1;
    if (length + 1 + name_length + 1 > sizeof candidate) {
      errno = ENAMETOOLONG;
    } else {
      std::memcpy(candidate, folder, length);
      candidate[length] = '/';
      std::memcpy(candidate + length + 1, plan.executable, name_length + 1);
      ::execve(candidate, const_cast<char* const*>(plan.argv), const_cast<char* const*>(plan.envp));
    }
    // Not here (or not for this user): try the next folder. Anything else
    // (not an executable format, out of memory) is the answer.
    switch (errno) {
      case EACCES:
        denied = true;
        break;
      case ENOENT:
      case ENOTDIR:
      case ELOOP:
      case ENAMETOOLONG:
        break;
      default:
        child_failed(error_fd);
    }
    if (*end == '\0') break;
    entry = end + 1;
  }
  // As execvp: a match that could not run says more than none at all.
  errno = denied ? EACCES : ENOENT;
  child_failed(error_fd);
}

[[noreturn]] void run_child(const ChildPlan& plan, int error_fd) {
  const auto fail = [&error_fd] { child_failed(error_fd); };
  // Signals as a fresh process has them: exec keeps SIG_IGN and the mask,
  // and a service that inherits an ignored SIGPIPE or SIGINT misbehaves.
  // (The mask, still full from summon, is emptied last.)
  struct sigaction default_action {};
  default_action.sa_handler = SIG_DFL;
  for (int signal = 1; signal < NSIG; ++signal) ::sigaction(signal, &default_action, nullptr);

  if (plan.own_session && ::setsid() < 0) fail();
  if (plan.cgroup_procs >= 0 && ::write(plan.cgroup_procs, "0", 1) < 0) fail();

  // The error pipe goes above every target, out of their way; then every
  // source is parked above them too and moved into place. (Above the highest
  // target, not at a fixed 1024: growing the descriptor table past its size
  // can wait for an RCU grace period, milliseconds.)
  int above_targets = 0;
  for (const auto& move : plan.moves) above_targets = std::max(above_targets, move.first + 1);
  error_fd = ::fcntl(error_fd, F_DUPFD_CLOEXEC, above_targets);
  if (error_fd < 0) ::_exit(127);
  int parked[64];
  const std::size_t count = std::min<std::size_t>(plan.moves.size(), 64);
  for (std::size_t i = 0; i < count; ++i) {
    parked[i] = ::fcntl(plan.moves[i].second, F_DUPFD_CLOEXEC, above_targets);
    if (parked[i] < 0) fail();
  }
  for (std::size_t i = 0; i < count; ++i)
    if (::dup2(parked[i], plan.moves[i].first) < 0) fail();

  // Close everything else, gaps between kept descriptors included.
  int keep[65];
  std::size_t kept = 0;
  for (std::size_t i = 0; i < count; ++i) keep[kept++] = plan.moves[i].first;
  keep[kept++] = error_fd;
  std::sort(keep, keep + kept);
  unsigned int from = 0;
  for (std::size_t i = 0; i < kept; ++i) {
    const unsigned int fd = static_cast<unsigned int>(keep[i]);
    if (fd > from) ::syscall(SYS_close_range, from, fd - 1, 0);
    from = fd + 1;
  }
  ::syscall(SYS_close_range, from, ~0U, 0);

  if (plan.cwd && ::chdir(plan.cwd) < 0) fail();
  if (plan.descriptor_limit && ::setrlimit(RLIMIT_NOFILE, plan.descriptor_limit) < 0) fail();
  if (const Credentials* who = plan.credentials) {
    if (::syscall(SYS_setgroups, who->groups.size(), who->groups.data()) < 0 ||
        ::syscall(SYS_setresgid, who->gid, who->gid, who->gid) < 0 ||
        ::syscall(SYS_setresuid, who->uid, who->uid, who->uid) < 0)
      fail();
  }
  // Dies with summon's thread: a child made a moment before summon was
  // SIGKILLed could otherwise run on, unknown to anyone. Set after the
  // change of user, which would clear it, and kept through exec; a summon
  // already gone (the child is someone else's now) means no exec at all.
  if (::prctl(PR_SET_PDEATHSIG, SIGKILL) < 0) fail();
  if (::getppid() != plan.parent) ::_exit(127);
  // The pid exec keeps: this process's, now that it is made (a raw call:
  // glibc's cache of it is not the child's to trust after clone3).
  if (plan.pid_digits) write_pid(plan.pid_digits, static_cast<pid_t>(::syscall(SYS_getpid)));
  sigset_t empty;
  ::sigemptyset(&empty);
  ::sigprocmask(SIG_SETMASK, &empty, nullptr);
  if (plan.path) exec_from_path(plan, error_fd);
  ::execve(plan.executable, const_cast<char* const*>(plan.argv),
           const_cast<char* const*>(plan.envp));
  child_failed(error_fd);
}

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

#if defined(__x86_64__)
// clone3 with the child on a stack of its own, running `entry(data)` there;
// the parent gets the pid (or -1 and errno). The generic syscall() cannot do
// this: a child sharing summon's memory must not return through a frame the
// parent will return through too, so the child's side is written here.
long clone3_onto(clone_args* args, [[noreturn]] void (*entry)(void*), void* data) {
  register void (*call)(void*) asm("r12") = entry;
  register void* argument asm("r13") = data;
  long result;
  asm volatile(
      "syscall\n\t"
      "test %%rax, %%rax\n\t"
      "jnz 1f\n\t"
      // The child: on its own stack, with no frame to return to.
      "xor %%ebp, %%ebp\n\t"
      "mov %%r13, %%rdi\n\t"
      "call *%%r12\n\t"
      "mov $127, %%edi\n\t"
      "mov $231, %%eax\n\t"  // exit_group, should entry ever return
      "syscall\n\t"
      "ud2\n"
      "1:\n\t"
      : "=a"(result)
      : "0"(static_cast<long>(SYS_clone3)), "D"(args), "S"(sizeof *args), "r"(call), "r"(argument)
      : "rcx", "r11", "memory", "cc");
  if (result < 0) {
    errno = static_cast<int>(-result);
    return -1;
  }
  return result;
}
constexpr bool can_share_memory = true;
#else
long clone3_onto(clone_args*, void (*)(void*), void*) {
  errno = ENOSYS;
  return -1;
}
constexpr bool can_share_memory = false;
#endif

// The child's stack while it shares summon's memory: its own mapping, so
// a host program's small thread stacks do not matter. Only the pages the
// child touches are ever made.
class ChildStack {
 public:
  static constexpr std::size_t size = 256 * 1024;
  ChildStack()
      : base_(::mmap(nullptr, size, PROT_READ | PROT_WRITE,
                     MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK | MAP_NORESERVE, -1, 0)) {}
  ~ChildStack() {
    if (base_ != MAP_FAILED) ::munmap(base_, size);
  }
  ChildStack(const ChildStack&) = delete;
  ChildStack& operator=(const ChildStack&) = delete;
  bool made() const { return base_ != MAP_FAILED; }
  std::uint64_t base() const { return reinterpret_cast<std::uint64_t>(base_); }

 private:
  void* base_;
};

// What the child needs, in memory it shares with summon until its exec.
struct ChildStart {
  ChildPlan* plan;
  int error_fd;
  int parent_end;  // the error pipe's reading end, summon's alone
};

[[noreturn]] void child_entry(void* data) {
  const auto* start = static_cast<const ChildStart*>(data);
  ::close(start->parent_end);
  run_child(*start->plan, start->error_fd);
}

// A new process, straight into the cgroup folder `cgroup_dir` if there is
// one: clone3 with CLONE_INTO_CGROUP. Joining after a plain fork would
// migrate the process, which takes the kernel a global lock and an RCU grace
// period: about 5 ms per service here; the child of a fork joins by
// writing to `procs`.
//
// The child shares summon's memory and summon waits until it has exec'd
// (CLONE_VM | CLONE_VFORK, as posix_spawn does): a fork would copy summon's
// page tables for each spawn and make summon pay a copy for every page it
// writes afterwards, a cost that grows with summon. On kernels before 5.7,
// or elsewhere than x86-64, it is a fork, and the child joins by itself.
pid_t create_child(int cgroup_dir, const std::string& procs, ChildStart& start) {
  start.plan->cgroup_procs = -1;
  if (can_share_memory) {
    // One per thread, kept: a spawn then costs no mapping of its own.
    thread_local const ChildStack stack;
    if (stack.made()) {
      clone_args args{};
      args.flags = CLONE_VM | CLONE_VFORK | (cgroup_dir >= 0 ? CLONE_INTO_CGROUP : 0);
      args.exit_signal = SIGCHLD;
      args.stack = stack.base();
      args.stack_size = ChildStack::size;
      if (cgroup_dir >= 0) args.cgroup = static_cast<std::uint64_t>(cgroup_dir);
      const long pid = clone3_onto(&args, child_entry, &start);
      if (pid >= 0) return static_cast<pid_t>(pid);
      if (errno != ENOSYS && errno != E2BIG) return -1;
    }
  }
  FileDescriptor cgroup_procs(procs.empty() ? -1 : ::open(procs.c_str(), O_WRONLY | O_CLOEXEC));
  if (!procs.empty() && cgroup_procs.get() < 0) return -1;
  start.plan->cgroup_procs = cgroup_procs.get();
  const pid_t pid = ::fork();
  if (pid == 0) child_entry(&start);
  return pid;
}

// The program named on a script's `#!` line, if it has one.
std::optional<std::string> script_interpreter(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
  if (fd < 0) return std::nullopt;
  char head[256];
  const ssize_t got = ::read(fd, head, sizeof head);
  ::close(fd);
  if (got < 3 || head[0] != '#' || head[1] != '!') return std::nullopt;
  std::string_view line(head + 2, static_cast<std::size_t>(got - 2));
  line = line.substr(0, line.find('\n'));
  const auto start = line.find_first_not_of(" \t");
  if (start == std::string_view::npos) return std::nullopt;
  line.remove_prefix(start);
  return std::string(line.substr(0, line.find_first_of(" \t\r")));
}

}  // namespace

std::string exec_error_text(const std::string& program, int error, const std::string& cwd) {
  // A bare name was looked for in PATH (by the child): say so, as a shell does.
  if (error == ENOENT && program.find('/') == std::string::npos)
    return fmt::format("{}: command not found in PATH", program);
  const std::string path = program.front() == '/' || cwd.empty() ? program : cwd + "/" + program;
  struct stat info;
  const bool exists = ::stat(path.c_str(), &info) == 0;
  // The kernel says ENOENT when a script's interpreter is missing, and
  // EACCES for a folder: both would name the wrong culprit.
  if (error == ENOENT && exists) {
    if (auto interpreter = script_interpreter(path))
      return fmt::format("{}: its interpreter {} is missing", program, *interpreter);
  }
  if (error == EACCES && exists && S_ISDIR(info.st_mode))
    return fmt::format("{}: is a folder, not a program", program);
  return fmt::format("{}: {}", program, error_text(error));
}

std::variant<pid_t, std::string> spawn(const SpawnRequest& request) {
  auto started = start_process(request);
  if (auto* error = std::get_if<std::string>(&started)) return *error;
  const auto [pid, exec_result] = std::get<StartedProcess>(started);
  FileDescriptor result(exec_result);
  // The pipe closes at exec; before that, the child may say why it failed.
  int child_error = 0;
  ssize_t got;
  do got = ::read(result.get(), &child_error, sizeof child_error);
  while (got < 0 && errno == EINTR);
  if (got == sizeof child_error) {
    // It exits right after saying why: reap it here, as nobody watches it.
    while (::waitpid(pid, nullptr, 0) < 0 && errno == EINTR) {
    }
    return exec_error_text(request.argv.front(), child_error, request.cwd);
  }
  return pid;
}

std::variant<StartedProcess, std::string> start_process(const SpawnRequest& request) {
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

  // A bare name is looked for by the child (exec_from_path); a relative path
  // is from the child's folder.
  std::string executable = program;
  std::optional<std::string> path;
  if (program.find('/') == std::string::npos) {
    path = default_path;
    for (const auto& [key, value] : request.environment)
      if (key == "PATH") path = value;
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
  env_strings.reserve(request.environment.size() + 1);
  for (const auto& [key, value] : request.environment)
    if (key != request.pid_variable) env_strings.push_back(key + "=" + value);
  // Its digits are written by the child, once it knows its pid.
  char* pid_digits = nullptr;
  if (!request.pid_variable.empty()) {
    std::string& entry = env_strings.emplace_back(request.pid_variable + "=");
    const std::size_t at = entry.size();
    entry.resize(at + pid_room, '\0');
    pid_digits = entry.data() + at;
  }
  std::vector<const char*> env;
  for (const auto& entry : env_strings) env.push_back(entry.c_str());
  env.push_back(nullptr);
  std::vector<const char*> argv;
  for (const auto& arg : request.argv) argv.push_back(arg.c_str());
  argv.push_back(nullptr);

  FileDescriptor cgroup_dir(
      request.cgroup.empty() ? -1
                             : ::open(request.cgroup.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!request.cgroup.empty() && cgroup_dir.get() < 0)
    return fmt::format("{}: {}", request.cgroup, error_text(errno));
  const std::string procs = request.cgroup.empty() ? "" : request.cgroup + "/cgroup.procs";

  int error_pipe[2];
  if (::pipe2(error_pipe, O_CLOEXEC) != 0) return fmt::format("pipe: {}", error_text(errno));
  // No handler of summon's may run in the child before it has reset them.
  sigset_t all, saved;
  ::sigfillset(&all);
  ::pthread_sigmask(SIG_BLOCK, &all, &saved);
  ChildPlan plan{executable.c_str(),
                 path ? path->c_str() : nullptr,
                 argv.data(),
                 env.data(),
                 moves,
                 request.own_session,
                 request.cwd.empty() ? nullptr : request.cwd.c_str(),
                 switch_user ? &credentials : nullptr,
                 -1,
                 ::getpid(),
                 child_descriptor_limit(),
                 pid_digits};
  ChildStart start{&plan, error_pipe[1], error_pipe[0]};
  const pid_t pid = create_child(cgroup_dir.get(), procs, start);
  const int fork_error = errno;
  ::pthread_sigmask(SIG_SETMASK, &saved, nullptr);
  ::close(error_pipe[1]);
  if (pid < 0) {
    ::close(error_pipe[0]);
    return fmt::format("cannot make a process: {}", error_text(fork_error));
  }
  return StartedProcess{pid, error_pipe[0]};
}

}  // namespace summon::runtime
