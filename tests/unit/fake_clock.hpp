// A clock for engine tests: time stands still until advance() moves it, and
// timers fire from advance(), in time order, never from schedule().
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <map>
#include <utility>

#include "engine/clock.hpp"

namespace summon::testing {

class FakeClock final : public engine::Clock {
 public:
  engine::TimePoint now() const override { return now_; }

  engine::TimerId schedule(engine::TimePoint at, std::function<void()> fire) override {
    const engine::TimerId id = ++last_id_;
    timers_.emplace(id, Timer{at, std::move(fire)});
    return id;
  }

  void cancel(engine::TimerId id) override { timers_.erase(id); }

  /// Moves time forward by `by`, firing each timer that falls due on the
  /// way at its own time (earliest first; ties in the order scheduled),
  /// including timers that the fired ones schedule.
  void advance(engine::Duration by) {
    const engine::TimePoint until = now_ + by;
    for (;;) {
      auto next = timers_.end();
      for (auto it = timers_.begin(); it != timers_.end(); ++it)
        if (it->second.at <= until && (next == timers_.end() || it->second.at < next->second.at))
          next = it;
      if (next == timers_.end()) break;
      if (next->second.at > now_) now_ = next->second.at;
      auto fire = std::move(next->second.fire);
      timers_.erase(next);
      fire();
    }
    now_ = until;
  }

  /// Timers scheduled and neither fired nor cancelled.
  std::size_t pending() const { return timers_.size(); }

 private:
  struct Timer {
    engine::TimePoint at;
    std::function<void()> fire;
  };

  engine::TimePoint now_ = engine::TimePoint{} + std::chrono::hours(1);
  engine::TimerId last_id_ = 0;
  std::map<engine::TimerId, Timer> timers_;  // by id, which is also scheduling order
};

}  // namespace summon::testing
