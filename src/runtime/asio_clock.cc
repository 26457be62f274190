#include "runtime/asio_clock.hpp"

namespace summon::runtime {

// Destroying a timer cancels its wait: the handler still runs, later, with
// operation_aborted, and then touches nothing.
AsioClock::~AsioClock() = default;

engine::TimePoint AsioClock::now() const { return std::chrono::steady_clock::now(); }

engine::TimerId AsioClock::schedule(engine::TimePoint at, std::function<void()> fire) {
  const engine::TimerId id = next_id_++;
  auto timer = std::make_unique<boost::asio::steady_timer>(io_, at);
  // Timers due at once fire in the order asio queues them: the order scheduled.
  timer->async_wait([this, id, fire = std::move(fire)](const boost::system::error_code& error) {
    if (error) return;  // cancelled; `this` may be gone
    auto found = timers_.find(id);
    if (found == timers_.end()) return;
    timers_.erase(found);
    fire();
  });
  timers_.emplace(id, std::move(timer));
  return id;
}

void AsioClock::cancel(engine::TimerId id) {
  auto found = timers_.find(id);
  if (found == timers_.end()) return;
  timers_.erase(found);
}

}  // namespace summon::runtime
