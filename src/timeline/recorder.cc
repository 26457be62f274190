// Recorder: episodes of spawns and settlings, from the engine's reports.
#include "timeline/recorder.hpp"

#include <algorithm>
#include <utility>

namespace summon::timeline {

namespace {

using engine::State;

bool settles(State state) {
  switch (state) {
    case State::ready:
    case State::unhealthy:
    case State::completed:
    case State::failed:
    case State::stopped:
    case State::skipped:
      return true;
    default:
      return false;
  }
}

}  // namespace

Recorder::Recorder(const graph::DependencyGraph& graph) : graph_(graph), now_(graph.size()) {}

void Recorder::record(const engine::StateChange& change) {
  const auto i = change.service;
  if (i >= now_.size()) return;
  auto& now = now_[i];
  now.state = change.to;
  if (change.restart) now.restarting = true;
  if (change.to == State::failed || (change.from == State::backoff && change.to == State::stopped))
    now.restarting = false;
  if (change.to == State::starting) {
    spawn(i, change.since_bring_up);
    return;
  }
  just_settled_.reset();
  Episode* episode = episode_of(i);
  if (!episode) return;
  const auto at = change.since_bring_up;
  if (!open_ || episode != &*open_) {
    // Once closed, a bring-up takes only a completion that a dependent was
    // waiting for (spawn() adds it then): a task ending an hour later is
    // no part of it.
    if (change.to == State::completed) just_settled_ = Settled{i, at};
    return;
  }
  auto& times = *episode->services[i];
  switch (change.to) {
    case State::started:
      times.started = at;
      break;
    case State::ready:
      if (!times.ready) times.ready = at;  // not again after unhealthy
      break;
    case State::completed:
      times.completed = at;
      break;
    case State::failed:
      times.failed = at;
      break;
    default:
      break;
  }
  const bool settling = change.to == State::ready || change.to == State::completed;
  if (settling || change.to == State::failed) episode->last = std::max(episode->last, at);
  if (settled(*open_)) {
    previous_ = std::move(closed_);
    closed_ = std::move(open_);
    open_.reset();
    if (settling) just_settled_ = Settled{i, std::nullopt};
  }
}

void Recorder::spawn(graph::ServiceIndex i, engine::Duration at) {
  if (!open_) {
    if (closed_ && joins_closed(i)) {
      open_ = std::move(closed_);
      closed_ = std::move(previous_);
      previous_.reset();
      if (const auto completed = just_settled_->completed) {
        open_->services[just_settled_->service]->completed = *completed;
        open_->last = std::max(open_->last, *completed);
      }
    } else {
      // The first bring-up counts from bring_up(), the others from their first spawn.
      const auto origin = next_id_ == 1 ? engine::Duration{} : at;
      open_ = Episode{next_id_++, origin, origin, std::vector<std::optional<Times>>(now_.size())};
    }
  }
  auto& slot = open_->services[i];
  if (!slot) {
    slot = Times{};
    slot->spawned = at;
  } else {
    // Spawned again in the same bring-up (a policy restart): the times of
    // this life, after the first spawn and the last failure.
    slot->started.reset();
    slot->ready.reset();
    slot->completed.reset();
  }
  now_[i].life = open_->id;
  now_[i].restarting = false;
}

bool Recorder::joins_closed(graph::ServiceIndex i) const {
  if (!just_settled_ || !closed_) return false;
  const auto& waited_for = graph_.dependencies(i);
  return std::ranges::find(waited_for, just_settled_->service) != waited_for.end();
}

Recorder::Episode* Recorder::episode_of(graph::ServiceIndex i) {
  const auto life = now_[i].life;
  if (life == 0) return nullptr;
  if (open_ && open_->id == life) return &*open_;
  if (closed_ && closed_->id == life) return &*closed_;
  return nullptr;
}

bool Recorder::settled(const Episode& episode) const {
  for (std::size_t i = 0; i < episode.services.size(); ++i)
    if (episode.services[i] && now_[i].life == episode.id &&
        (!settles(now_[i].state) || now_[i].restarting))
      return false;
  return true;
}

Timeline Recorder::last() const {
  if (closed_) return timeline_of(*closed_, false);
  if (open_) return timeline_of(*open_, true);
  return {};
}

Timeline Recorder::timeline_of(const Episode& episode, bool open) const {
  auto relative = [&](const std::optional<engine::Duration>& at) -> std::optional<Duration> {
    if (!at) return std::nullopt;
    return std::chrono::duration_cast<Duration>(std::max(*at - episode.origin, engine::Duration{}));
  };
  Timeline timeline;
  timeline.open = open;
  timeline.total = *relative(episode.last);
  for (std::size_t i = 0; i < episode.services.size(); ++i) {
    const auto& times = episode.services[i];
    if (!times) continue;
    ServiceTimes service;
    service.name = graph_.name(i);
    for (auto d : graph_.dependencies(i)) service.depends_on.push_back(graph_.name(d));
    service.spawned = relative(times->spawned);
    service.started = relative(times->started);
    service.ready = relative(times->ready);
    service.completed = relative(times->completed);
    service.failed = relative(times->failed);
    timeline.services.push_back(std::move(service));
  }
  return timeline;
}

}  // namespace summon::timeline
