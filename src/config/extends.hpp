// `extends` (SPEC 1.6): a service starts from another service's definition,
// in the same file or another one, and merges its own keys on top.
#pragma once

#include <string>

#include "config/diagnostic.hpp"
#include "config/node.hpp"
#include "config/source_set.hpp"

namespace summon::config {

/// The longest chain of `extends` summon follows.
inline constexpr std::size_t max_extends_depth = 64;

/// Replaces every service of `root` that has `extends` with its base's
/// definition (its own `extends` followed first) with the service's own keys
/// merged on top, and removes the `extends` key. `real` is root's own file's
/// real path, so that `{service, file}` naming that same file finds root; a
/// `file` is relative to the folder of the file the `extends` is written in.
/// A base that does not exist, a cycle (reported as its path) and a chain
/// longer than max_extends_depth are diagnostics; such a service keeps only
/// its own keys.
void resolve_extends(Node& root, const std::string& real, SourceSet& sources,
                     Diagnostics& diagnostics);

}  // namespace summon::config
