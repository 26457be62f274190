// Teardown is bring-up's loop on the reverse edges (s6-rc keeps both): each
// service counts its dependents that still hold processes, and is stopped
// when that count reaches zero, so independent services stop together.

#include "engine/engine.hpp"

namespace summon::engine {

void Engine::shut_down() {
  dispatch([this] {
    if (phase_ == Phase::idle) {
      phase_ = Phase::done;
      observer_.on_done(exit_code(), Duration{});
    }
    if (phase_ == Phase::bringing_up || phase_ == Phase::up) begin_teardown(std::nullopt);
  });
}

void Engine::kill_all() {
  dispatch([this] { do_kill_all(); });
}

void Engine::on_stopped(ServiceIndex i) {
  dispatch([this, i] { do_stopped(i); });
}

void Engine::begin_teardown(std::optional<ServiceIndex> because) {
  phase_ = Phase::tearing_down;
  for (ServiceIndex i : order_) {
    cancel_timer(runs_[i].ready_deadline);
    if (runs_[i].state == State::pending) change(i, Event::skip, {std::nullopt, because, {}});
  }
  // Only services with processes (or a spawn under way) hold back their
  // dependencies; one that never started has nothing to stop.
  for (ServiceIndex i : order_) {
    ServiceRun& run = runs_[i];
    run.holds_dependencies = run.spawned || run.spawn_pending;
    if (run.holds_dependencies)
      for (ServiceIndex j : graph_.dependencies(i)) ++runs_[j].dependents_up;
  }
  for (auto it = order_.rbegin(); it != order_.rend(); ++it)
    if (runs_[*it].spawned && runs_[*it].dependents_up == 0) stop(*it);
  check_done();
}

void Engine::stop(ServiceIndex i) {
  ServiceRun& run = runs_[i];
  if (run.stop_sent) return;
  run.stop_sent = true;
  run.stop_sent_at = clock_.now();
  change(i, Event::stop);
  if (killing_) {
    kill(i);
    return;
  }
  const config::StopSpec& spec = project_.services[i].stop;
  runner_.stop(i, spec.signal);
  run.stop_deadline = clock_.schedule(*run.stop_sent_at + spec.timeout,
                                      [this, i] { dispatch([this, i] { stop_expired(i); }); });
}

void Engine::kill(ServiceIndex i) {
  ServiceRun& run = runs_[i];
  if (run.kill_sent) return;
  run.kill_sent = true;
  cancel_timer(run.stop_deadline);
  runner_.kill(i);
}

void Engine::stop_expired(ServiceIndex i) {
  runs_[i].stop_deadline.reset();
  if (runs_[i].state == State::stopping) kill(i);
}

void Engine::do_kill_all() {
  if (phase_ == Phase::idle) {
    phase_ = Phase::done;
    observer_.on_done(exit_code(), Duration{});
  }
  if (phase_ == Phase::done) return;
  // Set first, so that the teardown begun here kills rather than stops, and a
  // service still spawning is killed as soon as it reports.
  killing_ = true;
  if (phase_ != Phase::tearing_down) begin_teardown(std::nullopt);
  for (auto it = order_.rbegin(); it != order_.rend(); ++it) {
    ServiceIndex i = *it;
    if (!runs_[i].spawned) continue;
    if (runs_[i].stop_sent)
      kill(i);
    else
      stop(i);
  }
}

void Engine::do_stopped(ServiceIndex i) {
  if (!in_run(i)) return;
  ServiceRun& run = runs_[i];
  if (!run.spawned || !run.stop_sent) return;  // only the answer to our stop or kill counts
  run.spawned = false;
  --holding_;
  cancel_timer(run.stop_deadline);
  change(i, Event::group_empty);
  release_dependencies(i);
  check_done();
}

void Engine::release_dependencies(ServiceIndex i) {
  if (!runs_[i].holds_dependencies) return;
  runs_[i].holds_dependencies = false;
  for (ServiceIndex j : graph_.dependencies(i)) {
    ServiceRun& dependency = runs_[j];
    if (dependency.dependents_up > 0 && --dependency.dependents_up == 0 && dependency.spawned)
      stop(j);
  }
}

void Engine::check_done() {
  if (phase_ != Phase::tearing_down || holding_ > 0) return;
  phase_ = Phase::done;
  observer_.on_done(exit_code(), since(bring_up_at_));
}

}  // namespace summon::engine
