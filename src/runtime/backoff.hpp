// How soon a polled probe (tcp, http, exec, unix) tries again.
#pragma once

#include <chrono>

namespace summon::runtime {

using Duration = std::chrono::steady_clock::duration;

/// The wait before the next attempt, given the time since the probe began:
/// 1 ms at first, then a twentieth of the time spent so far, never more than
/// `interval`. A service that is ready after t is seen within about t/20
/// (and within `interval`), at a cost of a few dozen attempts per second at most
/// early on.
Duration next_attempt_delay(Duration since_start, Duration interval);

}  // namespace summon::runtime
