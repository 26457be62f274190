// Durations as the file writes them: a number of seconds, or a string with a
// unit: `250ms`, `1.5s`, `2m`, `1h`.
#pragma once

#include <optional>
#include <string_view>

#include "config/project_spec.hpp"

namespace summon::config {

/// Parses "250ms", "1.5s", "2m", "1h" or a bare number of seconds ("30",
/// "0.5"). Rejects negatives, empty text, unknown units and values above 24h.
std::optional<Duration> parse_duration(std::string_view text);

/// Formats a duration the shortest way it reads back: "250ms", "1.5s", "2m".
std::string format_duration(Duration duration);

}  // namespace summon::config
