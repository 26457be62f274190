#include "engine/engine.hpp"

#include <utility>

namespace summon::engine {

std::string_view phase_name(Phase phase) {
  switch (phase) {
    case Phase::idle: return "idle";
    case Phase::bringing_up: return "bringing up";
    case Phase::up: return "up";
    case Phase::tearing_down: return "tearing down";
    case Phase::done: return "done";
  }
  return "unknown";
}

Engine::Engine(const config::ProjectSpec& project, const graph::DependencyGraph& graph,
               std::vector<ServiceIndex> selected, Runner& runner, Clock& clock, Observer& observer,
               EngineOptions options)
    : project_(project),
      graph_(graph),
      runner_(runner),
      clock_(clock),
      observer_(observer),
      options_(std::move(options)),
      runs_(graph.size()),
      order_(graph.topological_order()),
      queued_for_examine_(graph.size(), false) {
  // A service can only start after its dependencies, so they take part too,
  // whatever the caller selected.
  std::erase_if(selected, [&](ServiceIndex i) { return i >= graph.size(); });
  for (ServiceIndex i : graph.closure(selected)) runs_[i].selected = true;

  // Requirements are kept per `depends_on` entry, not per edge: the entry
  // carries the condition. Entries the graph left out (unknown names, the
  // service itself) are taken as met rather than waited on forever.
  // Dependents are listed in dependency order, so those released together
  // start in that order.
  for (ServiceIndex i : order_) {
    for (const auto& entry : project_.services[i].depends_on) {
      auto target = graph_.index(entry.service);
      if (!target || *target == i) continue;
      runs_[i].requirements.push_back({*target, entry.condition, entry.restart});
      runs_[*target].dependents.push_back(i);
    }
  }
}

Engine::~Engine() {
  for (ServiceRun& run : runs_) {
    cancel_timer(run.ready_deadline);
    cancel_timer(run.stop_deadline);
    cancel_timer(run.backoff_timer);
    cancel_timer(run.steady_timer);
  }
}

Phase Engine::phase() const {
  if (done_) return Phase::done;
  if (shutting_down_) return Phase::tearing_down;
  if (!bring_up_at_) return Phase::idle;
  return bring_up_open_ ? Phase::bringing_up : Phase::up;
}

// Reports may arrive while the engine is inside a runner call (a runner that
// answers at once) or while it handles another report; queueing them keeps
// every handler running to its end before the next begins, so no handler
// sees the engine half-changed. After each handler, every service it touched
// is examined, and the run's summary brought up to date.
void Engine::dispatch(std::function<void()> handle) {
  queued_.push_back(std::move(handle));
  if (dispatching_) return;
  dispatching_ = true;
  while (!queued_.empty()) {
    auto next = std::move(queued_.front());
    queued_.pop_front();
    next();
    while (!to_examine_.empty()) {
      const ServiceIndex i = to_examine_.front();
      to_examine_.pop_front();
      queued_for_examine_[i] = false;
      examine(i);
    }
    settle();
  }
  dispatching_ = false;
}

bool Engine::change(ServiceIndex i, Event event, Detail detail) {
  ServiceRun& run = runs_[i];
  const auto to = next_state(run.state, event);
  if (!to) return false;

  StateChange report;
  report.service = i;
  report.from = run.state;
  report.to = *to;
  report.since_bring_up = since(bring_up_at_);
  report.since_start = since(run.started_at);
  report.since_stop = since(run.stop_sent_at);
  report.exit = detail.exit;
  report.because = detail.because;
  report.killed = *to == State::stopped && run.state == State::killing;
  report.reason = std::move(detail.reason);
  report.restart = detail.restart;
  run.state = *to;
  if (*to == State::stopped) run.stop_sent_at.reset();
  if (*to != State::ready && *to != State::unhealthy) cancel_timer(run.steady_timer);
  observer_.on_change(report);

  if ((*to == State::ready || *to == State::completed) && bring_up_open_) run.reached_ready = true;
  enqueue_around(i);
  return true;
}

void Engine::enqueue(ServiceIndex i) {
  if (queued_for_examine_[i]) return;
  queued_for_examine_[i] = true;
  to_examine_.push_back(i);
}

// A change of one service can let a dependent start (or make it go down),
// and can let a dependency stop that was waiting for it.
void Engine::enqueue_around(ServiceIndex i) {
  enqueue(i);
  for (ServiceIndex j : runs_[i].dependents) enqueue(j);
  for (const Requirement& r : runs_[i].requirements) enqueue(r.service);
}

// The run's summary: bring-up ends once nothing is on its way up any more;
// teardown ends once nothing is left.
void Engine::settle() {
  if (bring_up_open_ && !shutting_down_ && !bring_up_waits()) {
    bring_up_open_ = false;
    std::size_t up = 0;
    for (const ServiceRun& run : runs_)
      up += run.selected && run.want == Want::up && run.reached_ready ? 1 : 0;
    observer_.on_all_ready(up, since(bring_up_at_));
  }
  if (shutting_down_ && !done_ && holding_ == 0) {
    done_ = true;
    observer_.on_done(exit_code(), since(bring_up_at_));
  }
}

// Bring-up waits for every service wanted up (the selection, and what `start`
// took into the run) until it has been ready or completed once, except one
// that waits to start for a service that was stopped: it comes up with that
// one, whenever it is started again.
bool Engine::bring_up_waits() const {
  std::vector<bool> held_back(runs_.size(), false);
  for (ServiceIndex i : order_) {  // dependencies first
    const ServiceRun& run = runs_[i];
    if (!run.selected) continue;
    bool held = run.want == Want::down;
    if (!held && !running(run.state))
      for (const Requirement& r : run.requirements)
        held = held || (runs_[r.service].selected && held_back[r.service]);
    held_back[i] = held;
    if (!held && !run.reached_ready) return true;
  }
  return false;
}

void Engine::cancel_timer(std::optional<TimerId>& timer) {
  if (timer) clock_.cancel(*timer);
  timer.reset();
}

Duration Engine::since(const std::optional<TimePoint>& at) const {
  return at ? clock_.now() - *at : Duration{};
}

}  // namespace summon::engine
