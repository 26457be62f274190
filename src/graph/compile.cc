#include "graph/compile.hpp"

#include <fmt/format.h>

#include "config/suggest.hpp"

namespace summon::graph {

namespace {

CompiledProject finish(config::LoadResult loaded) {
  CompiledProject out;
  out.diagnostics = std::move(loaded.diagnostics);
  out.project = std::move(loaded.project);
  if (out.project) out.graph = DependencyGraph::build(*out.project, out.diagnostics);
  return out;
}

}  // namespace

CompiledProject compile_project(const std::string& path, const config::LoadOptions& options) {
  return finish(config::load_project(path, options));
}

CompiledProject compile_project_files(const std::vector<std::string>& files,
                                      const config::LoadOptions& options) {
  return finish(config::load_project_files(files, options));
}

CompiledProject compile_project_text(const std::string& text, const std::string& path,
                                     const config::LoadOptions& options) {
  return finish(config::load_project_text(text, path, options));
}

CompiledProject compile_project_tree(const config::Node& root, const std::string& name,
                                     const std::string& dir, const config::LoadOptions& options) {
  return finish(config::load_project_tree(root, name, dir, options));
}

std::optional<std::vector<ServiceIndex>> select_services(const DependencyGraph& graph,
                                                         const std::vector<std::string>& names,
                                                         const std::string& file,
                                                         config::Diagnostics& diagnostics) {
  std::vector<ServiceIndex> roots;
  if (names.empty()) {
    for (ServiceIndex i = 0; i < graph.size(); ++i) roots.push_back(i);
    return roots;
  }
  std::vector<std::string> known;
  for (ServiceIndex i = 0; i < graph.size(); ++i) known.push_back(graph.name(i));
  bool ok = true;
  for (const auto& name : names) {
    if (auto index = graph.index(name)) {
      roots.push_back(*index);
    } else {
      diagnostics.error(
          file, {},
          fmt::format("no service named '{}'{}", name, config::did_you_mean(name, known)));
      ok = false;
    }
  }
  if (!ok) return std::nullopt;
  return graph.closure(roots);
}

}  // namespace summon::graph
