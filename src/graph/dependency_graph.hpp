// The services' dependency graph (Boost.Graph), frozen into dense indices with
// forward and reverse edges: cycles with their path, layers, subset closure.
#pragma once

#include <cstddef>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/diagnostic.hpp"
#include "config/project_spec.hpp"

namespace summon::graph {

using ServiceIndex = std::size_t;

class DependencyGraph {
 public:
  /// Builds the graph of `project`, whose dependency names are known to exist
  /// and not to be self-dependencies (the loader checks both). Reports one
  /// cycle per group of services caught in cycles (strongly connected
  /// component) as `dependency cycle: a -> b -> a`, at the `depends_on` entry
  /// that closes it, and returns nullopt if there is any. Should such entries
  /// slip through anyway, they are left out of the graph rather than trusted.
  static std::optional<DependencyGraph> build(const config::ProjectSpec& project,
                                              config::Diagnostics& diagnostics);

  std::size_t size() const { return names_.size(); }
  /// Service i's name; indices follow the file's order of services.
  const std::string& name(ServiceIndex i) const { return names_[i]; }
  /// The index of the service called `name`, if there is one.
  std::optional<ServiceIndex> index(std::string_view name) const;

  /// What service i depends on (forward edges), in the order written.
  const std::vector<ServiceIndex>& dependencies(ServiceIndex i) const { return forward_[i]; }
  /// What depends on service i (reverse edges), by index.
  const std::vector<ServiceIndex>& dependents(ServiceIndex i) const { return reverse_[i]; }

  /// 1 + the length of the longest chain of dependencies below service i.
  int layer(ServiceIndex i) const { return layers_[i]; }
  /// Services grouped by layer (layer 1 first), each group in file order.
  std::vector<std::vector<ServiceIndex>> layers() const;
  /// The number of layers (0 for an empty graph).
  int depth() const;

  /// `roots` and everything they depend on, transitively, in file order.
  std::vector<ServiceIndex> closure(const std::vector<ServiceIndex>& roots) const;
  /// Every service after all of its dependencies (ties in file order).
  std::vector<ServiceIndex> topological_order() const;

 private:
  std::vector<std::string> names_;
  std::vector<std::vector<ServiceIndex>> forward_;
  std::vector<std::vector<ServiceIndex>> reverse_;
  std::vector<int> layers_;
  std::map<std::string, ServiceIndex, std::less<>> by_name_;
};

}  // namespace summon::graph
