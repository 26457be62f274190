// The timeline as an SVG picture (SPEC 2.3), sized for a README: one bar per
// service on a time axis (spawn → started → ready → completed in distinct
// colours), an arrow from each dependency to the dependent it let start,
// the critical path outlined, the total and each service's times written on.
#pragma once

#include <string>

#include "timeline/timeline.hpp"

namespace summon::timeline {

/// The segment colours, as the picture fills them (tests look for them).
inline constexpr const char* spawning_colour = "#f2a541";  // spawn → started
inline constexpr const char* booting_colour = "#3778c2";   // started → ready
inline constexpr const char* running_colour = "#59a14f";   // ready → completed
inline constexpr const char* failed_colour = "#d62728";    // started → failed
inline constexpr const char* critical_colour = "#6a3d9a";  // the critical path's outline, arrows

/// A whole SVG document, 960 pixels wide, on a white ground. Each segment
/// is a <rect class="segment KIND" data-service="NAME" ...> with KIND one of
/// spawning, booting, running, failed.
std::string svg(const Timeline& timeline);

}  // namespace summon::timeline
