#include "engine/engine.hpp"

#include <utility>

namespace summon::engine {

std::string_view phase_name(Phase phase) {
  switch (phase) {
    case Phase::idle:
      return "idle";
    case Phase::bringing_up:
      return "bringing up";
    case Phase::up:
      return "up";
    case Phase::tearing_down:
      return "tearing down";
    case Phase::done:
      return "done";
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
      runs_(graph.size()) {
  // A service can only start after its dependencies, so they take part too,
  // whatever the caller selected.
  std::erase_if(selected, [&](ServiceIndex i) { return i >= graph.size(); });
  for (ServiceIndex i : graph.closure(selected)) runs_[i].selected = true;
  for (ServiceIndex i : graph.topological_order())
    if (runs_[i].selected) order_.push_back(i);
  not_ready_ = order_.size();

  // Conditions are counted per `depends_on` entry, not per edge: the entry
  // carries the condition. Entries the graph left out (unknown names, the
  // service itself) are taken as met rather than waited on forever.
  for (ServiceIndex i : order_) {
    const auto& entries = project_.services[i].depends_on;
    ServiceRun& run = runs_[i];
    run.met.assign(entries.size(), true);
    for (std::size_t k = 0; k < entries.size(); ++k) {
      auto target = graph_.index(entries[k].service);
      if (!target || *target == i || !runs_[*target].selected) continue;
      run.met[k] = false;
      ++run.unmet;
      runs_[*target].waiters.push_back({i, k, entries[k].condition});
    }
  }
}

Engine::~Engine() {
  for (ServiceRun& run : runs_) {
    cancel_timer(run.ready_deadline);
    cancel_timer(run.stop_deadline);
  }
}

// Reports may arrive while the engine is inside a runner call (a runner that
// answers at once) or while it handles another report; queueing them keeps
// every handler running to its end before the next begins, so no handler
// sees the engine half-changed.
void Engine::dispatch(std::function<void()> handle) {
  queued_.push_back(std::move(handle));
  if (dispatching_) return;
  dispatching_ = true;
  while (!queued_.empty()) {
    auto next = std::move(queued_.front());
    queued_.pop_front();
    next();
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
  report.killed = *to == State::stopped && run.kill_sent;
  report.reason = std::move(detail.reason);
  run.state = *to;
  observer_.on_change(report);

  if ((*to == State::ready || *to == State::completed) && !run.reached_ready) {
    run.reached_ready = true;
    --not_ready_;
  }
  // Every state that can meet a condition may let waiting services start.
  if (*to == State::started || *to == State::ready || *to == State::completed) {
    release_waiters(i);
    check_all_ready();
  }
  return true;
}

void Engine::fail(ServiceIndex i, Event event, std::string reason, std::optional<ExitStatus> exit) {
  cancel_timer(runs_[i].ready_deadline);
  if (!change(i, event, {exit, std::nullopt, reason})) return;
  // Once teardown has begun the run's outcome is settled: later trouble is
  // reported as a state change only.
  if (phase_ != Phase::bringing_up && phase_ != Phase::up) return;
  if (!failure_) {
    failure_ = Failure{i, reason, graph_.name(i) + ": " + reason};
    observer_.on_failure(*failure_);
  }
  begin_teardown(i);
}

void Engine::cancel_timer(std::optional<TimerId>& timer) {
  if (timer) clock_.cancel(*timer);
  timer.reset();
}

Duration Engine::since(const std::optional<TimePoint>& at) const {
  return at ? clock_.now() - *at : Duration{};
}

}  // namespace summon::engine
