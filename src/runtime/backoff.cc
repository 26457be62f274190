#include "runtime/backoff.hpp"

#include <algorithm>

namespace summon::runtime {

Duration next_attempt_delay(Duration since_start, Duration interval) {
  constexpr Duration floor = std::chrono::milliseconds(1);
  // min before max: an interval under 1 ms must not make the probe spin.
  return std::max(std::min(since_start / 20, interval), floor);
}

}  // namespace summon::runtime
