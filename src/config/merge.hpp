// Merging services files (SPEC 1.6): a later file's document onto an
// earlier one's, and `extends` onto its base, by the same rules.
#pragma once

#include "config/node.hpp"

namespace summon::config {

/// What a merged map is, for the keys that merge by their own rule.
enum class MergeLevel {
  document,  // the top level: `ports` are united, `env_file` appended
  services,  // the map of services: each one merges as a service
  service,   // one service's map: `env_file` appended, `depends_on` merged by name
  value,     // anything else: maps by key, everything else replaced
};

/// Merges `over` onto `base`: maps key by key, recursively; a scalar or list
/// replaces what was there, except `env_file` lists (appended), the top-level
/// `ports` (united, in order) and `depends_on` (merged by service name, a list
/// read as a map of names first). A value tagged `!reset` removes the key.
/// Every value keeps the mark (and file) it was written at.
void merge_onto(Node& base, Node over, MergeLevel level);

/// Removes every `!reset` value left in a document, with its key: in the
/// first file there is nothing before it to remove.
void drop_resets(Node& node);

/// How many values the tree holds (itself included).
std::size_t count_values(const Node& node);

}  // namespace summon::config
