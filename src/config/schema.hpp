// The JSON Schema in schemas/summon.schema.json, compiled into the program and
// enforced with valijson, so that `summon check` and an editor running the
// yaml-language-server give the same answers.
#pragma once

#include <string>

#include "config/diagnostic.hpp"
#include "config/node.hpp"

namespace summon::config {

/// The schema's text, as shipped in schemas/summon.schema.json.
const std::string& schema_text();

/// Validates the document (before interpolation, as an editor sees it) and
/// records one clear diagnostic per problem at the offending node or key:
/// unknown keys with "did you mean 'X'?", wrong types, values out of range.
/// Returns true when the document satisfies the schema.
bool check_schema(const Node& root, const std::string& file, Diagnostics& diagnostics);

}  // namespace summon::config
