#include "cli/compiled.hpp"

#include <fmt/format.h>

namespace summon::cli {

namespace {

void report(const config::Diagnostics& diagnostics) {
  for (const auto& d : diagnostics.sorted()) fmt::print(stderr, "{}\n", d.format());
  // Past the limit, loading may stop early, so the exact count is unknown.
  auto n = diagnostics.size();
  if (diagnostics.dropped() > 0)
    fmt::print(stderr, "more than {0} errors; only the first {0} are shown\n", n);
  else
    fmt::print(stderr, "{} error{}\n", n, n == 1 ? "" : "s");
}

}  // namespace

std::optional<Selection> compile_target(const Target& target, const config::LoadOptions& options) {
  Selection selection{graph::compile_project(target.file, options), {}};
  auto& compiled = selection.compiled;
  if (compiled.graph) {
    auto services = graph::select_services(*compiled.graph, target.services, target.file,
                                           compiled.diagnostics);
    if (services) selection.services = std::move(*services);
  }
  if (!compiled.ok()) {
    report(compiled.diagnostics);
    return std::nullopt;
  }
  return selection;
}

}  // namespace summon::cli
