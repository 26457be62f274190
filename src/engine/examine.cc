// The reconciler (s6-rc's examine): after every event, each service it
// touched is looked at once, and moved a step toward what it should be.
// Nothing else in the engine starts or stops a service.
#include <utility>

#include "engine/engine.hpp"

namespace summon::engine {

void Engine::examine(ServiceIndex i) {
  ServiceRun& run = runs_[i];
  if (!run.selected) return;

  if (killing_) {
    if (run.hold == Hold::processes || run.hold == Hold::signalled) send_kill(i);
    if (run.state == State::backoff) {
      cancel_timer(run.backoff_timer);
      run.restart_at.reset();
      change(i, Event::cancel);
    }
    if (run.state == State::pending) change(i, Event::skip, {std::nullopt, skipped_because(), {}, {}});
    return;
  }

  switch (run.state) {
    case State::starting:  // its spawn's outcome comes first
    case State::killing:
      return;

    case State::stopping:  // not signalled yet (a policy restart, an exit): it waits its turn
      if (run.hold == Hold::processes) stop_in_order(i);
      return;

    case State::started:
    case State::ready:
    case State::unhealthy:
      if (goes_down(i)) stop_in_order(i);
      return;

    case State::backoff:
      if (goes_down(i)) {
        cancel_timer(run.backoff_timer);
        run.restart_at.reset();
        change(i, Event::cancel);
      } else if (!run.backoff_timer && requirements_hold(i)) {
        spawn(i);
      }
      return;

    case State::pending:
      if (run.want == Want::down)
        change(i, Event::skip, {std::nullopt, skipped_because(), {}, {}});
      else if (requirements_hold(i) && !goes_down(i))
        spawn(i);
      return;

    case State::failed:
      // Whatever is left of it goes, in teardown order like everything else;
      // one still spawning is stopped once it has spawned.
      if (run.hold == Hold::processes) stop_in_order(i);
      if (run.hold != Hold::nothing) return;
      [[fallthrough]];
    case State::completed:
    case State::stopped:
    case State::skipped: {
      if (run.hold != Hold::nothing) {  // a task's leftovers, kept until it goes down
        if (run.hold == Hold::processes && (goes_down(i) || run.cycle)) stop_in_order(i);
        return;
      }
      // `start` or `restart` asked for it anew: asked until it can start.
      const bool fresh = std::exchange(run.cycle, false);
      if (run.want == Want::down) return;
      if (run.state == State::stopped && run.restart_at && !fresh) {
        change(i, Event::wait);
        begin_backoff(i);
        return;
      }
      if (run.state != State::stopped && !fresh) return;  // ended: stays so
      if (requirements_hold(i) && !goes_down(i))
        spawn(i);
      else
        run.cycle = fresh;
      return;
    }
  }
}

std::optional<ServiceIndex> Engine::skipped_because() const {
  return failure_ ? std::optional(failure_->service) : std::nullopt;
}

// A dependency is there for a dependent when it meets the condition and is
// itself meant to stay up (not wanted down, not about to be restarted).
bool Engine::available(ServiceIndex d, config::Condition condition) const {
  const ServiceRun& run = runs_[d];
  return run.want == Want::up && !run.cycle && meets(run.state, condition);
}

bool Engine::requirements_hold(ServiceIndex i) const {
  for (const Requirement& r : runs_[i].requirements)
    if (runs_[r.service].selected && !available(r.service, r.condition)) return false;
  return true;
}

bool Engine::goes_down(ServiceIndex i) const {
  const ServiceRun& run = runs_[i];
  if (run.want == Want::down || run.cycle) return true;
  // Through `restart: true` a restart reaches down a chain: what holds a
  // service that goes down goes down too, and first.
  for (const Requirement& r : run.requirements)
    if (r.restart && runs_[r.service].selected &&
        (!available(r.service, r.condition) || goes_down(r.service)))
      return true;
  return false;
}

// Reverse order: a service waits for every dependent that goes down with it
// (all of them in teardown; those holding it with `restart: true` in a
// restart); dependents that stay keep running without it.
bool Engine::dependents_down(ServiceIndex i) const {
  for (ServiceIndex j : runs_[i].dependents)
    if (runs_[j].selected && runs_[j].hold != Hold::nothing && goes_down(j)) return false;
  return true;
}

// It gets its stop signal once every dependent that goes down with it has
// stopped; until then those are looked at, so a chain goes down from its top.
void Engine::stop_in_order(ServiceIndex i) {
  if (dependents_down(i))
    send_stop(i);
  else
    for (ServiceIndex j : runs_[i].dependents) enqueue(j);
}

void Engine::spawn(ServiceIndex i) {
  ServiceRun& run = runs_[i];
  // During bring-up a restart by its policy counts against the deadline of
  // its first spawn (SPEC 1.5); any other spawn gets a deadline of its own.
  const bool keeps_deadline = run.restart_at.has_value() && in_bring_up();
  run.started_at = clock_.now();
  run.restart_at.reset();
  run.stop_sent_at.reset();
  if (!change(i, Event::start)) return;
  run.hold = Hold::spawning;
  ++holding_;
  // The deadline runs from the spawn, so a slow exec counts against it.
  if (project_.services[i].ready) {
    if (!keeps_deadline) cancel_timer(run.ready_deadline);
    if (!run.ready_deadline) {
      run.ready_deadline_from = *run.started_at;
      arm_ready_deadline(i, *run.started_at + readiness_timeout(i));
    }
  }
  runner_.start(i);
}

void Engine::send_stop(ServiceIndex i) {
  ServiceRun& run = runs_[i];
  if (killing_) {
    send_kill(i);
    return;
  }
  run.stop_sent_at = clock_.now();
  run.hold = Hold::signalled;
  change(i, Event::stop);  // a failed service, or one stopping already, stays as it is
  const config::StopSpec& spec = project_.services[i].stop;
  runner_.stop(i, spec.signal);
  cancel_timer(run.stop_deadline);
  run.stop_deadline = clock_.schedule(*run.stop_sent_at + spec.timeout,
                                      [this, i] { dispatch([this, i] { stop_expired(i); }); });
}

void Engine::send_kill(ServiceIndex i) {
  ServiceRun& run = runs_[i];
  if (run.state == State::killing) return;
  if (!run.stop_sent_at) run.stop_sent_at = clock_.now();
  run.hold = Hold::signalled;
  change(i, Event::kill);  // a failed service stays failed
  cancel_timer(run.stop_deadline);
  runner_.kill(i);
}

void Engine::stop_expired(ServiceIndex i) {
  ServiceRun& run = runs_[i];
  run.stop_deadline.reset();
  if (run.hold != Hold::signalled) return;
  if (run.state == State::stopping) {
    send_kill(i);
  } else if (run.state == State::failed) {
    runner_.kill(i);
  }
}

// Everything wanted down; pending services are skipped in dependency order,
// naming the failure that ended the run, and the rest stop in reverse order.
void Engine::want_all_down(std::optional<ServiceIndex> because) {
  shutting_down_ = true;
  for (ServiceIndex i : order_) {
    ServiceRun& run = runs_[i];
    run.want = Want::down;
    run.cycle = false;
    cancel_timer(run.ready_deadline);
    if (run.selected && run.state == State::pending)
      change(i, Event::skip, {std::nullopt, because, {}, {}});
  }
  // Every service is examined anew, in reverse order, so that independent
  // services stop in that order.
  for (ServiceIndex i : to_examine_) queued_for_examine_[i] = false;
  to_examine_.clear();
  for (auto it = order_.rbegin(); it != order_.rend(); ++it) enqueue(*it);
}

}  // namespace summon::engine
