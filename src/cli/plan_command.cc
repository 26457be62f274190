#include <map>
#include <vector>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "cli/commands.hpp"
#include "cli/compiled.hpp"

namespace summon::cli {

int plan_command(const Target& target) {
  auto selection = compile_target(target);
  if (!selection) return exit_invalid;
  const auto& graph = *selection->compiled.graph;
  // Layers are the whole file's, so a subset shows each service where it stands.
  std::map<int, std::vector<std::string>> layers;
  for (auto i : selection->services) layers[graph.layer(i)].push_back(graph.name(i));
  for (const auto& [layer, names] : layers)
    fmt::print("layer {}: {}\n", layer, fmt::join(names, ", "));
  return exit_ok;
}

}  // namespace summon::cli
