// `summon up` and `summon run`: compile, pick ports, then hand over to a Stack.
#include <fmt/format.h>

#include "cli/commands.hpp"
#include "cli/compiled.hpp"
#include "cli/printer.hpp"
#include "config/duration.hpp"
#include "runtime/free_ports.hpp"
#include "runtime/log_file.hpp"
#include "runtime/stack.hpp"

namespace summon::cli {

namespace {

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
  if (args.log_dir) {
    std::string error;
    options.log_folder = runtime::LogFolder::open(*args.log_dir, error);
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
  Printer printer(project, selection->services,
                  PrintOptions{color_wanted(args.no_color), args.quiet});
  runtime::Stack stack(project, *selection->compiled.graph, selection->services,
                       std::move(options), printer, printer);
  printer.attach(stack);
  return mode == engine::Mode::run ? stack.run(command) : stack.up();
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
