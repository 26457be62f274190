// The timeline as text (SPEC 2.3): the total, the critical path as
// `web ready at 1.41s ← api +207ms ← migrate +196ms`, then one row per
// service saying how long it waited for its dependencies and how long it
// took itself.
#pragma once

#include <string>

#include "timeline/timeline.hpp"

namespace summon::timeline {

/// "207ms" below a second, "1.41s" from there on, as summon's own lines say it.
std::string duration_text(Duration duration);

/// The whole text, each line ending in "\n". In the critical path, `X +D`
/// after a service means that it was there D after X was (its last wait);
/// the rightmost's own time from the start is what is left of the total.
std::string text(const Timeline& timeline);

}  // namespace summon::timeline
