#include <algorithm>

#include <fmt/format.h>

#include "cli/commands.hpp"
#include "cli/compiled.hpp"

namespace summon::cli {

namespace {

// A name as a double-quoted dot or Mermaid string.
std::string quoted(const std::string& text) {
  std::string out = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + '"';
}

// Edges point from a service to what it depends on; `ready`, the default, goes unlabelled.
void print_dot(const config::ProjectSpec& project, const std::vector<const config::ServiceSpec*>& services) {
  fmt::print("digraph {} {{\n", quoted(project.name));
  for (const auto* service : services) fmt::print("  {};\n", quoted(service->name));
  for (const auto* service : services)
    for (const auto& dependency : service->depends_on) {
      std::string label = dependency.condition == config::Condition::ready
                              ? ""
                              : fmt::format(" [label={}]", quoted(condition_name(dependency.condition)));
      fmt::print("  {} -> {}{};\n", quoted(service->name), quoted(dependency.service), label);
    }
  fmt::print("}}\n");
}

void print_mermaid(const std::vector<const config::ServiceSpec*>& services) {
  // Mermaid ids must be plain, so each service gets s<N> and its name as the label.
  auto id = [&](const std::string& name) {
    auto it = std::find_if(services.begin(), services.end(),
                           [&](const auto* s) { return s->name == name; });
    return fmt::format("s{}", it - services.begin());
  };
  fmt::print("graph TD\n");
  for (const auto* service : services) fmt::print("  {}[{}]\n", id(service->name), quoted(service->name));
  for (const auto* service : services)
    for (const auto& dependency : service->depends_on) {
      std::string label = dependency.condition == config::Condition::ready
                              ? ""
                              : fmt::format("|{}|", condition_name(dependency.condition));
      fmt::print("  {} -->{} {}\n", id(service->name), label, id(dependency.service));
    }
}

}  // namespace

int graph_command(const Target& target, const std::string& format) {
  auto selection = compile_target(target);
  if (!selection) return exit_invalid;
  const auto& project = *selection->compiled.project;
  std::vector<const config::ServiceSpec*> services;
  for (auto i : selection->services) services.push_back(&project.services[i]);
  if (format == "mermaid")
    print_mermaid(services);
  else
    print_dot(project, services);
  return exit_ok;
}

}  // namespace summon::cli
