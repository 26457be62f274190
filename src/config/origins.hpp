// Where each value of a project was written (SPEC 1.6, `summon config
// --origins`): `FILE:LINE` by the value's path in the merged document.
#pragma once

#include <optional>
#include <string>
#include <unordered_map>

#include "config/node.hpp"

namespace summon::config {

class Origins {
 public:
  /// Records every value of a part's merged document by its path, `/`
  /// between keys and list indices: `services/web/env/DEBUG`. An included
  /// part adds only its services; its top-level `env` entries stand for
  /// each of its services' own, as the loader gives them.
  void add_part(const Node& root, bool included);

  /// `FILE:LINE` of the value at `path`, if it was written in a file.
  std::optional<std::string> of(const std::string& path) const;

 private:
  void add(const Node& node, const std::string& path);
  void add_missing(const Node& node, const std::string& path);

  std::unordered_map<std::string, std::string> at_;
};

}  // namespace summon::config
