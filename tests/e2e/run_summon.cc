// The harness: runs a program with its output piped, and reads that output under deadlines.
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

pid_t spawn(const std::string& program, const std::vector<std::string>& args,
            const RunOptions& options, int out[2], int err[2]) {
  if (::pipe2(out, O_CLOEXEC) != 0 || ::pipe2(err, O_CLOEXEC) != 0) fail("pipe2");
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, out[1], 1);
  posix_spawn_file_actions_adddup2(&actions, err[1], 2);
  if (!options.cwd.empty()) posix_spawn_file_actions_addchdir_np(&actions, options.cwd.c_str());
  posix_spawnattr_t attributes;
  posix_spawnattr_init(&attributes);
  // The child gets default signal handling and an empty mask whatever the test set up.
  sigset_t all;
  sigfillset(&all);
  sigset_t none;
  sigemptyset(&none);
  posix_spawnattr_setsigdefault(&attributes, &all);
  posix_spawnattr_setsigmask(&attributes, &none);
  short flags = POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK;
  if (options.own_process_group) {
    flags |= POSIX_SPAWN_SETPGROUP;
    posix_spawnattr_setpgroup(&attributes, 0);
  }
  posix_spawnattr_setflags(&attributes, flags);

  std::vector<std::string> argv_strings{program};
  argv_strings.insert(argv_strings.end(), args.begin(), args.end());
  auto argv = pointers(argv_strings);
  auto env_strings = child_environment(options);
  auto envp = pointers(env_strings);

  pid_t pid = -1;
  int rc = ::posix_spawn(&pid, program.c_str(), &actions, &attributes, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attributes);
  ::close(out[1]);
  ::close(err[1]);
  if (rc != 0) {
    ::close(out[0]);
    ::close(err[0]);
    fail("cannot start " + program, rc);
  }
  return pid;
}

void close_fd(int& fd) {
  if (fd >= 0) ::close(fd);
  fd = -1;
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
  Background child(program, args, options);
  return child.finish(options.timeout);
}

RunResult run_summon(const std::vector<std::string>& args, const RunOptions& options) {
  return run_program(summon_bin(), args, options);
}

Background::Background(const std::string& program, const std::vector<std::string>& args,
                       const RunOptions& options)
    : own_group_(options.own_process_group), start_(Clock::now()) {
  int out[2] = {-1, -1};
  int err[2] = {-1, -1};
  pid_ = spawn(program, args, options, out, err);
  fds_[0] = out[0];
  fds_[1] = err[0];
  pidfd_ = static_cast<int>(::syscall(SYS_pidfd_open, pid_, 0));
  if (pidfd_ < 0) {
    int error = errno;
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
    close_fd(fds_[0]);
    close_fd(fds_[1]);
    fail("pidfd_open", error);
  }
}

Background::~Background() {
  if (!reaped_) {
    ::kill(own_group_ ? -pid_ : pid_, SIGKILL);
    while (::waitpid(pid_, nullptr, 0) < 0 && errno == EINTR) {
    }
  }
  close_fd(fds_[0]);
  close_fd(fds_[1]);
  close_fd(pidfd_);
}

void Background::send(int signal) {
  if (!reaped_) ::kill(pid_, signal);
}

// Cuts the stream's new complete lines out of its text; at its end, the rest too.
void Background::split_lines(int index, bool at_end) {
  const std::string& text = index == 0 ? result_.out : result_.err;
  auto now = Clock::now();
  auto stream = index == 0 ? Stream::out : Stream::err;
  std::size_t& start = line_start_[index];
  for (auto newline = text.find('\n', start); newline != std::string::npos;
       newline = text.find('\n', start)) {
    lines_.push_back({stream, text.substr(start, newline - start), now});
    start = newline + 1;
  }
  if (at_end && start < text.size()) {
    lines_.push_back({stream, text.substr(start), now});
    start = text.size();
  }
}

void Background::read_stream(int index) {
  std::string& sink = index == 0 ? result_.out : result_.err;
  char buffer[65536];
  ssize_t n = ::read(fds_[index], buffer, sizeof buffer);
  if (n > 0) {
    sink.append(buffer, static_cast<std::size_t>(n));
    split_lines(index, false);
  } else if (n == 0 || errno != EINTR) {
    close_fd(fds_[index]);
    split_lines(index, true);
  }
}

void Background::pump(Clock::time_point deadline, bool one_round) {
  // One poll over both pipes and the child's exit, so that neither a full pipe
  // nor a silent child can block the test past its deadline.
  while (!(exited_ && fds_[0] < 0 && fds_[1] < 0)) {
    auto limit = deadline;
    if (exited_at_) limit = std::min(limit, *exited_at_ + std::chrono::seconds(2));
    auto left = std::chrono::ceil<std::chrono::milliseconds>(limit - Clock::now());
    if (left.count() <= 0) return;
    pollfd polled[3] = {
        {fds_[0], POLLIN, 0}, {fds_[1], POLLIN, 0}, {exited_ ? -1 : pidfd_, POLLIN, 0}};
    int ready = ::poll(polled, 3, static_cast<int>(std::min<long>(left.count(), 1'000'000)));
    if (ready < 0 && errno != EINTR) fail("poll");
    if (ready <= 0) continue;
    if (polled[0].revents) read_stream(0);
    if (polled[1].revents) read_stream(1);
    if (polled[2].revents) {
      exited_ = true;
      exited_at_ = Clock::now();
    }
    if (one_round) return;
  }
}

std::optional<OutputLine> Background::find_line(std::string_view text) const {
  for (const auto& line : lines_)
    if (line.text.find(text) != std::string::npos) return line;
  return std::nullopt;
}

std::optional<OutputLine> Background::wait_for_line(std::string_view text,
                                                    std::chrono::milliseconds timeout) {
  return wait_for_line_if(
      [text](std::string_view line) { return line.find(text) != std::string_view::npos; }, timeout);
}

std::optional<OutputLine> Background::wait_for_line_if(
    const std::function<bool(std::string_view)>& matches, std::chrono::milliseconds timeout) {
  auto deadline = Clock::now() + timeout;
  std::size_t searched = 0;
  for (;;) {
    for (; searched < lines_.size(); ++searched)
      if (matches(lines_[searched].text)) return lines_[searched];
    if ((fds_[0] < 0 && fds_[1] < 0) || Clock::now() >= deadline) return std::nullopt;
    pump(deadline, true);
  }
}

const RunResult& Background::finish(std::chrono::milliseconds timeout) {
  if (reaped_) return result_;
  pump(Clock::now() + timeout, false);
  if (!exited_) {
    ::kill(own_group_ ? -pid_ : pid_, SIGKILL);
    result_.timed_out = true;
  } else if (fds_[0] >= 0 || fds_[1] >= 0) {
    result_.output_left_open = true;
  }
  // What is already in the pipes is kept, without waiting for more.
  for (int index : {0, 1})
    if (fds_[index] >= 0) {
      int flags = ::fcntl(fds_[index], F_GETFL);
      ::fcntl(fds_[index], F_SETFL, flags | O_NONBLOCK);
      std::string& sink = index == 0 ? result_.out : result_.err;
      char buffer[65536];
      for (ssize_t n; (n = ::read(fds_[index], buffer, sizeof buffer)) > 0;)
        sink.append(buffer, static_cast<std::size_t>(n));
      split_lines(index, true);
      close_fd(fds_[index]);
    }

  int status = 0;
  rusage usage{};
  while (::wait4(pid_, &status, 0, &usage) < 0)
    if (errno != EINTR) fail("wait4");
  reaped_ = true;
  result_.elapsed = exited_at_.value_or(Clock::now()) - start_;
  result_.peak_rss_kib = usage.ru_maxrss;
  auto seconds = [](const timeval& t) { return static_cast<double>(t.tv_sec) + t.tv_usec / 1e6; };
  result_.cpu = std::chrono::duration<double>(seconds(usage.ru_utime) + seconds(usage.ru_stime));
  if (WIFEXITED(status)) {
    result_.exit_code = WEXITSTATUS(status);
  } else if (WIFSIGNALED(status)) {
    result_.signal = WTERMSIG(status);
    result_.exit_code = 128 + result_.signal;
  }
  return result_;
}

}  // namespace summon::testing
