#include "cli/app.hpp"

#include <limits.h>
#include <stdlib.h>

#include <algorithm>
#include <functional>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include "cli/commands.hpp"
#include "cli/control_commands.hpp"
#include "cli/file_lookup.hpp"
#include "config/profiles.hpp"
#include "config/suggest.hpp"

namespace summon::cli {

namespace {

// The FILE and SERVICE arguments every command takes.
struct TargetArgs {
  std::vector<std::string> files;
  std::vector<std::string> positionals;
  std::vector<std::string> profiles;
  bool no_override = false;

  // `logs` takes -f for --follow, as every peer's does: its file is --file.
  void add_to(CLI::App& command, bool short_file = true) {
    command.add_option(short_file ? "-f,--file" : "--file", files,
                       "the services file (default: $SUMMON_FILE, else ./services.yaml or "
                       "./summon.yaml); again to merge more files onto it, in order")
        ->allow_extra_args(false);
    command.add_option("FILE_AND_SERVICES", positionals,
                       "an optional services file or folder, then services to restrict to "
                       "(with everything they depend on)");
  }
};

// What the commands that read the files take besides (SPEC 1.6).
void add_composition_options(CLI::App& command, TargetArgs& args) {
  command.add_option("--profile", args.profiles,
                     "also take the services of this profile (again for more; also "
                     "$SUMMON_PROFILES=a,b)")
      ->allow_extra_args(false);  // one name each: `--profile debug FILE` keeps FILE
  command.add_flag("--no-override", args.no_override,
                   "leave out NAME.override.yaml beside the first file");
}

// What a command on a running project is told: `-p NAME` or the file, and
// the services.
struct ControlArgs {
  std::optional<std::string> project;

  void add_to(CLI::App& command, TargetArgs& target, bool short_file = true) {
    target.add_to(command, short_file);
    command.add_option("-p,--project", project,
                       "the running project by name (NAME, or NAME:PID for one `run`) instead "
                       "of by its file");
  }
};

// The project a control command means; with -p every positional is a service.
std::optional<ControlTarget> control_target(const ControlArgs& control, const TargetArgs& args,
                                            std::string& error) {
  if (control.project) return ControlTarget{{control.project, ""}, args.positionals};
  auto target = find_target(args.files, args.positionals, error);
  if (!target) return std::nullopt;
  char resolved[PATH_MAX];
  const std::string file = ::realpath(target->file.c_str(), resolved) ? resolved : target->file;
  return ControlTarget{{std::nullopt, file}, target->services};
}

void add_stack_options(CLI::App& command, StackArgs& args) {
  command.add_option("--timeout", args.timeout, "replace every probe's timeout (e.g. 30s, 2m)");
  command.add_flag("--quiet", args.quiet, "no service output, only summon's own lines");
  command.add_flag("--no-color", args.no_color, "no colours (also NO_COLOR)");
  command.add_option("--log-dir", args.log_dir,
                     "also write each service's whole output to DIR/NAME.log");
  command.add_option("--log-max-size", args.log_max_size,
                     "with --log-dir: rotate a log file at S bytes (or S with K, M, G)");
  command
      .add_option("--log-keep", args.log_keep, "with --log-dir: old log files to keep (default 5)")
      ->check(CLI::Range(0, 1000));
  command
      .add_option("--timeline", args.timeline,
                  "once everything is ready, write the bring-up timeline to FILE (.svg, .json "
                  "or .txt)")
      ->check(CLI::Validator(
          [](std::string& file) {
            return timeline_format_of(file) ? std::string()
                                            : "'" + file + "' must end in .svg, .json or .txt";
          },
          "FILE"));
}

// CLI11 would call an unknown command "an extra argument"; name it instead.
bool unknown_command(const CLI::App& app, int argc, char** argv) {
  if (argc < 2 || argv[1][0] == '-') return false;
  std::vector<std::string> known;
  for (const auto* command : app.get_subcommands({})) known.push_back(command->get_name());
  if (std::find(known.begin(), known.end(), argv[1]) != known.end()) return false;
  fmt::print(stderr,
             "summon: error: unknown command '{}'{}\nRun with --help for more information.\n",
             argv[1], config::did_you_mean(argv[1], known));
  return true;
}

}  // namespace

int run(int argc, char** argv) {
  CLI::App app{
      "summon: brings up local processes from one YAML file, each the moment what "
      "it depends on is really ready",
      "summon"};
  app.set_version_flag("--version", std::string("summon ") + SUMMON_VERSION);
  app.require_subcommand(1);
  app.fallthrough(false);

  TargetArgs args;
  std::string format = "dot";
  bool show_secrets = false;
  bool origins = false;
  std::function<int(const Target&)> action;

  auto* check = app.add_subcommand(
      "check", "validate the file; print 'FILE: ok (N services, M layers)' or every error");
  args.add_to(*check);
  add_composition_options(*check, args);
  check->callback([&] { action = check_command; });

  auto* plan = app.add_subcommand("plan", "print the services by layer, in start order");
  args.add_to(*plan);
  add_composition_options(*plan, args);
  plan->callback([&] { action = plan_command; });

  auto* graph = app.add_subcommand("graph", "print the dependency graph");
  args.add_to(*graph);
  add_composition_options(*graph, args);
  graph->add_option("--format", format, "dot (Graphviz) or mermaid")
      ->check(CLI::IsMember({"dot", "mermaid"}));
  graph->callback([&] { action = [&](const Target& t) { return graph_command(t, format); }; });

  auto* config = app.add_subcommand(
      "config",
      "print the file as summon understands it: defaults filled in, interpolated, normalised");
  args.add_to(*config);
  add_composition_options(*config, args);
  config->add_flag("--origins", origins,
                   "after each value, the FILE:LINE it was written at (or default)");
  config->add_flag(
      "--show-secrets", show_secrets,
      "show values of env keys that look secret (*PASSWORD*, *SECRET*, *TOKEN*, *KEY*)");
  config->callback(
      [&] { action = [&](const Target& t) { return config_command(t, show_secrets, origins); }; });

  StackArgs stack_args;
  auto* up = app.add_subcommand(
      "up", "bring the services up, stream their output, hold until Ctrl-C, then tear down");
  args.add_to(*up);
  add_composition_options(*up, args);
  add_stack_options(*up, stack_args);
  up->add_flag("-d,--detach", stack_args.detach,
               "run in the background: return once everything is ready (or failed); then "
               "drive it with ps, logs, restart, down");
  up->add_flag("--ui", stack_args.ui,
               "bring the project up in the background and show the dashboard; quitting "
               "tears it down, d leaves it running");
  up->add_flag("--abort-on-exit", stack_args.abort_on_exit,
               "a service that exits after it was ready tears everything down (exit 1)");
  up->callback([&] { action = [&](const Target& t) { return up_command(t, stack_args); }; });

  std::vector<std::string> command;
  auto* run = app.add_subcommand(
      "run", "bring the services up, run a command after --, tear down; exit with its code");
  args.add_to(*run);
  add_composition_options(*run, args);
  add_stack_options(*run, stack_args);
  run->callback(
      [&] { action = [&](const Target& t) { return run_command(t, stack_args, command); }; });

  // Commands on a running project (SPEC 2.2).
  ControlArgs control;
  std::function<int(const ControlTarget&)> control_action;
  bool as_json = false;
  auto* ps = app.add_subcommand("ps",
                                "one line per service of a running project: state, pid, uptime, "
                                "restarts, time to ready, ports");
  control.add_to(*ps, args);
  ps->add_flag("--json", as_json, "as JSON (schemas/ps.schema.json)");
  ps->callback(
      [&] { control_action = [&](const ControlTarget& t) { return ps_command(t, as_json); }; });

  LogsArgs logs_args;
  auto* logs =
      app.add_subcommand("logs", "the output of a running project's services, as `up` shows it");
  control.add_to(*logs, args, false);
  logs->add_flag("-f,--follow", logs_args.follow, "keep following the output");
  logs->add_option("-n,--lines", logs_args.lines, "the last N lines of each service");
  logs->add_option("--since", logs_args.since, "only lines from the last D (e.g. 10m)");
  logs->add_flag("-t,--timestamps", logs_args.timestamps, "show when each line came");
  logs->add_flag("--no-color", logs_args.no_color, "no colours (also NO_COLOR)");
  logs->callback(
      [&] { control_action = [&](const ControlTarget& t) { return logs_command(t, logs_args); }; });

  for (auto [name, command, help] :
       {std::tuple{"stop", control::Command::stop,
                   "stop exactly these services of a running project (after their restart: true "
                   "dependents); returns when they are down"},
        std::tuple{"start", control::Command::start,
                   "start these services of a running project, and what they depend on that is not "
                   "running; returns when they are ready"},
        std::tuple{"restart", control::Command::restart,
                   "restart these services of a running project (their restart: true dependents "
                   "follow); returns when they are ready again"}}) {
    auto* sub = app.add_subcommand(name, help);
    control.add_to(*sub, args);
    sub->callback([&, command] {
      control_action = [command](const ControlTarget& t) { return service_command(t, command); };
    });
  }

  bool attach_no_color = false;
  auto* attach = app.add_subcommand("attach",
                                    "follow a running project's output and summon's own lines; "
                                    "Ctrl-C detaches and leaves it running");
  control.add_to(*attach, args);
  attach->add_flag("--no-color", attach_no_color, "no colours (also NO_COLOR)");
  attach->callback([&] {
    control_action = [&](const ControlTarget& t) { return attach_command(t, attach_no_color); };
  });

  bool ui_no_color = false;
  auto* ui = app.add_subcommand("ui", "a live dashboard of a running project (? lists the keys)");
  control.add_to(*ui, args);
  ui->add_flag("--no-color", ui_no_color, "no colours (also NO_COLOR)");
  ui->callback([&] {
    control_action = [&](const ControlTarget& t) { return ui_command(t, ui_no_color); };
  });

  std::optional<std::string> down_timeout;
  auto* down = app.add_subcommand(
      "down", "tear a running project down in order; returns when nothing of it is left");
  control.add_to(*down, args);
  down->add_option("--timeout", down_timeout, "kill whatever is still running after D (e.g. 10s)");
  down->callback([&] {
    control_action = [&](const ControlTarget& t) { return down_command(t, down_timeout); };
  });

  std::optional<std::string> timeline_format;
  std::optional<std::string> timeline_output;
  auto* timeline = app.add_subcommand(
      "timeline",
      "the last bring-up of a running project: when each service was spawned, started and "
      "ready, and the critical path");
  control.add_to(*timeline, args);
  timeline
      ->add_option("--format", timeline_format,
                   "text, svg or json (schemas/timeline.schema.json); with -o, from its "
                   "extension (.svg, .json, .txt) unless given")
      ->check(CLI::IsMember({"text", "svg", "json"}));
  timeline->add_option("-o,--output", timeline_output, "write it to FILE instead of stdout");
  timeline->callback([&] {
    control_action = [&](const ControlTarget& t) -> int {
      auto format = TimelineFormat::text;
      if (timeline_format)
        format = *timeline_format == "svg"    ? TimelineFormat::svg
                 : *timeline_format == "json" ? TimelineFormat::json
                                              : TimelineFormat::text;
      else if (timeline_output)
        format = timeline_format_of(*timeline_output).value_or(TimelineFormat::text);
      if (!t.services.empty()) {
        fmt::print(stderr, "summon timeline: error: it shows the whole bring-up; it takes no "
                           "service names\n");
        return exit_invalid;
      }
      return timeline_command(t, format, timeline_output);
    };
  });

  bool ls_json = false;
  bool ls_chosen = false;
  auto* ls = app.add_subcommand("ls", "this user's running projects");
  ls->add_flag("--json", ls_json, "as JSON (schemas/ls.schema.json)");
  ls->callback([&] { ls_chosen = true; });

  if (unknown_command(app, argc, argv)) return exit_invalid;
  // Everything after the first `--` is the command of `run`, untouched.
  int parsed_argc = argc;
  for (int i = 1; i < argc; ++i)
    if (argv[i] == std::string("--")) {
      parsed_argc = i;
      command.assign(argv + i + 1, argv + argc);
      break;
    }
  const bool is_run = argc >= 2 && argv[1] == std::string("run");
  if (parsed_argc != argc && !is_run) {
    fmt::print(stderr, "summon: error: only `summon run` takes a command after --\n");
    return exit_invalid;
  }
  argc = parsed_argc;
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return exit_invalid;
  }

  if (is_run && command.empty()) {
    fmt::print(
        stderr,
        "summon run: error: no command: use `summon run [FILE] [SERVICE...] -- CMD [ARG...]`\n");
    return exit_invalid;
  }
  std::string error;
  if (ls_chosen) return ls_command(ls_json);
  if (control_action) {
    auto target = control_target(control, args, error);
    if (!target) {
      fmt::print(stderr, "{}\n", error);
      return exit_invalid;
    }
    return control_action(*target);
  }
  auto target = find_target(args.files, args.positionals, error);
  if (!target) {
    fmt::print(stderr, "{}\n", error);
    return exit_invalid;
  }
  target->profiles = args.profiles;
  if (const char* list = std::getenv("SUMMON_PROFILES"))
    for (auto& name : config::profiles_from_list(list)) target->profiles.push_back(name);
  target->no_override = args.no_override;
  return action(*target);
}

}  // namespace summon::cli
