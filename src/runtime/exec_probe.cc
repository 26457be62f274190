// The `exec` probe's attempt: one run of the command, in a process group of
// its own, which holds when it exits 0.
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <functional>
#include <memory>
#include <string>
#include <utility>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

#include "config/duration.hpp"
#include "engine/exit_status.hpp"
#include "runtime/ansi.hpp"
#include "runtime/line_splitter.hpp"
#include "runtime/probe_attempt.hpp"
#include "runtime/probe_kinds.hpp"

namespace summon::runtime {

namespace {

// Output still in the pipe once an attempt has ended is read at once, up to
// this much: a descendant that left the group could write forever.
constexpr int max_drain_reads = 256;

// One run of the command. Its handlers hold it, so a read or timer that
// completes late finds it alive.
struct Run {
  explicit Run(boost::asio::io_context& io) : output(io), limit(io) {}

  pid_t pid = -1;
  boost::asio::posix::stream_descriptor output;  // its stdout and stderr
  boost::asio::steady_timer limit;
  std::array<char, 4096> buffer{};
  LineSplitter splitter;
  std::string last_line;
  bool reading = false;  // a read is pending
  bool output_ended = false;
  bool exited = false;
  int wait_status = 0;
  bool timed_out = false;
};

struct Shared {
  Shared(ProbeContext& context, SpawnRequest request, std::string label)
      : io(context.io),
        reaper(context.reaper),
        request(std::move(request)),
        label(std::move(label)) {}

  boost::asio::io_context& io;
  ChildReaper& reaper;
  SpawnRequest request;     // every run's, but for its output pipe
  std::string label;        // "exec pg_isready"
  ProbeAttempt::Done done;  // the attempt under way's
  Duration timeout{};
  std::shared_ptr<Run> run;  // the one running, if any
  bool stopped = false;
};

// Reports from a fresh turn of the loop: the callers are the reaper's and
// Asio's handlers, and `done` may well destroy the attempt.
void finish(const std::shared_ptr<Shared>& shared, AttemptResult result) {
  boost::asio::post(shared->io, [shared, result = std::move(result)]() mutable {
    if (shared->stopped) return;
    const ProbeAttempt::Done done = std::move(shared->done);
    shared->done = nullptr;
    done(std::move(result));
  });
}

void remember(Run& attempt, std::string_view line) {
  std::string text = strip_ansi(line);
  if (text.find_first_not_of(" \t\r") != std::string::npos) attempt.last_line = std::move(text);
}

void keep_lines(Run& attempt, std::string_view chunk) {
  attempt.splitter.feed(chunk, [&](std::string_view line) { remember(attempt, line); });
}

std::string describe_wait_status(int wait_status) {
  engine::ExitStatus status;
  if (WIFSIGNALED(wait_status)) {
    status.signal = WTERMSIG(wait_status);
  } else {
    status.code = WEXITSTATUS(wait_status);
  }
  return engine::describe(status);
}

// An attempt's whole group: called as its leader is reaped or before, while
// the group's number is still the attempt's.
void end_group(pid_t pgid) {
  ::kill(-pgid, SIGKILL);
}

// Both the exit and the end of the output are in: decide.
void conclude(const std::shared_ptr<Shared>& shared, const std::shared_ptr<Run>& attempt) {
  if (!attempt->output_ended) {
    // The command has exited, so what it wrote is in the pipe already; read
    // it now rather than wait for an end that a straggler could hold off.
    boost::system::error_code error;
    attempt->output.non_blocking(true, error);
    for (int reads = 0; !error && reads < max_drain_reads; ++reads) {
      const std::size_t size =
          attempt->output.read_some(boost::asio::buffer(attempt->buffer), error);
      keep_lines(*attempt, std::string_view(attempt->buffer.data(), size));
    }
  }
  attempt->splitter.finish([&](std::string_view line) { remember(*attempt, line); });
  boost::system::error_code ignored;
  attempt->output.close(ignored);
  if (shared->run == attempt) shared->run.reset();
  if (shared->stopped) return;

  const int status = attempt->wait_status;
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
    return finish(shared, {AttemptResult::Outcome::held,
                           fmt::format("{}: exited with code 0", shared->label)});
  std::string text;
  if (attempt->timed_out) {
    text = fmt::format("{}: timed out after {}", shared->label,
                       config::format_duration(shared->timeout));
  } else if (attempt->last_line.empty()) {
    text = fmt::format("{}: {}", shared->label, describe_wait_status(status));
  } else {
    text =
        fmt::format("{}: {}: {}", shared->label, describe_wait_status(status), attempt->last_line);
  }
  finish(shared, {AttemptResult::Outcome::failed, std::move(text)});
}

void read_output(const std::shared_ptr<Shared>& shared, const std::shared_ptr<Run>& attempt) {
  attempt->reading = true;
  attempt->output.async_read_some(
      boost::asio::buffer(attempt->buffer),
      [shared, attempt](const boost::system::error_code& error, std::size_t size) {
        attempt->reading = false;
        if (shared->stopped) return;
        keep_lines(*attempt, std::string_view(attempt->buffer.data(), size));
        if (error && error != boost::asio::error::operation_aborted) attempt->output_ended = true;
        if (attempt->exited) {
          conclude(shared, attempt);
        } else if (!error) {
          read_output(shared, attempt);
        }
      });
}

void on_exit(const std::shared_ptr<Shared>& shared, const std::shared_ptr<Run>& attempt,
             int wait_status) {
  attempt->exited = true;
  attempt->wait_status = wait_status;
  attempt->limit.cancel();
  // Whatever it left behind in its group goes with it.
  end_group(attempt->pid);
  if (shared->stopped) return;
  // A pending read may hold output already taken from the pipe: let it
  // complete, and conclude there.
  if (attempt->reading) {
    attempt->output.cancel();
  } else {
    conclude(shared, attempt);
  }
}

void run_attempt(const std::shared_ptr<Shared>& shared) {
  using Outcome = AttemptResult::Outcome;
  int ends[2];
  if (::pipe2(ends, O_CLOEXEC) != 0) {
    finish(shared, {Outcome::broken, fmt::format("exec probe cannot start: cannot make a pipe: {}",
                                                 std::strerror(errno))});
    return;
  }
  SpawnRequest request = shared->request;
  request.stdout_fd = ends[1];
  request.stderr_fd = ends[1];
  auto spawned = spawn(request);
  ::close(ends[1]);
  if (auto* why = std::get_if<std::string>(&spawned)) {
    ::close(ends[0]);
    finish(shared, {Outcome::broken, "exec probe cannot start: " + *why});
    return;
  }

  auto attempt = std::make_shared<Run>(shared->io);
  attempt->pid = std::get<pid_t>(spawned);
  shared->run = attempt;
  shared->reaper.watch(
      attempt->pid, [shared, attempt](int wait_status) { on_exit(shared, attempt, wait_status); });
  attempt->output.assign(ends[0]);
  read_output(shared, attempt);
  attempt->limit.expires_after(shared->timeout);
  attempt->limit.async_wait([shared, attempt](const boost::system::error_code& error) {
    if (error || attempt->exited || shared->stopped) return;
    attempt->timed_out = true;
    ::kill(-attempt->pid, SIGKILL);
  });
}

std::string label_of(const config::Command& command) {
  if (command.shell && command.argv.size() == 3) return "exec " + command.argv[2];
  return fmt::format("exec {}", fmt::join(command.argv, " "));
}

class ExecAttempt final : public ProbeAttempt {
 public:
  ExecAttempt(const config::ExecProbe& spec, const ProbeTarget& target, ProbeContext& context) {
    SpawnRequest request;
    request.argv = spec.command.argv;
    request.environment = target.environment;
    request.cwd = target.cwd;
    request.user = target.user;
    request.stdin_fd = -1;
    request.own_session = true;
    request.cgroup = context.cgroup;
    shared_ = std::make_shared<Shared>(context, std::move(request), label_of(spec.command));
  }

  ~ExecAttempt() override {
    shared_->stopped = true;
    shared_->done = nullptr;
    if (auto attempt = shared_->run) {
      if (!attempt->exited) {
        end_group(attempt->pid);
        shared_->reaper.forget(attempt->pid);
      }
      attempt->limit.cancel();
      boost::system::error_code ignored;
      attempt->output.close(ignored);
    }
  }
  ExecAttempt(const ExecAttempt&) = delete;
  ExecAttempt& operator=(const ExecAttempt&) = delete;

  void run(Duration timeout, Done done) override {
    shared_->done = std::move(done);
    shared_->timeout = timeout;
    run_attempt(shared_);
  }

 private:
  std::shared_ptr<Shared> shared_;
};

}  // namespace

std::unique_ptr<ProbeAttempt> make_exec_attempt(const config::ExecProbe& spec,
                                                const ProbeTarget& target, ProbeContext& context) {
  return std::make_unique<ExecAttempt>(spec, target, context);
}

std::unique_ptr<Probe> make_exec_probe(const config::ExecProbe& spec, Duration interval,
                                       const ProbeTarget& target, ProbeContext& context,
                                       ProbeEvents events) {
  return make_polled_probe(make_exec_attempt(spec, target, context), interval, context,
                           std::move(events));
}

}  // namespace summon::runtime
