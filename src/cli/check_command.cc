#include <set>

#include <fmt/format.h>

#include "cli/commands.hpp"
#include "cli/compiled.hpp"

namespace summon::cli {

int check_command(const Target& target) {
  auto selection = compile_target(target);
  if (!selection) return exit_invalid;
  const auto& graph = *selection->compiled.graph;
  std::set<int> layers;
  for (auto i : selection->services) layers.insert(graph.layer(i));
  auto n = selection->services.size();
  fmt::print("{}: ok ({} service{}, {} layer{})\n", target.file, n, n == 1 ? "" : "s",
             layers.size(), layers.size() == 1 ? "" : "s");
  return exit_ok;
}

}  // namespace summon::cli
