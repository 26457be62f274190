#include "cli/compiled.hpp"

#include <fmt/format.h>

#include "config/secrets.hpp"

namespace summon::cli {

namespace {

// A message may quote a value it rejects, and that value may be a secret.
void report(const config::Diagnostics& diagnostics, const config::Secrets& secrets) {
  for (auto d : diagnostics.sorted()) {
    d.message = secrets.mask(d.message);
    fmt::print(stderr, "{}\n", d.format());
  }
  // Past the limit, loading may stop early, so the exact count is unknown.
  auto n = diagnostics.size();
  if (diagnostics.dropped() > 0)
    fmt::print(stderr, "more than {0} errors; only the first {0} are shown\n", n);
  else
    fmt::print(stderr, "{} error{}\n", n, n == 1 ? "" : "s");
}

}  // namespace

std::optional<Selection> compile_target(const Target& target, const config::LoadOptions& options) {
  config::LoadOptions load = options;
  load.no_override = target.no_override;
  load.profiles = target.profiles;
  load.named = target.services;
  std::vector<std::string> files{target.file};
  files.insert(files.end(), target.merged.begin(), target.merged.end());
  Selection selection{graph::compile_project_files(files, load), {}};
  auto& compiled = selection.compiled;
  if (compiled.graph) {
    auto services = graph::select_services(*compiled.graph, target.services, target.file,
                                           compiled.diagnostics);
    if (services) selection.services = std::move(*services);
  }
  if (!compiled.ok()) {
    report(compiled.diagnostics,
           compiled.project ? config::Secrets::of(*compiled.project) : config::Secrets());
    return std::nullopt;
  }
  return selection;
}

}  // namespace summon::cli
