// Loading a services file: bytes → YAML → schema → interpolated, typed
// ProjectSpec, with every problem reported at once (SPEC 1, 3.4).
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "config/diagnostic.hpp"
#include "config/environment.hpp"
#include "config/node.hpp"
#include "config/origins.hpp"
#include "config/project_spec.hpp"

namespace summon::config {

struct LoadOptions {
  /// Looks up a variable for interpolation; default: summon's environment.
  /// The `.env` file beside the config file is consulted after it.
  std::function<std::optional<std::string>(const std::string&)> getenv;
  /// The ports picked for this run; null leaves `${ports.NAME}` as written.
  const PortMap* ports = nullptr;
  /// Leaves out the override file beside the first file (SPEC 1.6).
  bool no_override = false;
  /// The active profiles (`--profile`, `SUMMON_PROFILES`).
  std::vector<std::string> profiles;
  /// The services named on the command line: part of the project, with what
  /// they depend on, whatever their profiles.
  std::vector<std::string> named;
  /// When set, filled with where each value was written (`summon config --origins`).
  Origins* origins = nullptr;
};

struct LoadResult {
  /// The project as far as it could be read; present even with errors, so
  /// that later checks (the graph's) can add theirs to the same report.
  std::optional<ProjectSpec> project;
  Diagnostics diagnostics;

  bool ok() const { return project && diagnostics.empty(); }
};

/// Loads the file at `path` (named as given in every diagnostic), with its
/// override, includes and extends (SPEC 1.6). A file named `Procfile` or
/// `Procfile.*` is read as a Procfile (config/procfile.hpp).
LoadResult load_project(const std::string& path, const LoadOptions& options = {});

/// Loads several files as one project: each merged onto the ones before it,
/// then the override beside the first. The first names the project; every
/// diagnostic names the file its value was written in.
LoadResult load_project_files(const std::vector<std::string>& files,
                              const LoadOptions& options = {});

/// Loads `text` as if it were the file at `path`; relative paths in it are
/// resolved against path's folder. A Procfile by its name, as above.
LoadResult load_project_text(const std::string& text, const std::string& path,
                             const LoadOptions& options = {});

/// Loads a document built in memory rather than parsed (services declared in
/// C++): `name` stands for the file in diagnostics, and relative paths are
/// resolved against `dir`. There is no `.env` to consult.
LoadResult load_project_tree(const Node& root, const std::string& name, const std::string& dir,
                             const LoadOptions& options = {});

}  // namespace summon::config
