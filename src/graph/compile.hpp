// Compile, then run: the whole check of a services file, from its bytes to a
// validated dependency graph, with every problem in one report.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "config/loader.hpp"
#include "graph/dependency_graph.hpp"

namespace summon::graph {

struct CompiledProject {
  std::optional<config::ProjectSpec> project;
  std::optional<DependencyGraph> graph;
  config::Diagnostics diagnostics;

  /// True when the file is valid: a project and its graph, and no diagnostic.
  bool ok() const { return project && graph && diagnostics.empty(); }
};

/// Loads `path` and builds its graph. The graph is built even when the file
/// has other errors (a cycle is reported together with a typo elsewhere).
CompiledProject compile_project(const std::string& path, const config::LoadOptions& options = {});

/// The same for several files merged into one project (config::load_project_files).
CompiledProject compile_project_files(const std::vector<std::string>& files,
                                      const config::LoadOptions& options = {});

/// The same for text in memory, as if it were the file at `path`.
CompiledProject compile_project_text(const std::string& text, const std::string& path,
                                     const config::LoadOptions& options = {});

/// The same for a document built in memory (config::load_project_tree).
CompiledProject compile_project_tree(const config::Node& root, const std::string& name,
                                     const std::string& dir,
                                     const config::LoadOptions& options = {});

/// The indices of the named services and everything they depend on; all
/// services when `names` is empty. Unknown names are diagnostics (with "did
/// you mean") against `file` and yield nullopt.
std::optional<std::vector<ServiceIndex>> select_services(const DependencyGraph& graph,
                                                         const std::vector<std::string>& names,
                                                         const std::string& file,
                                                         config::Diagnostics& diagnostics);

}  // namespace summon::graph
