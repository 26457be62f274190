// Bring-up, per service rather than per layer (s6-rc's examine and
// broadcast_success): each service keeps the count of its conditions not yet
// met, and whatever meets one lowers the count of those waiting on it.
#include <string>
#include <vector>

#include "engine/engine.hpp"

namespace summon::engine {

void Engine::bring_up() {
  dispatch([this] { do_bring_up(); });
}

void Engine::on_started(ServiceIndex i) {
  dispatch([this, i] { do_started(i); });
}

void Engine::on_start_failed(ServiceIndex i, std::string why) {
  dispatch([this, i, why = std::move(why)] { do_start_failed(i, why); });
}

void Engine::on_ready(ServiceIndex i) {
  dispatch([this, i] { do_ready(i); });
}

void Engine::on_probe_failed(ServiceIndex i, std::string why) {
  dispatch([this, i, why = std::move(why)] { do_probe_failed(i, why); });
}

void Engine::on_exited(ServiceIndex i, ExitStatus status) {
  dispatch([this, i, status] { do_exited(i, status); });
}

void Engine::on_unhealthy(ServiceIndex i, std::string why) {
  (void)i;
  (void)why;
}

void Engine::on_healthy(ServiceIndex i) {
  (void)i;
}

void Engine::on_deadline_extended(ServiceIndex i, Duration extra) {
  (void)i;
  (void)extra;
}

void Engine::do_bring_up() {
  if (phase_ != Phase::idle) return;
  phase_ = Phase::bringing_up;
  bring_up_at_ = clock_.now();
  for (ServiceIndex i : order_)
    if (runs_[i].unmet == 0) start(i);
  check_all_ready();  // nothing selected: up at once
}

void Engine::start(ServiceIndex i) {
  ServiceRun& run = runs_[i];
  run.started_at = clock_.now();
  if (!change(i, Event::start)) return;
  run.spawn_pending = true;
  ++holding_;
  // The deadline runs from spawn, so a slow exec counts against it too.
  if (project_.services[i].ready) {
    run.ready_deadline = clock_.schedule(*run.started_at + readiness_timeout(i), [this, i] {
      dispatch([this, i] { readiness_expired(i); });
    });
  }
  runner_.start(i);
}

void Engine::release_waiters(ServiceIndex i) {
  if (phase_ != Phase::bringing_up) return;
  const State now = runs_[i].state;
  for (const Waiter& waiter : runs_[i].waiters) {
    ServiceRun& run = runs_[waiter.service];
    if (run.met[waiter.entry] || !meets(now, waiter.condition)) continue;
    run.met[waiter.entry] = true;
    if (--run.unmet == 0 && run.state == State::pending) start(waiter.service);
  }
}

void Engine::check_all_ready() {
  if (phase_ != Phase::bringing_up || not_ready_ > 0) return;
  phase_ = Phase::up;
  observer_.on_all_ready(order_.size(), since(bring_up_at_));
}

void Engine::do_started(ServiceIndex i) {
  if (!in_run(i) || !runs_[i].spawn_pending) return;
  ServiceRun& run = runs_[i];
  run.spawn_pending = false;
  run.spawned = true;
  // A service whose deadline passed while it was spawning stays failed, but
  // its process is now real and is stopped with the rest.
  change(i, Event::spawned);
  if (phase_ == Phase::tearing_down) {
    if (run.dependents_up == 0) stop(i);
    return;
  }
  if (!project_.services[i].ready) change(i, Event::probe_held);
}

void Engine::do_start_failed(ServiceIndex i, const std::string& why) {
  if (!in_run(i) || !runs_[i].spawn_pending) return;
  ServiceRun& run = runs_[i];
  run.spawn_pending = false;
  --holding_;
  const bool tearing_down = phase_ == Phase::tearing_down;
  fail(i, Event::spawn_failed, why);
  // Teardown may have been waiting for this spawn's outcome.
  if (tearing_down) {
    release_dependencies(i);
    check_done();
  }
}

void Engine::do_ready(ServiceIndex i) {
  // During teardown a late probe success would only confuse the output.
  if (!in_run(i) || phase_ != Phase::bringing_up || runs_[i].state != State::started) return;
  cancel_timer(runs_[i].ready_deadline);
  change(i, Event::probe_held);
}

void Engine::do_probe_failed(ServiceIndex i, const std::string& why) {
  if (!in_run(i) || phase_ != Phase::bringing_up || runs_[i].state != State::started) return;
  fail(i, Event::probe_failed, why);
}

void Engine::readiness_expired(ServiceIndex i) {
  runs_[i].ready_deadline.reset();
  if (phase_ != Phase::bringing_up) return;
  const State state = runs_[i].state;
  if (state != State::starting && state != State::started) return;
  fail(i, Event::deadline, not_ready_after(readiness_timeout(i), runner_.last_probe_result(i)));
}

void Engine::do_exited(ServiceIndex i, const ExitStatus& status) {
  if (!in_run(i)) return;
  ServiceRun& run = runs_[i];
  if (run.spawn_pending) {  // the exit proves the spawn, even if its report was lost
    run.spawn_pending = false;
    run.spawned = true;
  } else if (!run.spawned) {
    return;
  }
  cancel_timer(run.ready_deadline);

  const State state = run.state;
  if (state == State::stopping) return;  // our own stop: it counts once the group is empty
  if (status.success() || status.by_stop_signal) {
    change(i, Event::exited_ok, {status, std::nullopt, {}});
  } else if (state == State::starting || state == State::started) {
    fail(i, Event::exited_error, exited_before_ready(status), status);
  } else if (state == State::ready) {
    exited_after_ready(i, status);
  }
}

void Engine::exited_after_ready(ServiceIndex i, const ExitStatus& status) {
  const bool keeps_running =
      phase_ == Phase::up && options_.mode == Mode::up && !options_.abort_on_exit;
  if (keeps_running) {
    change(i, Event::exited_error, {status, std::nullopt, describe(status)});
    return;
  }
  // A one-shot task that fails while others wait for it to complete: say who.
  std::vector<std::string> needed_by;
  for (const Waiter& waiter : runs_[i].waiters)
    if (waiter.condition == config::Condition::completed &&
        runs_[waiter.service].state == State::pending)
      needed_by.push_back(graph_.name(waiter.service));
  fail(i, Event::exited_error,
       needed_by.empty() ? describe(status) : did_not_complete(status, needed_by), status);
}

config::Duration Engine::readiness_timeout(ServiceIndex i) const {
  if (options_.timeout) return *options_.timeout;
  const auto& probe = project_.services[i].ready;
  return probe ? probe->timeout : config::Probe{}.timeout;
}

}  // namespace summon::engine
