// Keeps the bring-ups of a run from the engine's state changes (SPEC 2.3).
// A bring-up (an episode) opens when a service is spawned while none is
// open, and closes once every service spawned in it has settled (ready,
// completed, failed, stopped or skipped). The first `up` is one; a
// `summon restart` with its `restart: true` dependents, or a policy restart
// after a crash, is another.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "engine/observer.hpp"
#include "graph/dependency_graph.hpp"
#include "timeline/timeline.hpp"

namespace summon::timeline {

class Recorder {
 public:
  /// `graph` gives the names and the edges; it must outlive the recorder.
  explicit Recorder(const graph::DependencyGraph& graph);

  /// Takes one change, in the order the engine reported them.
  void record(const engine::StateChange& change);

  /// The last bring-up that closed, else the one still open, else an empty
  /// timeline.
  Timeline last() const;

 private:
  struct Times {
    std::optional<engine::Duration> spawned, started, ready, completed, failed;
  };
  struct Episode {
    std::uint64_t id = 0;
    engine::Duration origin{};                   // since bring_up(), when it opened
    engine::Duration last{};                     // its latest ready, completion or failure
    std::vector<std::optional<Times>> services;  // by index; none if not spawned in it
  };

  void spawn(graph::ServiceIndex i, engine::Duration at);
  bool joins_closed(graph::ServiceIndex i) const;
  Episode* episode_of(graph::ServiceIndex i);
  bool settled(const Episode& episode) const;
  Timeline timeline_of(const Episode& episode, bool open) const;

  // What the recorder knows of one service now.
  struct Now {
    engine::State state = engine::State::pending;
    bool restarting = false;  // a policy restart follows: not settled, whatever its state
    std::uint64_t life = 0;   // the episode of its last spawn; 0 for none
  };

  const graph::DependencyGraph& graph_;
  std::vector<Now> now_;
  std::optional<Episode> open_;
  std::optional<Episode> closed_;
  // The one closed before closed_: the last closed again should closed_
  // open anew (see just_settled_).
  std::optional<Episode> previous_;
  std::uint64_t next_id_ = 1;
  // The change that closed the last episode (ready or completed), or a
  // completion in it after it closed; any change but a spawn clears it. A
  // spawn that follows at once, of a service that waited for that one, is
  // part of the same bring-up: the engine spawns a service's dependents in
  // the same turn it reports it ready or completed.
  struct Settled {
    graph::ServiceIndex service = 0;
    std::optional<engine::Duration> completed;  // a completion after the close
  };
  std::optional<Settled> just_settled_;
};

}  // namespace summon::timeline
