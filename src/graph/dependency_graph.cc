#include "graph/dependency_graph.hpp"

#include <algorithm>
#include <deque>
#include <functional>
#include <iterator>
#include <queue>
#include <string>
#include <utility>

#include <boost/graph/adjacency_list.hpp>
#include <boost/graph/strong_components.hpp>
#include <boost/graph/topological_sort.hpp>

namespace summon::graph {
namespace {

// Edges point from a service to what it depends on. Boost's depth-first search
// keeps its own stack, so long chains cannot overflow ours.
using BoostGraph = boost::adjacency_list<boost::vecS, boost::vecS, boost::directedS>;

BoostGraph to_boost(const std::vector<std::vector<ServiceIndex>>& forward) {
  BoostGraph g(forward.size());
  for (ServiceIndex i = 0; i < forward.size(); ++i)
    for (ServiceIndex dep : forward[i]) boost::add_edge(i, dep, g);
  return g;
}

// The shortest cycle through `start` inside its component, found breadth-first
// so that it is simple and short enough to read. Returns the path (start
// first) and the position in forward[last] of the edge that closes it.
std::pair<std::vector<ServiceIndex>, std::size_t> cycle_through(
    ServiceIndex start, const std::vector<std::vector<ServiceIndex>>& forward,
    const std::vector<int>& component, std::vector<ServiceIndex>& parent, std::vector<bool>& seen) {
  const int inside = component[start];
  std::vector<ServiceIndex> visited{start};
  std::deque<ServiceIndex> queue{start};
  seen[start] = true;
  ServiceIndex last = start;
  std::size_t closing = 0;
  bool found = false;
  while (!queue.empty() && !found) {
    ServiceIndex u = queue.front();
    queue.pop_front();
    for (std::size_t k = 0; k < forward[u].size(); ++k) {
      ServiceIndex v = forward[u][k];
      if (v == start) {
        last = u;
        closing = k;
        found = true;
        break;
      }
      if (component[v] != inside || seen[v]) continue;
      seen[v] = true;
      parent[v] = u;
      visited.push_back(v);
      queue.push_back(v);
    }
  }
  std::vector<ServiceIndex> path;
  for (ServiceIndex v = last; v != start; v = parent[v]) path.push_back(v);
  path.push_back(start);
  std::reverse(path.begin(), path.end());
  // Only this component's entries were touched; clearing them keeps the whole
  // report linear however many components there are.
  for (ServiceIndex v : visited) seen[v] = false;
  return {std::move(path), closing};
}

}  // namespace

std::optional<DependencyGraph> DependencyGraph::build(const config::ProjectSpec& project,
                                                      config::Diagnostics& diagnostics) {
  DependencyGraph graph;
  const std::size_t n = project.services.size();
  graph.names_.reserve(n);
  for (ServiceIndex i = 0; i < n; ++i) {
    graph.names_.push_back(project.services[i].name);
    graph.by_name_.emplace(project.services[i].name, i);  // the first of a repeated name wins
  }

  // The mark of each kept edge, parallel to forward_, to point a cycle at its entry.
  std::vector<std::vector<config::Mark>> marks(n);
  graph.forward_.resize(n);
  graph.reverse_.resize(n);
  // last_from[d] == i + 1 when service i already has an edge to d: a repeated
  // entry keeps its first position without a per-service set.
  std::vector<ServiceIndex> last_from(n, 0);
  for (ServiceIndex i = 0; i < n; ++i) {
    for (const config::Dependency& dep : project.services[i].depends_on) {
      auto target = graph.index(dep.service);
      if (!target || *target == i || last_from[*target] == i + 1) continue;
      last_from[*target] = i + 1;
      graph.forward_[i].push_back(*target);
      marks[i].push_back(dep.mark);
      graph.reverse_[*target].push_back(i);  // i grows, so each list stays in index order
    }
  }

  const BoostGraph g = to_boost(graph.forward_);
  std::vector<int> component(n);
  const int components = boost::strong_components(g, component.data());

  // A component with more than one service is a cycle (self-edges were left
  // out). Report each from its first service in file order, in that order.
  std::vector<std::size_t> members(components, 0);
  for (int c : component) ++members[c];
  std::vector<bool> reported(components, false);
  std::vector<ServiceIndex> parent(n);
  std::vector<bool> seen(n, false);
  bool cyclic = false;
  for (ServiceIndex i = 0; i < n; ++i) {
    const int c = component[i];
    if (members[c] < 2 || reported[c]) continue;
    reported[c] = true;
    cyclic = true;
    auto [path, closing] = cycle_through(i, graph.forward_, component, parent, seen);
    std::string message = "dependency cycle: ";
    for (ServiceIndex v : path) message += graph.names_[v] + " -> ";
    message += graph.names_[i];
    diagnostics.error(project.file, marks[path.back()][closing], std::move(message));
  }
  if (cyclic) return std::nullopt;

  // With edges towards dependencies, Boost emits dependencies before their
  // dependents, so every service's dependencies have their layer already.
  std::vector<ServiceIndex> order;
  order.reserve(n);
  boost::topological_sort(g, std::back_inserter(order));
  graph.layers_.assign(n, 1);
  for (ServiceIndex i : order)
    for (ServiceIndex dep : graph.forward_[i])
      graph.layers_[i] = std::max(graph.layers_[i], graph.layers_[dep] + 1);
  return graph;
}

std::optional<ServiceIndex> DependencyGraph::index(std::string_view name) const {
  auto it = by_name_.find(name);
  if (it == by_name_.end()) return std::nullopt;
  return it->second;
}

std::vector<std::vector<ServiceIndex>> DependencyGraph::layers() const {
  std::vector<std::vector<ServiceIndex>> out(depth());
  for (ServiceIndex i = 0; i < size(); ++i) out[layers_[i] - 1].push_back(i);
  return out;
}

int DependencyGraph::depth() const {
  return layers_.empty() ? 0 : *std::max_element(layers_.begin(), layers_.end());
}

std::vector<ServiceIndex> DependencyGraph::closure(const std::vector<ServiceIndex>& roots) const {
  std::vector<bool> in(size(), false);
  std::vector<ServiceIndex> stack;
  for (ServiceIndex r : roots) {
    if (r >= size() || in[r]) continue;  // an index from elsewhere: nothing to add
    in[r] = true;
    stack.push_back(r);
  }
  // An explicit stack: a 10,000-long chain is fine.
  while (!stack.empty()) {
    ServiceIndex u = stack.back();
    stack.pop_back();
    for (ServiceIndex dep : forward_[u]) {
      if (in[dep]) continue;
      in[dep] = true;
      stack.push_back(dep);
    }
  }
  std::vector<ServiceIndex> out;
  for (ServiceIndex i = 0; i < size(); ++i)
    if (in[i]) out.push_back(i);
  return out;
}

std::vector<ServiceIndex> DependencyGraph::topological_order() const {
  // Kahn's algorithm with the ready services in a min-heap: of those whose
  // dependencies are all placed, the earliest in the file goes next.
  std::vector<std::size_t> pending(size());
  std::priority_queue<ServiceIndex, std::vector<ServiceIndex>, std::greater<>> ready;
  for (ServiceIndex i = 0; i < size(); ++i) {
    pending[i] = forward_[i].size();
    if (pending[i] == 0) ready.push(i);
  }
  std::vector<ServiceIndex> out;
  out.reserve(size());
  while (!ready.empty()) {
    ServiceIndex u = ready.top();
    ready.pop();
    out.push_back(u);
    for (ServiceIndex dependent : reverse_[u])
      if (--pending[dependent] == 0) ready.push(dependent);
  }
  return out;
}

}  // namespace summon::graph
