// Printer: lines buffered per chunk of output and written whole.
#include "cli/printer.hpp"

#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>

#include <fmt/format.h>

#include "config/duration.hpp"
#include "runtime/failure_summary.hpp"
#include "runtime/write_all.hpp"

namespace summon::cli {

namespace {

using namespace std::chrono;

// One colour per service, in file order; red is kept for errors.
const char* const palette[] = {"\x1b[36m", "\x1b[33m", "\x1b[32m", "\x1b[35m", "\x1b[34m",
                               "\x1b[96m", "\x1b[93m", "\x1b[92m", "\x1b[95m", "\x1b[94m"};
constexpr const char* reset = "\x1b[0m";
constexpr const char* bold = "\x1b[1m";
constexpr std::size_t flush_at = 64 * 1024;

// On a terminal a service's stray control bytes must not reset, clear or
// re-title it: keep tab and the ESC of colour codes, show the rest as '?'.
void append_for_terminal(std::string& out, std::string_view line) {
  for (char c : line) {
    const auto byte = static_cast<unsigned char>(c);
    out.push_back((byte < 0x20 && c != '\t' && c != '\x1b') || byte == 0x7f ? '?' : c);
  }
}

std::string signal_name(int signal) {
  const char* name = ::sigabbrev_np(signal);
  return name ? fmt::format("SIG{}", name) : fmt::format("signal {}", signal);
}

}  // namespace

std::string format_elapsed(engine::Duration elapsed) {
  const auto ms = duration_cast<milliseconds>(elapsed).count();
  if (ms < 1000) return fmt::format("{}ms", ms);
  return fmt::format("{:.2f}s", duration<double>(elapsed).count());
}

bool color_wanted(bool no_color_flag) {
  const char* no_color = std::getenv("NO_COLOR");
  return !no_color_flag && !(no_color && *no_color) && ::isatty(STDOUT_FILENO);
}

Printer::Printer(const config::ProjectSpec& project,
                 const std::vector<graph::ServiceIndex>& selected, PrintOptions options)
    : project_(project),
      secrets_(config::Secrets::of(project)),
      options_(options),
      prefixes_(project.services.size()),
      ended_(project.services.size(), false) {
  std::size_t width = 0;
  for (auto i : selected) width = std::max(width, project.services[i].name.size());
  for (std::size_t i = 0; i < prefixes_.size(); ++i)
    prefixes_[i] = service_prefix(i, project.services[i].name, width, options_.color);
}

std::string service_prefix(std::size_t index, const std::string& name, std::size_t width,
                           bool color) {
  std::string prefix;
  if (color) prefix += palette[index % (sizeof palette / sizeof *palette)];
  prefix += name;
  prefix.append(width > name.size() ? width - name.size() : 0, ' ');
  prefix += " | ";
  if (color) prefix += reset;
  return prefix;
}

Printer::~Printer() {
  flush();
}

void Printer::on_lines(graph::ServiceIndex i, runtime::Stream,
                       std::span<const std::string_view> lines) {
  if (options_.quiet) return;
  const std::string& prefix = prefixes_[i];
  if (!options_.color) {
    // The hot path under a flood of output: one reservation, then copies.
    std::size_t size = buffer_.size() + lines.size() * (prefix.size() + 1);
    for (auto line : lines) size += line.size();
    buffer_.reserve(size);
    for (auto line : lines) {
      buffer_.append(prefix);
      buffer_.append(line);
      buffer_.push_back('\n');
    }
  } else {
    for (auto line : lines) {
      buffer_ += prefix;
      append_for_terminal(buffer_, line);
      if (line.find('\x1b') != std::string_view::npos) buffer_ += reset;  // no colour bleeds on
      buffer_.push_back('\n');
    }
  }
  if (buffer_.size() >= flush_at) flush();
}

void Printer::flush() {
  // Once nobody reads (EPIPE) the run goes on, and nothing more is written.
  if (!broken_) broken_ = !runtime::write_all(STDOUT_FILENO, buffer_);
  buffer_.clear();
}

void Printer::own_line(const std::string& text) {
  const std::string masked = secrets_.mask(text);
  if (tap_) tap_(masked);
  if (options_.color) buffer_ += bold;
  buffer_ += "[summon] ";
  buffer_ += masked;
  if (options_.color) buffer_ += reset;
  buffer_.push_back('\n');
  flush();
}

void Printer::on_status(graph::ServiceIndex i, std::string_view text) {
  own_line(fmt::format("{} status: {}", project_.services[i].name, text));
}

void Printer::on_notice(graph::ServiceIndex i, std::string_view text) {
  own_line(fmt::format("{}: {}", project_.services[i].name, text));
}

void Printer::on_warning(graph::ServiceIndex i, std::string_view text) {
  own_line(fmt::format("{}: {}", project_.services[i].name, text));
}

void Printer::on_change(const engine::StateChange& change) {
  const auto& service = project_.services[change.service];
  const auto& name = service.name;
  if (change.to == engine::State::starting) ended_[change.service] = false;
  if (change.to == engine::State::completed || change.to == engine::State::failed || change.restart)
    ended_[change.service] = true;
  if (change.restart) {
    // "api exited with code 1; restart 2 in 400ms"
    own_line(fmt::format(
        "{} {}; restart {} in {}", name,
        change.exit ? engine::describe(*change.exit) : change.reason, change.restart->number,
        config::format_duration(duration_cast<milliseconds>(change.restart->delay))));
    return;
  }
  switch (change.to) {
    case engine::State::started: {
      auto pid = stack_ ? stack_->board().status(change.service).pid : std::nullopt;
      own_line(pid ? fmt::format("{} started (pid {})", name, *pid) : name + " started");
      break;
    }
    case engine::State::ready:
      if (change.from == engine::State::unhealthy)
        own_line(name + " ready again");
      else if (service.ready)
        own_line(fmt::format("{} ready in {} ({})", name, format_elapsed(change.since_start),
                             config::probe_kind_name(*service.ready)));
      break;
    case engine::State::unhealthy:
      own_line(fmt::format("{} unhealthy: {}", name, change.reason));
      break;
    case engine::State::completed:
      if (all_ready_ && change.exit)
        own_line(fmt::format("{} {}", name, engine::describe(*change.exit)));
      else
        own_line(fmt::format("{} completed in {}", name, format_elapsed(change.since_start)));
      break;
    case engine::State::failed:
      if (change.exit && all_ready_)
        own_line(fmt::format("{} {}", name, change.reason));
      else
        own_line(fmt::format("{} failed: {}", name, change.reason));
      break;
    case engine::State::skipped:
      if (change.because)
        own_line(
            fmt::format("{} skipped ({} failed)", name, project_.services[*change.because].name));
      else
        own_line(name + " skipped");
      break;
    case engine::State::stopped:
      // A service whose end was already told needs no second word.
      if (ended_[change.service]) break;
      if (change.killed)
        own_line(fmt::format("{} killed after {}", name, format_elapsed(change.since_stop)));
      else
        own_line(fmt::format("{} stopped in {}", name, format_elapsed(change.since_stop)));
      break;
    default:
      break;
  }
}

void Printer::on_all_ready(std::size_t services, engine::Duration since_bring_up) {
  all_ready_ = true;
  own_line(fmt::format("ready: {} service{} in {}", services, services == 1 ? "" : "s",
                       format_elapsed(since_bring_up)));
}

void Printer::on_failure(const engine::Failure& failure) {
  failure_ = failure;
}

void Printer::on_stopping(int signal) {
  own_line(signal == SIGINT ? "stopping (Ctrl-C again kills everything at once)"
                            : fmt::format("stopping on {}", signal_name(signal)));
}

void Printer::on_guardian_lost(pid_t pid) {
  own_line(fmt::format(
      "the guardian (pid {}) died, so nothing would clean up if summon died too: stopping "
      "everything",
      pid));
}

// Always said, --quiet or not: `run` exits 1 both when the command did and
// when a service failed, and this line tells which.
void Printer::on_command_ended(int wait_status) {
  if (WIFSIGNALED(wait_status))
    own_line(fmt::format("command was killed by signal {}", signal_name(WTERMSIG(wait_status))));
  else
    own_line(fmt::format("command exited with code {}", WEXITSTATUS(wait_status)));
}

void Printer::on_command_failed(const std::string& error) {
  flush();
  fmt::print(stderr, "summon: error: cannot run the command: {}\n", secrets_.mask(error));
}

void Printer::on_done(int, engine::Duration) {
  own_line("stopped");
  if (failure_) print_failure();
}

// The summary comes last, after teardown, when the failed service's output
// has been read to its end. Its message is summon's and is masked; its last
// lines are the service's, shown as `NAME | line` showed them.
void Printer::print_failure() {
  const auto& service = project_.services[failure_->service];
  const auto tail =
      stack_ ? stack_->board().tail(failure_->service, runtime::OutputHistory::tail_lines)
             : std::deque<runtime::OutputLine>{};
  const std::string text = runtime::failure_summary(
      secrets_.mask(failure_->message), service, tail,
      options_.color ? runtime::AppendLine(append_for_terminal) : runtime::AppendLine());
  runtime::write_all(STDERR_FILENO, text);
}

}  // namespace summon::cli
