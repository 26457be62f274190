// Restart policies (SPEC 1.5): whether a failure restarts a service, after
// what delay, and when it has failed too often in a row to go on.
#include <algorithm>

#include "engine/engine.hpp"

namespace summon::engine {

namespace {

// A service counts as steady once it has stayed ready this long.
constexpr Duration least_steady_time = std::chrono::seconds(10);

}  // namespace

// `exit` is the main process's end; none for a failure that is not an exit
// (a probe that failed for good, a liveness failure, a readiness deadline).
bool Engine::restarts_on(ServiceIndex i, const std::optional<ExitStatus>& exit) const {
  if (shutting_down_) return false;
  switch (project_.services[i].restart) {
    case config::RestartPolicy::no: return false;
    case config::RestartPolicy::always: return true;
    case config::RestartPolicy::on_failure: return !exit || !exit->success();
  }
  return false;
}

Duration Engine::backoff_delay(ServiceIndex i, int number) const {
  const config::BackoffSpec& backoff = project_.services[i].backoff;
  Duration delay = backoff.initial;
  for (int k = 1; k < number && delay < backoff.max; ++k) delay *= 2;
  return std::min<Duration>(delay, backoff.max);
}

// `failure` is the event that ends it if it gives up: the exit, the probe's
// failure, the deadline, or (for a liveness failure) give_up.
void Engine::restart_after_failure(ServiceIndex i, Event failure, std::string reason,
                                   std::optional<ExitStatus> exit) {
  ServiceRun& run = runs_[i];
  cancel_timer(run.steady_timer);
  const auto& limit = project_.services[i].max_restarts;
  if (limit && run.restarts >= *limit) {
    if (exit && failure == Event::exited_error && run.state == State::started)
      reason = exited_before_ready(*exit);
    reason = gave_up_after(reason, run.restarts);
    if (in_bring_up() || options_.mode == Mode::run)
      fail(i, failure, reason, exit);
    else
      fail_quietly(i, failure, reason, exit);
    return;
  }
  const int number = ++run.restarts;
  ++run.restarts_all;
  const Duration delay = backoff_delay(i, number);
  run.restart_at = clock_.now() + delay;
  // Whatever is left of it is cleared first, by examine() in teardown order:
  // its `restart: true` dependents stop before it does (SPEC 1.4).
  change(i, Event::restart, {exit, std::nullopt, std::move(reason), RestartNote{number, delay}});
}

void Engine::begin_backoff(ServiceIndex i) {
  ServiceRun& run = runs_[i];
  cancel_timer(run.backoff_timer);
  run.backoff_timer = clock_.schedule(*run.restart_at, [this, i] {
    dispatch([this, i] {
      runs_[i].backoff_timer.reset();
      enqueue(i);
    });
  });
}

// Restarts count in a row until the service has stayed ready for the
// backoff's max (at least 10 s); then they start from the first delay again.
void Engine::arm_steady_timer(ServiceIndex i) {
  ServiceRun& run = runs_[i];
  cancel_timer(run.steady_timer);
  if (run.restarts == 0) return;
  const Duration steady = std::max<Duration>(project_.services[i].backoff.max, least_steady_time);
  run.steady_timer = clock_.schedule(clock_.now() + steady, [this, i] {
    dispatch([this, i] {
      runs_[i].steady_timer.reset();
      runs_[i].restarts = 0;
    });
  });
}

}  // namespace summon::engine
