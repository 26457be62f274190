// The engine's commands: each only changes what services should be, and
// lets examine() get there.
#include "engine/engine.hpp"

namespace summon::engine {

void Engine::bring_up() {
  dispatch([this] {
    if (bring_up_at_ || shutting_down_) return;
    bring_up_at_ = clock_.now();
    bring_up_open_ = true;
    for (ServiceIndex i : order_) {
      if (!runs_[i].selected) continue;
      runs_[i].want = Want::up;
      enqueue(i);
    }
  });
}

void Engine::shut_down() {
  dispatch([this] {
    if (!shutting_down_) want_all_down(std::nullopt);
  });
}

void Engine::kill_all() {
  dispatch([this] {
    if (!shutting_down_) want_all_down(std::nullopt);
    // Every stop from now on is a kill, and every service is looked at again.
    killing_ = true;
    for (auto it = order_.rbegin(); it != order_.rend(); ++it) enqueue(*it);
  });
}

void Engine::start(ServiceIndex i) {
  dispatch([this, i] {
    if (shutting_down_ || i >= runs_.size()) return;
    for (ServiceIndex k : graph_.closure({i})) {
      ServiceRun& run = runs_[k];
      run.selected = true;
      run.want = Want::up;
      // What has ended is started anew; a completed task has done its part.
      const bool ended = run.state == State::failed || run.state == State::stopped ||
                         run.state == State::skipped ||
                         (k == i && run.state == State::completed);
      if (ended) run.cycle = true;
      enqueue_around(k);
    }
  });
}

void Engine::stop(ServiceIndex i) {
  dispatch([this, i] {
    if (shutting_down_ || !in_run(i)) return;
    runs_[i].want = Want::down;
    runs_[i].cycle = false;
    cancel_timer(runs_[i].ready_deadline);
    enqueue_around(i);
  });
}

void Engine::restart(ServiceIndex i) {
  dispatch([this, i] {
    if (shutting_down_ || i >= runs_.size()) return;
    ServiceRun& run = runs_[i];
    if (!in_run(i) || run.want == Want::down) {
      start(i);
      return;
    }
    // Already on its way up: nothing to restart yet.
    if (run.state == State::pending || run.state == State::starting) return;
    run.cycle = true;
    run.restart_at.reset();
    ++run.restarts_all;
    enqueue_around(i);
  });
}

}  // namespace summon::engine
