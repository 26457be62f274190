// Durations as the file writes them: a number of seconds, or a string with a
// unit: `250ms`, `1.5s`, `2m`, `1h`.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "config/project_spec.hpp"

namespace summon::config {

/// The longest duration a file may give.
inline constexpr Duration max_duration = std::chrono::hours(24);

/// Parses "250ms", "1.5s", "2m", "1h" or a bare number of seconds ("30",
/// "0.5"): digits with an optional fraction (".5" and "5." too), then an
/// optional lower-case unit, with nothing around them. Rejects signs,
/// exponents, white space, "inf"/"nan", unknown units, empty text and values
/// above 24h (compared exactly, before rounding). The value is exact
/// arithmetic on the digits, rounded to the nearest millisecond, halves up:
/// "0.4ms" is 0, "0.0005s" is 1ms.
std::optional<Duration> parse_duration(std::string_view text);

/// Formats a duration so that parse_duration reads it back unchanged (for
/// 0..24h): the largest of h, m, s that holds it in whole units ("2h", "90m",
/// "30s"); otherwise seconds with up to three decimals from 1s on ("1.5s",
/// "61.25s"), and milliseconds below ("250ms"). Zero is "0s".
std::string format_duration(Duration duration);

}  // namespace summon::config
