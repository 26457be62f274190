#include "run_summon.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <stdexcept>

#include <fmt/format.h>

extern char** environ;

namespace summon::testing {

namespace {

using Clock = std::chrono::steady_clock;

[[noreturn]] void fail(const std::string& what, int error = errno) {
  throw std::runtime_error(fmt::format("{}: {}", what, std::strerror(error)));
}

std::string required_env(const char* name) {
  const char* value = std::getenv(name);
  if (!value || !*value)
    throw std::runtime_error(fmt::format("${} is not set; run the tests with `meson test`", name));
  return value;
}

// The test's environment without SUMMON_FILE, then the options' changes.
std::vector<std::string> child_environment(const RunOptions& options) {
  std::vector<std::string> env;
  for (char** entry = environ; *entry; ++entry)
    if (!std::string_view(*entry).starts_with("SUMMON_FILE=")) env.emplace_back(*entry);
  for (const auto& [name, value] : options.env) {
    std::string prefix = name + "=";
    std::erase_if(env, [&prefix](const std::string& e) { return e.starts_with(prefix); });
    if (value) env.push_back(prefix + *value);
  }
  return env;
}

std::vector<char*> pointers(std::vector<std::string>& strings) {
  std::vector<char*> out;
  for (auto& s : strings) out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

// Owns the file descriptors of one run, so that an exception leaks none.
struct Fds {
  int out[2] = {-1, -1};
  int err[2] = {-1, -1};
  int pidfd = -1;

  ~Fds() {
    for (int fd : {out[0], out[1], err[0], err[1], pidfd})
      if (fd >= 0) ::close(fd);
  }
  static void close(int& fd) {
    if (fd >= 0) ::close(fd);
    fd = -1;
  }
};

pid_t spawn(const std::string& program, const std::vector<std::string>& args,
            const RunOptions& options, Fds& fds) {
  if (::pipe2(fds.out, O_CLOEXEC) != 0 || ::pipe2(fds.err, O_CLOEXEC) != 0) fail("pipe2");
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, fds.out[1], 1);
  posix_spawn_file_actions_adddup2(&actions, fds.err[1], 2);
  if (!options.cwd.empty()) posix_spawn_file_actions_addchdir_np(&actions, options.cwd.c_str());

  std::vector<std::string> argv_strings{program};
  argv_strings.insert(argv_strings.end(), args.begin(), args.end());
  auto argv = pointers(argv_strings);
  auto env_strings = child_environment(options);
  auto envp = pointers(env_strings);

  pid_t pid = -1;
  int rc = ::posix_spawn(&pid, program.c_str(), &actions, nullptr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) fail("cannot start " + program, rc);
  Fds::close(fds.out[1]);
  Fds::close(fds.err[1]);
  return pid;
}

// Appends what is available on `fd` to `sink`; closes `fd` at end of file.
void drain(int& fd, std::string& sink) {
  char buffer[65536];
  ssize_t n = ::read(fd, buffer, sizeof buffer);
  if (n > 0) {
    sink.append(buffer, static_cast<std::size_t>(n));
  } else if (n == 0 || errno != EINTR) {
    Fds::close(fd);
  }
}

}  // namespace

std::string RunResult::summary() const {
  std::string how = timed_out ? "timed out"
                    : signal  ? fmt::format("killed by signal {}", signal)
                              : fmt::format("exit {}", exit_code);
  return fmt::format("{} in {:.3f}s, peak RSS {:.1f} MiB", how, elapsed.count(),
                     static_cast<double>(peak_rss_kib) / 1024);
}

RunOptions in_folder(std::string cwd, EnvChanges env) {
  RunOptions options;
  options.cwd = std::move(cwd);
  options.env = std::move(env);
  return options;
}

std::string summon_bin() {
  return required_env("SUMMON_BIN");
}

std::string tests_dir(const std::string& sub) {
  return (std::filesystem::path(required_env("SUMMON_TESTS_DIR")) / sub).string();
}

std::string source_root(const std::string& sub) {
  return (std::filesystem::path(required_env("SUMMON_SOURCE_ROOT")) / sub).string();
}

RunResult run_program(const std::string& program, const std::vector<std::string>& args,
                      const RunOptions& options) {
  RunResult result;
  Fds fds;
  auto start = Clock::now();
  auto deadline = start + options.timeout;
  pid_t pid = spawn(program, args, options, fds);
  fds.pidfd = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
  if (fds.pidfd < 0) {
    ::kill(pid, SIGKILL);
    ::waitpid(pid, nullptr, 0);
    fail("pidfd_open");
  }

  // One poll over both pipes and the child's exit, so that neither a full pipe
  // nor a silent child can block the test past its deadline.
  bool exited = false;
  while (!(exited && fds.out[0] < 0 && fds.err[0] < 0)) {
    auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) {
      ::kill(pid, SIGKILL);
      result.timed_out = true;
      break;
    }
    pollfd polled[3] = {
        {fds.out[0], POLLIN, 0}, {fds.err[0], POLLIN, 0}, {exited ? -1 : fds.pidfd, POLLIN, 0}};
    int ready = ::poll(polled, 3, static_cast<int>(std::min<long>(left.count(), 1'000'000)));
    if (ready < 0 && errno != EINTR) fail("poll");
    if (ready <= 0) continue;
    if (polled[0].revents) drain(fds.out[0], result.out);
    if (polled[1].revents) drain(fds.err[0], result.err);
    if (polled[2].revents) exited = true;
  }

  int status = 0;
  rusage usage{};
  while (::wait4(pid, &status, 0, &usage) < 0)
    if (errno != EINTR) fail("wait4");
  result.elapsed = Clock::now() - start;
  result.peak_rss_kib = usage.ru_maxrss;
  if (WIFEXITED(status)) {
    result.exit_code = WEXITSTATUS(status);
  } else if (WIFSIGNALED(status)) {
    result.signal = WTERMSIG(status);
    result.exit_code = 128 + result.signal;
  }
  return result;
}

RunResult run_summon(const std::vector<std::string>& args, const RunOptions& options) {
  return run_program(summon_bin(), args, options);
}

}  // namespace summon::testing
