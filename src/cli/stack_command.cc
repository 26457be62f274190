// `summon up` and `summon run`: compile, pick ports, then hand over to a Stack.
#include <limits.h>
#include <stdlib.h>
#include <unistd.h>

#include <cctype>
#include <cstdint>
#include <utility>

#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/read.hpp>
#include <fmt/format.h>

#include "cli/commands.hpp"
#include "cli/compiled.hpp"
#include "cli/control_client.hpp"
#include "cli/control_commands.hpp"
#include "cli/detach.hpp"
#include "cli/printer.hpp"
#include "config/duration.hpp"
#include "control/server.hpp"
#include "control/state_folder.hpp"
#include "runtime/free_ports.hpp"
#include "runtime/log_file.hpp"
#include "runtime/stack.hpp"

namespace summon::cli {

namespace {

// "100000", "512K", "10M", "1G" (powers of 1024) as bytes; none if it is
// not a size above zero.
std::optional<std::uint64_t> parse_size(const std::string& text) {
  std::size_t digits = 0;
  while (digits < text.size() && std::isdigit(static_cast<unsigned char>(text[digits]))) ++digits;
  if (digits == 0 || digits > 15 || text.size() > digits + 1) return std::nullopt;
  std::uint64_t size = std::stoull(text.substr(0, digits));
  if (digits < text.size()) {
    const char unit = static_cast<char>(std::toupper(static_cast<unsigned char>(text[digits])));
    const int shift = unit == 'K' ? 10 : unit == 'M' ? 20 : unit == 'G' ? 30 : -1;
    if (shift < 0) return std::nullopt;
    size <<= shift;
  }
  if (size == 0) return std::nullopt;
  return size;
}

std::string real_path(const std::string& file) {
  char resolved[PATH_MAX];
  return ::realpath(file.c_str(), resolved) ? std::string(resolved) : file;
}

// The project's own state folder (SPEC 2.2), or why there is none: then
// the run goes on without a control socket. `up` of a project already up
// is refused (exit 2), the answer in `refusal`.
std::optional<control::StateFolder> make_state_folder(const config::ProjectSpec& project,
                                                      engine::Mode mode, control::ProjectInfo& info,
                                                      std::optional<std::string>& refusal,
                                                      std::string& warning) {
  info.name = project.name;
  info.file = real_path(project.file);
  info.pid = ::getpid();
  info.run = mode == engine::Mode::run;
  info.started_at = control::rfc3339(std::chrono::system_clock::now());
  auto root = control::user_state_root();
  if (auto* why = std::get_if<control::Refusal>(&root)) {
    warning = fmt::format("no control socket: {}", why->message);
    return std::nullopt;
  }
  if (!info.run) {
    auto found = find_project(ProjectRef{std::nullopt, info.file});
    if (auto* up = std::get_if<FoundProject>(&found); up && !up->info.run) {
      refusal = fmt::format("{} is already up (pid {}): summon attach, or summon down first",
                            project.name, up->info.pid);
      return std::nullopt;
    }
  }
  const auto name = control::project_folder_name(
      project.name, info.file, info.run ? std::optional<pid_t>(info.pid) : std::nullopt);
  // One that nobody answers any more was removed by find_project, or is a
  // run's of a reused pid.
  control::remove_stale(std::get<std::string>(root) + "/" + name);
  auto made = control::StateFolder::create(std::get<std::string>(root), name, info);
  if (auto* why = std::get_if<std::string>(&made)) {
    warning = fmt::format("no control socket: {}", *why);
    return std::nullopt;
  }
  return std::move(std::get<control::StateFolder>(made));
}

// Tells the command that started a detached supervisor that all is up.
class ReadySignal : public runtime::StackObserver {
 public:
  explicit ReadySignal(Detacher& detacher) : detacher_(detacher) {}
  void on_change(const engine::StateChange&) override {}
  void on_all_ready(std::size_t, engine::Duration) override { detacher_.ready(); }
  void on_failure(const engine::Failure&) override {}
  void on_done(int, engine::Duration) override {}

 private:
  Detacher& detacher_;
};

// `--timeline FILE`: the bring-up's timeline, written once everything is
// ready; a file that cannot be written is said among summon's own lines.
class TimelineWriter : public runtime::StackObserver {
 public:
  TimelineWriter(const runtime::Stack& stack, std::string file, Printer& printer)
      : stack_(stack), file_(std::move(file)), printer_(printer) {}
  void on_change(const engine::StateChange&) override {}
  void on_all_ready(std::size_t, engine::Duration) override {
    if (std::exchange(written_, true)) return;
    const auto format = timeline_format_of(file_).value_or(TimelineFormat::text);
    if (auto error = write_timeline(stack_.timeline(), format, file_))
      printer_.note("error: --timeline: " + *error);
    else
      printer_.note("timeline written to " + file_);
  }
  void on_failure(const engine::Failure&) override {}
  void on_done(int, engine::Duration) override {}

 private:
  const runtime::Stack& stack_;
  std::string file_;
  Printer& printer_;
  bool written_ = false;
};

// `up -d` of a project that is up already: what is selected and not running
// is started, and the answer is that of `summon start`.
int start_what_is_not_running(const config::ProjectSpec& project,
                              const std::vector<graph::ServiceIndex>& selected) {
  ControlTarget target{{std::nullopt, real_path(project.file)}, {}};
  for (auto i : selected) target.services.push_back(project.services[i].name);
  return service_command(target, control::Command::start);
}

int bring_up(const Target& target, const StackArgs& args, engine::Mode mode,
             const std::vector<std::string>& command) {
  runtime::StackOptions options;
  options.engine.mode = mode;
  options.engine.abort_on_exit = args.abort_on_exit;
  if (args.timeout) {
    options.engine.timeout = config::parse_duration(*args.timeout);
    if (!options.engine.timeout) {
      fmt::print(stderr, "summon: error: --timeout '{}' is not a duration (e.g. 30s, 250ms, 2m)\n",
                 *args.timeout);
      return exit_invalid;
    }
  }
  runtime::LogRotation rotation;
  rotation.keep = args.log_keep;
  if (args.log_max_size) {
    auto size = parse_size(*args.log_max_size);
    if (!size || !args.log_dir) {
      fmt::print(stderr, "summon: error: --log-max-size '{}': {}\n", *args.log_max_size,
                 size ? "needs --log-dir" : "not a size (e.g. 10M, 512K, 1G, 100000)");
      return exit_invalid;
    }
    rotation.max_size = *size;
  }
  if (args.log_dir) {
    std::string error;
    options.log_folder = runtime::LogFolder::open(*args.log_dir, error, rotation);
    if (!options.log_folder) {
      fmt::print(stderr, "summon: error: --log-dir {}: {}\n", *args.log_dir, error);
      return exit_invalid;
    }
  }

  // Compile once to learn the port names, then again with the ports picked.
  auto selection = compile_target(target);
  if (!selection) return exit_invalid;
  runtime::PortClaims port_claims;  // held until the run is over
  if (!selection->compiled.project->ports.empty()) {
    std::string error;
    auto ports = runtime::pick_ports(selection->compiled.project->ports, port_claims, error);
    if (!ports) {
      fmt::print(stderr, "summon: error: {}\n", error);
      return exit_failed;
    }
    options.ports = *ports;
    config::LoadOptions load;
    load.ports = &options.ports;
    selection = compile_target(target, load);
    if (!selection) return exit_invalid;
  }

  const auto& project = *selection->compiled.project;
  Detacher detacher;
  if (args.detach && args.ui) {
    fmt::print(stderr, "summon up: error: --ui and -d: choose one (d in the dashboard detaches)\n");
    return exit_invalid;
  }
  if (args.ui && !(::isatty(STDIN_FILENO) && ::isatty(STDOUT_FILENO))) {
    fmt::print(stderr, "summon up: error: --ui needs a terminal (stdin and stdout)\n");
    return exit_invalid;
  }
  if (args.ui) {
    // The supervisor goes on on its own, as with -d, and the dashboard is
    // its client from the moment it listens.
    if (auto code = detacher.split_held()) {
      if (*code != 0) return *code;
      return ui_after_up(real_path(project.file), detacher, args.no_color);
    }
  } else if (args.detach) {
    auto found = find_project(ProjectRef{std::nullopt, real_path(project.file)});
    if (auto* up = std::get_if<FoundProject>(&found); up && !up->info.run) {
      const int code = start_what_is_not_running(project, selection->services);
      if (code != exit_ok || !args.timeline) return code;
      // Its last bring-up: that of what was just started, if anything was.
      return timeline_command(ControlTarget{{std::nullopt, real_path(project.file)}, {}},
                              timeline_format_of(*args.timeline).value_or(TimelineFormat::text),
                              args.timeline);
    }
    if (auto code = detacher.split()) {
      if (*code == 0)
        fmt::print(
            "[summon] {} runs in the background (pid {}): summon ps, summon logs -f, "
            "summon down\n",
            project.name, detacher.child());
      return *code;
    }
  }
  control::ProjectInfo info;
  std::optional<std::string> refusal;
  std::string warning;
  auto folder = make_state_folder(project, mode, info, refusal, warning);
  if (refusal) {
    fmt::print(stderr, "summon: error: {}\n", *refusal);
    return exit_invalid;
  }
  Printer printer(project, selection->services,
                  PrintOptions{color_wanted(args.no_color), args.quiet});
  if (!warning.empty()) printer.note(warning);
  int code;
  {
    runtime::Stack stack(project, *selection->compiled.graph, selection->services,
                         std::move(options), printer, printer);
    printer.attach(stack);
    // Should summon die, its folder goes with it, not at the next command.
    if (folder) stack.guardian().track_state_folder(folder->path());
    // Before the ready signal: `up -d` returns once the file is there.
    std::optional<TimelineWriter> timeline_writer;
    if (args.timeline) stack.add_observer(timeline_writer.emplace(stack, *args.timeline, printer));
    ReadySignal ready_signal(detacher);
    if (args.detach) stack.add_observer(ready_signal);
    std::optional<control::Server> server;
    if (folder) {
      server.emplace(stack, project, selection->services, info,
                     [&printer](const std::string& text) { printer.note(text); });
      if (auto error = server->listen(folder->socket_path())) {
        printer.note("no control socket: " + *error);
        server.reset();
      } else {
        if (args.ui) detacher.ready();  // the dashboard takes over from here
        printer.tap([&server](const std::string& text) { server->own_line(text); });
      }
    }
    // Under `up --ui`, the dashboard's process going (but for `d`) takes the
    // project down with it, as the end of `up` would.
    std::optional<boost::asio::posix::stream_descriptor> held;
    char held_byte = 0;
    if (args.ui && detacher.held_fd() >= 0) {
      held.emplace(stack.io(), detacher.held_fd());
      boost::asio::async_read(*held, boost::asio::buffer(&held_byte, 1),
                              [&stack, &held_byte](boost::system::error_code error, std::size_t) {
                                if (error || held_byte != 'd') stack.request_stop();
                              });
    }
    if (args.ui && !server) {
      printer.note("the dashboard needs the control socket");  // nothing to show it on
      code = exit_failed;
    } else {
      code = mode == engine::Mode::run ? stack.run(command) : stack.up();
    }
    printer.tap(nullptr);  // before the server goes
  }
  if (folder) folder->remove();
  return code;
}

}  // namespace

int up_command(const Target& target, const StackArgs& args) {
  return bring_up(target, args, engine::Mode::up, {});
}

int run_command(const Target& target, const StackArgs& args,
                const std::vector<std::string>& command) {
  return bring_up(target, args, engine::Mode::run, command);
}

}  // namespace summon::cli
