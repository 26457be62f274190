// What the runner reports, turned into state changes. Decisions to start or
// stop are examine()'s; a failure here may also settle the run's outcome.
#include <string>
#include <vector>

#include "engine/engine.hpp"

namespace summon::engine {

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
  dispatch([this, i, status = std::move(status)] { do_exited(i, status); });
}
void Engine::on_stopped(ServiceIndex i) {
  dispatch([this, i] { do_stopped(i); });
}
void Engine::on_unhealthy(ServiceIndex i, std::string why) {
  dispatch([this, i, why = std::move(why)] { do_unhealthy(i, why); });
}
void Engine::on_healthy(ServiceIndex i) {
  dispatch([this, i] { do_healthy(i); });
}
void Engine::on_deadline_extended(ServiceIndex i, Duration extra) {
  dispatch([this, i, extra] { do_deadline_extended(i, extra); });
}

void Engine::do_started(ServiceIndex i) {
  ServiceRun& run = runs_[i];
  if (!in_run(i) || run.hold != Hold::spawning) return;
  run.hold = Hold::processes;
  // Failed while spawning (its deadline passed): examine stops it now.
  if (run.state != State::starting) {
    enqueue(i);
    return;
  }
  change(i, Event::spawned);
  // Going down already (a shutdown during its spawn): examine stops it.
  if (!project_.services[i].ready && !goes_down(i)) became_ready(i);
}

void Engine::became_ready(ServiceIndex i) {
  cancel_timer(runs_[i].ready_deadline);
  if (change(i, Event::probe_held)) arm_steady_timer(i);
}

// A spawn error is the same every time (a missing program, a taken port), so
// it is not retried: it fails at once, with its reason.
void Engine::do_start_failed(ServiceIndex i, const std::string& why) {
  ServiceRun& run = runs_[i];
  if (!in_run(i) || run.hold != Hold::spawning) return;
  run.hold = Hold::nothing;
  --holding_;
  // Failed already; or a restart was decided while it spawned (its readiness
  // timeout ran out), which the spawn error ends as it would have the spawn.
  if (run.state != State::starting && run.state != State::stopping) {
    enqueue_around(i);
    return;
  }
  if (in_bring_up() || options_.mode == Mode::run)
    fail(i, Event::spawn_failed, why);
  else
    fail_quietly(i, Event::spawn_failed, why);
}

void Engine::do_ready(ServiceIndex i) {
  if (!in_run(i) || runs_[i].state != State::started || goes_down(i)) return;
  became_ready(i);
}

void Engine::do_probe_failed(ServiceIndex i, const std::string& why) {
  if (!in_run(i) || runs_[i].state != State::started || goes_down(i)) return;
  if (restarts_on(i, std::nullopt))
    restart_after_failure(i, Event::probe_failed, why, std::nullopt);
  else if (in_bring_up() || options_.mode == Mode::run)
    fail(i, Event::probe_failed, why);
  else
    fail_quietly(i, Event::probe_failed, why);
}

void Engine::do_exited(ServiceIndex i, const ExitStatus& status) {
  ServiceRun& run = runs_[i];
  if (!in_run(i) || run.hold == Hold::nothing) return;
  // The exit proves the spawn, even if its report was lost.
  if (run.hold == Hold::spawning) {
    run.hold = Hold::processes;
    if (run.state == State::starting) change(i, Event::spawned);
    enqueue_around(i);  // failed while spawning: what is left of it is stopped now
  }
  if (!running(run.state)) return;  // stopping: our own stop counts once the group is empty

  // It was waiting for its turn to be stopped (wanted down, restarted, or
  // with what it holds with `restart: true`): it was going down anyway, so
  // this is neither a failure nor a restart; what it left goes in its turn.
  if (goes_down(i)) {
    change(i, Event::exited_anyway, {status, std::nullopt, {}, {}});
    return;
  }
  if (restarts_on(i, status)) {
    restart_after_failure(i, Event::exited_error, describe(status), status);
    return;
  }
  cancel_timer(run.ready_deadline);
  if (status.success() || status.by_stop_signal)
    change(i, Event::exited_ok, {status, std::nullopt, {}, {}});
  else
    exited_for_good(i, status);
}

void Engine::exited_for_good(ServiceIndex i, const ExitStatus& status) {
  const State state = runs_[i].state;
  const std::string reason =
      state == State::started ? exited_before_ready(status) : describe(status);
  // Once the run is up, `up` keeps the rest running: also when a service
  // that was started again (a `restart`, a `start`) exits before it is ready.
  if (!in_bring_up() && options_.mode == Mode::up && !options_.abort_on_exit) {
    fail_quietly(i, Event::exited_error, reason, status);
    return;
  }
  if (state == State::started) {
    fail(i, Event::exited_error, reason, status);
    return;
  }
  // A one-shot task that fails while others wait for it to complete: say who.
  std::vector<std::string> needed_by;
  for (ServiceIndex j : runs_[i].dependents)
    for (const Requirement& r : runs_[j].requirements)
      if (r.service == i && r.condition == config::Condition::completed &&
          runs_[j].state == State::pending)
        needed_by.push_back(graph_.name(j));
  fail(i, Event::exited_error,
       needed_by.empty() ? describe(status) : did_not_complete(status, needed_by), status);
}

void Engine::do_stopped(ServiceIndex i) {
  ServiceRun& run = runs_[i];
  // Only the answer to our own stop or kill counts.
  if (!in_run(i) || run.hold != Hold::signalled) return;
  run.hold = Hold::nothing;
  --holding_;
  cancel_timer(run.stop_deadline);
  if (run.state == State::failed)
    enqueue_around(i);
  else
    change(i, Event::group_empty);
}

void Engine::do_unhealthy(ServiceIndex i, const std::string& why) {
  if (!in_run(i) || runs_[i].state != State::ready || goes_down(i)) return;
  if (restarts_on(i, std::nullopt)) {
    restart_after_failure(i, Event::give_up, unhealthy(why), std::nullopt);
    return;
  }
  change(i, Event::alive_failed, {std::nullopt, std::nullopt, why, {}});
  // In `run`, the tests would run against a service that does not answer.
  if (options_.mode == Mode::run) fail_run(i, unhealthy(why));
}

void Engine::do_healthy(ServiceIndex i) {
  if (!in_run(i) || runs_[i].state != State::unhealthy) return;
  change(i, Event::alive_held);
}

void Engine::do_deadline_extended(ServiceIndex i, Duration extra) {
  ServiceRun& run = runs_[i];
  if (!in_run(i) || !run.ready_deadline) return;
  const TimePoint at = clock_.now() + extra;
  if (at <= run.ready_deadline_at) return;
  cancel_timer(run.ready_deadline);
  arm_ready_deadline(i, at);
}

void Engine::arm_ready_deadline(ServiceIndex i, TimePoint at) {
  runs_[i].ready_deadline_at = at;
  runs_[i].ready_deadline =
      clock_.schedule(at, [this, i] { dispatch([this, i] { readiness_expired(i); }); });
}

void Engine::readiness_expired(ServiceIndex i) {
  ServiceRun& run = runs_[i];
  run.ready_deadline.reset();
  const State state = run.state;
  if (shutting_down_ || goes_down(i)) return;
  // On its way up: this spawn, or between two attempts of its policy
  // (a restart is decided), clearing the last one or waiting out the backoff.
  const bool spawning = state == State::starting || state == State::started;
  const bool between =
      run.restart_at.has_value() &&
      (state == State::stopping || state == State::killing || state == State::backoff);
  if (!spawning && !between) return;
  const auto waited = std::chrono::duration_cast<config::Duration>(run.ready_deadline_at -
                                                                    run.ready_deadline_from);
  std::string reason = not_ready_after(waited, runner_.last_probe_result(i));
  if (run.restarts > 0) reason = restarts_tried(reason, run.restarts);
  // After bring-up, a restart that does not get ready is one more failure
  // for its policy (between two attempts nothing is due: the next spawn
  // brings its own deadline); during bring-up the run has waited long enough.
  if (!in_bring_up() && restarts_on(i, std::nullopt)) {
    if (spawning) restart_after_failure(i, Event::deadline, reason, std::nullopt);
    return;
  }
  if (state == State::backoff) cancel_timer(run.backoff_timer);
  if (in_bring_up() || options_.mode == Mode::run)
    fail(i, Event::deadline, reason);
  else
    fail_quietly(i, Event::deadline, reason);
}

config::Duration Engine::readiness_timeout(ServiceIndex i) const {
  if (options_.timeout) return *options_.timeout;
  const auto& probe = project_.services[i].ready;
  return probe ? probe->timeout : config::Probe{}.timeout;
}

bool Engine::in_bring_up() const { return bring_up_open_; }

// The service failed and the run with it (unless the run is already over).
void Engine::fail(ServiceIndex i, Event event, std::string reason, std::optional<ExitStatus> exit) {
  cancel_timer(runs_[i].ready_deadline);
  if (!change(i, event, {exit, std::nullopt, reason, {}})) return;
  fail_run(i, reason);
}

// The service failed; the others keep running (`up` after bring-up).
void Engine::fail_quietly(ServiceIndex i, Event event, std::string reason,
                          std::optional<ExitStatus> exit) {
  cancel_timer(runs_[i].ready_deadline);
  change(i, event, {exit, std::nullopt, std::move(reason), {}});
}

void Engine::fail_run(ServiceIndex i, const std::string& reason) {
  // Once teardown has begun the run's outcome is settled: later trouble is
  // reported as a state change only.
  if (shutting_down_) return;
  failure_ = Failure{i, reason, graph_.name(i) + ": " + reason};
  observer_.on_failure(*failure_);
  want_all_down(i);
}

}  // namespace summon::engine
