// Time as the engine sees it: injected, so that deadlines are tested by
// advancing a fake clock rather than by sleeping.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>

namespace summon::engine {

using TimePoint = std::chrono::steady_clock::time_point;
using Duration = std::chrono::steady_clock::duration;
using TimerId = std::uint64_t;

/// A monotonic clock with one-shot timers on the caller's event loop.
class Clock {
 public:
  virtual ~Clock() = default;

  /// The current time; never goes backwards.
  virtual TimePoint now() const = 0;
  /// Calls `fire` once, from the event loop, at or after `at` (at once on the
  /// next turn if `at` has passed). Never calls it from inside schedule().
  /// Timers due at the same time fire in the order they were scheduled.
  virtual TimerId schedule(TimePoint at, std::function<void()> fire) = 0;
  /// Makes sure the timer never fires. Unknown or already fired ids are ignored.
  virtual void cancel(TimerId id) = 0;
};

}  // namespace summon::engine
