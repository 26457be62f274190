#include "cli/app.hpp"

#include <algorithm>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "cli/commands.hpp"
#include "cli/file_lookup.hpp"
#include "config/suggest.hpp"

namespace summon::cli {

namespace {


// The FILE and SERVICE arguments every command takes.
struct TargetArgs {
  std::optional<std::string> file;
  std::vector<std::string> positionals;

  void add_to(CLI::App& command) {
    command.add_option("-f,--file", file, "the services file (default: $SUMMON_FILE, else ./services.yaml or ./summon.yaml)");
    command.add_option("FILE_AND_SERVICES", positionals,
                       "an optional services file or folder, then services to restrict to "
                       "(with everything they depend on)");
  }
};

void add_stack_options(CLI::App& command, StackArgs& args) {
  command.add_option("--timeout", args.timeout, "replace every probe's timeout (e.g. 30s, 2m)");
  command.add_flag("--quiet", args.quiet, "no service output, only summon's own lines");
  command.add_flag("--no-color", args.no_color, "no colours (also NO_COLOR)");
  command.add_option("--log-dir", args.log_dir, "also write each service's whole output to DIR/NAME.log");
}

// CLI11 would call an unknown command "an extra argument"; name it instead.
bool unknown_command(const CLI::App& app, int argc, char** argv) {
  if (argc < 2 || argv[1][0] == '-') return false;
  std::vector<std::string> known;
  for (const auto* command : app.get_subcommands({})) known.push_back(command->get_name());
  if (std::find(known.begin(), known.end(), argv[1]) != known.end()) return false;
  fmt::print(stderr, "summon: error: unknown command '{}'{}\nRun with --help for more information.\n",
             argv[1], config::did_you_mean(argv[1], known));
  return true;
}

}  // namespace

int run(int argc, char** argv) {
  CLI::App app{"summon: brings up local processes from one YAML file, each the moment what "
               "it depends on is really ready",
               "summon"};
  app.set_version_flag("--version", std::string("summon ") + SUMMON_VERSION);
  app.require_subcommand(1);
  app.fallthrough(false);

  TargetArgs args;
  std::string format = "dot";
  bool show_secrets = false;
  std::function<int(const Target&)> action;

  auto* check = app.add_subcommand("check", "validate the file; print 'FILE: ok (N services, M layers)' or every error");
  args.add_to(*check);
  check->callback([&] { action = check_command; });

  auto* plan = app.add_subcommand("plan", "print the services by layer, in start order");
  args.add_to(*plan);
  plan->callback([&] { action = plan_command; });

  auto* graph = app.add_subcommand("graph", "print the dependency graph");
  args.add_to(*graph);
  graph->add_option("--format", format, "dot (Graphviz) or mermaid")
      ->check(CLI::IsMember({"dot", "mermaid"}));
  graph->callback([&] { action = [&](const Target& t) { return graph_command(t, format); }; });

  auto* config = app.add_subcommand("config", "print the file as summon understands it: defaults filled in, interpolated, normalised");
  args.add_to(*config);
  config->add_flag("--show-secrets", show_secrets,
                   "show values of env keys that look secret (*PASSWORD*, *SECRET*, *TOKEN*, *KEY*)");
  config->callback([&] { action = [&](const Target& t) { return config_command(t, show_secrets); }; });

  StackArgs stack_args;
  auto* up = app.add_subcommand("up", "bring the services up, stream their output, hold until Ctrl-C, then tear down");
  args.add_to(*up);
  add_stack_options(*up, stack_args);
  up->add_flag("--abort-on-exit", stack_args.abort_on_exit,
               "a service that exits after it was ready tears everything down (exit 1)");
  up->callback([&] { action = [&](const Target& t) { return up_command(t, stack_args); }; });

  std::vector<std::string> command;
  auto* run = app.add_subcommand("run", "bring the services up, run a command after --, tear down; exit with its code");
  args.add_to(*run);
  add_stack_options(*run, stack_args);
  run->callback([&] { action = [&](const Target& t) { return run_command(t, stack_args, command); }; });

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
    fmt::print(stderr, "summon run: error: no command: use `summon run [FILE] [SERVICE...] -- CMD [ARG...]`\n");
    return exit_invalid;
  }
  std::string error;
  auto target = find_target(args.file, args.positionals, error);
  if (!target) {
    fmt::print(stderr, "{}\n", error);
    return exit_invalid;
  }
  return action(*target);
}

}  // namespace summon::cli
