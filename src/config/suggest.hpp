// "Did you mean" for near-miss keys and service names.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace summon::config {

/// The candidate closest to `word` by edit distance, if it is close enough to
/// be a plausible typo (distance at most a third of the word's length, at
/// least 1); nullopt otherwise.
std::optional<std::string> closest(std::string_view word, const std::vector<std::string>& candidates);

/// "; did you mean 'X'?" for the closest candidate, or "" when none is close.
std::string did_you_mean(std::string_view word, const std::vector<std::string>& candidates);

}  // namespace summon::config
