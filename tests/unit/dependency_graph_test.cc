#include "graph/dependency_graph.hpp"

#include <doctest/doctest.h>

#include <string>
#include <utility>
#include <vector>

using summon::config::Diagnostics;
using summon::config::ProjectSpec;
using summon::graph::DependencyGraph;
using summon::graph::ServiceIndex;
using Indices = std::vector<ServiceIndex>;

namespace {

struct Entry {
  std::string name;
  std::vector<std::string> depends_on;
};

// A project laid out as the file would be, with each entry's mark where the
// YAML puts it:
//   services:            line 1
//     NAME:              col 3
//       depends_on:
//         - DEP          col 9, one line each
ProjectSpec project(const std::vector<Entry>& entries) {
  ProjectSpec p;
  p.file = "summon.yaml";
  int line = 2;
  for (const auto& e : entries) {
    summon::config::ServiceSpec s;
    s.name = e.name;
    s.mark = {line, 3};
    line += e.depends_on.empty() ? 1 : 2;
    for (const auto& dep : e.depends_on)
      s.depends_on.push_back({.service = dep, .mark = {line++, 9}});
    p.services.push_back(std::move(s));
  }
  return p;
}

DependencyGraph build_ok(const ProjectSpec& p) {
  Diagnostics diagnostics;
  auto graph = DependencyGraph::build(p, diagnostics);
  REQUIRE(diagnostics.empty());
  REQUIRE(graph.has_value());
  return std::move(*graph);
}

std::vector<std::string> names(const DependencyGraph& g, const Indices& indices) {
  std::vector<std::string> out;
  for (ServiceIndex i : indices) out.push_back(g.name(i));
  return out;
}

std::vector<std::string> messages(const Diagnostics& diagnostics) {
  std::vector<std::string> out;
  for (const auto& d : diagnostics.items()) out.push_back(d.message);
  return out;
}

using Names = std::vector<std::string>;

}  // namespace

TEST_CASE("an empty project has no services and no layers") {
  auto g = build_ok(project({}));
  CHECK(g.size() == 0);
  CHECK(g.depth() == 0);
  CHECK(g.layers().empty());
  CHECK(g.topological_order().empty());
  CHECK(g.closure({}).empty());
}

TEST_CASE("services keep the file's order and are found by name") {
  auto g = build_ok(project({{"web", {}}, {"db", {}}}));
  CHECK(g.name(0) == "web");
  CHECK(g.name(1) == "db");
  CHECK(g.index("db") == 1u);
  CHECK_FALSE(g.index("cache").has_value());
}

TEST_CASE("a chain puts each service one layer above its dependency") {
  auto g = build_ok(project({{"web", {"api"}}, {"api", {"db"}}, {"db", {}}}));
  CHECK(g.layer(2) == 1);
  CHECK(g.layer(1) == 2);
  CHECK(g.layer(0) == 3);
  CHECK(g.depth() == 3);
  CHECK(names(g, g.topological_order()) == Names{"db", "api", "web"});
}

TEST_CASE("a diamond's top sits above the longer of its branches") {
  auto g = build_ok(project({{"db", {}},
                             {"cache", {}},
                             {"api", {"db", "cache"}},
                             {"worker", {"api"}},
                             {"web", {"db", "worker"}}}));
  CHECK(g.layer(*g.index("db")) == 1);
  CHECK(g.layer(*g.index("api")) == 2);
  CHECK(g.layer(*g.index("worker")) == 3);
  CHECK(g.layer(*g.index("web")) == 4);
}

TEST_CASE("a wide fan is two layers") {
  std::vector<Entry> entries{{"db", {}}};
  for (int i = 0; i < 50; ++i) entries.push_back({"app" + std::to_string(i), {"db"}});
  auto g = build_ok(project(entries));
  CHECK(g.depth() == 2);
  CHECK(g.layers()[0] == Indices{0});
  CHECK(g.layers()[1].size() == 50);
  CHECK(g.dependents(0).size() == 50);
}

TEST_CASE("plan groups services by layer, each group in file order") {
  auto g = build_ok(project(
      {{"web", {"api"}}, {"cache", {}}, {"api", {"db", "cache"}}, {"db", {}}, {"docs", {}}}));
  auto layers = g.layers();
  REQUIRE(layers.size() == 3);
  CHECK(names(g, layers[0]) == Names{"cache", "db", "docs"});
  CHECK(names(g, layers[1]) == Names{"api"});
  CHECK(names(g, layers[2]) == Names{"web"});
}

TEST_CASE("dependencies keep the order written and dependents are by index") {
  auto g =
      build_ok(project({{"db", {}}, {"cache", {}}, {"api", {"db", "cache"}}, {"web", {"db"}}}));
  CHECK(g.dependencies(2) == Indices{0, 1});
  CHECK(g.dependents(0) == Indices{2, 3});
  CHECK(g.dependents(1) == Indices{2});
  CHECK(g.dependents(3).empty());
}

TEST_CASE("a dependency listed twice is one edge") {
  auto g = build_ok(project({{"db", {}}, {"api", {"db", "db"}}}));
  CHECK(g.dependencies(1) == Indices{0});
  CHECK(g.dependents(0) == Indices{1});
  CHECK(g.layer(1) == 2);
}

TEST_CASE("the closure of a diamond's leaf is the leaf alone") {
  auto g = build_ok(
      project({{"db", {}}, {"left", {"db"}}, {"right", {"db"}}, {"top", {"left", "right"}}}));
  CHECK(names(g, g.closure({0})) == Names{"db"});
}

TEST_CASE("the closure of a middle service adds what it depends on, in file order") {
  auto g = build_ok(
      project({{"db", {}}, {"left", {"db"}}, {"right", {"db"}}, {"top", {"left", "right"}}}));
  CHECK(names(g, g.closure({2})) == Names{"db", "right"});
  CHECK(names(g, g.closure({2, 1})) == Names{"db", "left", "right"});
  CHECK(names(g, g.closure({3})) == Names{"db", "left", "right", "top"});
}

TEST_CASE("topological order breaks ties by file order") {
  auto g = build_ok(project({{"web", {"api"}}, {"queue", {}}, {"api", {"db"}}, {"db", {}}}));
  CHECK(names(g, g.topological_order()) == Names{"queue", "db", "api", "web"});
}

TEST_CASE("two services depending on each other are a cycle") {
  Diagnostics diagnostics;
  auto g = DependencyGraph::build(project({{"api", {"worker"}}, {"worker", {"api"}}}), diagnostics);
  CHECK_FALSE(g.has_value());
  CHECK(messages(diagnostics) == Names{"dependency cycle: api -> worker -> api"});
}

TEST_CASE("a cycle is reported from its first service, at the entry that closes it") {
  // line 2: db, 3: depends_on, 4: - api / line 5: api, 7: - worker / line 8: worker, 10: - db
  Diagnostics diagnostics;
  auto g = DependencyGraph::build(
      project({{"db", {"api"}}, {"api", {"worker"}}, {"worker", {"db"}}}), diagnostics);
  CHECK_FALSE(g.has_value());
  REQUIRE(diagnostics.size() == 1);
  const auto& d = diagnostics.items()[0];
  CHECK(d.format() == "summon.yaml:10:9: error: dependency cycle: db -> api -> worker -> db");
}

TEST_CASE("a cycle's path is a simple cycle through its first service") {
  // b -> c -> a closes it; the edge a -> d -> b is a longer way to the same place.
  Diagnostics diagnostics;
  auto g = DependencyGraph::build(
      project({{"a", {"b"}}, {"b", {"c", "d"}}, {"c", {"a"}}, {"d", {"b"}}}), diagnostics);
  CHECK_FALSE(g.has_value());
  CHECK(messages(diagnostics) == Names{"dependency cycle: a -> b -> c -> a"});
}

TEST_CASE("two separate cycles are two errors") {
  Diagnostics diagnostics;
  auto g = DependencyGraph::build(
      project({{"a", {"b"}}, {"b", {"a"}}, {"x", {"y"}}, {"y", {"z"}}, {"z", {"x"}}}), diagnostics);
  CHECK_FALSE(g.has_value());
  CHECK(messages(diagnostics) ==
        Names{"dependency cycle: a -> b -> a", "dependency cycle: x -> y -> z -> x"});
}

TEST_CASE("a cycle beside an acyclic part fails the whole graph, naming only the cycle") {
  Diagnostics diagnostics;
  auto g = DependencyGraph::build(
      project({{"db", {}}, {"api", {"db", "worker"}}, {"worker", {"api"}}, {"web", {"api"}}}),
      diagnostics);
  CHECK_FALSE(g.has_value());
  CHECK(messages(diagnostics) == Names{"dependency cycle: api -> worker -> api"});
}

TEST_CASE("unknown names and self-dependencies are left out, not trusted") {
  auto g = build_ok(project({{"db", {"db", "nowhere"}}, {"api", {"db", "ghost"}}}));
  CHECK(g.dependencies(0).empty());
  CHECK(g.dependencies(1) == Indices{0});
  CHECK(g.depth() == 2);
}

TEST_CASE("a chain of 10,000 services is 10,000 layers") {
  constexpr int n = 10'000;
  std::vector<Entry> entries;
  entries.push_back({"s0", {}});
  for (int i = 1; i < n; ++i)
    entries.push_back({"s" + std::to_string(i), {"s" + std::to_string(i - 1)}});
  auto g = build_ok(project(entries));
  CHECK(g.depth() == n);
  CHECK(g.layer(n - 1) == n);
  CHECK(g.closure({n - 1}).size() == static_cast<std::size_t>(n));
  auto order = g.topological_order();
  REQUIRE(order.size() == static_cast<std::size_t>(n));
  CHECK(order.front() == 0u);
  CHECK(order.back() == static_cast<ServiceIndex>(n - 1));
}

TEST_CASE("a cycle through 10,000 services is reported without trouble") {
  constexpr int n = 10'000;
  std::vector<Entry> entries;
  for (int i = 0; i < n; ++i)
    entries.push_back({"s" + std::to_string(i), {"s" + std::to_string((i + 1) % n)}});
  Diagnostics diagnostics;
  CHECK_FALSE(DependencyGraph::build(project(entries), diagnostics).has_value());
  REQUIRE(diagnostics.size() == 1);
  const std::string& message = diagnostics.items()[0].message;
  CHECK(message.rfind("dependency cycle: s0 -> s1 -> ", 0) == 0);
  const std::string end = " -> s9998 -> s9999 -> s0";
  CHECK(message.substr(message.size() - end.size()) == end);
}

TEST_CASE("10,000 services with 100,000 dependencies build in one pass") {
  constexpr int n = 10'000;
  std::vector<Entry> entries;
  // Each service depends on up to ten earlier ones, spread by a fixed stride.
  for (int i = 0; i < n; ++i) {
    Entry e{"s" + std::to_string(i), {}};
    for (int k = 1; k <= 10 && i > 0; ++k)
      e.depends_on.push_back("s" + std::to_string((i * 7 + k * 131) % i));
    entries.push_back(std::move(e));
  }
  auto g = build_ok(project(entries));
  std::vector<std::size_t> position(n);
  auto order = g.topological_order();
  REQUIRE(order.size() == static_cast<std::size_t>(n));
  for (std::size_t p = 0; p < order.size(); ++p) position[order[p]] = p;
  bool sorted = true;
  for (ServiceIndex i = 0; i < g.size(); ++i)
    for (ServiceIndex dep : g.dependencies(i)) {
      sorted = sorted && position[dep] < position[i];
      sorted = sorted && g.layer(dep) < g.layer(i);
    }
  CHECK(sorted);
}
