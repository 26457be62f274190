// The wording of schema violations: turns valijson's findings, which name a
// path and a failed keyword, into one clear diagnostic per problem, at the
// offending node or key. Private to check_schema.
#pragma once

#include <string>

#include <nlohmann/json.hpp>
#include <valijson/validation_results.hpp>

#include "config/diagnostic.hpp"
#include "config/node.hpp"

namespace summon::config {

/// Records a diagnostic for every problem in `results`, the findings of
/// validating `root` against `schema` (the schema document itself: it gives
/// the allowed keys for "did you mean", the enum values and the `errorMessage`
/// phrases). Records at least one diagnostic, even for a finding it cannot
/// word. Stops after 100 problems.
void report_schema_errors(const Node& root, const nlohmann::json& schema,
                          const valijson::ValidationResults& results, const std::string& file,
                          Diagnostics& diagnostics);

}  // namespace summon::config
