// The critical path of a bring-up (SPEC 2.3): the chain of waits that set
// its total.
#pragma once

#include <cstddef>
#include <optional>
#include <vector>

#include "timeline/timeline.hpp"

namespace summon::timeline {

/// Indices into `timeline.services`, the last to be there first: the
/// service whose ready or completion came last (else, when none came, the
/// last to fail), then the dependency it waited for last (the one whose
/// ready or completion came last, before its spawn, of those in the
/// timeline), and so on down to one that waited for none. Empty for an
/// empty timeline. Ties go to the first listed.
std::vector<std::size_t> critical_path(const Timeline& timeline);

/// When `service` was there for a dependent spawned at `spawned`: its
/// completion, else its ready, whichever came by then; none if neither did.
std::optional<Duration> there_by(const ServiceTimes& service, Duration spawned);

}  // namespace summon::timeline
